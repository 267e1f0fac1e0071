"""Atomic, durable writes and removals of small files in one folder of the state.

A stamp or intent that exists must be complete, and one that was reported written must
survive a power cut. So every write goes through a temporary file in the same folder,
fsync, rename and fsync of the folder. Every path is a plain name resolved against an
open folder descriptor, and nothing follows a symlink: a schedule key can never lead a
write outside the state folder, even if a validator upstream missed something.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# A state file name: no separator, no leading dot (those are ours: .lock, temp files).
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,239}")

TEMP_SUFFIX = ".tmp"


class UnsafePathError(OSError):
    """A state path that is not a plain file in the state folder (symlink, bad name)."""


def describe_os_error(error: OSError, path: Path) -> str:
    """What went wrong with `path` (or the path the error names), in words, for a person."""
    where = error.filename if error.filename is not None else path
    text = f"cannot use {where}: {error.strerror or error}"
    hint = {
        errno.EROFS: "the volume is read-only",
        errno.EPERM: "the volume is not writable here",
        errno.ENOTDIR: "a file stands where a folder is needed",
        errno.EEXIST: "a file stands where a folder is needed",
        errno.EISDIR: "a folder stands where a file is needed",
    }.get(error.errno or 0)
    return text if hint is None else f"{text} ({hint})"


def check_name(name: str) -> None:
    """Raise UnsafePathError unless `name` is a plain file name allowed in the state."""
    if _PLAIN_NAME.fullmatch(name) is None or ".." in name:
        raise UnsafePathError(f"refusing state file name {name!r}: not a plain file name")


@contextmanager
def open_folder(folder: Path) -> Iterator[int]:
    """An O_DIRECTORY descriptor of `folder`, refusing a symlinked folder."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as error:
        if Path(folder).is_symlink():
            raise UnsafePathError(f"refusing {folder}: it is a symlink") from error
        raise
    try:
        yield fd
    finally:
        os.close(fd)


def ensure_folder(folder: Path) -> None:
    """Create `folder` (and its parents) if missing; refuse it if it is a symlink."""
    if folder.is_symlink():
        raise UnsafePathError(f"refusing {folder}: it is a symlink")
    folder.mkdir(parents=True, exist_ok=True)


def write_durably(
    folder: Path,
    name: str,
    data: bytes,
    *,
    before_rename: Callable[[], None] | None = None,
) -> None:
    """Replace `folder/name` with `data` atomically and durably.

    `before_rename` runs once the temporary file is complete and synced; the crash tests
    use it to die at exactly that point.
    """
    check_name(name)
    temp = f".{name}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
    with open_folder(folder) as folder_fd:
        _refuse_symlink(folder_fd, folder, name)
        fd = os.open(
            temp,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
            0o644,
            dir_fd=folder_fd,
        )
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            os.unlink(temp, dir_fd=folder_fd)  # noqa: PTH108 (dir_fd: no Path equivalent)
            raise
        os.close(fd)

        if before_rename is not None:
            before_rename()

        os.rename(temp, name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)  # noqa: PTH104
        os.fsync(folder_fd)


def remove_durably(folder: Path, name: str, *, sync: bool = True) -> bool:
    """Remove `folder/name` and sync the folder; False when it did not exist.

    `sync=False` leaves the removal to the file system's own pace, for a removal whose
    loss in a crash is harmless.
    """
    check_name(name)
    with open_folder(folder) as folder_fd:
        try:
            os.unlink(name, dir_fd=folder_fd)  # noqa: PTH108 (dir_fd: no Path equivalent)
        except FileNotFoundError:
            return False
        if sync:
            os.fsync(folder_fd)
    return True


def read_small(folder_fd: int, name: str, limit: int) -> bytes:
    """Read at most `limit` bytes of a regular file, refusing to follow a symlink."""
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder_fd)
    try:
        return os.read(fd, limit)
    finally:
        os.close(fd)


def _refuse_symlink(folder_fd: int, folder: Path, name: str) -> None:
    try:
        mode = os.stat(name, dir_fd=folder_fd, follow_symlinks=False).st_mode  # noqa: PTH116
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        raise UnsafePathError(f"refusing to replace {folder / name}: it is a symlink")
