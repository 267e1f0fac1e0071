"""Entries edited or removed after they were paid, or while in doubt, are never paid twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devnode.handle import DevnodeFactory
from tests.runner.runner_harness import (
    Spec,
    address,
    claimed,
    intent_keys,
    run_args,
    run_cli,
    runner_events,
    stamp_keys,
    write_schedule,
)

PAID = Spec(100, "staking_rewards", address(51), 1_000_000)
OTHER = Spec(200, "block_rewards", address(52), 2000)
EDITS = {
    "height": Spec(101, PAID.pool, PAID.to, PAID.amount_udrt),
    "pool": Spec(PAID.height, "bridge_operations", PAID.to, PAID.amount_udrt),
}


def resolve(key: str, decision: str, logs: Path, schedule: Path, *extra: str) -> None:
    result = run_cli(
        "resolve", key, decision, "--reason", "the same payment, edited", "--by", "dora",
        "--log-dir", str(logs), "--schedule", str(schedule), *extra,
    )  # fmt: skip
    assert result.code == 0, result.stderr


def resolved_records(logs: Path) -> dict[str, dict[str, object]]:
    """The records under resolved/, by the key of the stamp or intent each retired."""
    folder = logs / ".state" / "resolved"
    records = [json.loads(path.read_text()) for path in folder.iterdir()]
    return {record["key"]: record for record in records}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_paid_entry_edited_is_a_conflict_not_a_second_payment(
    devnode: DevnodeFactory, tmp_path: Path, edit: str
) -> None:
    node = devnode(start_height=420)
    logs, schedule = tmp_path / "logs", tmp_path / "s.yaml"
    edited = EDITS[edit]
    assert run_cli(*run_args(node.rpc_url, write_schedule(schedule, [PAID]), logs)).code == 0
    write_schedule(schedule, [edited, OTHER])

    again = run_cli(*run_args(node.rpc_url, schedule, logs), "--json")

    assert again.code == 5, again.stderr
    assert claimed(node.claims()) == [
        (PAID.pool, PAID.amount_udrt, PAID.to),
        (OTHER.pool, OTHER.amount_udrt, OTHER.to),
    ]
    summary = again.json()
    assert (summary["conflicts"], summary["paid"], summary["in_doubt"]) == (1, 1, 0)
    conflict = runner_events(logs, "conflict")[0]
    assert (conflict.fields["key"], conflict.fields["stamp"]) == (edited.key, PAID.key)


def test_resolved_paid_retires_the_old_stamp_for_good(
    devnode: DevnodeFactory, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    logs, schedule = tmp_path / "logs", tmp_path / "s.yaml"
    edited = EDITS["height"]
    assert run_cli(*run_args(node.rpc_url, write_schedule(schedule, [PAID]), logs)).code == 0
    write_schedule(schedule, [edited])

    resolve(edited.key, "--paid", logs, schedule)
    settled = run_cli(*run_args(node.rpc_url, schedule, logs))
    # A later payment of the same amount to the same address is its own entry.
    later = Spec(300, PAID.pool, PAID.to, PAID.amount_udrt)
    write_schedule(schedule, [edited, later])
    next_month = run_cli(*run_args(node.rpc_url, schedule, logs))

    assert (settled.code, next_month.code) == (0, 0), settled.stderr + next_month.stderr
    assert claimed(node.claims()) == [(PAID.pool, PAID.amount_udrt, PAID.to)] * 2
    assert stamp_keys(logs) == {edited.key, later.key}
    records = resolved_records(logs)
    assert sorted(records) == sorted([PAID.key, edited.key])
    record = records[PAID.key]
    assert (record["entry_key"], record["decision"], record["intent"]) == (
        edited.key,
        "paid",
        None,
    )
    assert isinstance(record["removed_stamp"], str) and PAID.key in record["removed_stamp"]
    assert records[edited.key]["removed_stamp"] is None
    [line] = runner_events(logs, "resolve")
    assert (line.fields["key"], line.fields["retired"], line.fields["was"]) == (
        edited.key,
        PAID.key,
        "conflict",
    )


def test_resolved_not_paid_retires_the_old_stamp_and_pays_once(
    devnode: DevnodeFactory, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    logs, schedule = tmp_path / "logs", tmp_path / "s.yaml"
    edited = EDITS["pool"]
    assert run_cli(*run_args(node.rpc_url, write_schedule(schedule, [PAID]), logs)).code == 0
    write_schedule(schedule, [edited])

    resolve(edited.key, "--not-paid", logs, schedule)
    paid = run_cli(*run_args(node.rpc_url, schedule, logs))
    again = run_cli(*run_args(node.rpc_url, schedule, logs))

    assert (paid.code, again.code) == (0, 0), paid.stderr + again.stderr
    assert claimed(node.claims()) == [
        (PAID.pool, PAID.amount_udrt, PAID.to),
        (edited.pool, edited.amount_udrt, edited.to),
    ]
    assert stamp_keys(logs) == {edited.key}
    assert list(resolved_records(logs)) == [PAID.key]


def test_same_payee_and_amount_at_two_heights_are_both_paid(
    devnode: DevnodeFactory, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    logs = tmp_path / "logs"
    twin = Spec(150, PAID.pool, PAID.to, PAID.amount_udrt)
    schedule = write_schedule(tmp_path / "s.yaml", [PAID, twin])

    first = run_cli(*run_args(node.rpc_url, schedule, logs))
    second = run_cli(*run_args(node.rpc_url, schedule, logs))

    assert (first.code, second.code) == (0, 0), first.stderr + second.stderr
    assert claimed(node.claims()) == [(PAID.pool, PAID.amount_udrt, PAID.to)] * 2
    assert runner_events(logs, "conflict") == []


@pytest.fixture
def in_doubt(devnode: DevnodeFactory, tmp_path: Path) -> tuple[str, Path]:
    """A node whose answer to the claim of PAID was lost: PAID's intent is left, exit 5."""
    node = devnode(start_height=420)
    node.faults(drop_after_apply=1)
    logs = tmp_path / "logs"
    first = run_cli(*run_args(node.rpc_url, write_schedule(tmp_path / "s.yaml", [PAID]), logs))
    assert first.code == 5, first.stderr
    assert intent_keys(logs) == {PAID.key}
    assert len(node.claims()) == 1
    return node.rpc_url, logs


