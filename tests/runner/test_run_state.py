"""The state folder as the runner meets it: conflicts, damaged stamps, symlinks, two runners."""

from __future__ import annotations

import json
from pathlib import Path

from devnode.handle import DevnodeFactory
from runner.stamps import DamagedStamp, StampStore
from tests.runner.runner_harness import (
    Spec,
    address,
    claimed,
    intent_keys,
    run_args,
    run_cli,
    runner_events,
    stamp_keys,
    start_runner,
    write_schedule,
)

PAID = "2026-11-30T12:05:01Z\n"


def test_entry_edited_after_payment_is_a_conflict_not_paid(
    devnode: DevnodeFactory, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    before = Spec(100, "staking_rewards", address(21), 1000)
    after = Spec(100, "staking_rewards", address(21), 5000)
    other = Spec(200, "block_rewards", address(22), 2000)
    logs = tmp_path / "logs"
    (logs / ".state").mkdir(parents=True)
    (logs / ".state" / f"{before.key}.stamp").write_text(PAID)
    schedule = write_schedule(tmp_path / "s.yaml", [after, other])

    first = run_cli(*run_args(node.rpc_url, schedule, logs), "--json")
    second = run_cli(*run_args(node.rpc_url, schedule, logs))

    assert (first.code, second.code) == (5, 5)
    assert claimed(node.claims()) == [("block_rewards", 2000, other.to)]
    summary = first.json()
    assert (summary["conflicts"], summary["paid"]) == (1, 1)
    assert summary["attention"] == [
        {
            "key": after.key,
            "status": "conflict",
            "reason": f"the stamp {before.key} at the same height and pool matches no schedule"
            " entry (was the entry edited after it was paid?)",
        }
    ]
    conflicts = runner_events(logs, "conflict")
    assert len(conflicts) == 2
    assert conflicts[0].fields["stamp"] == before.key


def test_conflict_resolved_not_paid_archives_the_old_stamp_and_pays(
    devnode: DevnodeFactory, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    before = Spec(100, "staking_rewards", address(21), 1000)
    after = Spec(100, "staking_rewards", address(21), 5000)
    logs = tmp_path / "logs"
    (logs / ".state").mkdir(parents=True)
    (logs / ".state" / f"{before.key}.stamp").write_text(PAID)
    schedule = write_schedule(tmp_path / "s.yaml", [after])

    decided = run_cli(
        "resolve", after.key, "--not-paid", "--reason", "the raise is owed",
        "--by", "carol", "--log-dir", str(logs), "--schedule", str(schedule),
    )  # fmt: skip
    result = run_cli(*run_args(node.rpc_url, schedule, logs))

    assert decided.code == 0, decided.stderr
    assert result.code == 0, result.stderr
    assert claimed(node.claims()) == [("staking_rewards", 5000, after.to)]
    assert stamp_keys(logs) == {after.key}
    archived = [json.loads(p.read_text()) for p in (logs / ".state" / "resolved").iterdir()]
    assert [(a["key"], a["removed_stamp"]) for a in archived] == [(before.key, PAID)]


def test_id_entry_whose_stamp_records_another_amount_is_a_conflict(
    devnode: DevnodeFactory, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    bonus = Spec(100, "staking_rewards", address(23), 7000, id="bonus-1")
    logs = tmp_path / "logs"
    (logs / ".state").mkdir(parents=True)
    (logs / ".state" / "bonus-1.stamp").write_text(
        json.dumps(
            {"v": 1, "key": "bonus-1", "height": 100, "pool": "staking_rewards",
             "to": bonus.to, "amount_udrt": 6000, "paid_at": "2026-11-30T12:05:01Z",
             "remaining": "1", "run_id": "r", "decided_by": None, "reason": None}
        ) + "\n"
    )  # fmt: skip
    schedule = write_schedule(tmp_path / "s.yaml", [bonus])

    result = run_cli(*run_args(node.rpc_url, schedule, logs), "--json")

    assert result.code == 5
    assert node.claims() == []
    assert result.json()["attention"][0]["reason"] == (
        f"its stamp records 6000 uDRT to {bonus.to}, the schedule says 7000 uDRT to {bonus.to}"
    )


def test_empty_and_truncated_stamps_are_damaged_never_paid(
    devnode: DevnodeFactory, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    empty = Spec(100, "staking_rewards", address(24), 1000)
    cut = Spec(200, "block_rewards", address(25), 2000)
    logs = tmp_path / "logs"
    state = logs / ".state"
    state.mkdir(parents=True)
    (state / f"{empty.key}.stamp").write_text("")
    (state / f"{cut.key}.stamp").write_text('{"v": 1, "key": "' + cut.key[:20])
    schedule = write_schedule(tmp_path / "s.yaml", [empty, cut])

    result = run_cli(*run_args(node.rpc_url, schedule, logs), "--json")

    assert result.code == 5
    assert node.claims() == []
    assert [(a["key"], a["reason"]) for a in result.json()["attention"]] == [
        (empty.key, "empty stamp"),
        (cut.key, "truncated or malformed JSON"),
    ]
    assert [e.fields["reason"] for e in runner_events(logs, "damaged")] == [
        "empty stamp",
        "truncated or malformed JSON",
    ]

    decided = run_cli(
        "resolve", empty.key, "--paid", "--reason", "paid by the shell runner",
        "--by", "dave", "--log-dir", str(logs), "--schedule", str(schedule),
    )  # fmt: skip
    assert decided.code == 0, decided.stderr
    assert not isinstance(StampStore(state).read(empty.key), DamagedStamp)


def test_symlink_in_the_state_folder_is_refused(devnode: DevnodeFactory, tmp_path: Path) -> None:
    node = devnode(start_height=420)
    spec = Spec(100, "staking_rewards", address(26), 1000)
    logs = tmp_path / "logs"
    state = logs / ".state"
    state.mkdir(parents=True)
    outside = tmp_path / "outside.txt"
    outside.write_text(PAID)
    (state / f"{spec.key}.stamp").symlink_to(outside)
    (state / "sneaky").symlink_to(tmp_path)
    schedule = write_schedule(tmp_path / "s.yaml", [spec])

    result = run_cli(*run_args(node.rpc_url, schedule, logs), "--json")

    assert result.code == 5
    assert node.claims() == []
    assert outside.read_text() == PAID
    assert sorted((a["key"], a["reason"]) for a in result.json()["attention"]) == [
        (spec.key, "is a symlink: refused"),
        ("sneaky", "sneaky is a symlink: refused"),
    ]


def test_two_runners_at_once_pay_each_entry_at_most_once(
    devnode: DevnodeFactory, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    node.faults(claim_delay_ms=20)
    specs = [Spec(100 + i, "staking_rewards", address(100 + i), 10 + i) for i in range(20)]
    logs = tmp_path / "logs"
    args = run_args(node.rpc_url, write_schedule(tmp_path / "s.yaml", specs), logs)[1:]

    runners = [start_runner(*args), start_runner(*args)]
    for process in runners:
        process.communicate(timeout=120)
    codes = sorted(process.returncode for process in runners)

    assert codes in ([0, 0], [0, 3])
    paid = claimed(node.claims())
    assert sorted(paid) == sorted(("staking_rewards", s.amount_udrt, s.to) for s in specs)
    assert stamp_keys(logs) == {s.key for s in specs}
    assert intent_keys(logs) == set()
