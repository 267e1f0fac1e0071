"""Every schedule entry's state, computed once per change of its inputs, split by height on demand.

The runner's ledger (`runner.ledger.classify`) decides each entry's state. Most
of that decision does not depend on the chain height: a stamp, an intent, a
conflicting record. The height only splits the entries that are not paid into
future, due and missed, and it moves at every block. So the ledger is asked
once per change of the schedule, the stamps or the intents, with a height at
which every entry is reached and none is missed; the entries it finds unpaid
are kept sorted by height per pool, with running sums of their amounts, and each
scrape splits them with two binary searches. `status_at` applies the ledger's
own rule (future above the height, missed past the grace, due between).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate

from runner.journal import IntentRecord
from runner.ledger import EntryState, Status, classify
from runner.schedule import POOLS, Entry
from runner.stamps import StampRecord

# Entry states in the order a person should look at them.
ATTENTION_ORDER: tuple[Status, ...] = (
    Status.IN_DOUBT,
    Status.CONFLICT,
    Status.DAMAGED,
    Status.MISSED,
    Status.DUE,
    Status.FUTURE,
    Status.APPLIED,
)
NEEDS_ATTENTION = frozenset(
    {Status.IN_DOUBT, Status.CONFLICT, Status.DAMAGED, Status.MISSED, Status.DUE}
)
HEIGHT_INDEPENDENT = (Status.APPLIED, Status.IN_DOUBT, Status.CONFLICT, Status.DAMAGED)


@dataclass(frozen=True, slots=True)
class _Unpaid:
    """One pool's unpaid entries: heights sorted, and running sums of their amounts."""

    heights: list[int]
    amount_sums: list[int]  # amount_sums[i]: total of the first i entries

    @classmethod
    def of(cls, entries: Iterable[Entry]) -> _Unpaid:
        ordered = sorted(entries, key=lambda entry: entry.height)
        heights = [entry.height for entry in ordered]
        sums = list(accumulate((entry.amount_udrt for entry in ordered), initial=0))
        return cls(heights, sums)

    def split(self, height: int, grace_blocks: int) -> tuple[int, int, int]:
        """(missed, reached, all): missed <= reached <= all, as positions in `heights`."""
        reached = bisect_right(self.heights, height)
        missed = bisect_left(self.heights, height - grace_blocks)
        return min(missed, reached), reached, len(self.heights)


@dataclass(frozen=True, slots=True)
class PoolTotals:
    """uDRT per pool: scheduled, paid (applied entries), due (due and missed, unpaid)."""

    scheduled: dict[str, int]
    paid: dict[str, int]
    due: dict[str, int]


class EntryBook:
    """The ledger's verdict on every entry, minus the height; cheap to ask at any height."""

    def __init__(
        self,
        entries: Sequence[Entry],
        stamps: Mapping[str, StampRecord],
        intents: Mapping[str, IntentRecord],
    ) -> None:
        reach_all = max((entry.height for entry in entries), default=0)
        self.ledger = classify(entries, stamps, intents, reach_all, reach_all + 1)
        self.states = self.ledger.entries

        self._fixed: dict[tuple[str, Status], int] = {}
        self._scheduled = dict.fromkeys(POOLS, 0)
        self._paid = dict.fromkeys(POOLS, 0)
        unpaid: dict[str, list[Entry]] = {pool: [] for pool in POOLS}
        for state in self.states:
            entry = state.entry
            self._scheduled[entry.pool] += entry.amount_udrt
            if state.status == Status.DUE:
                unpaid[entry.pool].append(entry)
                continue
            place = (entry.pool, state.status)
            self._fixed[place] = self._fixed.get(place, 0) + 1
            if state.status == Status.APPLIED:
                self._paid[entry.pool] += entry.amount_udrt
        self._unpaid = {pool: _Unpaid.of(unpaid[pool]) for pool in POOLS}

    def counts(self, height: int, grace_blocks: int) -> dict[tuple[str, Status], int]:
        """Entries per (pool, status) at `height`, every pair present (zeros included)."""
        result: dict[tuple[str, Status], int] = {}
        for pool in POOLS:
            for status in HEIGHT_INDEPENDENT:
                result[(pool, status)] = self._fixed.get((pool, status), 0)
            missed, reached, total = self._unpaid[pool].split(height, grace_blocks)
            result[(pool, Status.MISSED)] = missed
            result[(pool, Status.DUE)] = reached - missed
            result[(pool, Status.FUTURE)] = total - reached
        return result

    def totals(self, height: int | None, grace_blocks: int) -> PoolTotals:
        """uDRT per pool; `due` is empty when the height is unknown."""
        due: dict[str, int] = {}
        if height is not None:
            for pool in POOLS:
                unpaid = self._unpaid[pool]
                _, reached, _ = unpaid.split(height, grace_blocks)
                due[pool] = unpaid.amount_sums[reached]
        return PoolTotals(dict(self._scheduled), dict(self._paid), due)

    def oldest_unpaid_height(self, height: int) -> int | None:
        """The lowest height of an unpaid entry already reached, or None."""
        reached = [u.heights[0] for u in self._unpaid.values() if u.heights]
        oldest = min(reached, default=None)
        return oldest if oldest is not None and oldest <= height else None

    def states_at(self, height: int | None, grace_blocks: int) -> Iterator[EntryState]:
        """Every entry's full state at `height`; with no height, unpaid ones stay `due`."""
        for state in self.states:
            if state.status != Status.DUE or height is None:
                yield state
                continue
            status = status_at(state.entry.height, height, grace_blocks)
            yield EntryState(state.entry, status, _unpaid_reason(status, state, height))


def status_at(entry_height: int, height: int, grace_blocks: int) -> Status:
    """The ledger's rule for an entry that nothing paid or blocks: by height alone."""
    if entry_height > height:
        return Status.FUTURE
    if height - entry_height > grace_blocks:
        return Status.MISSED
    return Status.DUE


def _unpaid_reason(status: Status, state: EntryState, height: int) -> str:
    blocks = height - state.entry.height
    if status == Status.MISSED:
        return f"due for {blocks} blocks, longer than the grace: the runner has not paid it"
    if status == Status.DUE:
        return f"due for {_blocks(blocks)}; the next run pays it"
    return f"falls due in {_blocks(-blocks)}"


def _blocks(number: int) -> str:
    return "1 block" if number == 1 else f"{number} blocks"
