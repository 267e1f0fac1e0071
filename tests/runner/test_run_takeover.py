"""Taking over from the shell runner and the older JSON-lines runner: nothing paid twice."""

from __future__ import annotations

from pathlib import Path

from devnode.handle import DevnodeFactory
from runner.stamps import Stamp, StampStore
from tests.runner.runner_harness import (
    claimed,
    copy_case,
    log_events,
    run_args,
    run_cli,
    runner_events,
    stamp_keys,
)

AI = "dyt1fca4dbb248512504df492901b46ab61453bd203768fc100b"
BRIDGE = "dyt17e9d64ba2c1fb130c853b31c505f5214bf2a1c741204985f"
STAKING_100 = "dyt1b449d75c065dff86224e707b62732d17f822826701df56c6"
BLOCK_100 = "dyt1e9bf71848eb4c50c9acefbfb85e3c27f31edcf49c2250d53"
STAKING_250 = "dyt124d5aaaf820473cf6fb7c72f0d94739ad3bda28ca9be7da9"


def test_shell_runner_folder_pays_only_the_failed_entry(
    devnode: DevnodeFactory, shared_cases: Path, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    logs = copy_case(shared_cases / "legacy-logdir", tmp_path / "logs")
    schedule = shared_cases / "schedules" / "small.yaml"
    shell_lines = (logs / "20261201.log").read_text()

    first = run_cli(*run_args(node.rpc_url, schedule, logs))
    second = run_cli(*run_args(node.rpc_url, schedule, logs))

    assert first.code == 0, first.stderr
    assert second.code == 0, second.stderr
    assert claimed(node.claims()) == [("ai_module_incentives", 300000, AI)]
    assert len(stamp_keys(logs)) == 5
    assert (logs / "20261201.log").read_text() == shell_lines
    done = runner_events(logs, "done")
    assert [(d.fields["paid"], d.fields["skipped"], d.fields["future"]) for d in done] == [
        ("1", "4", "3"),
        ("0", "5", "3"),
    ]


def test_shell_runner_folder_pays_nothing_more_until_height_900(
    devnode: DevnodeFactory, shared_cases: Path, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    logs = copy_case(shared_cases / "legacy-logdir", tmp_path / "logs")
    schedule = shared_cases / "schedules" / "small.yaml"

    run_cli(*run_args(node.rpc_url, schedule, logs))
    node.advance(479)
    at_899 = run_cli(*run_args(node.rpc_url, schedule, logs))
    node.advance(1)
    at_900 = run_cli(*run_args(node.rpc_url, schedule, logs))

    assert (at_899.code, at_900.code) == (0, 0)
    assert claimed(node.claims()) == [
        ("ai_module_incentives", 300000, AI),
        ("staking_rewards", 1000000, STAKING_100),
    ]


def test_json_lines_folder_keeps_its_ok_records_as_stamps(
    devnode: DevnodeFactory, shared_cases: Path, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    logs = copy_case(shared_cases / "legacy-jsonl-logdir", tmp_path / "logs")
    schedule = shared_cases / "schedules" / "small.yaml"

    first = run_cli(*run_args(node.rpc_url, schedule, logs))
    second = run_cli(*run_args(node.rpc_url, schedule, logs))

    assert (first.code, second.code) == (0, 0), first.stderr
    assert sorted(claimed(node.claims())) == sorted(
        [
            ("staking_rewards", 750000, STAKING_250),
            ("ai_module_incentives", 300000, AI),
            ("bridge_operations", 100000, BRIDGE),
        ]
    )
    imported = StampStore(logs / ".state").read(f"100_staking_rewards_{STAKING_100}_1000000")
    assert isinstance(imported, Stamp)
    assert imported.imported_from == "20261129.log"
    assert imported.remaining == "5000"
    assert imported.paid_at is not None and imported.paid_at.isoformat() == (
        "2026-11-29T10:00:03+00:00"
    )
    assert [e.fields["imported"] for e in runner_events(logs, "done")] == ["2", "0"]
    assert [e.fields["status"] for e in runner_events(logs, "apply")] == [
        "imported",
        "imported",
        "applied",
        "applied",
        "applied",
    ]


def test_retention_removes_old_day_files_but_never_unimported_records(
    devnode: DevnodeFactory, shared_cases: Path, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    logs = copy_case(shared_cases / "legacy-logdir", tmp_path / "logs")
    (logs / "20200101.log").write_text(
        '{"ts": "2020-01-01T00:00:00Z", "status": "ok", "key": "5:block_rewards:x:1",'
        ' "height": 5, "pool": "block_rewards", "to": "x", "amount_udrt": 2}\n'
    )
    (logs / "20200102.log").write_text("[emissions] height=5\n")
    (logs / "notes.txt").write_text("an operator's file\n")
    schedule = shared_cases / "schedules" / "small.yaml"
    args = run_args(node.rpc_url, schedule, logs)
    args[args.index("--retention-days") + 1] = "1"

    result = run_cli(*args)

    assert result.code == 5, result.stderr  # the unimportable record is reported
    names = sorted(p.name for p in logs.iterdir() if p.is_file())
    assert "20200102.log" not in names and "20261130.log" not in names
    assert "20200101.log" in names and "notes.txt" in names and "README" in names
    assert len(stamp_keys(logs)) == 5
    errors = [e.fields for e in log_events(logs) if e.event == "error"]
    assert errors == [
        {
            "kind": "state_damaged",
            "file": "20200101.log",
            "line": "1",
            "reason": "payment record not imported: key disagrees with its fields",
        }
    ]


def test_a_payment_record_that_cannot_be_imported_blocks_its_entry(
    devnode: DevnodeFactory, shared_cases: Path, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    logs = tmp_path / "logs"
    logs.mkdir()
    key = f"250:staking_rewards:{STAKING_250}:750000"
    (logs / "20261129.log").write_text(
        f'{{"ts": "2026-11-29T10:00:03Z", "status": "ok", "key": "{key}", "height": 250,'
        f' "pool": "staking_rewards", "to": "{STAKING_250}", "amount_udrt": 75000}}\n'
    )
    schedule = shared_cases / "schedules" / "small.yaml"

    result = run_cli(*run_args(node.rpc_url, schedule, logs), "--json")

    assert result.code == 5
    assert ("staking_rewards", 750000, STAKING_250) not in claimed(node.claims())
    assert len(node.claims()) == 4
    assert result.json()["attention"] == [
        {
            "key": key.replace(":", "_"),
            "status": "damaged",
            "reason": "payment record not imported: key disagrees with its fields",
        }
    ]
