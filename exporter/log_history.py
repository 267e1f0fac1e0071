"""The first reading of a large log folder, in a child process beside the other start-up work.

At start the exporter reads every retained log line (a million in the benchmark):
seconds of CPU in the line parser. Loading the schedule and reading the stamps
take seconds of CPU too, and the exporter is given more than one core. So a
folder bigger than CHILD_READ_BYTES is read by a child process, which
hands back the LogSummary and how far it read each file; the parent adopts
those positions (LogTail.adopt) and reads on incrementally from there. The
child only reads. If it fails, the parent reads the folder itself.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from exporter.log_summary import LogSummary
from exporter.log_tail import LOG_NAME, FilePosition, LogTail

log = logging.getLogger("dyt_emissions.exporter")

CHILD_READ_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class History:
    """Every complete line of a folder, folded, and where each file was left."""

    summary: LogSummary
    positions: list[FilePosition]


def read_history(folder: Path) -> History:
    """Read and fold the whole folder (this runs in the child)."""
    tail = LogTail(folder)
    summary = LogSummary()
    tail.poll(summary.add)
    return History(summary, tail.positions())


class HistoryRead:
    """`read_history` running in a child process (`python -m exporter.log_history FOLDER`).

    A plain subprocess rather than multiprocessing: the child must not depend on how the
    parent was started (multiprocessing's spawn imports the parent's main module again).
    """

    def __init__(self, folder: Path) -> None:
        self._child = subprocess.Popen(
            [sys.executable, "-m", "exporter.log_history", str(folder)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def result(self) -> History | None:
        """The child's reading, or None when it failed (the caller then reads itself)."""
        output, errors = self._child.communicate()
        if self._child.returncode == 0:
            try:
                history = pickle.loads(output)  # noqa: S301 - our own child, over a pipe
            except (pickle.UnpicklingError, EOFError, AttributeError) as error:
                errors = str(error).encode()
            else:
                if isinstance(history, History):
                    return history
        reason = errors.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        log.warning(
            "logs history status=failed exit=%s reason=%r; reading in process",
            self._child.returncode,
            reason[0],
        )
        return None


def start_history(folder: Path, threshold_bytes: int = CHILD_READ_BYTES) -> HistoryRead | None:
    """Start the child when the folder's log files hold at least `threshold_bytes`."""
    if _log_bytes(folder) < threshold_bytes:
        return None
    return HistoryRead(folder)


def _log_bytes(folder: Path) -> int:
    try:
        with os.scandir(folder) as entries:
            return sum(
                entry.stat(follow_symlinks=False).st_size
                for entry in entries
                if LOG_NAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)
            )
    except OSError:
        return 0


if __name__ == "__main__":
    # Through the module's own name, so the result pickles as exporter.log_history.History.
    from exporter import log_history

    sys.stdout.buffer.write(pickle.dumps(log_history.read_history(Path(sys.argv[1]))))
