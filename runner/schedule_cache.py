"""Validated schedules kept on disk, so that an unchanged schedule is not parsed again.

Parsing 100,000 entries takes the C parser alone about a second; reading them
back from JSON takes a fraction of that. A cache file is named by the SHA-256
of the schedule's bytes together with a fingerprint of the code that validated
them, so a schedule edit or a new validator never meets an old cache file. Its
body carries its own SHA-256: a damaged file is ignored (and rewritten), never
believed. Only schedules without problems are cached, and a cache that cannot
be written is not an error: the next load simply parses again.

File format (`schedule-<key>.json`): a header line
`{"v": 1, "schedule_sha256": ..., "body_sha256": ..., "entries": N}`, then one
line holding the entries as a JSON list of
`[index, line, height, pool, to, amount_udrt, id-or-null]`.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
import yaml._yaml as yaml_c

from runner.schedule_model import POOLS, Entry

FORMAT_VERSION = 1
_PREFIX = "schedule-"

# The modules whose code decides whether a schedule is valid and what it holds.
_VALIDATOR_MODULES = (
    "address.py",
    "schedule.py",
    "schedule_cache.py",
    "schedule_document.py",
    "schedule_fields.py",
    "schedule_model.py",
    "yaml_events.py",
)


class ScheduleCache:
    """Validated entries of schedules, by content, in one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load(self, digest: str) -> tuple[Entry, ...] | None:
        """The entries validated for these bytes, or None if there is no sound cache file."""
        name = _file_name(digest)
        if name is None:
            return None
        try:
            fd = os.open(self.folder / name, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as file:
                data = file.read()
        except OSError:
            return None
        try:
            return _decode(data, digest)
        except (ValueError, TypeError, KeyError, IndexError):
            return None

    def store(self, digest: str, entries: list[Entry]) -> None:
        """Keep these validated entries for these bytes; remove older cache files."""
        name = _file_name(digest)
        if name is None:
            return
        body = json.dumps(
            [[e.index, e.line, e.height, e.pool, e.to, e.amount_udrt, e.id] for e in entries],
            separators=(",", ":"),
        ).encode()
        header = {
            "v": FORMAT_VERSION,
            "schedule_sha256": digest,
            "body_sha256": hashlib.sha256(body).hexdigest(),
            "entries": len(entries),
        }
        with contextlib.suppress(OSError):
            if self.folder.is_symlink():
                return
            self.folder.mkdir(parents=True, exist_ok=True)
            self._write(name, json.dumps(header).encode() + b"\n" + body)
            self._remove_others(name)

    def _write(self, name: str, content: bytes) -> None:
        # A torn write (a crash before the rename reached the disk) fails the
        # body's checksum and is parsed again, so no fsync is needed here.
        fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=".tmp-" + _PREFIX)
        try:
            # Readable by the exporter, which may run as another user: the entries
            # are the schedule's own, no secret.
            os.fchmod(fd, 0o644)
            with os.fdopen(fd, "wb") as file:
                file.write(content)
            Path(temporary).replace(self.folder / name)
        except OSError:
            with contextlib.suppress(OSError):
                Path(temporary).unlink()
            raise

    def _remove_others(self, keep: str) -> None:
        for path in self.folder.glob(_PREFIX + "*.json"):
            if path.name != keep:
                with contextlib.suppress(OSError):
                    path.unlink()


def _decode(data: bytes, digest: str) -> tuple[Entry, ...] | None:
    header_line, _, body = data.partition(b"\n")
    header = json.loads(header_line)
    if (
        header["v"] != FORMAT_VERSION
        or header["schedule_sha256"] != digest
        or header["body_sha256"] != hashlib.sha256(body).hexdigest()
    ):
        return None
    rows = json.loads(body)
    if not isinstance(rows, list) or len(rows) != header["entries"]:
        return None
    # One string object per pool and per address, however many entries share it:
    # a large schedule pays few recipients, and the runner's memory is limited.
    strings = {pool: pool for pool in POOLS}
    return tuple(_entry(position, row, strings) for position, row in enumerate(rows, start=1))


def _entry(position: int, row: Any, strings: dict[str, str]) -> Entry:
    # The body's checksum already vouches for the content; these checks only make
    # sure a file from some other writer cannot pass for entries.
    index, line, height, pool, to, amount, entry_id = row
    if (
        index != position
        or type(line) is not int
        or type(height) is not int
        or type(amount) is not int
        or pool not in POOLS
        or type(to) is not str
        or (entry_id is not None and type(entry_id) is not str)
    ):
        raise ValueError(f"cache row {position} is not an entry")
    return Entry(index, line, height, strings[pool], strings.setdefault(to, to), amount, entry_id)


def _file_name(digest: str) -> str | None:
    """The cache file for these bytes under this validator, or None if the code is unreadable."""
    fingerprint = _validator_fingerprint()
    if fingerprint is None:
        return None
    key = hashlib.sha256(f"{fingerprint} {digest}".encode()).hexdigest()
    return f"{_PREFIX}{key}.json"


@functools.cache
def _validator_fingerprint() -> str | None:
    libyaml = yaml_c.get_version_string()
    code = hashlib.sha256(f"{FORMAT_VERSION} {yaml.__version__} {libyaml}".encode())
    here = Path(__file__).parent
    try:
        for module in _VALIDATOR_MODULES:
            code.update((here / module).read_bytes())
    except OSError:
        return None
    return code.hexdigest()
