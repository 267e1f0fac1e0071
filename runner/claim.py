"""One claim, paid at most once: evidence, durable intent, POST, durable stamp.

The order is what makes a crash harmless. The intent is on disk before the POST, so a
run that dies at any later point leaves its entry in doubt, never silently unpaid; the
stamp is on disk before the intent goes, so a paid entry is never left with neither.
Only a claim that provably never reached the node (`NeverSent`) is sent again, a few
times with growing waits, and only while the deadline leaves room.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_result,
    stop_after_attempt,
    wait_exponential,
)
from tenacity.stop import stop_base

from runner.failpoint import failpoint
from runner.journal import ClaimJournal, Evidence, Intent
from runner.logline import utc_now
from runner.node_client import (
    ClaimOutcome,
    NeverSent,
    NodeClient,
    NodeUnavailable,
    Paid,
    Refused,
)
from runner.schedule import Entry
from runner.stamps import Stamp, StampStore


class StampNotWritten(Exception):
    """The node paid, and the stamp could not be written; the intent stays (in doubt)."""

    def __init__(self, remaining: str, error: OSError) -> None:
        super().__init__(f"the node paid (remaining {remaining}) but the stamp failed: {error}")
        self.remaining = remaining


@dataclass(frozen=True, slots=True)
class ClaimResult:
    """How a claim ended, after how many attempts, and the stamp written if it paid."""

    outcome: ClaimOutcome
    attempts: int
    stamp: Stamp | None = None


class _StopNearDeadline(stop_base):
    """Stop retrying when the run's deadline no longer leaves room for one more claim."""

    def __init__(self, time_left: Callable[[], float], needed: float) -> None:
        self._time_left = time_left
        self._needed = needed

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self._time_left() < self._needed


class Claimer:
    """Makes claims for one run: `claim(entry)` ends with the entry stamped, refused,
    unsent, or in doubt (its intent kept).
    """

    def __init__(
        self,
        node: NodeClient,
        stamps: StampStore,
        journal: ClaimJournal,
        run_id: str,
        *,
        attempts: int,
        first_wait: float,
        time_left: Callable[[], float],
        time_needed: float,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.node = node
        self.stamps = stamps
        self.journal = journal
        self.run_id = run_id
        self._attempts = attempts
        self._first_wait = first_wait
        self._near_deadline = _StopNearDeadline(time_left, time_needed)
        self._clock = clock
        self._sleep = sleep

    def claim(self, entry: Entry) -> ClaimResult:
        """Claim `entry`; OSError from the intent write and StampNotWritten propagate."""
        retrying = Retrying(
            stop=stop_after_attempt(self._attempts) | self._near_deadline,
            wait=wait_exponential(multiplier=self._first_wait, max=8 * self._first_wait),
            retry=retry_if_result(lambda outcome: isinstance(outcome, NeverSent)),
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
            sleep=self._sleep,
            reraise=True,
        )
        attempts = 0

        def attempt() -> ClaimOutcome:
            nonlocal attempts
            attempts += 1
            return self._post_once(entry)

        outcome: ClaimOutcome = retrying(attempt)
        stamp = self._stamp(entry, outcome.remaining) if isinstance(outcome, Paid) else None
        return ClaimResult(outcome, attempts, stamp)

    def _post_once(self, entry: Entry) -> ClaimOutcome:
        intent = Intent(
            key=entry.key,
            height=entry.height,
            pool=entry.pool,
            to=entry.to,
            amount_udrt=entry.amount_udrt,
            run_id=self.run_id,
            written_at=self._clock(),
            evidence=self._evidence(entry),
        )
        self.journal.write(intent)
        failpoint("before_post")

        outcome = self.node.claim(entry.pool, entry.amount_udrt, entry.to)
        failpoint("after_post")

        if isinstance(outcome, Refused | NeverSent):
            # A definite "nothing moved": the entry is due again, not in doubt.
            self.journal.remove(entry.key)
        return outcome

    def _stamp(self, entry: Entry, remaining: str) -> Stamp:
        stamp = Stamp(
            key=entry.key,
            height=entry.height,
            pool=entry.pool,
            to=entry.to,
            amount_udrt=entry.amount_udrt,
            paid_at=self._clock(),
            remaining=remaining,
            run_id=self.run_id,
        )
        try:
            self.stamps.write(stamp, before_rename=lambda: failpoint("during_stamp"))
        except OSError as error:
            raise StampNotWritten(remaining, error) from error
        # The stamp is durable: a failure to remove the intent only leaves a stale intent,
        # which the next run removes.
        with contextlib.suppress(OSError):
            self.journal.remove(entry.key, durable=False)
        return stamp

    def _evidence(self, entry: Entry) -> Evidence:
        """The node's view just before the POST; a read that fails is recorded as None."""
        try:
            stats = self.node.stats()
            node_height: int | None = stats.height
            pool_level = stats.pools.get(entry.pool)
        except NodeUnavailable:
            node_height = pool_level = None
        try:
            balance: int | None = self.node.balance(entry.to)
        except NodeUnavailable:
            balance = None
        return Evidence(node_height=node_height, balance_udrt=balance, pool_udrt=pool_level)
