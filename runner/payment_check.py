"""`resolve --check`: did a claim in doubt pay? The recipient's balance, then and now.

The node keeps no claim history a client can query, only balances. The intent recorded
the recipient's balance just before the POST; the node gives it now. The difference is
the claim (if it paid) plus everything else the address received or sent since. What
the runner itself paid to that address since is known from its stamps and is taken out.
What it cannot know (a transfer from anyone else, the recipient spending) is why the
check names an answer only when the numbers leave one explanation:

- `paid`: the balance rose by exactly the amount, beyond the runner's known payments;
- `not_paid`: the balance did not move beyond them;
- otherwise, or when another claim to the same address is itself in doubt, or was paid
  in the same second the intent was written (before or after: the record cannot say),
  `cannot_tell`: a person decides from the chain's history.

Both named answers assume the address neither received from anyone else nor spent in
between: an address that spent exactly the amount would look unpaid. Check the
recipient's transactions when that is possible.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from runner.journal import Intent, IntentRecord
from runner.stamps import Stamp, StampRecord, parse_legacy_key

PAID = "paid"
NOT_PAID = "not_paid"
CANNOT_TELL = "cannot_tell"


@dataclass(frozen=True, slots=True)
class Verdict:
    """The check's answer, why, and the numbers it compared."""

    answer: str  # paid, not_paid, cannot_tell
    reason: str
    balance_before: int | None
    balance_now: int
    known_since_udrt: int  # what the runner's stamps paid to the address since the intent


def stamps_to(address: str, stamps: Mapping[str, StampRecord]) -> list[Stamp]:
    """Valid stamps paying `address`; legacy keys are filtered by name, unread."""
    found = []
    for key in stamps:
        legacy = parse_legacy_key(key)
        if legacy is not None and legacy.to != address:
            continue
        stamp = stamps[key]
        if isinstance(stamp, Stamp) and stamp.to == address:
            found.append(stamp)
    return found


def check_payment(
    intent: Intent,
    balance_now: int,
    stamps_to_address: list[Stamp],
    intents: Mapping[str, IntentRecord],
) -> Verdict:
    """The verdict on `intent`, given the recipient's balance now and the state folder."""
    before = intent.evidence.balance_udrt
    written = intent.written_at.replace(microsecond=0)
    others = [stamp for stamp in stamps_to_address if stamp.key != intent.key]
    known = sum(
        stamp.amount_udrt or 0
        for stamp in others
        if stamp.paid_at is not None and stamp.paid_at > written
    )

    def verdict(answer: str, reason: str) -> Verdict:
        return Verdict(answer, reason, before, balance_now, known)

    obstacle = _obstacle(intent, others, intents)
    if obstacle is not None:
        return verdict(CANNOT_TELL, obstacle)
    assert before is not None

    unexplained = balance_now - before - known
    if unexplained == intent.amount_udrt:
        return verdict(
            PAID,
            f"the balance rose by exactly {intent.amount_udrt} uDRT, the claimed amount,"
            " beyond the runner's other payments to this address",
        )
    if unexplained == 0:
        return verdict(
            NOT_PAID,
            "the balance did not move beyond the runner's other payments to this address",
        )
    return verdict(
        CANNOT_TELL,
        f"the balance moved by {unexplained} uDRT that the runner cannot explain"
        f" (the claim was {intent.amount_udrt} uDRT)",
    )


def _obstacle(
    intent: Intent, others: list[Stamp], intents: Mapping[str, IntentRecord]
) -> str | None:
    """Why the balances cannot decide, before any arithmetic; None when they can."""
    if intent.evidence.balance_udrt is None:
        return "the node did not give the balance before the claim"
    written = intent.written_at.replace(microsecond=0)
    same_second = [s.key for s in others if s.paid_at is not None and s.paid_at == written]
    if same_second:
        return f"{same_second[0]} paid this address in the second the intent was written"
    doubtful = [
        key
        for key, other in intents.items()
        if key != intent.key and (not isinstance(other, Intent) or other.to == intent.to)
    ]
    if doubtful:
        return f"another claim in doubt ({doubtful[0]}) may have paid this address"
    return None
