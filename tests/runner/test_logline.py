"""Log lines: the runner's own form round-trips; the shell and JSON-lines forms parse."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from runner.logline import LogEvent, LogWriter, format_line, format_value, parse_line

TS = datetime(2026, 12, 1, 10, 5, 1, tzinfo=UTC)
RUN = "20261201T100501Z-4f2a"


def test_apply_line_is_written_as_documented() -> None:
    line = format_line(
        "apply",
        {"height": 400, "pool": "bridge_operations", "remaining": "88", "status": "applied"},
        run_id=RUN,
        ts=TS,
    )

    assert line == (
        "2026-12-01T10:05:01Z [emissions] apply height=400 pool=bridge_operations"
        " remaining=88 status=applied run=20261201T100501Z-4f2a"
    )


def test_height_line_has_no_event_word_like_the_shell_runner() -> None:
    line = format_line("height", {"height": 420}, run_id=RUN, ts=TS)

    assert line == "2026-12-01T10:05:01Z [emissions] height=420 run=20261201T100501Z-4f2a"
    assert parse_line(line) == LogEvent(TS, "height", {"height": "420"}, RUN, "runner")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "two words",
        'say "hi"',
        "back\\slash",
        '{"error": "InternalError", "message": "internal error"}',
        "line\nbreak\rand\ttab",
        "bell\x07 and \u2028 separator",
        "caf\u00e9",
        "a=b",
    ],
)
def test_awkward_values_round_trip(value: str) -> None:
    line = format_line("error", {"kind": "rejected", "resp": value}, run_id=RUN, ts=TS)

    assert "\n" not in line and "\r" not in line and "\u2028" not in line
    event = parse_line(line + "\n")
    assert event is not None
    assert event.fields == {"kind": "rejected", "resp": value}
    assert event.run_id == RUN


def test_plain_values_stay_bare() -> None:
    assert format_value("dyt1abc") == "dyt1abc"
    assert format_value("") == '""'
    assert format_value("a b") == '"a b"'


def test_none_fields_are_left_out() -> None:
    line = format_line("apply", {"height": 1, "remaining": None}, run_id=None, ts=TS)

    assert line == "2026-12-01T10:05:01Z [emissions] apply height=1"


def test_shell_error_line_keeps_its_unquoted_body() -> None:
    event = parse_line(
        '[emissions] apply height=400 status=error resp={"error": "InternalError",'
        ' "message": "internal error"}'
    )

    assert event == LogEvent(
        None,
        "apply",
        {
            "height": "400",
            "status": "error",
            "resp": '{"error": "InternalError", "message": "internal error"}',
        },
        None,
        "shell",
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "[emissions]",
        "2026-12-01T10:05:01Z [emissions] bogus height=1",
        '2026-12-01T10:05:01Z [emissions] apply resp="unterminated',
        "2026-12-01T10:05:01Z [emissions] apply stray words",
        "2026-13-01T10:05:01Z [emissions] apply height=1",
        "[emissions] pool=x",
        '{"status": "maybe", "key": "k"}',
        "[1, 2]",
        "{not json",
    ],
)
def test_garbage_is_not_a_log_line(text: str) -> None:
    assert parse_line(text) is None


def test_every_line_of_the_shell_case_parses(shared_cases: Path) -> None:
    events = [
        parse_line(line)
        for path in sorted((shared_cases / "legacy-logdir").glob("*.log"))
        for line in path.read_text().splitlines()
    ]

    assert None not in events
    parsed = [event for event in events if event is not None]
    assert [event.event for event in parsed].count("apply") == 5
    assert {event.source for event in parsed} == {"shell"}
    failed = [event for event in parsed if event.status == "error"]
    assert len(failed) == 1
    assert failed[0].fields["pool"] == "ai_module_incentives"
    assert failed[0].fields["resp"] == ""


def test_every_line_of_the_jsonl_case_parses(shared_cases: Path) -> None:
    path = shared_cases / "legacy-jsonl-logdir" / "20261129.log"
    events = [parse_line(line) for line in path.read_text().splitlines()]

    assert events[0] == LogEvent(
        datetime(2026, 11, 29, 10, 0, 3, tzinfo=UTC),
        "apply",
        {
            "key": "100_staking_rewards_dyt1b449d75c065dff86224e707b62732d17f822826701df56c6"
            "_1000000",
            "height": "100",
            "pool": "staking_rewards",
            "to": "dyt1b449d75c065dff86224e707b62732d17f822826701df56c6",
            "amount_udrt": "1000000",
            "remaining": "5000",
            "status": "applied",
        },
        None,
        "jsonl",
    )
    assert [event.status if event else None for event in events] == [
        "applied",
        "applied",
        "error",
    ]
    assert events[2] is not None and events[2].fields["kind"] == "claim_failed"


def test_writer_appends_by_utc_day_and_lines_parse_back(tmp_path: Path) -> None:
    clock = iter(
        [
            datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC),
            datetime(2026, 12, 2, 0, 0, 0, tzinfo=UTC),
        ]
    )
    echoed: list[str] = []
    writer = LogWriter(tmp_path, RUN, echo=echoed.append, clock=lambda: next(clock))

    writer.write("start", entries=3)
    writer.write("done", exit=0, status="ok")
    writer.close()

    first = (tmp_path / "20261201.log").read_text()
    second = (tmp_path / "20261202.log").read_text()
    assert first == "2026-12-01T23:59:59Z [emissions] start entries=3 run=20261201T100501Z-4f2a\n"
    assert second == (
        "2026-12-02T00:00:00Z [emissions] done exit=0 status=ok run=20261201T100501Z-4f2a\n"
    )
    assert echoed == [first.rstrip("\n"), second.rstrip("\n")]


def test_writer_without_folder_writes_nothing(tmp_path: Path) -> None:
    echoed: list[str] = []
    writer = LogWriter(None, RUN, echo=echoed.append, clock=lambda: TS)

    writer.write("height", height=5)
    writer.close()

    assert list(tmp_path.iterdir()) == []
    assert echoed == ["2026-12-01T10:05:01Z [emissions] height=5 run=20261201T100501Z-4f2a"]
