"""The ledger: where each schedule entry stands, from the schedule, stamps, intents and height.

A pure function of its inputs, shared by the runner (what to pay), the exporter (what to
report) and `report`. The states and the conflict rules are those of docs/formats.md:

- a stamp under the entry's key makes it applied (or damaged, or, for an entry with an
  `id`, a conflict when the stamp records another amount or address);
- an intent without a stamp makes it in doubt;
- otherwise a stamp or intent that matches NO schedule entry, at the entry's height and
  pool, makes it a conflict: the entry was most likely edited after it was paid. A stamp
  that belongs to another entry never does, so two entries at the same height and pool
  paying different addresses stand side by side;
- otherwise the height decides: future, due, or missed once past the grace.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from enum import StrEnum

from runner.journal import DamagedIntent, Intent, IntentRecord
from runner.logline import format_timestamp
from runner.schedule import Entry
from runner.stamps import DamagedStamp, Stamp, StampIndex, StampRecord, parse_legacy_key

# Blocks an entry may stay due before it counts as missed: 15 minutes of the node's default
# 15 s blocks, three runs of a five-minute CronJob. The exporter uses the same default.
DEFAULT_GRACE_BLOCKS = 60


class Status(StrEnum):
    """An entry's state; the values are the `status` words of formats.md and metrics.md."""

    APPLIED = "applied"
    IN_DOUBT = "in_doubt"
    CONFLICT = "conflict"
    DAMAGED = "damaged"
    DUE = "due"
    MISSED = "missed"
    FUTURE = "future"


PAYABLE = frozenset({Status.DUE, Status.MISSED})
NEEDS_A_PERSON = frozenset({Status.IN_DOUBT, Status.CONFLICT, Status.DAMAGED})


@dataclass(frozen=True, slots=True)
class EntryState:
    """One entry's state, the stamp or intent that decided it, and why, in words."""

    entry: Entry
    status: Status
    reason: str = ""
    stamp: StampRecord | None = None
    intent: IntentRecord | None = None
    conflict_key: str | None = None  # the stamp or intent the entry conflicts with


@dataclass(frozen=True, slots=True)
class Ledger:
    """Every entry's state, in schedule order, plus the state files no entry accounts for."""

    height: int
    grace_blocks: int
    entries: tuple[EntryState, ...]
    orphan_stamps: tuple[StampRecord, ...]  # stamps whose key is no entry's key
    orphan_intents: tuple[IntentRecord, ...]  # intents whose key is no entry's key
    stale_intents: tuple[str, ...]  # intents whose key also has a valid stamp

    def counts(self) -> dict[Status, int]:
        result: dict[Status, int] = dict.fromkeys(Status, 0)
        for state in self.entries:
            result[state.status] += 1
        return result

    def with_status(self, *statuses: Status) -> list[EntryState]:
        wanted = set(statuses)
        return [state for state in self.entries if state.status in wanted]


_Place = tuple[int, str]  # (height, pool)


def classify(
    entries: Sequence[Entry],
    stamps: Mapping[str, StampRecord],
    intents: Mapping[str, IntentRecord],
    height: int,
    grace_blocks: int = DEFAULT_GRACE_BLOCKS,
) -> Ledger:
    """The state of every entry at chain height `height`.

    `stamps` may load lazily (a `StampIndex`): only stamps under entry keys, and orphans,
    are looked up. A legacy-keyed stamp the index trusts unread (see runner.stamps) makes
    its entry applied with `stamp=None`: its fields are the entry's own.
    """
    keys = [entry.key for entry in entries]
    entry_keys = set(keys)
    orphan_stamps = tuple(stamps[key] for key in stamps if key not in entry_keys)
    orphan_intents = tuple(intents[key] for key in intents if key not in entry_keys)
    orphans_at = _orphans_by_place(orphan_stamps, orphan_intents)
    trusts = stamps.trusts if isinstance(stamps, StampIndex) else None

    states = []
    for entry, key in zip(entries, keys, strict=True):
        # The common case of a long schedule, kept short: paid under a trusted stamp.
        if trusts is not None and entry.id is None and trusts(key):
            states.append(EntryState(entry, Status.APPLIED))
            continue
        states.append(
            _classify_entry(entry, stamps, intents, entry_keys, orphans_at, height, grace_blocks)
        )
    stale = tuple(key for key in intents if key in stamps and isinstance(stamps[key], Stamp))
    return Ledger(height, grace_blocks, tuple(states), orphan_stamps, orphan_intents, stale)


