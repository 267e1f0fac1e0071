"""The exporter running as a child process, for the demo and end-to-end tests.

The child binds a free port (127.0.0.1:0 by default) and prints one ready line
with its real URL; this class waits for that line, so callers never guess a
port. The child's stderr (its log) goes to a temporary file, not a pipe that
nobody drains.
"""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

READY_PATTERN = re.compile(r"^exporter ready url=(?P<url>\S+)$")


class ExporterStartError(RuntimeError):
    """The child did not print its ready line in time; the message holds its stderr."""


class ExporterProcess:
    """`dyt-emissions exporter` in a subprocess; `url` is set once it is ready."""

    def __init__(
        self,
        *,
        schedule: Path,
        log_dir: Path,
        node_metrics_url: str | None = None,
        listen: str = "127.0.0.1:0",
        node_timeout: float | None = None,
        grace_blocks: int | None = None,
        retention_days: int | None = None,
        extra_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        ready_timeout: float = 15.0,
    ) -> None:
        self.args = [sys.executable, "-m", "dyt_emissions", "exporter", "--listen", listen]
        self.args += ["--schedule", str(schedule), "--log-dir", str(log_dir)]
        if node_metrics_url is not None:
            self.args += ["--node-metrics-url", node_metrics_url]
        if node_timeout is not None:
            self.args += ["--node-timeout", str(node_timeout)]
        if grace_blocks is not None:
            self.args += ["--missed-grace-blocks", str(grace_blocks)]
        if retention_days is not None:
            self.args += ["--retention-days", str(retention_days)]
        self.args += list(extra_args)
        self.env = dict(os.environ if env is None else env)
        self.ready_timeout = ready_timeout
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None

    def start(self) -> ExporterProcess:
        """Launch the child and wait for its ready line."""
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._process = subprocess.Popen(
            self.args, stdout=subprocess.PIPE, stderr=self._stderr, env=self.env
        )
        try:
            line = self._read_ready_line()
        except BaseException:
            self.stop()
            raise
        match = READY_PATTERN.match(line)
        if match is None:
            self.stop()
            raise ExporterStartError(f"expected a ready line, found {line!r}\n{self.stderr()}")
        self.url = match["url"]
        return self

    def _read_ready_line(self) -> str:
        assert self._process is not None and self._process.stdout is not None
        stdout = self._process.stdout
        deadline = time.monotonic() + self.ready_timeout
        buffer = b""
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            while b"\n" not in buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ExporterStartError(
                        f"exporter printed no ready line within {self.ready_timeout}s\n"
                        f"{self.stderr()}"
                    )
                if not selector.select(remaining):
                    continue
                chunk = os.read(stdout.fileno(), 4096)
                if not chunk:
                    code = self._process.wait()
                    raise ExporterStartError(
                        f"exporter exited with code {code} before it was ready\n{self.stderr()}"
                    )
                buffer += chunk
        return buffer.split(b"\n", 1)[0].decode("utf-8", "replace").strip()

    def stderr(self) -> str:
        """Everything the child logged so far."""
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    @property
    def returncode(self) -> int | None:
        return None if self._process is None else self._process.poll()

    def stop(self, timeout: float = 10.0) -> int | None:
        """Terminate the child (SIGTERM, then SIGKILL after `timeout`); return its exit code."""
        process = self._process
        if process is None:
            return None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()
        return process.returncode

    def kill(self) -> int | None:
        """Kill the child at once (SIGKILL), as a crash would; return its exit code."""
        process = self._process
        if process is None:
            return None
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        return process.returncode

    def close(self) -> None:
        """Stop the child and release its log file."""
        self.stop()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> ExporterProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
