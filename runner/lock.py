"""The state folder's lock: one runner at a time, and a second one leaves at once.

An advisory `flock` on `<state>/.lock` (through filelock), taken without waiting. The
kernel drops it when the holder dies, even by SIGKILL, so a crashed run never blocks
the next one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock

from runner.durable import UnsafePathError, describe_os_error, ensure_folder
from runner.state_folder import LOCK_FILE_NAME


class LockHeld(Exception):
    """Another process holds the state folder's lock."""


class StateUnwritable(Exception):
    """The state folder or its lock file cannot be created or opened: a read-only volume,
    a file where a folder must be. Nothing was done; the message names the path."""


@contextmanager
def state_lock(state_dir: Path) -> Iterator[None]:
    """Hold the lock of `state_dir` for the block; LockHeld at once if it is taken."""
    path = state_dir / LOCK_FILE_NAME
    try:
        ensure_folder(state_dir)
        if path.is_symlink():
            raise UnsafePathError(f"refusing {path}: it is a symlink")
        lock = filelock.FileLock(str(path), timeout=0)
        lock.acquire()
    except filelock.Timeout as error:
        raise LockHeld(f"another runner holds the lock {path}; nothing was done") from error
    except UnsafePathError:
        raise
    except OSError as error:
        raise StateUnwritable(describe_os_error(error, path)) from error
    try:
        yield
    finally:
        lock.release()