def _classify_entry(
    entry: Entry,
    stamps: Mapping[str, StampRecord],
    intents: Mapping[str, IntentRecord],
    entry_keys: Set[str],
    orphans_at: Mapping[_Place, tuple[str, str]],
    height: int,
    grace_blocks: int,
) -> EntryState:
    key = entry.key
    if key in stamps:
        return _stamped(entry, stamps[key])

    if key in intents:
        intent = intents[key]
        return EntryState(entry, Status.IN_DOUBT, _doubt_reason(intent), intent=intent)

    legacy = entry.legacy_key
    if entry.id is not None and legacy in stamps and legacy not in entry_keys:
        reason = f"its fields are stamped under the key {legacy}, which no entry has"
        return EntryState(
            entry, Status.CONFLICT, reason, stamp=stamps[legacy], conflict_key=legacy
        )
    other = orphans_at.get((entry.height, entry.pool))
    if other is not None:
        kind, other_key = other
        reason = (
            f"the {kind} {other_key} at the same height and pool matches no schedule entry"
            " (was the entry edited after it was paid?)"
        )
        return EntryState(entry, Status.CONFLICT, reason, conflict_key=other_key)

    if entry.height > height:
        return EntryState(entry, Status.FUTURE)
    if height - entry.height > grace_blocks:
        reason = f"due for {height - entry.height} blocks (grace {grace_blocks})"
        return EntryState(entry, Status.MISSED, reason)
    return EntryState(entry, Status.DUE)


def _stamped(entry: Entry, stamp: StampRecord) -> EntryState:
    if isinstance(stamp, DamagedStamp):
        return EntryState(entry, Status.DAMAGED, stamp.reason, stamp=stamp)
    recorded = (stamp.amount_udrt, stamp.to)
    if (
        entry.id is not None
        and stamp.amount_udrt is not None
        and recorded
        != (
            entry.amount_udrt,
            entry.to,
        )
    ):
        reason = (
            f"its stamp records {stamp.amount_udrt} uDRT to {stamp.to},"
            f" the schedule says {entry.amount_udrt} uDRT to {entry.to}"
        )
        return EntryState(entry, Status.CONFLICT, reason, stamp=stamp, conflict_key=entry.key)
    return EntryState(entry, Status.APPLIED, stamp=stamp)


def _doubt_reason(intent: IntentRecord) -> str:
    if isinstance(intent, DamagedIntent):
        return f"intent damaged ({intent.reason}); a claim may have been sent"
    written = format_timestamp(intent.written_at)
    return f"claim sent at {written} by run {intent.run_id}; no answer recorded"


def _orphans_by_place(
    stamps: Iterable[StampRecord], intents: Iterable[IntentRecord]
) -> dict[_Place, tuple[str, str]]:
    """The first orphan stamp or intent at each (height, pool), as (kind, key)."""
    places: dict[_Place, tuple[str, str]] = {}
    for record in (*stamps, *intents):
        place = _place(record)
        if place is not None:
            kind = "stamp" if isinstance(record, Stamp | DamagedStamp) else "intent"
            places.setdefault(place, (kind, record.key))
    return places


def _place(record: StampRecord | IntentRecord) -> _Place | None:
    if isinstance(record, Stamp | Intent) and record.height is not None and record.pool:
        return (record.height, record.pool)
    legacy = parse_legacy_key(record.key)
    return None if legacy is None else (legacy.height, legacy.pool)
