"""The schedule file, re-read when it changes, with the last valid one kept.

A Kubernetes ConfigMap volume updates its files by swapping a symlink
(`..data -> ..2026_12_01_...`) in one rename: the path the exporter was given
never changes, and neither does the mtime of any link on the way. So the file
is recognised by what its path resolves to now: the target's device, inode,
size and mtime. Any change there re-reads it. A file whose mtime is so recent
that a second write in the same clock tick could hide behind it is also
compared by content at the next poll, as git does for "racily clean" files.

An invalid file never replaces a valid schedule: the last valid one stays in
use and the problems are reported until the file is fixed.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from runner.schedule import Problem, Schedule, ScheduleError, load_schedule

log = logging.getLogger("dyt_emissions.exporter")

# A file modified this close to when it was read may change again without its mtime moving.
RACY_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class ScheduleView:
    """The schedule in use and what the last look at the file found."""

    schedule: Schedule | None  # the last valid schedule; None until one was read
    loaded_at: float | None  # Unix time `schedule` was loaded
    valid: bool  # whether the file as it is now is valid
    problems: tuple[Problem, ...]  # the file's problems when it is not
    invalid_entries: int  # entries of the current file with at least one problem
    checked_at: float | None  # Unix time of the last look at the file


@dataclass(frozen=True, slots=True)
class _Identity:
    target: str
    device: int
    inode: int
    size: int
    mtime_ns: int


class ScheduleWatch:
    """Follows one schedule path; `poll()` re-reads it only when it changed."""

    def __init__(self, path: Path, cache_dir: Path | None = None) -> None:
        self.path = path
        # The runner's validated-schedule cache, read only: it saves seconds on a large
        # schedule, and a schedule it does not hold is parsed as usual.
        self.cache_dir = cache_dir
        self._identity: _Identity | None = None
        self._racy = False
        self._digest: str | None = None
        self._view = ScheduleView(None, None, False, (), 0, None)

    @property
    def view(self) -> ScheduleView:
        return self._view

    def poll(self) -> ScheduleView:
        """Look at the file; load it when it changed; return what is in use now."""
        now = time.time()
        try:
            identity = self._identify()
        except OSError as error:
            problem = Problem(str(self.path), f"cannot be read: {error.strerror or error}")
            self._identity = None
            return self._refuse([problem], now)

        if identity == self._identity and not (self._racy and self._content_changed()):
            self._racy = self._racy and now - identity.mtime_ns / 1e9 < RACY_SECONDS
            self._view = _replace_checked(self._view, now)
            return self._view

        self._identity = identity
        self._racy = now - identity.mtime_ns / 1e9 < RACY_SECONDS
        return self._load(now)

    def _identify(self) -> _Identity:
        target = self.path.resolve()
        status = target.stat()
        return _Identity(
            str(target), status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns
        )

    def _content_changed(self) -> bool:
        try:
            return _file_digest(self.path) != self._digest
        except OSError:
            return True

    def _load(self, now: float) -> ScheduleView:
        try:
            schedule = load_schedule(self.path, self.cache_dir, store_in_cache=False)
        except ScheduleError as error:
            self._digest = _digest_or_none(self.path)
            return self._refuse(error.problems, now)

        self._digest = schedule.digest
        current = self._view.schedule
        if current is not None and current.digest == schedule.digest and self._view.valid:
            self._view = _replace_checked(self._view, now)
            return self._view
        log.info(
            "schedule load status=ok path=%s entries=%d sha256=%s",
            self.path,
            len(schedule.entries),
            schedule.digest[:12],
        )
        self._view = ScheduleView(schedule, now, True, (), 0, now)
        return self._view

    def _refuse(self, problems: list[Problem], now: float) -> ScheduleView:
        first = problems[0].message if problems else "unknown problem"
        if (
            self._view.valid
            or self._view.checked_at is None
            or self._view.problems != tuple(problems)
        ):
            log.warning(
                "schedule load status=invalid path=%s problems=%d first=%r keeping=%s",
                self.path,
                len(problems),
                first,
                "none" if self._view.schedule is None else self._view.schedule.digest[:12],
            )
        invalid_entries = len({p.entry for p in problems if p.entry is not None})
        self._view = ScheduleView(
            self._view.schedule,
            self._view.loaded_at,
            False,
            tuple(problems),
            invalid_entries,
            now,
        )
        return self._view


def _replace_checked(view: ScheduleView, now: float) -> ScheduleView:
    return ScheduleView(
        view.schedule, view.loaded_at, view.valid, view.problems, view.invalid_entries, now
    )


def _file_digest(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def _digest_or_none(path: Path) -> str | None:
    try:
        return _file_digest(path)
    except OSError:
        return None
