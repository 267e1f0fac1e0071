"""Reads the runner's log folder incrementally: each complete line once, never twice.

Files are the runner's day files `YYYYMMDD.log`, and rotated copies of them
(`YYYYMMDD.log.1`, ... as logrotate names them). Each file is followed by its
identity (device and inode), not its name, so a rename is not a new file. What
can go wrong, and what is done about it:

- appended bytes: only the bytes after the last complete line are read;
- a half-written last line: left in the file until its newline arrives;
- a renamed file (logrotate's default): same inode, read on from where it was;
- a truncated file (copytruncate, or `: > file`): its size falls below what was
  read, or its first or last-read bytes changed: it is read again from the start;
- the copy that copytruncate leaves (`X.log.1`): recognised because its first
  bytes are exactly the bytes already read from `X.log`, so only what follows
  them is read;
- a deleted file: forgotten; what was read from it stays counted;
- an unfinished line longer than MAX_LINE_BYTES: handed over in pieces (the
  parser counts them as junk), so that binary junk cannot fill memory;
- an unreadable file or a missing folder: reported in the TailReport, never raised.

Nothing here writes to the folder: it works when mounted read-only.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import stat
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

LOG_NAME = re.compile(r"(?P<base>(?P<day>\d{8})\.log)(?:\.(?P<rotation>\d{1,4}))?")

CHUNK_BYTES = 1 << 20
MAX_LINE_BYTES = 64 * 1024
# Bytes kept from the start of a file and from before the read offset, to notice a
# file that was truncated and then grew past the old offset between two polls.
HEAD_BYTES = 256
TAIL_BYTES = 256
MAX_GHOSTS = 32


@dataclass(frozen=True, slots=True)
class LogBatch:
    """Complete lines just read from one file (newline removed), in file order."""

    name: str
    lines: list[bytes]
    mtime: float  # the file's modification time when read (lines without a timestamp use it)


@dataclass(slots=True)
class TailReport:
    """What one poll of the folder met besides lines."""

    folder_error: str | None = None
    unreadable: dict[str, str] = field(default_factory=dict)  # file name -> reason
    files: int = 0
    bytes_read: int = 0
    truncated: list[str] = field(default_factory=list)
    copies: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FilePosition:
    """How far one file was read, to carry to another LogTail (see `LogTail.adopt`)."""

    identity: tuple[int, int]
    name: str
    offset: int
    digest: bytes  # sha256 of the bytes [0, offset)


@dataclass(slots=True)
class _Followed:
    """A file being followed: how far it was read, and enough to recognise it again."""

    identity: tuple[int, int]
    name: str
    offset: int = 0
    size: int = -1
    mtime_ns: int = -1
    head: bytes = b""
    tail: bytes = b""
    digest: hashlib._Hash = field(default_factory=hashlib.sha256)

    @property
    def base(self) -> str:
        return _base(self.name)


@dataclass(frozen=True, slots=True)
class _Ghost:
    """The bytes already read from a file that was truncated or vanished."""

    base: str
    offset: int
    digest: bytes


@dataclass(slots=True)
class _Open:
    name: str
    handle: io.FileIO
    status: os.stat_result

    @property
    def identity(self) -> tuple[int, int]:
        return (self.status.st_dev, self.status.st_ino)


Sink = Callable[[LogBatch], None]


class LogTail:
    """Follows the day files of one log folder; `poll(sink)` hands new lines to `sink`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._followed: dict[tuple[int, int], _Followed] = {}
        self._ghosts: deque[_Ghost] = deque(maxlen=MAX_GHOSTS)

    def poll(self, sink: Sink) -> TailReport:
        """Read every complete line added since the last poll, oldest file first."""
        report = TailReport()
        try:
            names = sorted(_log_names(self.folder), key=_age_order)
        except OSError as error:
            report.folder_error = f"cannot read log folder {self.folder}: {_reason(error)}"
            return report

        opened = self._open_all(names, report)
        try:
            self._forget_vanished(opened)
            known = [o for o in opened if o.identity in self._followed]
            new = [o for o in opened if o.identity not in self._followed]
            for item in known:
                self._read_known(item, sink, report)
            for item in new:
                self._read_new(item, sink, report)
        finally:
            for item in opened:
                item.handle.close()
        report.files = len(opened)
        return report

    def positions(self) -> list[FilePosition]:
        """Where every followed file stands, for `adopt` in another process."""
        return [
            FilePosition(f.identity, f.name, f.offset, f.digest.digest())
            for f in self._followed.values()
        ]

    def adopt(self, positions: list[FilePosition]) -> None:
        """Go on from where another LogTail stopped (it read the folder in a child process).

        A file that changed since in any way but growth is not adopted: what was read from
        it becomes a ghost (so its rotated copy is still recognised) and it is read anew.
        """
        for position in positions:
            followed = self._adoptable(position)
            if followed is None:
                self._ghosts.append(_Ghost(_base(position.name), position.offset, position.digest))
            else:
                self._followed[position.identity] = followed

    def _adoptable(self, position: FilePosition) -> _Followed | None:
        try:
            handle = _open_regular(self.folder / position.name)
        except OSError:
            return None
        with handle:
            status = os.fstat(handle.fileno())
            same = (status.st_dev, status.st_ino) == position.identity
            if not same or status.st_size < position.offset:
                return None
            offset, digest, head, tail = _prefix_state(handle, position.offset)
        if digest.digest() != position.digest:
            return None
        return _Followed(position.identity, position.name, offset, -1, -1, head, tail, digest)

    def _open_all(self, names: list[str], report: TailReport) -> list[_Open]:
        opened: list[_Open] = []
        seen: set[tuple[int, int]] = set()
        for name in names:
            try:
                handle = _open_regular(self.folder / name)
            except OSError as error:
                report.unreadable[name] = _reason(error)
                continue
            item = _Open(name, handle, os.fstat(handle.fileno()))
            if item.identity in seen:  # a hard link to a file already listed
                handle.close()
                continue
            seen.add(item.identity)
            opened.append(item)
        return opened

    def _forget_vanished(self, opened: list[_Open]) -> None:
        present = {item.identity for item in opened}
        for identity in [i for i in self._followed if i not in present]:
            self._bury(self._followed.pop(identity))

    def _bury(self, followed: _Followed) -> None:
        if followed.offset > 0:
            self._ghosts.append(_Ghost(followed.base, followed.offset, followed.digest.digest()))

    def _read_known(self, item: _Open, sink: Sink, report: TailReport) -> None:
        followed = self._followed[item.identity]
        size, mtime_ns = item.status.st_size, item.status.st_mtime_ns
        if (size, mtime_ns) == (followed.size, followed.mtime_ns) and item.name == followed.name:
            return

        if _day(item.name) != _day(followed.name) or not _still_same(item.handle, followed, size):
            # Truncated, or the inode now holds another file: start it over.
            report.truncated.append(item.name)
            self._bury(followed)
            followed = _Followed(item.identity, item.name)
            self._followed[item.identity] = followed
        followed.name = item.name
        self._read_on(item, followed, sink, report)

    def _read_new(self, item: _Open, sink: Sink, report: TailReport) -> None:
        followed = _Followed(item.identity, item.name)
        copied = self._copied_prefix(item)
        if copied is not None:
            report.copies.append(item.name)
            followed.offset, followed.digest, followed.head, followed.tail = copied
        self._followed[item.identity] = followed
        self._read_on(item, followed, sink, report)

    def _copied_prefix(self, item: _Open) -> tuple[int, hashlib._Hash, bytes, bytes] | None:
        """When `item` is a rotated copy of a file already read, the part of it already read."""
        match = LOG_NAME.fullmatch(item.name)
        if match is None or match["rotation"] is None:
            return None
        base = match["base"]

        # A ghost first: its digest covers exactly what was read before the truncation.
        for ghost in reversed(self._ghosts):
            if ghost.base == base and ghost.offset <= item.status.st_size:
                state = _prefix_state(item.handle, ghost.offset)
                if state[1].digest() == ghost.digest:
                    self._ghosts.remove(ghost)
                    return state
        # Then the original, when the copy was taken but the original not yet truncated.
        for live in self._followed.values():
            if live.name == base and live.offset > 0:
                length = min(live.offset, item.status.st_size)
                if _same_prefix(item.handle, self.folder / live.name, length):
                    return _prefix_state(item.handle, length)
        return None

    def _read_on(self, item: _Open, followed: _Followed, sink: Sink, report: TailReport) -> None:
        handle = item.handle
        handle.seek(followed.offset)
        pending = b""
        while chunk := handle.read(CHUNK_BYTES):
            report.bytes_read += len(chunk)
            data = pending + chunk
            cut = data.rfind(b"\n") + 1
            if len(data) - cut > MAX_LINE_BYTES:
                cut = len(data)  # an unfinished line this long is junk: hand it over now
            pending = data[cut:]
            if cut:
                complete = data[:cut]
                _advance(followed, complete)
                lines = complete[:-1] if complete.endswith(b"\n") else complete
                sink(LogBatch(item.name, lines.split(b"\n"), _mtime(item)))
        followed.size = item.status.st_size
        followed.mtime_ns = item.status.st_mtime_ns
        if followed.offset < followed.size:
            # A half-written line waits; make the next poll look again even if nothing changes.
            followed.size = -1


