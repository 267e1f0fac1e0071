"""`resolve --check`'s verdict: named only when the balances leave one explanation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from runner.journal import DamagedIntent, Evidence, Intent, IntentRecord
from runner.payment_check import CANNOT_TELL, NOT_PAID, PAID, check_payment
from runner.stamps import Stamp
from tests.runner.runner_harness import address

TO = address(5)
WRITTEN = datetime(2026, 12, 1, 10, 5, 1, tzinfo=UTC)


def intent(balance_before: int | None = 1000, key: str = "k") -> Intent:
    return Intent(
        key, 400, "staking_rewards", TO, 300, "run-1", WRITTEN, Evidence(420, balance_before, 9)
    )


def stamp(key: str, amount: int, seconds_after: int) -> Stamp:
    paid_at = WRITTEN + timedelta(seconds=seconds_after)
    return Stamp(key, 500, "staking_rewards", TO, amount, paid_at)


@pytest.mark.parametrize(
    ("balance_now", "stamps", "answer"),
    [
        (1300, [], PAID),
        (1000, [], NOT_PAID),
        (1500, [stamp("later", 200, 5)], PAID),
        (1200, [stamp("later", 200, 5)], NOT_PAID),
        (1500, [stamp("earlier", 200, -5)], CANNOT_TELL),
        (1300, [stamp("same-second", 200, 0)], CANNOT_TELL),
        (1150, [], CANNOT_TELL),
        (900, [], CANNOT_TELL),
    ],
)
def test_verdicts(balance_now: int, stamps: list[Stamp], answer: str) -> None:
    assert check_payment(intent(), balance_now, stamps, {"k": intent()}).answer == answer


def test_no_balance_before_means_cannot_tell() -> None:
    verdict = check_payment(intent(None), 1300, [], {})

    assert verdict.answer == CANNOT_TELL
    assert verdict.reason == "the node did not give the balance before the claim"


def test_another_claim_in_doubt_to_the_same_address_means_cannot_tell() -> None:
    intents: dict[str, IntentRecord] = {"k": intent(), "other": intent(key="other")}

    verdict = check_payment(intent(), 1300, [], intents)

    assert verdict.answer == CANNOT_TELL
    assert verdict.reason == "another claim in doubt (other) may have paid this address"


def test_a_damaged_intent_elsewhere_means_cannot_tell() -> None:
    intents: dict[str, IntentRecord] = {"k": intent(), "x": DamagedIntent("x", "empty intent")}

    assert check_payment(intent(), 1300, [], intents).answer == CANNOT_TELL


def test_the_paid_reason_names_the_amount() -> None:
    verdict = check_payment(intent(), 1300, [], {"k": intent()})

    assert verdict.reason == (
        "the balance rose by exactly 300 uDRT, the claimed amount,"
        " beyond the runner's other payments to this address"
    )
    assert (verdict.balance_before, verdict.balance_now, verdict.known_since_udrt) == (
        1000,
        1300,
        0,
    )
