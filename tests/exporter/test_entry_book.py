"""EntryBook splits by height exactly as the runner's ledger classifies, at every height."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from exporter.entry_book import EntryBook
from runner.journal import Evidence, Intent, IntentRecord
from runner.ledger import Status, classify
from runner.schedule import POOLS, Entry
from runner.stamps import DamagedStamp, Stamp, StampRecord
from tests.exporter.volume import ADDRESSES

PAID_AT = datetime(2026, 12, 1, tzinfo=UTC)

entries_strategy = st.lists(
    st.tuples(
        st.integers(0, 40),
        st.sampled_from(POOLS),
        st.sampled_from(ADDRESSES[:3]),
        st.integers(1, 5),
        st.sampled_from(["none", "stamp", "damaged", "intent", "other_stamp"]),
    ),
    max_size=25,
)


def build(
    rows: list[tuple[int, str, str, int, str]],
) -> tuple[list[Entry], dict[str, StampRecord], dict[str, IntentRecord]]:
    entries: list[Entry] = []
    stamps: dict[str, StampRecord] = {}
    intents: dict[str, IntentRecord] = {}
    for index, (height, pool, to, amount, state) in enumerate(rows, start=1):
        entry = Entry(index, index, height, pool, to, amount)
        if entry.key in {e.key for e in entries}:
            continue
        entries.append(entry)
        if state == "stamp":
            stamps[entry.key] = Stamp(entry.key, height, pool, to, amount, PAID_AT, legacy=True)
        elif state == "damaged":
            stamps[entry.key] = DamagedStamp(entry.key, "empty stamp")
        elif state == "intent":
            intents[entry.key] = Intent(
                entry.key, height, pool, to, amount, "run", PAID_AT, Evidence(None, None, None)
            )
        elif state == "other_stamp":
            other = f"{height}_{pool}_{to}_{amount + 100}"
            stamps[other] = Stamp(other, height, pool, to, amount + 100, PAID_AT, legacy=True)
    return entries, stamps, intents


@settings(max_examples=200, deadline=None)
@given(rows=entries_strategy, height=st.integers(0, 60), grace=st.integers(0, 30))
def test_the_book_agrees_with_the_ledger(
    rows: list[tuple[int, str, str, int, str]], height: int, grace: int
) -> None:
    entries, stamps, intents = build(rows)
    ledger = classify(entries, stamps, intents, height, grace)
    book = EntryBook(entries, stamps, intents)

    expected = Counter((state.entry.pool, state.status) for state in ledger.entries)
    counts = book.counts(height, grace)
    assert {place: n for place, n in counts.items() if n} == dict(expected)

    by_key = {state.entry.key: state.status for state in ledger.entries}
    assert {s.entry.key: s.status for s in book.states_at(height, grace)} == by_key

    due: Counter[str] = Counter()
    for state in ledger.entries:
        if state.status in (Status.DUE, Status.MISSED):
            due[state.entry.pool] += state.entry.amount_udrt
    assert {pool: n for pool, n in book.totals(height, grace).due.items() if n} == dict(due)
