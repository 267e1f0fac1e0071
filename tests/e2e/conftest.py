"""Fixtures of the end-to-end suite: the test's own pager, and the whole system around it.

Every process a fixture starts is stopped at teardown, in reverse order, whether
the test passed or not. When a test fails, the tail of every process's output is
printed with the failure, since CI keeps nothing else.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from devnode.handle import DevnodeFactory
from tests.e2e.alert_timing import write_e2e_rules
from tests.e2e.delivery_log import Delivery, DeliveryLog, summary_lines
from tests.e2e.emissions_system import EmissionsSystem, start_system
from tests.e2e.process_table import processes_naming
from tests.e2e.webhook_receiver import WebhookReceiver

DELIVERIES = pytest.StashKey[list[Delivery]]()
FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed:
        item.stash[FAILED] = True
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    deliveries = terminalreporter.config.stash.get(DELIVERIES, [])
    if deliveries:
        terminalreporter.section("alert delivery (seconds from cause to webhook)")
        for line in summary_lines(deliveries):
            terminalreporter.line(line)


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    """A webhook on 127.0.0.1 that records every notification Alertmanager sends it."""
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def e2e_rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mixin's rules rendered with the end-to-end timing (tests/e2e/alert_timing.py)."""
    return write_e2e_rules(tmp_path_factory.mktemp("rules"))


@pytest.fixture
def deliveries(request: pytest.FixtureRequest) -> DeliveryLog:
    """Where a scenario notes how long its pages took; printed at the end of the run."""
    shared = request.config.stash.setdefault(DELIVERIES, [])
    return DeliveryLog(shared, request.node.path.stem.removeprefix("test_"))


@pytest.fixture
def system(
    request: pytest.FixtureRequest,
    devnode: DevnodeFactory,
    webhook: WebhookReceiver,
    e2e_rules: Path,
    tmp_path: Path,
) -> Iterator[EmissionsSystem]:
    """A healthy running system: node, runner every 2 s, exporter, Prometheus, Alertmanager."""
    with ExitStack() as resources:
        resources.callback(print_logs_if_failed, request.node, tmp_path)
        try:
            started = start_system(resources, devnode, webhook, e2e_rules, tmp_path)
        except BaseException:
            request.node.stash[FAILED] = True
            raise
        yield started
    assert processes_naming(tmp_path) == []


def print_logs_if_failed(item: pytest.Item, workdir: Path) -> None:
    if not item.stash.get(FAILED, False):
        return
    for log in sorted(workdir.rglob("*.log")):
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        print(f"----- {log.relative_to(workdir)} (last 40 lines)")
        print("\n".join(lines[-40:]))
