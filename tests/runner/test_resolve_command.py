"""`resolve`: refusals are clear and change nothing; decisions need the lock."""

from __future__ import annotations

from pathlib import Path

import pytest

from devnode.handle import DevnodeFactory
from runner.lock import state_lock
from runner.stamps import Stamp, StampStore
from tests.runner.runner_harness import (
    Spec,
    address,
    intent_keys,
    run_args,
    run_cli,
    stamp_keys,
    write_schedule,
)

SPEC = Spec(100, "staking_rewards", address(41), 1000)


@pytest.fixture
def in_doubt(devnode: DevnodeFactory, tmp_path: Path) -> Path:
    node = devnode(start_height=420)
    node.faults(drop_after_apply=1)
    logs = tmp_path / "logs"
    assert (
        run_cli(*run_args(node.rpc_url, write_schedule(tmp_path / "s.yaml", [SPEC]), logs)).code
        == 5
    )
    return logs


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-key", "--not-paid", "--reason", "x"], "no-such-key is not in doubt"),
        (["../etc", "--paid", "--reason", "x"], "'../etc' is not an entry key"),
        ([SPEC.key, "--paid"], "--paid and --not-paid need --reason TEXT"),
        (["no-such-key", "--check"], "no-such-key is not in doubt: there is no intent"),
        ([SPEC.key, "--check"], "--check needs --rpc-url (or RPC)"),
    ],
)
def test_refusals_change_nothing(in_doubt: Path, args: list[str], message: str) -> None:
    before = sorted(p.name for p in (in_doubt / ".state").iterdir())

    result = run_cli("resolve", *args, "--log-dir", str(in_doubt))

    assert result.code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in (in_doubt / ".state").iterdir()) == before


def test_unknown_key_with_a_schedule(in_doubt: Path, tmp_path: Path) -> None:
    result = run_cli(
        "resolve", "nothing-here", "--paid", "--reason", "x", "--by", "e",
        "--log-dir", str(in_doubt), "--schedule", str(tmp_path / "s.yaml"),
    )  # fmt: skip

    assert result.code == 2
    assert result.stderr == (
        "dyt-emissions resolve: no schedule entry and no intent has the key nothing-here\n"
    )


def test_paid_entry_has_nothing_to_resolve(in_doubt: Path, tmp_path: Path) -> None:
    run_cli(
        "resolve", SPEC.key, "--paid", "--reason", "x", "--by", "e", "--log-dir", str(in_doubt)
    )

    again = run_cli(
        "resolve", SPEC.key, "--not-paid", "--reason", "y", "--by", "e",
        "--log-dir", str(in_doubt), "--schedule", str(tmp_path / "s.yaml"),
    )  # fmt: skip

    assert again.code == 2
    stamp = in_doubt / ".state" / f"{SPEC.key}.stamp"
    assert again.stderr == (
        f"dyt-emissions resolve: {SPEC.key} is already paid (stamp {stamp}): nothing to resolve\n"
    )
    assert stamp_keys(in_doubt) == {SPEC.key}


def test_decision_waits_for_no_runner(in_doubt: Path) -> None:
    with state_lock(in_doubt / ".state"):
        result = run_cli(
            "resolve", SPEC.key, "--paid", "--reason", "x", "--by", "e", "--log-dir", str(in_doubt)
        )

    assert result.code == 3
    assert "another runner holds the lock" in result.stderr
    assert intent_keys(in_doubt) == {SPEC.key}


def test_paid_records_a_payment_whose_stamp_was_lost(
    devnode: DevnodeFactory, tmp_path: Path
) -> None:
    node = devnode(start_height=20)  # SPEC (height 100) is not even due yet
    logs = tmp_path / "logs"
    schedule = write_schedule(tmp_path / "s.yaml", [SPEC])

    decided = run_cli(
        "resolve", SPEC.key, "--paid", "--reason", "the log says applied", "--by", "erin",
        "--log-dir", str(logs), "--schedule", str(schedule),
    )  # fmt: skip
    node.advance(100)
    after = run_cli(*run_args(node.rpc_url, schedule, logs))

    assert decided.code == 0, decided.stderr
    assert decided.stdout == f"resolved {SPEC.key}: paid (was unpaid), decided by erin\n"
    stamp = StampStore(logs / ".state").read(SPEC.key)
    assert isinstance(stamp, Stamp)
    assert (stamp.decided_by, stamp.reason) == ("erin", "the log says applied")
    assert after.code == 0, after.stderr
    assert node.claims() == []


def test_not_paid_on_an_unpaid_entry_has_nothing_to_resolve(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    schedule = write_schedule(tmp_path / "s.yaml", [SPEC])

    result = run_cli(
        "resolve", SPEC.key, "--not-paid", "--reason", "x", "--by", "e",
        "--log-dir", str(logs), "--schedule", str(schedule),
    )  # fmt: skip

    assert result.code == 2
    assert result.stderr == (
        f"dyt-emissions resolve: {SPEC.key}: nothing to resolve: it is not paid and not in"
        " doubt (the next run pays it when it is due)\n"
    )
    assert stamp_keys(logs) == set()


def test_already_paid_without_a_schedule_says_so(in_doubt: Path) -> None:
    run_cli(
        "resolve", SPEC.key, "--paid", "--reason", "x", "--by", "e", "--log-dir", str(in_doubt)
    )

    again = run_cli(
        "resolve", SPEC.key, "--paid", "--reason", "x", "--by", "e", "--log-dir", str(in_doubt)
    )

    stamp = in_doubt / ".state" / f"{SPEC.key}.stamp"
    assert again.code == 2
    assert again.stderr == (
        f"dyt-emissions resolve: {SPEC.key} is already paid (stamp {stamp}): nothing to resolve\n"
    )


def test_read_only_volume_is_said_and_changes_nothing() -> None:
    # sysfs refuses new folders even to root: a read-only volume without a mount.
    result = run_cli(
        "resolve", SPEC.key, "--paid", "--reason", "x", "--by", "e", "--log-dir", "/sys/kernel"
    )

    assert result.code == 2
    assert result.stderr == (
        "dyt-emissions resolve: cannot use /sys/kernel/.state: Operation not permitted (the"
        " volume is not writable here); nothing was changed. resolve must run where the logs"
        " volume is writable: e.g. a pod that mounts it read-write, with the CronJob"
        " suspended\n"
    )
