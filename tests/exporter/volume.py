"""A logs volume built for one test: schedule, stamps, intents and log files, in the real formats.

Stamps and intents are written by the runner's own writers (StampStore,
ClaimJournal) and runner log lines by its `format_line`, so the exporter is
tested against exactly what the runner leaves. The shell runner's files (bare
timestamp stamps, untimestamped lines) are written as that script wrote them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from runner.address import make_address
from runner.journal import ClaimJournal, Evidence, Intent
from runner.logline import format_line
from runner.schedule import Entry
from runner.stamps import Stamp, StampStore
from runner.state_folder import state_folder

NOW = datetime(2026, 12, 3, 12, 0, 0, tzinfo=UTC)
ADDRESSES = [make_address(bytes([n]) * 20) for n in range(1, 9)]
RUN_ID = "20261203T115500Z-ab12"


@dataclass(frozen=True)
class Planned:
    """An entry as the test plans it; `entry` gives the runner's Entry (for its key)."""

    height: int
    pool: str
    to: str
    amount_udrt: int
    id: str | None = None

    @property
    def entry(self) -> Entry:
        return Entry(0, 0, self.height, self.pool, self.to, self.amount_udrt, self.id)

    @property
    def key(self) -> str:
        return self.entry.key

    def as_yaml(self) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "height": self.height,
            "pool": self.pool,
            "to": self.to,
            "amount_udrt": self.amount_udrt,
        }
        if self.id is not None:
            fields["id"] = self.id
        return fields


class Volume:
    """A log folder (with its `.state/`) and a schedule file beside it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.log_dir = root / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.schedule_path = root / "schedule.yaml"
        self.state_dir = state_folder(self.log_dir)

    def write_schedule(self, entries: Iterable[Planned], path: Path | None = None) -> Path:
        target = self.schedule_path if path is None else path
        document = {"entries": [planned.as_yaml() for planned in entries]}
        target.write_text(yaml.safe_dump(document, sort_keys=False))
        return target

    def stamp(self, planned: Planned, paid_at: datetime = NOW, key: str | None = None) -> Stamp:
        stamp = Stamp(
            key=planned.key if key is None else key,
            height=planned.height,
            pool=planned.pool,
            to=planned.to,
            amount_udrt=planned.amount_udrt,
            paid_at=paid_at,
            remaining="1000",
            run_id=RUN_ID,
        )
        StampStore(self.state_dir).write(stamp)
        return stamp

    def raw_stamp(self, key: str, content: bytes) -> None:
        """A stamp file with exactly these bytes (the shell runner's, or a damaged one)."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        (self.state_dir / f"{key}.stamp").write_bytes(content)

    def intent(self, planned: Planned, written_at: datetime = NOW) -> Intent:
        intent = Intent(
            key=planned.key,
            height=planned.height,
            pool=planned.pool,
            to=planned.to,
            amount_udrt=planned.amount_udrt,
            run_id=RUN_ID,
            written_at=written_at,
            evidence=Evidence(node_height=planned.height, balance_udrt=0, pool_udrt=10**9),
        )
        ClaimJournal(self.state_dir).write(intent)
        return intent

    def log_path(self, day: str = "20261203") -> Path:
        return self.log_dir / f"{day}.log"

    def append(self, text: str | bytes, day: str = "20261203") -> Path:
        """Append raw text (lines with their newlines) to a day file."""
        path = self.log_path(day)
        data = text.encode("utf-8") if isinstance(text, str) else text
        with path.open("ab") as file:
            file.write(data)
        return path


def runner_line(event: str, at: datetime = NOW, **fields: object) -> str:
    """One line of the runner's own form, with its newline."""
    return format_line(event, fields, run_id=RUN_ID, ts=at) + "\n"


def applied_line(planned: Planned, at: datetime = NOW) -> str:
    return runner_line(
        "apply",
        at,
        height=planned.height,
        denom="uDRT",
        pool=planned.pool,
        to=planned.to,
        amount_udrt=planned.amount_udrt,
        key=planned.key,
        remaining=1000,
        status="applied",
    )


def run_lines(
    height: int, *, start: datetime = NOW, status: str = "ok", exit_code: int = 0
) -> str:
    """A run's start, height and done lines (nothing paid in between)."""
    return (
        runner_line("start", start, entries=1)
        + runner_line("height", start, height=height)
        + runner_line("done", start, height=height, exit=exit_code, status=status)
    )


def shell_apply_line(planned: Planned, status: str = "applied") -> str:
    """The shell runner's apply line, as in shared/cases/legacy-logdir."""
    tail = "remaining=88 status=applied" if status == "applied" else "status=error resp="
    return (
        f"[emissions] apply height={planned.height} denom=uDRT pool={planned.pool} "
        f"to={planned.to} amount_udrt={planned.amount_udrt} {tail}\n"
    )


def set_mtime(path: Path, at: datetime) -> None:
    os.utime(path, (at.timestamp(), at.timestamp()))