def _log_names(folder: Path) -> list[str]:
    with os.scandir(folder) as entries:
        return [entry.name for entry in entries if LOG_NAME.fullmatch(entry.name)]


def _age_order(name: str) -> tuple[str, int]:
    # Oldest first: by day, and within a day the highest rotation number first.
    match = LOG_NAME.fullmatch(name)
    assert match is not None
    rotation = match["rotation"]
    return (match["day"], -int(rotation) if rotation is not None else 1)


def _base(name: str) -> str:
    match = LOG_NAME.fullmatch(name)
    return match["base"] if match else name


def _day(name: str) -> str | None:
    match = LOG_NAME.fullmatch(name)
    return match["day"] if match else None


def _open_regular(path: Path) -> io.FileIO:
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    descriptor = os.open(path, flags)
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise OSError(0, "not a regular file")
    return os.fdopen(descriptor, "rb", buffering=0)


def _reason(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "a symbolic link (not followed)"
    return error.strerror or str(error)


def _mtime(item: _Open) -> float:
    return item.status.st_mtime_ns / 1e9


def _pread(handle: io.FileIO, offset: int, length: int) -> bytes:
    return os.pread(handle.fileno(), length, offset)


def _still_same(handle: io.FileIO, followed: _Followed, size: int) -> bool:
    """Whether the file still holds, unchanged, the bytes already read from it."""
    if size < followed.offset:
        return False
    if _pread(handle, 0, len(followed.head)) != followed.head:
        return False
    tail_start = followed.offset - len(followed.tail)
    return _pread(handle, tail_start, len(followed.tail)) == followed.tail


def _advance(followed: _Followed, complete: bytes) -> None:
    if len(followed.head) < HEAD_BYTES:
        followed.head += complete[: HEAD_BYTES - len(followed.head)]
    followed.tail = (followed.tail + complete[-TAIL_BYTES:])[-TAIL_BYTES:]
    followed.digest.update(complete)
    followed.offset += len(complete)


def _same_prefix(handle: io.FileIO, other: Path, length: int) -> bool:
    try:
        with _open_regular(other) as reference:
            position = 0
            while position < length:
                step = min(CHUNK_BYTES, length - position)
                if _pread(handle, position, step) != _pread(reference, position, step):
                    return False
                position += step
    except OSError:
        return False
    return True


def _prefix_state(handle: io.FileIO, length: int) -> tuple[int, hashlib._Hash, bytes, bytes]:
    """Offset, digest, head and tail of a file's first `length` bytes, as if read."""
    digest = hashlib.sha256()
    position = 0
    while position < length:
        step = min(CHUNK_BYTES, length - position)
        digest.update(_pread(handle, position, step))
        position += step
    head = _pread(handle, 0, min(length, HEAD_BYTES))
    tail_length = min(length, TAIL_BYTES)
    tail = _pread(handle, length - tail_length, tail_length)
    return length, digest, head, tail
