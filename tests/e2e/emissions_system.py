"""The whole system on one machine, as the end-to-end scenarios drive it.

A devnode making a block every 300 ms, the runner started every 2 s like the
CronJob, the audit exporter, and Prometheus and Alertmanager loading the mixin's
rules and paging the test's webhook. Every process runs from the project's own
entry points, on 127.0.0.1.
"""

from __future__ import annotations

import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from devnode.handle import DevnodeFactory, DevnodeHandle
from dyt_emissions.monitoring import MonitoringStack
from exporter.process import ExporterProcess
from tests.e2e.alert_timing import BLOCK_INTERVAL_MS, CRON_INTERVAL, GRACE_BLOCKS
from tests.e2e.payment_plan import PlannedEntry, plan_entries, write_schedule
from tests.e2e.runner_cron import RunnerCron, RunnerSettings, run_command, run_once
from tests.e2e.webhook_receiver import WebhookReceiver

START_HEIGHT = 1000
# The first entry is due at once, so the runner has paid something before the stack starts;
# the others fall due one every 8 blocks (2.4 s), past any scenario's end.
FIRST_ENTRY_HEIGHT = START_HEIGHT
ENTRY_EVERY_BLOCKS = 8
ENTRY_COUNT = 120
# `dyt-emissions run` and `resolve`: another process holds the state folder's lock.
EXIT_LOCKED = 3


@dataclass
class EmissionsSystem:
    """Handles on every part of a running system, and the moves the scenarios make."""

    node: DevnodeHandle
    entries: list[PlannedEntry]
    runner: RunnerSettings
    cron: RunnerCron
    exporter: ExporterProcess
    stack: MonitoringStack
    webhook: WebhookReceiver

    @property
    def node_instance(self) -> str:
        """The node's `instance` label: the host:port Prometheus scrapes."""
        assert self.node.metrics_url is not None
        return urlsplit(self.node.metrics_url).netloc

    @property
    def exporter_instance(self) -> str:
        return urlsplit(self.exporter.url).netloc

    def stop_runner(self) -> None:
        """Stop starting runs, as when the CronJob is suspended; waits for a run under way."""
        self.cron.stop()

    def resolve_paid(self, key: str, reason: str, timeout: float = 30.0) -> int:
        """`dyt-emissions resolve KEY --paid`, as a person would type it; its exit code.

        Like that person, it tries again while a run of the CronJob holds the lock (exit 3).
        """
        command = [
            sys.executable,
            "-m",
            "dyt_emissions",
            "resolve",
            key,
            "--paid",
            "--reason",
            reason,
            "--by",
            "e2e-operator",
            "--log-dir",
            str(self.runner.log_dir),
        ]
        deadline = time.monotonic() + timeout
        while True:
            code = run_command(command, self.runner.output)
            if code != EXIT_LOCKED or time.monotonic() > deadline:
                return code
            time.sleep(0.2)

    def in_doubt_keys(self) -> list[str]:
        """Keys of the intent records without a stamp: the claims in doubt."""
        state = self.runner.log_dir / ".state"
        return sorted(path.stem for path in state.glob("*.intent"))

    def entry(self, key: str) -> PlannedEntry:
        return next(entry for entry in self.entries if entry.key == key)


def start_system(
    resources: ExitStack,
    devnode: DevnodeFactory,
    webhook: WebhookReceiver,
    rules_file: Path,
    workdir: Path,
) -> EmissionsSystem:
    """Start every part in the order a real deployment comes up; `resources` stops them all."""
    node = devnode(start_height=START_HEIGHT, block_interval_ms=BLOCK_INTERVAL_MS)
    assert node.metrics_url is not None
    entries = plan_entries(FIRST_ENTRY_HEIGHT, ENTRY_COUNT, ENTRY_EVERY_BLOCKS)
    schedule = write_schedule(workdir / "schedule.yaml", entries)
    log_dir = workdir / "logs"
    log_dir.mkdir()
    runner = RunnerSettings(node.rpc_url, schedule, log_dir, workdir / "runner-output.log")

    # The first run pays what is due already, so the exporter never reads an empty folder.
    first_run = run_once(runner)
    assert first_run == 0, runner.output.read_text()
    cron = RunnerCron(runner, CRON_INTERVAL).start()
    resources.callback(cron.stop)

    exporter = ExporterProcess(
        schedule=schedule,
        log_dir=log_dir,
        node_metrics_url=node.metrics_url,
        grace_blocks=GRACE_BLOCKS,
    ).start()
    resources.callback(stop_exporter, exporter, workdir / "exporter.log")

    stack = MonitoringStack.start(
        node.metrics_url,
        exporter.url,
        rules_file,
        workdir / "monitoring",
        webhook_url=webhook.url,
    )
    resources.callback(stack.stop)
    return EmissionsSystem(node, entries, runner, cron, exporter, stack, webhook)


def stop_exporter(exporter: ExporterProcess, log: Path) -> None:
    """Stop the exporter and keep its log beside the others, for a failing test to show."""
    exporter.stop()
    log.write_text(exporter.stderr(), encoding="utf-8")
    exporter.close()
