"""Log retention: day files older than RETENTION_DAYS go; nothing else ever does.

A day file is dated by its name (`YYYYMMDD.log`, UTC), never by its modification time,
which a copy or a restore changes. Stamps, intents and any other file are never touched,
and a file named in `keep` (it holds a payment record not yet imported) stays.
"""

from __future__ import annotations

from collections.abc import Set
from datetime import date, datetime
from pathlib import Path

from runner.logline import LOG_FILE_NAME

# Days a day log is kept (RETENTION_DAYS), the shell runner's default; the exporter's
# stamp-without-log check looks back as far.
DEFAULT_RETENTION_DAYS = 14


def expired_log_files(log_dir: Path, today: date, retention_days: int) -> list[Path]:
    """Day files more than `retention_days` days older than `today`, oldest first."""
    expired = []
    for path in sorted(log_dir.iterdir()):
        match = LOG_FILE_NAME.fullmatch(path.name)
        if match is None or path.is_symlink() or not path.is_file():
            continue
        try:
            day = datetime.strptime(match["date"], "%Y%m%d").date()
        except ValueError:
            continue
        if (today - day).days > retention_days:
            expired.append(path)
    return expired


def remove_expired_logs(
    log_dir: Path, today: date, retention_days: int, keep: Set[str] = frozenset()
) -> list[str]:
    """Remove the expired day files but those in `keep`; returns the names removed."""
    removed = []
    for path in expired_log_files(log_dir, today, retention_days):
        if path.name in keep:
            continue
        path.unlink(missing_ok=True)
        removed.append(path.name)
    return removed
