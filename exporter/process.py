"""The exporter running as a child process, for the demo and end-to-end tests."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Self

from dyt_emissions.child_process import ChildStartError, ReadyLineProcess

READY_PATTERN = re.compile(r"^exporter ready url=(?P<url>\S+)$")


class ExporterStartError(ChildStartError):
    """The exporter did not print its ready line in time; the message holds its stderr."""


class ExporterProcess(ReadyLineProcess):
    """`dyt-emissions exporter` in a subprocess; `url` is set once it is ready."""

    name = "exporter"
    start_error = ExporterStartError

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
        args = [sys.executable, "-m", "dyt_emissions", "exporter", "--listen", listen]
        args += ["--schedule", str(schedule), "--log-dir", str(log_dir)]
        if node_metrics_url is not None:
            args += ["--node-metrics-url", node_metrics_url]
        if node_timeout is not None:
            args += ["--node-timeout", str(node_timeout)]
        if grace_blocks is not None:
            args += ["--missed-grace-blocks", str(grace_blocks)]
        if retention_days is not None:
            args += ["--retention-days", str(retention_days)]
        args += list(extra_args)
        super().__init__(args, READY_PATTERN, env=env, ready_timeout=ready_timeout)
        self.url = ""

    def start(self) -> Self:
        """Launch the child and wait for its ready line."""
        self.url = self.launch()["url"]
        return self
