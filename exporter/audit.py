"""The audit: one consistent reading of schedule, state folder, logs and node, and its verdicts.

`Auditor` owns the sources and brings them up to date in `refresh()`; each call
returns an `Audit`, an immutable snapshot that the collector, the JSON and HTML
views and the `report` command all render. Everything expensive is redone only
when its inputs changed (see EntryBook, StateWatch, LogTail). A value whose
source has not been read is None, never a zero: the views leave it out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from exporter.entry_book import ATTENTION_ORDER, NEEDS_ATTENTION, EntryBook, PoolTotals
from exporter.log_history import CHILD_READ_BYTES, HistoryRead, start_history
from exporter.log_summary import JsonPayment, LogSummary
from exporter.log_tail import LogTail, TailReport
from exporter.mismatches import LogMismatches, Mismatch
from exporter.node_scrape import NodeSample, NodeScraper
from exporter.schedule_watch import ScheduleView, ScheduleWatch
from exporter.state_watch import DEFAULT_RECHECK_SECONDS, StateView, StateWatch
from runner.ledger import DEFAULT_GRACE_BLOCKS, EntryState, Status
from runner.retention import DEFAULT_RETENTION_DAYS
from runner.stamps import DamagedStamp, Stamp, StampRecord
from runner.state_folder import cache_folder, state_folder

log = logging.getLogger("dyt_emissions.exporter")

DEFAULT_NODE_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True, slots=True)
class AuditSettings:
    """Where the files are, which node to ask, and the two thresholds of the verdicts."""

    schedule: Path
    log_dir: Path
    node_metrics_url: str | None = None
    node_timeout_seconds: float = DEFAULT_NODE_TIMEOUT_SECONDS
    grace_blocks: int = DEFAULT_GRACE_BLOCKS
    retention_days: int = DEFAULT_RETENTION_DAYS
    height: int | None = None  # judge at this chain height instead of the node's
    stamp_recheck_seconds: float = DEFAULT_RECHECK_SECONDS  # see StateWatch


@dataclass(frozen=True, slots=True)
class RunnerFacts:
    """What the logs read so far say about the runner's runs."""

    lines: int
    parse_errors: int
    runs: int
    last_start: float | None
    last_end: float | None
    last_success: float | None
    last_height: int | None
    errors: dict[str, int]


@dataclass(frozen=True, slots=True)
class LogsView:
    """The log folder: whether it was ever read, what the last poll met, what it says."""

    read_once: bool
    folder_error: str | None
    unreadable: dict[str, str]
    facts: RunnerFacts


@dataclass(frozen=True)
class Audit:
    """One snapshot of the audit. None means "not measured", and is never shown as 0."""

    taken_at: float
    settings: AuditSettings
    schedule: ScheduleView
    state: StateView
    logs: LogsView
    node: NodeSample | None
    height: int | None
    height_source: str | None  # "given", "node", "node_last_seen" or "runner_log"
    book: EntryBook | None
    counts: dict[tuple[str, Status], int] | None
    totals: PoolTotals | None
    shortfall_udrt: int | None
    overdue_blocks: int | None
    mismatches: dict[str, int]  # only the kinds that could be measured
    mismatch_details: tuple[Mismatch, ...] = ()

    def entries(self, *, attention_only: bool = False) -> list[EntryState]:
        """Every entry at the audit's height (or only those needing attention), worst first."""
        if self.book is None:
            return []
        rank = {status: place for place, status in enumerate(ATTENTION_ORDER)}
        states = self.book.states_at(self.height, self.settings.grace_blocks)
        if attention_only:
            states = (state for state in states if state.status in NEEDS_ATTENTION)
        return sorted(states, key=lambda s: (rank[s.status], s.entry.height, s.entry.index))

    def status_counts(self) -> dict[Status, int] | None:
        """Entries per status, all pools together."""
        if self.counts is None:
            return None
        result: dict[Status, int] = {status: 0 for status in Status}
        for (_, status), count in self.counts.items():
            result[status] += count
        return result


class MergedStamps(Mapping[str, StampRecord]):
    """Stamp files, plus the older runner's JSON payment records where no stamp exists.

    docs/formats.md: a JSON line with `status: ok` counts as a payment record exactly
    like a stamp; the runner turns them into stamps on its first run.
    """

    def __init__(self, stamps: Mapping[str, StampRecord], payments: dict[str, JsonPayment]):
        self._stamps = stamps
        self._extra = {key: p for key, p in payments.items() if key not in stamps}

    def __getitem__(self, key: str) -> StampRecord:
        if key in self._stamps:
            return self._stamps[key]
        return _payment_stamp(self._extra[key])

    def __contains__(self, key: object) -> bool:
        return key in self._stamps or key in self._extra

    def __iter__(self) -> Iterator[str]:
        yield from self._stamps
        yield from self._extra

    def __len__(self) -> int:
        return len(self._stamps) + len(self._extra)


