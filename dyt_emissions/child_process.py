"""A child process that says it is ready with one line on stdout.

The devnode and the exporter bind free ports (port 0) and print one ready line with
their real URLs; a parent waits for that line, so nobody guesses a port. The child's
stderr goes to a temporary file rather than a pipe: a pipe nobody drains fills up and
stalls the child.
"""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import IO, Self


def terminate(process: subprocess.Popen[bytes], timeout: float) -> int:
    """SIGTERM, then SIGKILL when `timeout` seconds pass; returns the exit code."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


class ChildStartError(RuntimeError):
    """The child did not print its ready line in time; the message holds its stderr."""


class ReadyLineProcess:
    """Runs `args` and waits for a stdout line matching `ready_pattern`.

    Subclasses name the child, build its arguments and read what they need from the
    ready line in `start()`.
    """

    name = "child"
    start_error: type[ChildStartError] = ChildStartError

    def __init__(
        self,
        args: Sequence[str],
        ready_pattern: re.Pattern[str],
        *,
        env: Mapping[str, str] | None = None,
        ready_timeout: float = 15.0,
    ) -> None:
        self.args = list(args)
        self.ready_pattern = ready_pattern
        self.env = dict(os.environ if env is None else env)
        self.ready_timeout = ready_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None

    def start(self) -> Self:
        self.launch()
        return self

    def launch(self) -> re.Match[str]:
        """Start the child and return the match of its ready line."""
        # Kept open for the life of the child and closed by close().
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self._process = subprocess.Popen(
            self.args, stdout=subprocess.PIPE, stderr=self._stderr, env=self.env
        )
        try:
            line = self._read_ready_line()
        except BaseException:
            self.close()
            raise

        match = self.ready_pattern.match(line)
        if match is None:
            message = f"expected a ready line, found {line!r}\n{self.stderr()}"
            self.close()
            raise self.start_error(message)
        return match

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
                    raise self.start_error(
                        f"{self.name} printed no ready line within {self.ready_timeout}s\n"
                        f"{self.stderr()}"
                    )
                if not selector.select(remaining):
                    continue
                chunk = os.read(stdout.fileno(), 4096)
                if not chunk:
                    code = self._process.wait()
                    raise self.start_error(
                        f"{self.name} exited with code {code} before it was ready\n"
                        f"{self.stderr()}"
                    )
                buffer += chunk
        return buffer.split(b"\n", 1)[0].decode("utf-8", "replace").strip()

    def stderr(self) -> str:
        """Everything the child wrote to stderr so far."""
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
        terminate(process, timeout)
        return self._reaped(process)

    def kill(self) -> int | None:
        """Kill the child at once (SIGKILL), as a crash would; return its exit code."""
        process = self._process
        if process is None:
            return None
        if process.poll() is None:
            process.kill()
            process.wait()
        return self._reaped(process)

    @staticmethod
    def _reaped(process: subprocess.Popen[bytes]) -> int | None:
        if process.stdout is not None:
            process.stdout.close()
        return process.returncode

    def close(self) -> None:
        """Stop the child and release its stderr file."""
        self.stop()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
