"""A devnode running as a child process, for tests and the demo.

The child binds free ports (port 0) and prints one ready line with the real
URLs; this class waits for that line, so callers never guess a port. The
child's stderr goes to a temporary file rather than a pipe: a pipe nobody
drains fills up and stalls the node.
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
from types import TracebackType
from typing import IO

READY_PATTERN = re.compile(
    r"^devnode ready rpc=(?P<rpc>\S+) metrics=(?P<metrics>\S+) height=(?P<height>\d+)$"
)


class DevnodeStartError(RuntimeError):
    """The child did not print its ready line in time; the message holds its stderr."""


class DevnodeProcess:
    """`dyt-emissions devnode` in a subprocess on 127.0.0.1, free ports.

    `metrics=None` passes no metrics flag, leaving it to `DY_METRICS` and
    `DY_METRICS_ADDR`. `metrics_url` is None when the node runs without a metrics
    server; `/metrics` on `rpc_url` works either way.
    """

    def __init__(
        self,
        *,
        start_height: int = 0,
        block_interval_ms: int | None = None,
        per_block_udrt: int | None = None,
        chain_id: str | None = None,
        metrics: bool | None = True,
        extra_args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        ready_timeout: float = 15.0,
    ) -> None:
        self.args = [sys.executable, "-m", "dyt_emissions", "devnode", "--listen", "127.0.0.1:0"]
        if metrics is not None:
            self.args += ["--metrics-listen", "127.0.0.1:0"] if metrics else ["--no-metrics"]
        self.args += ["--start-height", str(start_height)]
        if block_interval_ms is not None:
            self.args += ["--block-interval-ms", str(block_interval_ms)]
        if per_block_udrt is not None:
            self.args += ["--per-block-udrt", str(per_block_udrt)]
        if chain_id is not None:
            self.args += ["--chain-id", chain_id]
        self.args += list(extra_args)
        self.env = dict(os.environ if env is None else env)
        self.ready_timeout = ready_timeout
        self.rpc_url = ""
        self.metrics_url: str | None = None
        self.start_height = start_height
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None

    def start(self) -> DevnodeProcess:
        """Launch the child and wait for its ready line."""
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

        match = READY_PATTERN.match(line)
        if match is None:
            message = f"expected a ready line, found {line!r}\n{self.stderr()}"
            self.close()
            raise DevnodeStartError(message)
        self.rpc_url = match["rpc"]
        self.metrics_url = None if match["metrics"] == "off" else match["metrics"]
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
                    raise DevnodeStartError(
                        f"devnode printed no ready line within {self.ready_timeout}s\n"
                        f"{self.stderr()}"
                    )
                if not selector.select(remaining):
                    continue
                chunk = os.read(stdout.fileno(), 4096)
                if not chunk:
                    code = self._process.wait()
                    raise DevnodeStartError(
                        f"devnode exited with code {code} before it was ready\n{self.stderr()}"
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

    def close(self) -> None:
        """Stop the child and release the stderr file."""
        self.stop()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> DevnodeProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
