"""What the runner's logs say, folded line by line into the few facts the audit needs.

Lines are parsed by the runner's own reader (`runner.logline.parse_line`), in any
of its three forms. Kept: the last run's start, end and height, the last run that
ended well, runs and error lines counted, the keys that log lines say were paid,
the older runner's JSON payment records (which count as stamps), and the keys of
payments recorded otherwise (`resolve decision=paid`, `apply status=imported`).
Every line is read once (see LogTail), so the counts only grow while the exporter
runs; at a restart they start again from the retained files, as a counter does.

The shell runner's lines carry no timestamp: they take their file's modification
time when read, which is exact for the last lines of a file, the ones that count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from exporter.log_tail import LogBatch
from runner.logline import LogEvent, parse_line

# Error kinds of docs/formats.md; anything else a line says is counted as "other".
ERROR_KINDS: tuple[str, ...] = (
    "claim_failed",
    "rejected",
    "node_unreachable",
    "answer_lost",
    "invalid_schedule",
    "state_damaged",
    "other",
)
# The shell runner wrote errors without a kind: the node answered something but 200.
SHELL_ERROR_KIND = "claim_failed"
# Lines that tell about runs (and decisions); the rest (skip, future, doubt...) tell nothing new.
_RUN_EVENTS = frozenset({"start", "height", "done", "resolve"})


@dataclass(frozen=True, slots=True)
class JsonPayment:
    """A payment recorded by the older runner's JSON log line (`status: ok`)."""

    key: str
    height: int | None
    pool: str | None
    to: str | None
    amount_udrt: int | None
    paid_at: float | None
    file: str


@dataclass(slots=True)
class LogSummary:
    """The facts folded from every log line read so far."""

    lines: int = 0
    parse_errors: int = 0
    runs: int = 0
    last_start: float | None = None
    last_end: float | None = None
    last_success: float | None = None
    last_height: int | None = None
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ERROR_KINDS, 0))
    applied_keys: set[str] = field(default_factory=set)  # runner and shell `status=applied`
    resolved_paid_keys: set[str] = field(default_factory=set)  # `resolve decision=paid`
    imported_keys: set[str] = field(default_factory=set)  # `apply status=imported`
    json_payments: dict[str, JsonPayment] = field(default_factory=dict)
    # Keys first seen in applied lines since the last `take_new_keys()`.
    _new_keys: list[str] = field(default_factory=list)
    _last_height_at: float = float("-inf")
    # The shell runner's runs have no id: a run is its lines from `height=` to `done` (runs
    # never overlap: the CronJob forbids it, and files are read oldest first).
    _shell_run_failed: bool = False

    def add(self, batch: LogBatch) -> None:
        """Fold the lines of one batch, in order."""
        for raw in batch.lines:
            if not raw or raw.isspace():
                continue
            self.lines += 1
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                self.parse_errors += 1
                continue
            try:
                event = parse_line(text)
            except ValueError:  # a line no writer made (bad escapes...): junk, never fatal
                event = None
            if event is None:
                self.parse_errors += 1
                continue
            self._fold(event, batch)

    def log_keys(self) -> set[str]:
        """Keys some log line (applied, imported, JSON ok, resolve paid) records as paid."""
        return (
            self.applied_keys
            | self.imported_keys
            | self.resolved_paid_keys
            | self.json_payments.keys()
        )

    def take_new_keys(self) -> list[str]:
        """Keys that log lines recorded as paid since the last call."""
        keys, self._new_keys = self._new_keys, []
        return keys

    def _fold(self, event: LogEvent, batch: LogBatch) -> None:
        # Ordered by how common each line is: this runs once per line, a million at start.
        name = event.event
        status = event.fields.get("status")
        if name == "error" or status == "error" or (name == "apply" and status == "in_doubt"):
            # A claim whose answer was lost is an error line too (kind answer_lost).
            self._error(event)
            return
        if name == "apply":
            if status == "applied":
                self._applied(event, batch)
            elif status == "imported":  # the runner made a stamp of an older JSON record
                self._paid(self.imported_keys, event.fields.get("key"))
            return
        if name not in _RUN_EVENTS:
            return

        at = event.ts.timestamp() if event.ts is not None else batch.mtime
        if name == "start":
            self.last_start = _later(self.last_start, at)
        elif name == "height":
            self._saw_height(event, at)
            if event.source == "shell":
                self.last_start = _later(self.last_start, at)
                self._shell_run_failed = False
        elif name == "done":
            self._done(event, at)
        elif event.fields.get("decision") == "paid":  # resolve
            self._paid(self.resolved_paid_keys, event.fields.get("key"))

    def _saw_height(self, event: LogEvent, at: float) -> None:
        height = _integer(event.fields.get("height"))
        if height is not None and at >= self._last_height_at:
            self.last_height, self._last_height_at = height, at

    def _done(self, event: LogEvent, at: float) -> None:
        self.runs += 1
        self.last_end = _later(self.last_end, at)
        self._saw_height(event, at)
        if event.source == "shell":
            succeeded, self._shell_run_failed = not self._shell_run_failed, False
        else:
            succeeded = event.status == "ok"
        if succeeded:
            self.last_success = _later(self.last_success, at)

    def _error(self, event: LogEvent) -> None:
        kind = event.fields.get("kind")
        if event.source == "shell":
            kind = kind or SHELL_ERROR_KIND
            self._shell_run_failed = True
        self.errors[kind if kind in self.errors else "other"] += 1

    def _applied(self, event: LogEvent, batch: LogBatch) -> None:
        fields = event.fields
        key = fields.get("key") or _legacy_key(fields)
        if key is None:
            return
        if event.source != "jsonl":
            self._paid(self.applied_keys, key)
            return
        if key not in self.json_payments:
            self._new_keys.append(key)
        self.json_payments[key] = JsonPayment(
            key=key,
            height=_integer(fields.get("height")),
            pool=fields.get("pool"),
            to=fields.get("to"),
            amount_udrt=_integer(fields.get("amount_udrt")),
            paid_at=None if event.ts is None else event.ts.timestamp(),
            file=batch.name,
        )

    def _paid(self, keys: set[str], key: str | None) -> None:
        if key is not None and key not in keys:
            keys.add(key)
            self._new_keys.append(key)


def _legacy_key(fields: dict[str, str]) -> str | None:
    parts = [fields.get(name) for name in ("height", "pool", "to", "amount_udrt")]
    if any(part is None or part == "" for part in parts):
        return None
    return "_".join(part for part in parts if part is not None)


def _integer(text: str | None) -> int | None:
    if text is None or not text.isascii() or not text.isdigit():
        return None
    return int(text)


def _later(current: float | None, candidate: float) -> float:
    return candidate if current is None or candidate > current else current