@dataclass
class _Cache:
    book_key: tuple[str, int, int] | None = None
    book: EntryBook | None = None
    mismatch_key: tuple[int, int] | None = None
    node_height: int | None = None  # block height of the last successful node scrape
    node_failure: str | None = None
    folder_error: str | None = None
    logs_read_once: bool = False
    unreadable: dict[str, str] = field(default_factory=dict)


class Auditor:
    """Holds every source of the audit; `refresh()` is safe to call from many threads."""

    def __init__(
        self,
        settings: AuditSettings,
        *,
        clock: Callable[[], float] = time.time,
        child_read_bytes: int = CHILD_READ_BYTES,
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._child_read_bytes = child_read_bytes
        self._history: HistoryRead | None = None
        self._history_started = False
        self._schedule = ScheduleWatch(settings.schedule, cache_folder(settings.log_dir))
        self._state = StateWatch(state_folder(settings.log_dir), settings.stamp_recheck_seconds)
        self._tail = LogTail(settings.log_dir)
        self._logs = LogSummary()
        self._mismatches = LogMismatches(settings.retention_days)
        self._scraper = (
            NodeScraper(settings.node_metrics_url, settings.node_timeout_seconds)
            if settings.node_metrics_url
            else None
        )
        self._cache = _Cache()
        self._lock = threading.Lock()

    def close(self) -> None:
        if self._scraper is not None:
            self._scraper.close()

    def refresh(self, *, details: bool = False) -> Audit:
        """Bring every source up to date and judge; `details` lists each mismatch too."""
        with self._lock:
            return self._refresh(details)

    def _refresh(self, details: bool) -> Audit:
        if not self._history_started:
            # A big folder is read by a child meanwhile (see exporter.log_history).
            self._history_started = True
            self._history = start_history(self.settings.log_dir, self._child_read_bytes)
        now = self._clock()
        schedule = self._schedule.poll()
        state = self._state.poll()
        self._book(schedule, state)  # before the logs: the child may still be reading them
        logs = self._read_logs()
        node = self._scrape_node()
        height, height_source = self._height(node)

        book = self._book(schedule, state)  # again only if JSON payments appeared in the logs
        mismatches = self._count_mismatches(state, book, logs.read_once, now)
        found: tuple[Mismatch, ...] = ()
        if details:
            found = self._mismatch_details(book, state, logs.read_once, now)

        audit = Audit(
            taken_at=now,
            settings=self.settings,
            schedule=schedule,
            state=state,
            logs=logs,
            node=node,
            height=height,
            height_source=height_source,
            book=book,
            counts=None,
            totals=None,
            shortfall_udrt=None,
            overdue_blocks=None,
            mismatches=mismatches,
            mismatch_details=found,
        )
        return self._judged(audit) if book is not None else audit

    def _judged(self, audit: Audit) -> Audit:
        """The audit with the entry counts and sums at its height (what can be known)."""
        assert audit.book is not None
        book, height, grace = audit.book, audit.height, self.settings.grace_blocks
        totals = book.totals(height, grace)
        if height is None:
            return replace(audit, totals=totals)

        oldest = book.oldest_unpaid_height(height)
        shortfall = None
        node = audit.node
        if node is not None and node.pending_udrt is not None:
            shortfall = max(0, sum(totals.due.values()) - int(node.pending_udrt))
        return replace(
            audit,
            counts=book.counts(height, grace),
            totals=totals,
            shortfall_udrt=shortfall,
            overdue_blocks=0 if oldest is None else height - oldest,
        )

    def _read_logs(self) -> LogsView:
        if self._history is not None:
            history = self._history.result()
            self._history = None
            if history is not None:
                self._logs = history.summary
                self._tail.adopt(history.positions)
        report = self._tail.poll(self._logs.add)
        cache = self._cache
        if report.folder_error is None:
            cache.logs_read_once = True
        if report.folder_error != cache.folder_error or report.unreadable != cache.unreadable:
            _log_folder_change(report)
        cache.folder_error, cache.unreadable = report.folder_error, dict(report.unreadable)
        for name in report.truncated:
            log.info("logs file=%s status=truncated action=read_from_start", name)
        for name in report.copies:
            log.info("logs file=%s status=rotated_copy action=read_after_known_bytes", name)

        summary = self._logs
        facts = RunnerFacts(
            lines=summary.lines,
            parse_errors=summary.parse_errors,
            runs=summary.runs,
            last_start=summary.last_start,
            last_end=summary.last_end,
            last_success=summary.last_success,
            last_height=summary.last_height,
            errors=dict(summary.errors),
        )
        return LogsView(cache.logs_read_once, report.folder_error, dict(report.unreadable), facts)

    def _scrape_node(self) -> NodeSample | None:
        if self._scraper is None:
            return None
        sample = self._scraper.scrape()
        cache = self._cache
        if sample.success and sample.block_height is not None:
            cache.node_height = int(sample.block_height)
        if sample.failure != cache.node_failure:
            if sample.success:
                log.info("node scrape status=ok url=%s", self._scraper.url)
            else:
                log.warning(
                    "node scrape status=failed kind=%s url=%s reason=%r",
                    sample.failure_kind,
                    self._scraper.url,
                    sample.failure,
                )
            cache.node_failure = sample.failure
        return sample

    def _height(self, node: NodeSample | None) -> tuple[int | None, str | None]:
        if self.settings.height is not None:
            return self.settings.height, "given"
        if node is not None and node.success and node.block_height is not None:
            return int(node.block_height), "node"
        if self._cache.node_height is not None:
            return self._cache.node_height, "node_last_seen"
        if self._logs.last_height is not None:
            return self._logs.last_height, "runner_log"
        return None, None

    def _book(self, schedule: ScheduleView, state: StateView) -> EntryBook | None:
        if schedule.schedule is None or state.error is not None:
            return None
        payments = self._logs.json_payments
        key = (schedule.schedule.digest, state.version, len(payments))
        cache = self._cache
        if key != cache.book_key:
            stamps = MergedStamps(state.stamps, payments)
            cache.book = EntryBook(schedule.schedule.entries, stamps, state.intents)
            cache.book_key = key
        return cache.book

    def _count_mismatches(
        self, state: StateView, book: EntryBook | None, logs_read: bool, now: float
    ) -> dict[str, int]:
        counts: dict[str, int] = {}
        if book is not None:
            real = state.stamps
            counts["orphan_stamp"] = sum(1 for s in book.ledger.orphan_stamps if s.key in real)
            counts["orphan_intent"] = len(book.ledger.orphan_intents)

        summary = self._logs
        new_keys = summary.take_new_keys()
        if state.error is not None or not logs_read:
            return counts
        payment_keys = MergedStamps(state.stamps, summary.json_payments)
        key = (state.version, len(summary.json_payments))
        if key != self._cache.mismatch_key:
            self._mismatches.rebuild(
                state.stamps, payment_keys, summary.applied_keys, summary.log_keys()
            )
            self._cache.mismatch_key = key
        else:
            self._mismatches.logged(new_keys, payment_keys, summary.applied_keys)
        counts.update(self._mismatches.counts(now))
        return counts

    def _mismatch_details(
        self, book: EntryBook | None, state: StateView, logs_read: bool, now: float
    ) -> tuple[Mismatch, ...]:
        found: list[Mismatch] = []
        if book is not None:
            for stamp in book.ledger.orphan_stamps:
                if stamp.key in state.stamps:
                    found.append(Mismatch("orphan_stamp", stamp.key, _orphan_detail(stamp)))
            for intent in book.ledger.orphan_intents:
                detail = "an intent for a key no schedule entry has: a claim may have been sent"
                found.append(Mismatch("orphan_intent", intent.key, detail))
        if state.error is None and logs_read:
            found += self._mismatches.details(now)
        return tuple(found)


def _payment_stamp(payment: JsonPayment) -> Stamp:
    paid_at = None if payment.paid_at is None else datetime.fromtimestamp(payment.paid_at, UTC)
    return Stamp(
        key=payment.key,
        height=payment.height,
        pool=payment.pool,
        to=payment.to,
        amount_udrt=payment.amount_udrt,
        paid_at=paid_at,
        imported_from=payment.file,
    )


def _orphan_detail(stamp: StampRecord) -> str:
    if isinstance(stamp, DamagedStamp):
        return f"a damaged stamp ({stamp.reason}) for a key no schedule entry has"
    return (
        f"a stamp for {stamp.amount_udrt} uDRT from {stamp.pool} at height {stamp.height}"
        " that no schedule entry has"
    )


def _log_folder_change(report: TailReport) -> None:
    if report.folder_error is not None:
        log.warning("logs read status=failed reason=%r", report.folder_error)
        return
    for name, reason in sorted(report.unreadable.items()):
        log.warning("logs read status=unreadable file=%s reason=%r", name, reason)
    if not report.unreadable:
        log.info("logs read status=ok")
