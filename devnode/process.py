"""A devnode running as a child process, for tests and the demo."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from typing import Self

from dyt_emissions.child_process import ChildStartError, ReadyLineProcess

READY_PATTERN = re.compile(
    r"^devnode ready rpc=(?P<rpc>\S+) metrics=(?P<metrics>\S+) height=(?P<height>\d+)$"
)


class DevnodeStartError(ChildStartError):
    """The devnode did not print its ready line in time; the message holds its stderr."""


class DevnodeProcess(ReadyLineProcess):
    """`dyt-emissions devnode` in a subprocess on 127.0.0.1, free ports.

    `metrics=None` passes no metrics flag, leaving it to `DY_METRICS` and
    `DY_METRICS_ADDR`. `metrics_url` is None when the node runs without a metrics
    server; `/metrics` on `rpc_url` works either way.
    """

    name = "devnode"
    start_error = DevnodeStartError

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
        args = [sys.executable, "-m", "dyt_emissions", "devnode", "--listen", "127.0.0.1:0"]
        if metrics is not None:
            args += ["--metrics-listen", "127.0.0.1:0"] if metrics else ["--no-metrics"]
        args += ["--start-height", str(start_height)]
        if block_interval_ms is not None:
            args += ["--block-interval-ms", str(block_interval_ms)]
        if per_block_udrt is not None:
            args += ["--per-block-udrt", str(per_block_udrt)]
        if chain_id is not None:
            args += ["--chain-id", chain_id]
        args += list(extra_args)
        super().__init__(args, READY_PATTERN, env=env, ready_timeout=ready_timeout)
        self.rpc_url = ""
        self.metrics_url: str | None = None
        self.start_height = start_height

    def start(self) -> Self:
        """Launch the child and wait for its ready line."""
        match = self.launch()
        self.rpc_url = match["rpc"]
        self.metrics_url = None if match["metrics"] == "off" else match["metrics"]
        return self
