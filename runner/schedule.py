"""The payment schedule: which pool pays how many uDRT to whom at which height.

`load_schedule` reads a schedule file and checks all of it before anything may
be paid from it; a file with any problem raises ScheduleError listing every
problem, each with its file, line, entry and field. What is checked, and why
the YAML is read the way it is, is in docs/formats.md ("The schedule").
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from runner.schedule_cache import ScheduleCache
from runner.schedule_document import ScheduleDocument
from runner.schedule_model import POOLS, Entry, Problem, Schedule, ScheduleError

__all__ = [
    "MAX_SCHEDULE_BYTES",
    "POOLS",
    "Entry",
    "Problem",
    "Schedule",
    "ScheduleError",
    "load_schedule",
]

# Far above any real schedule (100,000 entries take about 14 MB), low enough that
# a runaway file is refused before it is parsed.
MAX_SCHEDULE_BYTES = 64 * 1024 * 1024


def load_schedule(
    path: Path, cache_dir: Path | None = None, *, store_in_cache: bool = True
) -> Schedule:
    """Read and validate a schedule file; raise ScheduleError listing every problem.

    With `cache_dir`, a schedule whose exact bytes were validated before is read back
    from a cache file there instead of being parsed again (see ScheduleCache). A reader
    that must not write, such as the exporter on a read-only volume, passes
    `store_in_cache=False`.
    """
    shown = str(path)
    data = _read_bytes(path, shown)
    digest = hashlib.sha256(data).hexdigest()

    cache = None if cache_dir is None else ScheduleCache(cache_dir)
    if cache is not None:
        cached = cache.load(digest)
        if cached is not None:
            return Schedule(shown, cached, digest)

    _check_text(data, shown)
    entries, problems = ScheduleDocument(shown, data).read()
    if problems:
        raise ScheduleError(shown, problems)

    if cache is not None and store_in_cache:
        cache.store(digest, entries)
    return Schedule(shown, tuple(entries), digest)


def _read_bytes(path: Path, shown: str) -> bytes:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_SCHEDULE_BYTES + 1)
    except FileNotFoundError:
        raise _refused(shown, "no such file") from None
    except IsADirectoryError:
        raise _refused(shown, "a directory, not a schedule file") from None
    except PermissionError:
        raise _refused(shown, "cannot be read: permission denied") from None
    except OSError as error:
        raise _refused(shown, f"cannot be read: {error.strerror or error}") from None

    if len(data) > MAX_SCHEDULE_BYTES:
        raise _refused(
            shown, f"larger than {MAX_SCHEDULE_BYTES // (1024 * 1024)} MiB; refused unread"
        )
    return data


def _check_text(data: bytes, shown: str) -> None:
    if not data.strip():
        raise _refused(shown, "empty file; expected a mapping with the key 'entries'")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ScheduleError(
            shown,
            [
                Problem(
                    shown,
                    f"not UTF-8 text: byte 0x{data[error.start]:02x} at offset {error.start} "
                    "cannot be decoded",
                    line=line,
                )
            ],
        ) from None


def _refused(shown: str, message: str) -> ScheduleError:
    return ScheduleError(shown, [Problem(shown, message)])
