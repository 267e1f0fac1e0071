"""LogSummary folds the three log forms (runner, shell, JSON) into runs, errors and paid keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from exporter.log_summary import LogSummary
from exporter.log_tail import LogBatch
from tests.exporter.volume import (
    ADDRESSES,
    NOW,
    Planned,
    applied_line,
    run_lines,
    runner_line,
    shell_apply_line,
)

PAID = Planned(100, "staking_rewards", ADDRESSES[0], 1_000_000)
FAILED = Planned(200, "block_rewards", ADDRESSES[1], 2_000_000)
MTIME = 1_796_300_000.0


def fold(*texts: str | bytes, name: str = "20261203.log") -> LogSummary:
    summary = LogSummary()
    for text in texts:
        data = text.encode("utf-8") if isinstance(text, str) else text
        summary.add(LogBatch(name, data.splitlines(), MTIME))
    return summary


def test_runner_lines_give_runs_heights_errors_and_paid_keys() -> None:
    first = NOW - timedelta(minutes=5)
    summary = fold(
        run_lines(400, start=first, status="failed", exit_code=4),
        runner_line("start", NOW, entries=2),
        runner_line("height", NOW, height=420),
        applied_line(PAID, NOW),
        runner_line(
            "apply", NOW, key=FAILED.key, status="error", kind="claim_failed", http_status=500
        ),
        runner_line("error", NOW, kind="node_unreachable", reason="connection refused"),
        runner_line("apply", NOW, key="k", status="in_doubt", kind="answer_lost"),
        runner_line("error", NOW, kind="something_new"),
        runner_line("done", NOW + timedelta(seconds=3), height=420, status="failed"),
    )

    assert summary.runs == 2
    assert summary.last_start == NOW.timestamp()
    assert summary.last_end == (NOW + timedelta(seconds=3)).timestamp()
    assert summary.last_success is None
    assert summary.last_height == 420
    assert summary.applied_keys == {PAID.key}
    assert summary.errors == {
        "claim_failed": 1,
        "rejected": 0,
        "node_unreachable": 1,
        "answer_lost": 1,
        "invalid_schedule": 0,
        "state_damaged": 0,
        "other": 1,
    }
    assert (summary.lines, summary.parse_errors) == (11, 0)


def test_a_run_ending_ok_is_the_last_success() -> None:
    summary = fold(run_lines(420, start=NOW))
    assert summary.last_success == NOW.timestamp()


def test_shell_lines_take_the_file_mtime_and_a_run_with_an_error_is_no_success() -> None:
    summary = fold(
        "[emissions] height=260\n",
        shell_apply_line(PAID),
        "[emissions] done height=260\n",
        "[emissions] height=420\n",
        shell_apply_line(FAILED, status="error"),
        "[emissions] done height=420\n",
    )

    assert summary.runs == 2
    assert (summary.last_start, summary.last_end, summary.last_success) == (MTIME, MTIME, MTIME)
    assert summary.last_height == 420
    assert summary.applied_keys == {PAID.key}
    assert summary.errors["claim_failed"] == 1


def test_shell_success_follows_the_run_not_the_file() -> None:
    failed_run = fold(
        "[emissions] height=420\n", shell_apply_line(FAILED, status="error"), "[emissions] done\n"
    )
    assert failed_run.last_success is None


def test_json_lines_are_payment_records_and_errors() -> None:
    ok = (
        '{"ts":"2026-11-29T10:00:03Z","status":"ok","key":"100:staking_rewards:'
        f'{PAID.to}:1000000","height":100,"pool":"staking_rewards","to":"{PAID.to}",'
        '"amount_udrt":1000000,"remaining":"5000"}\n'
    )
    error = (
        '{"ts":"2026-11-29T10:05:02Z","status":"error","key":"200:block_rewards:'
        f'{FAILED.to}:2000000","error":"claim_failed"}}\n'
    )
    summary = fold(ok, error)

    payment = summary.json_payments[PAID.key]
    assert (payment.height, payment.pool, payment.to, payment.amount_udrt) == (
        100,
        "staking_rewards",
        PAID.to,
        1_000_000,
    )
    assert payment.paid_at == datetime(2026, 11, 29, 10, 0, 3, tzinfo=UTC).timestamp()
    assert summary.applied_keys == set()
    assert summary.errors["claim_failed"] == 1
    assert summary.take_new_keys() == [PAID.key]
    assert summary.take_new_keys() == []


def test_garbage_and_binary_lines_are_counted_and_blank_lines_ignored() -> None:
    summary = fold(
        b"hello world\n\n   \n\xff\xfe\x00binary\n{not json\n[emissions] frobnicate x=1\n",
        "[emissions] height=7\n",
    )
    assert (summary.lines, summary.parse_errors, summary.last_height) == (5, 4, 7)


def test_resolve_paid_and_imported_lines_record_a_key_as_logged() -> None:
    summary = fold(
        runner_line("resolve", NOW, key="k1", decision="paid", by="alice", was="in_doubt"),
        runner_line("resolve", NOW, key="k2", decision="not_paid", by="alice"),
        runner_line("apply", NOW, key="k3", status="imported", source="20261129.log"),
    )
    assert summary.log_keys() == {"k1", "k3"}
    assert summary.applied_keys == set()


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(
        st.one_of(
            st.binary(max_size=80),
            st.text(max_size=80).map(lambda t: ("[emissions] " + t).encode()),
            st.text(max_size=80).map(
                lambda t: ('2026-12-01T10:05:01Z [emissions] error reason="' + t).encode()
            ),
        ),
        max_size=20,
    )
)
def test_any_bytes_are_folded_without_raising(lines: list[bytes]) -> None:
    summary = LogSummary()
    summary.add(LogBatch("20261203.log", [line.replace(b"\n", b" ") for line in lines], MTIME))
    assert 0 <= summary.parse_errors <= summary.lines <= len(lines)