def test_entry_edited_while_in_doubt_stays_in_doubt_and_is_not_paid(
    in_doubt: tuple[str, Path], tmp_path: Path
) -> None:
    rpc_url, logs = in_doubt
    edited = EDITS["height"]
    schedule = write_schedule(tmp_path / "s.yaml", [edited])

    again = run_cli(*run_args(rpc_url, schedule, logs), "--json")

    assert again.code == 5, again.stderr
    summary = again.json()
    assert (summary["in_doubt"], summary["conflicts"], summary["paid"]) == (1, 1, 0)
    assert [(e.fields["key"], e.fields["status"]) for e in runner_events(logs, "doubt")] == [
        (PAID.key, "in_doubt")
    ]
    conflict = runner_events(logs, "conflict")[0]
    assert (conflict.fields["key"], conflict.fields["stamp"]) == (edited.key, PAID.key)

    resolve(edited.key, "--paid", logs, schedule)
    settled = run_cli(*run_args(rpc_url, schedule, logs))

    assert settled.code == 0, settled.stderr
    assert intent_keys(logs) == set()
    assert stamp_keys(logs) == {edited.key}
    records = resolved_records(logs)
    assert sorted(records) == sorted([PAID.key, edited.key])
    record = records[PAID.key]
    assert (record["entry_key"], record["removed_stamp"]) == (edited.key, None)
    assert isinstance(record["intent"], dict) and record["intent"]["height"] == PAID.height


def test_entry_removed_while_in_doubt_is_still_reported(
    in_doubt: tuple[str, Path], tmp_path: Path, devnode: DevnodeFactory
) -> None:
    rpc_url, logs = in_doubt
    schedule = write_schedule(tmp_path / "s.yaml", [OTHER])

    planned = run_cli(*run_args(rpc_url, schedule, logs), "--dry-run", "--json")
    again = run_cli(*run_args(rpc_url, schedule, logs), "--json")
    check = run_cli("resolve", PAID.key, "--check", "--log-dir", str(logs), "--rpc-url", rpc_url)
    resolve(PAID.key, "--not-paid", logs, schedule)
    settled = run_cli(*run_args(rpc_url, schedule, logs))

    assert [(a["key"], a["status"]) for a in planned.json()["attention"]] == [
        (PAID.key, "in_doubt")
    ]
    assert again.code == 5, again.stderr
    summary = again.json()
    assert (summary["in_doubt"], summary["paid"]) == (1, 1)
    assert [a["key"] for a in summary["attention"]] == [PAID.key]
    assert check.code == 0, check.stderr
    assert check.stdout.startswith(f"key={PAID.key} answer=paid ")
    assert settled.code == 0, settled.stderr
    assert intent_keys(logs) == set()
    assert list(resolved_records(logs)) == [PAID.key]
