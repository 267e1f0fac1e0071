"""One small volume per entry state and per ledger mismatch, judged by the Auditor."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from devnode.handle import DevnodeFactory
from exporter.advice import Advisor
from exporter.audit import Audit, Auditor, AuditSettings
from runner.ledger import Status
from tests.exporter.volume import (
    ADDRESSES,
    NOW,
    Planned,
    Volume,
    applied_line,
    run_lines,
)

STAKING = Planned(100, "staking_rewards", ADDRESSES[0], 1_000_000)
BLOCK = Planned(150, "block_rewards", ADDRESSES[1], 2_000_000)
LATER = Planned(900, "bridge_operations", ADDRESSES[2], 300_000)
ALL_PLANNED = [STAKING, BLOCK, LATER]


def judge(
    volume: Volume,
    entries: list[Planned] | None = None,
    *,
    height: int | None = 155,
    grace: int = 60,
    node_metrics_url: str | None = None,
) -> Audit:
    if entries is not None:
        volume.write_schedule(entries)
    settings = AuditSettings(
        schedule=volume.schedule_path,
        log_dir=volume.log_dir,
        node_metrics_url=node_metrics_url,
        grace_blocks=grace,
        height=height,
    )
    auditor = Auditor(settings, clock=NOW.timestamp)
    try:
        return auditor.refresh(details=True)
    finally:
        auditor.close()


def status_of(audit: Audit, planned: Planned) -> tuple[Status, str]:
    (state,) = [s for s in audit.entries() if s.entry.key == planned.key]
    return state.status, state.reason


def statuses(audit: Audit) -> dict[str, int]:
    counts = audit.status_counts()
    assert counts is not None
    return {status.value: count for status, count in counts.items() if count}


def test_applied_entries_count_as_paid(tmp_path: Path) -> None:
    volume = Volume(tmp_path)
    volume.stamp(STAKING)
    volume.append(applied_line(STAKING))

    audit = judge(volume, ALL_PLANNED)

    assert statuses(audit) == {"applied": 1, "due": 1, "future": 1}
    assert audit.totals is not None
    assert audit.totals.paid["staking_rewards"] == 1_000_000
    assert audit.totals.due == {
        "ai_module_incentives": 0,
        "block_rewards": 2_000_000,
        "bridge_operations": 0,
        "staking_rewards": 0,
    }
    assert audit.overdue_blocks == 5
    assert sum(audit.mismatches.values()) == 0


def test_due_turns_missed_only_after_the_grace(tmp_path: Path) -> None:
    volume = Volume(tmp_path)

    at_grace = judge(volume, [STAKING], height=160, grace=60)
    past_grace = judge(volume, [STAKING], height=161, grace=60)

    assert status_of(at_grace, STAKING)[0] == Status.DUE
    assert status_of(past_grace, STAKING) == (
        Status.MISSED,
        "due for 61 blocks, longer than the grace: the runner has not paid it",
    )
    assert past_grace.overdue_blocks == 61
    assert past_grace.counts is not None
    assert past_grace.counts[("staking_rewards", Status.MISSED)] == 1


def test_entries_above_the_height_are_future(tmp_path: Path) -> None:
    audit = judge(Volume(tmp_path), [LATER], height=899)
    assert status_of(audit, LATER) == (Status.FUTURE, "falls due in 1 block")
    assert audit.overdue_blocks == 0


def test_an_intent_without_a_stamp_is_in_doubt_first_with_the_resolve_commands(
    tmp_path: Path,
) -> None:
    volume = Volume(tmp_path)
    volume.intent(BLOCK, written_at=NOW - timedelta(minutes=3))

    audit = judge(volume, ALL_PLANNED)

    first = audit.entries()[0]
    assert (first.entry.key, first.status) == (BLOCK.key, Status.IN_DOUBT)
    assert first.reason == "claim sent at 2026-12-03T11:57:00Z by run 20261203T115500Z-ab12; " + (
        "no answer recorded"
    )
    advice = Advisor(log_dir=Path("/logs")).for_entry(first)
    assert advice is not None
    assert advice.commands[0] == (
        f'dyt-emissions resolve {BLOCK.key} --log-dir /logs --check --rpc-url "$RPC"'
    )
    assert statuses(audit) == {"in_doubt": 1, "due": 1, "future": 1}


def test_an_entry_edited_after_it_was_paid_is_a_conflict_and_its_stamp_an_orphan(
    tmp_path: Path,
) -> None:
    volume = Volume(tmp_path)
    volume.stamp(STAKING)
    volume.append(applied_line(STAKING))
    edited = Planned(STAKING.height, STAKING.pool, STAKING.to, 5_000_000)

    audit = judge(volume, [edited, BLOCK])

    status, reason = status_of(audit, edited)
    assert status == Status.CONFLICT
    assert STAKING.key in reason
    assert audit.mismatches["orphan_stamp"] == 1
    assert [(m.kind, m.key) for m in audit.mismatch_details] == [("orphan_stamp", STAKING.key)]


def test_an_id_entry_stamped_with_another_amount_is_a_conflict(tmp_path: Path) -> None:
    volume = Volume(tmp_path)
    paid = Planned(100, "staking_rewards", ADDRESSES[0], 1_000_000, id="bonus-1")
    volume.stamp(paid)
    now_says = Planned(100, "staking_rewards", ADDRESSES[0], 7_000_000, id="bonus-1")

    audit = judge(volume, [now_says])

    assert status_of(audit, now_says)[0] == Status.CONFLICT
    assert audit.mismatches["orphan_stamp"] == 0


def test_an_empty_stamp_is_damaged_never_unpaid(tmp_path: Path) -> None:
    volume = Volume(tmp_path)
    volume.raw_stamp(STAKING.key, b"")

    audit = judge(volume, ALL_PLANNED)

    assert status_of(audit, STAKING) == (Status.DAMAGED, "empty stamp")
    assert statuses(audit) == {"damaged": 1, "due": 1, "future": 1}


def test_an_invalid_schedule_reports_its_invalid_entries_and_nothing_else(
    tmp_path: Path,
) -> None:
    volume = Volume(tmp_path)
    volume.schedule_path.write_text(
        "entries:\n"
        f"  - {{height: 1.5, pool: staking_rewards, to: {ADDRESSES[0]}, amount_udrt: 1}}\n"
        f"  - {{height: 2, pool: nowhere, to: {ADDRESSES[0]}, amount_udrt: 1}}\n"
        f"  - {{height: 3, pool: staking_rewards, to: {ADDRESSES[0]}, amount_udrt: 1}}\n"
    )

    audit = judge(volume)

    assert not audit.schedule.valid
    assert audit.schedule.invalid_entries == 2
    assert (audit.counts, audit.totals, audit.book) == (None, None, None)


def test_a_stamp_no_entry_has_is_an_orphan(tmp_path: Path) -> None:
    volume = Volume(tmp_path)
    gone = Planned(50, "ai_module_incentives", ADDRESSES[3], 10)
    volume.stamp(gone)
    volume.append(applied_line(gone))

    audit = judge(volume, ALL_PLANNED)

    assert audit.mismatches == {
        "orphan_stamp": 1,
        "orphan_intent": 0,
        "applied_without_stamp": 0,
        "stamp_without_log": 0,
    }
    assert statuses(audit) == {"due": 2, "future": 1}


def test_an_intent_no_entry_has_is_an_orphan_intent(tmp_path: Path) -> None:
    volume = Volume(tmp_path)
    volume.intent(Planned(50, "ai_module_incentives", ADDRESSES[3], 10))

    audit = judge(volume, ALL_PLANNED)

    assert audit.mismatches["orphan_intent"] == 1


def test_an_applied_log_line_without_a_stamp_is_a_mismatch_and_the_entry_stays_due(
    tmp_path: Path,
) -> None:
    volume = Volume(tmp_path)
    volume.append(applied_line(STAKING))

    audit = judge(volume, ALL_PLANNED)

    assert audit.mismatches["applied_without_stamp"] == 1
    assert status_of(audit, STAKING)[0] == Status.DUE
    assert [(m.kind, m.key) for m in audit.mismatch_details] == [
        ("applied_without_stamp", STAKING.key)
    ]


def test_a_recent_stamp_without_a_log_line_is_a_mismatch_an_old_one_is_not(
    tmp_path: Path,
) -> None:
    volume = Volume(tmp_path)
    volume.append(run_lines(200))
    volume.stamp(STAKING, paid_at=NOW - timedelta(hours=1))
    volume.stamp(BLOCK, paid_at=NOW - timedelta(days=20))
    # The shell runner's bare timestamp counts as its paid time.
    volume.raw_stamp(LATER.key, b"2026-12-02T10:00:00Z\n")

    audit = judge(volume, ALL_PLANNED, height=1000)

    assert audit.mismatches["stamp_without_log"] == 2
    assert sorted(m.key for m in audit.mismatch_details) == sorted([STAKING.key, LATER.key])


def test_a_log_line_arriving_later_clears_stamp_without_log(tmp_path: Path) -> None:
    volume = Volume(tmp_path)
    volume.write_schedule(ALL_PLANNED)
    volume.stamp(STAKING, paid_at=NOW - timedelta(hours=1))
    volume.append(run_lines(200))
    auditor = Auditor(
        AuditSettings(volume.schedule_path, volume.log_dir, height=200), clock=NOW.timestamp
    )

    assert auditor.refresh().mismatches["stamp_without_log"] == 1
    volume.append(applied_line(STAKING))
    assert auditor.refresh().mismatches["stamp_without_log"] == 0


def test_older_json_log_lines_count_as_payments(shared_cases: Path) -> None:
    settings = AuditSettings(
        schedule=shared_cases / "schedules" / "small.yaml",
        log_dir=shared_cases / "legacy-jsonl-logdir",
        height=420,
    )
    audit = Auditor(settings, clock=NOW.timestamp).refresh()

    assert statuses(audit) == {"applied": 2, "missed": 1, "due": 2, "future": 3}
    assert audit.totals is not None
    assert audit.totals.paid == {
        "ai_module_incentives": 0,
        "block_rewards": 2_500_000,
        "bridge_operations": 0,
        "staking_rewards": 1_000_000,
    }
    assert audit.mismatches["applied_without_stamp"] == 0
    assert audit.logs.facts.errors["claim_failed"] == 1


def test_the_shortfall_is_what_is_due_beyond_the_node_pools(
    tmp_path: Path, devnode: DevnodeFactory
) -> None:
    node = devnode(start_height=10, per_block_udrt=1_000_000)
    assert node.metrics_url is not None
    pools = sum(node.stats()["emission_pools"].values())
    volume = Volume(tmp_path)
    big = [
        Planned(5, "block_rewards", ADDRESSES[0], pools),
        Planned(6, "staking_rewards", ADDRESSES[1], 2_000_000),
    ]

    audit = judge(volume, big, height=None, node_metrics_url=node.metrics_url)

    assert audit.height == 10
    assert audit.height_source == "node"
    assert audit.shortfall_udrt == 2_000_000
    covered = judge(volume, big[:1], height=None, node_metrics_url=node.metrics_url)
    assert covered.shortfall_udrt == 0
