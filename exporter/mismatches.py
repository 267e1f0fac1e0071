"""Ledger mismatches: places where the schedule, the state folder and the logs disagree.

| kind | meaning |
| --- | --- |
| `orphan_stamp` | a stamp file whose key is no schedule entry's key |
| `orphan_intent` | an intent whose key is no schedule entry's key: a claim may have been sent |
| `applied_without_stamp` | a log line says applied; no stamp (nor JSON payment record) exists |
| `stamp_without_log` | a stamp paid inside the log retention window that no log line mentions |

The two log kinds are kept up to date incrementally: a full pass when the
stamps change (rare), and a look-up per key newly seen in the logs (every
scrape). The retention window is shortened by a day, because the runner
removes a day's file by its date, not by the time of each line.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from runner.stamps import Stamp, StampRecord

MISMATCH_KINDS: tuple[str, ...] = (
    "orphan_stamp",
    "orphan_intent",
    "applied_without_stamp",
    "stamp_without_log",
)
DAY_SECONDS = 86400.0


@dataclass(frozen=True, slots=True)
class Mismatch:
    kind: str
    key: str
    detail: str


class LogMismatches:
    """`applied_without_stamp` and `stamp_without_log`, kept current as logs and stamps move."""

    def __init__(self, retention_days: float) -> None:
        self.retention_days = retention_days
        self._unstamped: set[str] = set()
        self._unlogged: dict[str, float] = {}  # stamp key -> paid at (Unix time)

    def rebuild(
        self,
        stamps: Mapping[str, StampRecord],
        payment_keys: Collection[str],
        applied_keys: Iterable[str],
        log_keys: Collection[str],
    ) -> None:
        """Start over from every stamp and every key the logs hold."""
        self._unstamped = {key for key in applied_keys if key not in payment_keys}
        self._unlogged = {}
        for key in stamps:
            record = stamps[key]
            if isinstance(record, Stamp) and record.paid_at is not None and key not in log_keys:
                self._unlogged[key] = record.paid_at.timestamp()

    def logged(
        self, keys: Iterable[str], payment_keys: Collection[str], applied_keys: Collection[str]
    ) -> None:
        """Keys the logs just recorded as paid, by any line; `applied_keys` by applied lines."""
        for key in keys:
            self._unlogged.pop(key, None)
            if key in applied_keys and key not in payment_keys:
                self._unstamped.add(key)

    def counts(self, now: float) -> dict[str, int]:
        start = self.window_start(now)
        return {
            "applied_without_stamp": len(self._unstamped),
            "stamp_without_log": sum(1 for at in self._unlogged.values() if at >= start),
        }

    def window_start(self, now: float) -> float:
        """Stamps paid at or after this time must have their log line still on disk."""
        return now - max(self.retention_days - 1, 0) * DAY_SECONDS

    def details(self, now: float) -> list[Mismatch]:
        start = self.window_start(now)
        found = [
            Mismatch("applied_without_stamp", key, "a log line says applied; no stamp exists")
            for key in sorted(self._unstamped)
        ]
        found += [
            Mismatch(
                "stamp_without_log",
                key,
                "stamped inside the log retention window, but no log line records the payment",
            )
            for key, at in sorted(self._unlogged.items())
            if at >= start
        ]
        return found
