"""The dry run: what a run would pay now, with totals per pool, writing nothing at all.

It takes no lock (creating the lock file would be a write) and reads what a run reads:
the schedule, the stamps and intents, the older runner's payment records (counted as
stamps, as a run would import them), and the node's height and pool levels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runner.journal import ClaimJournal
from runner.ledger import Status, classify
from runner.legacy_log import find_payment_records
from runner.node_client import NodeClient
from runner.run import RunOptions
from runner.schedule import POOLS, Entry, load_schedule
from runner.stamp_cache import VerifiedStampCache
from runner.stamps import StampRecord, StampStore
from runner.state_folder import list_state, state_folder
from runner.summary import Attention


@dataclass(frozen=True, slots=True)
class PoolTotal:
    """What would be paid from one pool now, against what the node says it holds."""

    pool: str
    entries: int
    amount_udrt: int
    pool_udrt: int | None

    @property
    def shortfall_udrt(self) -> int:
        held = self.pool_udrt or 0
        return max(0, self.amount_udrt - held)


@dataclass(frozen=True, slots=True)
class Plan:
    """What a run would do now: the entries it would pay, per-pool totals, the rest."""

    height: int
    payable: tuple[Entry, ...]
    totals: tuple[PoolTotal, ...]
    counts: dict[str, int]
    attention: tuple[Attention, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": True,
            "height": self.height,
            "would_pay": [
                {
                    "key": entry.key,
                    "height": entry.height,
                    "pool": entry.pool,
                    "to": entry.to,
                    "amount_udrt": entry.amount_udrt,
                }
                for entry in self.payable
            ],
            "totals": {
                total.pool: {
                    "entries": total.entries,
                    "amount_udrt": total.amount_udrt,
                    "pool_udrt": total.pool_udrt,
                    "shortfall_udrt": total.shortfall_udrt,
                }
                for total in self.totals
            },
            "entries": self.counts,
            "attention": [
                {"key": item.key, "status": item.status, "reason": item.reason}
                for item in self.attention
            ],
        }


def make_plan(options: RunOptions) -> Plan:
    """Raises ScheduleError for an invalid schedule, NodeUnavailable without a height."""
    schedule = load_schedule(options.schedule)
    with NodeClient(options.rpc_url, options.timeout) as node:
        stats = node.stats()

    state_dir = state_folder(options.log_dir)
    listing = list_state(state_dir)
    records, unreadable = find_payment_records(options.log_dir)
    trusted = {}
    if options.cache_dir is not None:
        trusted = VerifiedStampCache(options.cache_dir).load(listing.folder_inode)
    index = StampStore(state_dir).scan(listing, trusted)
    for bad in unreadable:
        if bad.key is not None:
            index.add_damaged(bad.key, f"payment record not imported: {bad.reason}")
    stamps: dict[str, StampRecord] = dict(index)
    for record in records:
        stamps.setdefault(record.key, record.to_stamp("dry-run"))
    intents = ClaimJournal(state_dir).all(listing)
    ledger = classify(schedule.entries, stamps, intents, stats.height, options.grace_blocks)

    payable = tuple(state.entry for state in ledger.with_status(Status.DUE, Status.MISSED))
    totals = tuple(
        PoolTotal(
            pool,
            sum(1 for entry in payable if entry.pool == pool),
            sum(entry.amount_udrt for entry in payable if entry.pool == pool),
            stats.pools.get(pool),
        )
        for pool in POOLS
    )
    attention = (
        tuple(
            Attention(state.entry.key, state.status.value, state.reason)
            for state in ledger.with_status(Status.IN_DOUBT, Status.CONFLICT, Status.DAMAGED)
        )
        + tuple(
            Attention(
                intent.key, "in_doubt", "claim sent; no schedule entry has this key any more"
            )
            for intent in ledger.orphans_in_doubt()
        )
        + tuple(
            Attention(stamp.key, "damaged", stamp.reason)
            for stamp in ledger.damaged_orphan_stamps()
        )
    )
    counts = {status.value: count for status, count in ledger.counts().items()}
    return Plan(stats.height, payable, totals, counts, attention)
