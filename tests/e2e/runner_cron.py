"""The runner as the CronJob starts it: `dyt-emissions run`, a fresh process every interval.

A thread stands in for the CronJob's controller. Every run is a separate
process, exactly as in a Kubernetes Job, so the end-to-end tests exercise the
same start-up, locking and exit codes that operators get.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RunnerSettings:
    """What every run of the runner is given."""

    rpc_url: str
    schedule: Path
    log_dir: Path
    output: Path

    def command(self, *extra: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "dyt_emissions",
            "run",
            "--rpc-url",
            self.rpc_url,
            "--schedule",
            str(self.schedule),
            "--log-dir",
            str(self.log_dir),
            *extra,
        ]


def run_once(settings: RunnerSettings, *extra: str, timeout: float = 60.0) -> int:
    """One run in the foreground; its output is appended to `settings.output`."""
    return run_command(settings.command(*extra), settings.output, timeout)


def run_command(command: Sequence[str], output: Path, timeout: float = 60.0) -> int:
    """Run `command`, append what it prints to `output`, return its exit code."""
    with output.open("ab") as sink:
        sink.write(f"$ {' '.join(command)}\n".encode())
        sink.flush()
        result = subprocess.run(
            command, stdout=sink, stderr=subprocess.STDOUT, timeout=timeout, check=False
        )
    return result.returncode


class RunnerCron:
    """Starts a run every `interval` seconds until stopped; a run never overlaps the next."""

    def __init__(self, settings: RunnerSettings, interval: float) -> None:
        self.settings = settings
        self.interval = interval
        self.exit_codes: list[int] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="runner-cron", daemon=True)

    def start(self) -> RunnerCron:
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stopping.is_set():
            started = time.monotonic()
            self.exit_codes.append(run_once(self.settings))
            # Like `concurrencyPolicy: Forbid`: a late run delays the next, never doubles it.
            self._stopping.wait(max(0.0, self.interval - (time.monotonic() - started)))

    def stop(self) -> None:
        """Start no more runs, and wait for the one under way to end."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()
