"""Crashes at every step of a claim: the devnode never pays an entry twice, and every
payment it made is either stamped or recorded as in doubt.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from devnode.handle import DevnodeFactory, DevnodeHandle
from tests.runner.runner_harness import (
    Spec,
    address,
    claimed,
    intent_keys,
    run_args,
    run_cli,
    stamp_keys,
    write_schedule,
)

SPECS = [
    Spec(100, "staking_rewards", address(1), 1000),
    Spec(200, "block_rewards", address(2), 2000),
    Spec(300, "bridge_operations", address(3), 3000),
]
BY_CLAIM = {(s.pool, s.amount_udrt, s.to): s.key for s in SPECS}


def assert_paid_at_most_once_and_recorded(node: DevnodeHandle, logs: Path) -> None:
    paid = [BY_CLAIM[claim] for claim in claimed(node.claims())]
    assert len(paid) == len(set(paid)), f"paid twice: {paid}"
    assert set(paid) <= stamp_keys(logs) | intent_keys(logs)


@pytest.mark.parametrize(
    ("failpoint", "node_paid_first"),
    [("before_post", False), ("after_post", True), ("during_stamp", True)],
)
def test_crash_leaves_the_entry_in_doubt_and_never_pays_twice(
    devnode: DevnodeFactory, tmp_path: Path, failpoint: str, node_paid_first: bool
) -> None:
    node = devnode(start_height=420)
    schedule = write_schedule(tmp_path / "schedule.yaml", SPECS)
    logs = tmp_path / "logs"
    args = run_args(node.rpc_url, schedule, logs)

    crashed = run_cli(*args, env={"DYT_EMISSIONS_FAILPOINT": failpoint})

    assert crashed.code == -signal.SIGKILL
    assert intent_keys(logs) == {SPECS[0].key}
    assert stamp_keys(logs) == set()
    assert len(node.claims()) == (1 if node_paid_first else 0)
    assert_paid_at_most_once_and_recorded(node, logs)

    after = run_cli(*args)
    again = run_cli(*args)

    assert (after.code, again.code) == (5, 5)
    assert intent_keys(logs) == {SPECS[0].key}
    assert stamp_keys(logs) == {SPECS[1].key, SPECS[2].key}
    assert len(node.claims()) == (3 if node_paid_first else 2)
    assert_paid_at_most_once_and_recorded(node, logs)
    assert f"doubt height=100 denom=uDRT pool=staking_rewards to={SPECS[0].to}" in again.stderr


def test_crash_before_post_is_resolved_not_paid_and_paid_once(
    devnode: DevnodeFactory, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    schedule = write_schedule(tmp_path / "schedule.yaml", SPECS)
    logs = tmp_path / "logs"
    args = run_args(node.rpc_url, schedule, logs)
    run_cli(*args, env={"DYT_EMISSIONS_FAILPOINT": "before_post"})
    key = SPECS[0].key
    where = ["--log-dir", str(logs), "--rpc-url", node.rpc_url]

    check = run_cli("resolve", key, "--check", "--json", *where)
    decided = run_cli(
        "resolve", key, "--not-paid", "--reason", "balance unchanged", "--by", "ops", *where
    )
    final = run_cli(*args)

    assert check.code == 0, check.stderr
    assert check.json()["answer"] == "not_paid"
    assert decided.code == 0, decided.stderr
    assert final.code == 0, final.stderr
    assert sorted(BY_CLAIM[c] for c in claimed(node.claims())) == sorted(s.key for s in SPECS)
    assert stamp_keys(logs) == {s.key for s in SPECS}
    assert intent_keys(logs) == set()
