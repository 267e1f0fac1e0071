"""One run of the claim runner: every due entry paid once, everything else reported.

The steps, in order (DESIGN.md, "The runner"): take the state folder's lock; validate
the whole schedule; import the older runner's JSON payment records into stamps; remove
expired log files; ask the node for its height; classify every entry (runner.ledger);
report what needs a person; claim each due entry in schedule order until done or the
deadline; write the summary line. Every decision is one log line (docs/formats.md).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from dyt_emissions import __version__
from runner.claim import Claimer, StampNotWritten
from runner.durable import describe_os_error
from runner.journal import ClaimJournal, DamagedIntent, IntentRecord
from runner.ledger import DEFAULT_GRACE_BLOCKS, EntryState, Ledger, Status, classify
from runner.legacy_log import find_payment_records
from runner.lock import StateUnwritable, state_lock
from runner.logline import LogWriter, format_timestamp, new_run_id, utc_now
from runner.node_client import AnswerLost, NeverSent, NodeClient, NodeUnavailable, Paid
from runner.ping import Pinger
from runner.retention import DEFAULT_RETENTION_DAYS, remove_expired_logs
from runner.schedule import Entry, Schedule, ScheduleError, load_schedule
from runner.stamp_cache import VerifiedStampCache
from runner.stamps import StampStore
from runner.state_folder import list_state, state_folder
from runner.summary import Attention, ClaimReport, RunSummary

# Reads the run may repeat when the node does not answer: the height at the start.
STATS_ATTEMPTS = 3
# Claim requests a run makes for one entry in the worst case: two evidence reads, the POST.
REQUESTS_PER_CLAIM = 3


@dataclass(frozen=True, slots=True)
class RunOptions:
    """Everything a run needs to know; the command builds it from flags and environment."""

    schedule: Path
    log_dir: Path
    rpc_url: str
    timeout: float = 10.0
    deadline: float = 240.0
    retention_days: int = DEFAULT_RETENTION_DAYS
    grace_blocks: int = DEFAULT_GRACE_BLOCKS
    stop_on_error: bool = False
    cache_dir: Path | None = None
    claim_attempts: int = 3
    retry_wait: float = 1.0


Progress = Callable[[RunSummary, Entry | None], None]


class Run:
    """One run, from lock to summary line. `execute()` raises LockHeld when another
    runner holds the lock; everything else ends in the returned summary.
    """

    def __init__(
        self,
        options: RunOptions,
        *,
        echo: Callable[[str], None] | None = None,
        complain: Callable[[str], None] = lambda text: None,
        progress: Progress = lambda summary, entry: None,
        pinger: Pinger | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.options = options
        self.started_at = clock()
        self.run_id = new_run_id(self.started_at)
        self.summary = RunSummary(self.run_id)
        self.state_dir = state_folder(options.log_dir)
        self.stamps = StampStore(self.state_dir)
        self.journal = ClaimJournal(self.state_dir)
        self._echo = echo
        self._complain = complain
        self._progress = progress
        self._pinger = pinger or Pinger(None)
        self._clock = clock
        self._started = time.monotonic()
        self._log = LogWriter(None, self.run_id)
        self._stop_requested = False
        self._unimported: dict[str, str] = {}

    def execute(self) -> RunSummary:
        # A run is short and makes no reference cycles worth collecting; the collector
        # would otherwise rescan 100,000 live entries many times while the ledger is built.
        gc.disable()
        try:
            return self._execute()
        finally:
            gc.enable()

    def _execute(self) -> RunSummary:
        with state_lock(self.state_dir):
            self._log = LogWriter(self.options.log_dir, self.run_id, echo=self._echo)
            try:
                self._log.open_today()
            except OSError as error:
                raise StateUnwritable(describe_os_error(error, self.options.log_dir)) from error
            try:
                self._run_locked()
            except Exception:
                self.summary.internal_error = True
                raise
            finally:
                self.summary.duration_seconds = time.monotonic() - self._started
                done = self._log.write("done", **self.summary.done_fields())
                self._log.close()
                self._pinger.finish(self.summary.exit_code == 0, done)
        return self.summary

    def request_stop(self) -> None:
        """Stop before the next claim (SIGTERM): the claim in flight, if any, ends first."""
        self._stop_requested = True

    def time_left(self) -> float:
        return self.options.deadline - (time.monotonic() - self._started)

    def _run_locked(self) -> None:
        schedule = self._load_schedule()
        if schedule is None:
            return
        self._log.write(
            "start",
            entries=len(schedule.entries),
            schedule=schedule.path,
            version=__version__,
        )
        self._pinger.start()

        keep = self._import_payment_records()
        if keep is None:
            return
        self._remove_expired_logs(keep)

        node = NodeClient(self.options.rpc_url, self.options.timeout)
        with node:
            height = self._read_height(node)
            if height is None:
                return
            self.summary.height = height
            self._log.write("height", height=height)

            ledger = self._classify(schedule, height)
            self._report_attention(ledger)
            self._pay(node, ledger.with_status(Status.DUE, Status.MISSED))

    def _load_schedule(self) -> Schedule | None:
        try:
            return load_schedule(self.options.schedule, cache_dir=self.options.cache_dir)
        except ScheduleError as error:
            self.summary.invalid_input = True
            for problem in error.problems:
                self._complain(str(problem))
            self._log.write("start", schedule=str(self.options.schedule), version=__version__)
            self._log.write(
                "error",
                kind="invalid_schedule",
                problems=len(error.problems),
                reason=str(error.problems[0]) if error.problems else "invalid",
            )
            return None

    def _import_payment_records(self) -> set[str] | None:
        """Stamps for the older runner's `ok` records; returns the day files to keep anyway.

        None when a stamp could not be written: that entry would look unpaid, so the run
        must claim nothing.
        """
        records, unreadable = find_payment_records(self.options.log_dir)
        keep = {record.file_name for record in unreadable}
        self._unimported = {bad.key: bad.reason for bad in unreadable if bad.key is not None}
        for bad in unreadable:
            reason = f"payment record not imported: {bad.reason}"
            if bad.key is None:
                # A record naming a key is counted with the entry (or orphan) it blocks.
                self.summary.damaged += 1
                self.summary.attention.append(
                    Attention(f"{bad.file_name}:{bad.line}", "damaged", reason)
                )
            self._log.write(
                "error",
                kind="state_damaged",
                file=bad.file_name,
                line=bad.line,
                reason=reason,
            )
        for record in records:
            if self.stamps.read(record.key) is not None:
                continue
            try:
                self.stamps.write(record.to_stamp(self.run_id))
            except OSError as error:
                reason = f"payment record of {record.file_name} not imported: {error}"
                self.summary.damaged += 1
                self.summary.attention.append(Attention(record.key, "damaged", reason))
                self._log.write("error", kind="state_damaged", key=record.key, reason=reason)
                return None
            self.summary.imported += 1
            self._log.write(
                "apply",
                height=record.height,
                denom="uDRT",
                pool=record.pool,
                to=record.to,
                amount_udrt=record.amount_udrt,
                key=record.key,
                status="imported",
                source=record.file_name,
                paid_at=format_timestamp(record.paid_at),
            )
        return keep

    def _remove_expired_logs(self, keep: set[str]) -> None:
        today = self._clock().date()
        try:
            removed = remove_expired_logs(
                self.options.log_dir, today, self.options.retention_days, keep
            )
        except OSError as error:
            # Old logs left in place cost disk space, not payments: go on and say so.
            self._complain(f"log retention skipped: {error}")
            return
        self.summary.logs_removed = len(removed)

    def _read_height(self, node: NodeClient) -> int | None:
        retrying = Retrying(
            stop=stop_after_attempt(STATS_ATTEMPTS),
            wait=wait_exponential(multiplier=self.options.retry_wait),
            retry=retry_if_exception_type(NodeUnavailable),
            reraise=True,
        )
        try:
            return retrying(node.stats).height
        except NodeUnavailable as error:
            self.summary.node_unreachable = True
            self._log.write("error", kind="node_unreachable", reason=str(error))
            return None

    def _classify(self, schedule: Schedule, height: int) -> Ledger:
        listing = list_state(self.state_dir)
        for refused in listing.refused:
            reason = f"{refused.name} {refused.reason}"
            self._log.write("error", kind="state_damaged", reason=reason)
            self.summary.attention.append(Attention(refused.name, "damaged", reason))
            self.summary.damaged += 1

        cache = (
            None if self.options.cache_dir is None else VerifiedStampCache(self.options.cache_dir)
        )
        trusted = {} if cache is None else cache.load(listing.folder_inode)
        stamps = self.stamps.scan(listing, trusted)
        for key, reason in self._unimported.items():
            stamps.add_damaged(key, f"payment record not imported: {reason}")
        intents = self.journal.all(listing)
        ledger = classify(schedule.entries, stamps, intents, height, self.options.grace_blocks)
        if cache is not None:
            verified = stamps.verified()
            if verified != trusted:
                cache.store(listing.folder_inode, verified)
        for key in ledger.stale_intents:
            self.journal.remove(key)

        counts = ledger.counts()
        self.summary.due = counts[Status.DUE] + counts[Status.MISSED]
        self.summary.skipped = counts[Status.APPLIED]
        self.summary.future = counts[Status.FUTURE]
        self.summary.in_doubt += counts[Status.IN_DOUBT]
        self.summary.conflicts += counts[Status.CONFLICT]
        self.summary.damaged += counts[Status.DAMAGED]
        return ledger

    def _report_attention(self, ledger: Ledger) -> None:
        """One line per entry that waits for a person, every run, until it is resolved."""
        for state in ledger.with_status(Status.IN_DOUBT, Status.CONFLICT, Status.DAMAGED):
            self._log_attention(state)
            self.summary.attention.append(
                Attention(state.entry.key, state.status.value, state.reason)
            )
        for intent in ledger.orphans_in_doubt():
            self._report_orphan_intent(intent)
        for orphan in ledger.damaged_orphan_stamps():
            self._log.write("damaged", key=orphan.key, status="damaged", reason=orphan.reason)
            self.summary.attention.append(Attention(orphan.key, "damaged", orphan.reason))
            self.summary.damaged += 1

    def _report_orphan_intent(self, intent: IntentRecord) -> None:
        """An intent no entry has any more (edited or removed) may still have paid: it is
        in doubt like any other until a person resolves its key."""
        if isinstance(intent, DamagedIntent):
            fields: dict[str, object] = {"key": intent.key}
            since = None
            reason = f"intent damaged ({intent.reason}); a claim may have been sent"
        else:
            fields = {
                "height": intent.height,
                "denom": "uDRT",
                "pool": intent.pool,
                "to": intent.to,
                "amount_udrt": intent.amount_udrt,
                "key": intent.key,
            }
            since = format_timestamp(intent.written_at)
            reason = f"claim sent at {since} by run {intent.run_id}; no answer recorded"
        reason += "; no schedule entry has this key any more"
        self._log.write("doubt", **fields, status="in_doubt", since=since, reason=reason)
        self.summary.in_doubt += 1
        self.summary.attention.append(Attention(intent.key, "in_doubt", reason))

    def _log_attention(self, state: EntryState) -> None:
        entry = state.entry
        if state.status is Status.DAMAGED:
            self._log.write("damaged", key=entry.key, status="damaged", reason=state.reason)
            return
        fields = _entry_fields(entry)
        if state.status is Status.IN_DOUBT:
            intent = state.intent
            since = None
            if intent is not None and not isinstance(intent, DamagedIntent):
                since = format_timestamp(intent.written_at)
            self._log.write("doubt", **fields, status="in_doubt", since=since, reason=state.reason)
        else:
            self._log.write(
                "conflict",
                **fields,
                stamp=state.conflict_key,
                status="conflict",
                reason=state.reason,
            )

    def _pay(self, node: NodeClient, payable: list[EntryState]) -> None:
        claimer = Claimer(
            node,
            self.stamps,
            self.journal,
            self.run_id,
            attempts=self.options.claim_attempts,
            first_wait=self.options.retry_wait,
            time_left=self.time_left,
            time_needed=REQUESTS_PER_CLAIM * self.options.timeout,
        )
        for state in payable:
            if (
                self._stop_requested
                or self.time_left() < REQUESTS_PER_CLAIM * self.options.timeout
            ):
                self.summary.deadline_reached = True
                return
            self._progress(self.summary, state.entry)
            go_on = self._claim(claimer, state.entry)
            self._log.sync()
            self._progress(self.summary, None)
            if not go_on:
                return

    def _claim(self, claimer: Claimer, entry: Entry) -> bool:
        """Claim one entry and log how it ended; False when the run must stop claiming."""
        fields = _entry_fields(entry)
        try:
            result = claimer.claim(entry)
        except StampNotWritten as error:
            self.summary.in_doubt += 1
            self._claim_line(entry, "in_doubt", kind="state_damaged", reason=str(error))
            return False
        except OSError as error:
            self.summary.damaged += 1
            self._log.write(
                "error", kind="state_damaged", key=entry.key, reason=f"intent not written: {error}"
            )
            return False

        outcome = result.outcome
        if isinstance(outcome, Paid):
            self.summary.paid += 1
            self._log.write("apply", **fields, remaining=outcome.remaining, status="applied")
            self.summary.claims.append(ClaimReport(entry.key, "applied", outcome.remaining))
            return True
        if isinstance(outcome, AnswerLost):
            # Stop here: a node that loses one answer may lose the next, and every claim
            # sent now could join this one in doubt.
            self.summary.in_doubt += 1
            self._claim_line(entry, "in_doubt", kind="answer_lost", reason=outcome.reason)
            return False
        self.summary.failed += 1
        if isinstance(outcome, NeverSent):
            self.summary.node_unreachable = True
            reason = f"{outcome.reason} (after {result.attempts} attempts)"
            self._claim_line(entry, "error", kind="node_unreachable", reason=reason)
            return False
        kind = "claim_failed" if outcome.http_status == 500 else "rejected"
        self._log.write(
            "apply",
            **fields,
            status="error",
            kind=kind,
            http_status=outcome.http_status,
            resp=outcome.body,
        )
        self.summary.claims.append(ClaimReport(entry.key, "error", f"HTTP {outcome.http_status}"))
        return not self.options.stop_on_error

    def _claim_line(self, entry: Entry, status: str, *, kind: str, reason: str) -> None:
        self._log.write("apply", **_entry_fields(entry), status=status, kind=kind, reason=reason)
        self.summary.claims.append(ClaimReport(entry.key, status, reason))
        if status == "in_doubt":
            self.summary.attention.append(Attention(entry.key, "in_doubt", reason))


def _entry_fields(entry: Entry) -> dict[str, object]:
    return {
        "height": entry.height,
        "denom": "uDRT",
        "pool": entry.pool,
        "to": entry.to,
        "amount_udrt": entry.amount_udrt,
        "key": entry.key,
    }
