"""The ledger: where each schedule entry stands, from the schedule, stamps, intents and height.

A pure function of its inputs, shared by the runner (what to pay), the exporter (what to
report) and `report`. The states and the conflict rules are those of docs/formats.md:

- a stamp under the entry's key makes it applied (or damaged, or, for an entry with an
  `id`, a conflict when the stamp records another amount or address);
- an intent without a stamp makes it in doubt;
- otherwise a stamp or intent that matches NO schedule entry (an orphan) makes it a
  conflict when it is at the entry's height and pool, or pays the entry's address the
  entry's amount (at any height, in any pool): the entry was most likely edited after
  it was paid, or while in doubt. A stamp that belongs to another entry never does, so
  two entries at one height and pool, or paying one address one amount at two heights,
  stand side by side;
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
    # Every orphan stamp or intent the entry conflicts with (conflict_key is the first);
    # empty for an `id` entry whose own or legacy key is stamped.
    conflict_keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Ledger:
    """Every entry's state, in schedule order, plus the state files no entry accounts for."""

    height: int
    grace_blocks: int
    entries: tuple[EntryState, ...]
    orphan_stamps: tuple[StampRecord, ...]  # stamps whose key is no entry's key
    orphan_intents: tuple[IntentRecord, ...]  # intents whose key is no entry's key
    stale_intents: tuple[str, ...]  # intents whose key also has a valid stamp

    def orphans_in_doubt(self) -> tuple[IntentRecord, ...]:
        """Intents no entry has any more and no stamp settles: a claim was sent for an entry
        since edited or removed, and may have paid. In doubt like any other."""
        stale = set(self.stale_intents)
        return tuple(intent for intent in self.orphan_intents if intent.key not in stale)

    def damaged_orphan_stamps(self) -> tuple[DamagedStamp, ...]:
        return tuple(stamp for stamp in self.orphan_stamps if isinstance(stamp, DamagedStamp))

    def counts(self) -> dict[Status, int]:
        result: dict[Status, int] = dict.fromkeys(Status, 0)
        for state in self.entries:
            result[state.status] += 1
        return result

    def with_status(self, *statuses: Status) -> list[EntryState]:
        wanted = set(statuses)
        return [state for state in self.entries if state.status in wanted]


_Place = tuple[int, str]  # (height, pool)
_Payee = tuple[str, int]  # (to, amount_udrt)
_Orphan = tuple[str, str]  # (kind, key): kind is "stamp" or "intent"


@dataclass(frozen=True, slots=True)
class _Orphans:
    """Orphan stamps and intents, found by the entry fields they record."""

    at: dict[_Place, list[_Orphan]]
    paying: dict[_Payee, list[_Orphan]]


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
    orphans = _index_orphans(orphan_stamps, orphan_intents)
    trusts = stamps.trusts if isinstance(stamps, StampIndex) else None

    states = []
    for entry, key in zip(entries, keys, strict=True):
        # The common case of a long schedule, kept short: paid under a trusted stamp.
        if trusts is not None and entry.id is None and trusts(key):
            states.append(EntryState(entry, Status.APPLIED))
            continue
        states.append(
            _classify_entry(entry, stamps, intents, entry_keys, orphans, height, grace_blocks)
        )
    stale = tuple(key for key in intents if key in stamps and isinstance(stamps[key], Stamp))
    return Ledger(height, grace_blocks, tuple(states), orphan_stamps, orphan_intents, stale)


def _classify_entry(
    entry: Entry,
    stamps: Mapping[str, StampRecord],
    intents: Mapping[str, IntentRecord],
    entry_keys: Set[str],
    orphans: _Orphans,
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
            entry,
            Status.CONFLICT,
            reason,
            stamp=stamps[legacy],
            conflict_key=legacy,
            conflict_keys=(legacy,),
        )
    conflict = _orphan_conflict(entry, orphans)
    if conflict is not None:
        return conflict

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


def _orphan_conflict(entry: Entry, orphans: _Orphans) -> EntryState | None:
    """The conflict of an unstamped entry with the orphans at its place or paying its payee."""
    at_place = orphans.at.get((entry.height, entry.pool), [])
    same_payee = orphans.paying.get((entry.to, entry.amount_udrt), [])
    found = list(dict.fromkeys((*at_place, *same_payee)))
    if not found:
        return None
    kind, first = found[0]
    if found[0] in at_place:
        where = "at the same height and pool"
    else:
        where = f"paying {entry.amount_udrt} uDRT to the same address"
    question = "after it was paid" if kind == "stamp" else "while its claim was in doubt"
    reason = (
        f"the {kind} {first} {where} matches no schedule entry (was the entry edited {question}?)"
    )
    if len(found) > 1:
        reason += f"; {len(found) - 1} more orphan stamp(s) or intent(s) too"
    keys = tuple(key for _, key in found)
    return EntryState(entry, Status.CONFLICT, reason, conflict_key=first, conflict_keys=keys)


def _index_orphans(stamps: Iterable[StampRecord], intents: Iterable[IntentRecord]) -> _Orphans:
    """Each orphan stamp or intent under the (height, pool) and (to, amount) it records."""
    orphans = _Orphans({}, {})
    for record in (*stamps, *intents):
        kind = "stamp" if isinstance(record, Stamp | DamagedStamp) else "intent"
        place, payee = _place(record), _payee(record)
        if place is not None:
            orphans.at.setdefault(place, []).append((kind, record.key))
        if payee is not None:
            orphans.paying.setdefault(payee, []).append((kind, record.key))
    return orphans


def _payee(record: StampRecord | IntentRecord) -> _Payee | None:
    if isinstance(record, Stamp | Intent) and record.to and record.amount_udrt is not None:
        return (record.to, record.amount_udrt)
    legacy = parse_legacy_key(record.key)
    return None if legacy is None else (legacy.to, legacy.amount_udrt)


def _place(record: StampRecord | IntentRecord) -> _Place | None:
    if isinstance(record, Stamp | Intent) and record.height is not None and record.pool:
        return (record.height, record.pool)
    legacy = parse_legacy_key(record.key)
    return None if legacy is None else (legacy.height, legacy.pool)
