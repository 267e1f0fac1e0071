"""The ledger: each entry's state from schedule, stamps, intents and height (formats.md)."""

from __future__ import annotations

from datetime import UTC, datetime

from runner.address import make_address
from runner.journal import DamagedIntent, Evidence, Intent
from runner.ledger import EntryState, Status, classify
from runner.schedule import Entry
from runner.stamps import DamagedStamp, Stamp, StampRecord

A = make_address(b"\x01" * 20)
B = make_address(b"\x02" * 20)
PAID = datetime(2026, 12, 1, 10, 5, 2, tzinfo=UTC)


def entry(height: int, to: str = A, amount: int = 100, id: str | None = None) -> Entry:
    return Entry(1, 1, height, "staking_rewards", to, amount, id)


def stamp_of(e: Entry, key: str | None = None, **changes: object) -> Stamp:
    fields: dict[str, object] = {
        "key": key or e.key,
        "height": e.height,
        "pool": e.pool,
        "to": e.to,
        "amount_udrt": e.amount_udrt,
        "paid_at": PAID,
    }
    fields.update(changes)
    return Stamp(**fields)  # type: ignore[arg-type]


def intent_of(e: Entry, key: str | None = None) -> Intent:
    return Intent(
        key or e.key, e.height, e.pool, e.to, e.amount_udrt, "run-1", PAID, Evidence(1, 0, 0)
    )


def statuses(states: tuple[EntryState, ...]) -> list[Status]:
    return [state.status for state in states]


def test_height_decides_between_future_due_and_missed() -> None:
    entries = [entry(10), entry(90), entry(100), entry(101)]

    ledger = classify(entries, {}, {}, height=100, grace_blocks=10)

    assert statuses(ledger.entries) == [Status.MISSED, Status.DUE, Status.DUE, Status.FUTURE]
    assert ledger.entries[0].reason == "due for 90 blocks (grace 10)"


def test_stamp_beats_intent_and_leaves_a_stale_intent() -> None:
    paid, doubtful, broken = entry(1), entry(2), entry(3)
    stamps: dict[str, StampRecord] = {
        paid.key: stamp_of(paid),
        broken.key: DamagedStamp(broken.key, "empty stamp"),
    }
    intents = {paid.key: intent_of(paid), doubtful.key: intent_of(doubtful)}

    ledger = classify([paid, doubtful, broken], stamps, intents, height=10)

    assert statuses(ledger.entries) == [Status.APPLIED, Status.IN_DOUBT, Status.DAMAGED]
    assert ledger.entries[1].reason == (
        "claim sent at 2026-12-01T10:05:02Z by run run-1; no answer recorded"
    )
    assert ledger.entries[2].reason == "empty stamp"
    assert ledger.stale_intents == (paid.key,)


def test_damaged_intent_is_in_doubt() -> None:
    e = entry(1)

    ledger = classify([e], {}, {e.key: DamagedIntent(e.key, "empty intent")}, height=10)

    assert ledger.entries[0].status == Status.IN_DOUBT


def test_edited_amount_after_payment_is_a_conflict() -> None:
    before, after = entry(5, amount=100), entry(5, amount=200)
    stamps: dict[str, StampRecord] = {before.key: stamp_of(before)}

    ledger = classify([after], stamps, {}, height=10)

    state = ledger.entries[0]
    assert state.status == Status.CONFLICT
    assert state.conflict_key == before.key
    assert ledger.orphan_stamps == (stamp_of(before),)


def test_edited_entry_while_in_doubt_is_a_conflict() -> None:
    before, after = entry(5, amount=100), entry(5, amount=200)

    ledger = classify([after], {}, {before.key: intent_of(before)}, height=10)

    assert ledger.entries[0].status == Status.CONFLICT
    assert ledger.orphan_intents == (intent_of(before),)


def test_two_entries_at_one_height_and_pool_are_not_conflicts_of_each_other() -> None:
    first, second = entry(5, to=A), entry(5, to=B)
    stamps: dict[str, StampRecord] = {first.key: stamp_of(first)}

    ledger = classify([first, second], stamps, {}, height=10)

    assert statuses(ledger.entries) == [Status.APPLIED, Status.DUE]
    assert ledger.orphan_stamps == ()


def test_id_entry_whose_stamp_records_another_amount_is_a_conflict() -> None:
    e = entry(5, amount=200, id="bonus")
    stamps: dict[str, StampRecord] = {"bonus": stamp_of(e, amount_udrt=100)}

    ledger = classify([e], stamps, {}, height=10)

    assert ledger.entries[0].status == Status.CONFLICT
    assert ledger.entries[0].reason == (
        f"its stamp records 100 uDRT to {A}, the schedule says 200 uDRT to {A}"
    )


def test_id_given_to_an_entry_already_paid_under_its_legacy_key_is_a_conflict() -> None:
    e = entry(5, id="bonus")
    stamps: dict[str, StampRecord] = {e.legacy_key: stamp_of(e, key=e.legacy_key)}

    ledger = classify([e], stamps, {}, height=10)

    assert ledger.entries[0].status == Status.CONFLICT
    assert ledger.entries[0].conflict_key == e.legacy_key


def test_twin_entries_one_with_id_are_both_legitimate() -> None:
    plain, named = entry(5), entry(5, id="second-payment")
    stamps: dict[str, StampRecord] = {plain.key: stamp_of(plain)}

    ledger = classify([plain, named], stamps, {}, height=10)

    assert statuses(ledger.entries) == [Status.APPLIED, Status.DUE]


def test_counts_cover_every_status() -> None:
    ledger = classify([entry(1), entry(50)], {}, {}, height=10)

    assert ledger.counts() == {
        Status.APPLIED: 0,
        Status.IN_DOUBT: 0,
        Status.CONFLICT: 0,
        Status.DAMAGED: 0,
        Status.DUE: 1,
        Status.MISSED: 0,
        Status.FUTURE: 1,
    }


def test_orphan_stamp_paying_the_same_address_and_amount_is_a_conflict() -> None:
    before, moved = entry(5), entry(6)
    stamps: dict[str, StampRecord] = {before.key: stamp_of(before)}

    ledger = classify([moved], stamps, {}, height=10)

    state = ledger.entries[0]
    assert state.status == Status.CONFLICT
    assert state.conflict_keys == (before.key,)
    assert state.reason == (
        f"the stamp {before.key} paying 100 uDRT to the same address matches no schedule"
        " entry (was the entry edited after it was paid?)"
    )


def test_orphan_intent_paying_the_same_address_and_amount_is_a_conflict() -> None:
    before, moved = entry(5), entry(6)

    ledger = classify([moved], {}, {before.key: intent_of(before)}, height=10)

    assert ledger.entries[0].status == Status.CONFLICT
    assert ledger.entries[0].conflict_keys == (before.key,)


def test_entries_paying_one_address_one_amount_at_two_heights_stand_side_by_side() -> None:
    first, second = entry(5), entry(6)
    stamps: dict[str, StampRecord] = {first.key: stamp_of(first)}

    ledger = classify([first, second], stamps, {}, height=10)

    assert statuses(ledger.entries) == [Status.APPLIED, Status.DUE]


def test_an_entry_with_its_own_stamp_is_never_a_conflict() -> None:
    before, paid = entry(5), entry(6)
    stamps: dict[str, StampRecord] = {before.key: stamp_of(before), paid.key: stamp_of(paid)}

    ledger = classify([paid], stamps, {}, height=10)

    assert statuses(ledger.entries) == [Status.APPLIED]
