"""MonitoringStack on its own: real Prometheus and Alertmanager, a real devnode, a test webhook.

The audit exporter's place is taken by the devnode's RPC `/metrics`, so that a
failure here points at the stack and not at the exporter.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devnode.handle import DevnodeFactory
from dyt_emissions.monitoring import (
    EXPORTER_JOB,
    INSTALL_COMMAND,
    NODE_JOB,
    FiringAlert,
    MonitoringError,
    MonitoringStack,
    monitoring_available,
)
from tests.e2e.process_table import processes_naming
from tests.e2e.webhook_receiver import WebhookReceiver

ALWAYS_FIRING = """\
groups:
  - name: stack-check
    rules:
      - alert: DytStackCheckAlwaysFiring
        expr: vector(1)
        for: 1s
        labels:
          severity: info
        annotations:
          summary: The stack delivers alerts.
"""


@pytest.fixture
def rules_file(tmp_path: Path) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(ALWAYS_FIRING, encoding="utf-8")
    return path


@pytest.fixture
def stack(
    devnode: DevnodeFactory, webhook: WebhookReceiver, rules_file: Path, tmp_path: Path
) -> Iterator[MonitoringStack]:
    node = devnode(block_interval_ms=200)
    assert node.metrics_url is not None
    with MonitoringStack.start(
        node.metrics_url,
        f"{node.rpc_url}/metrics",
        rules_file,
        tmp_path / "stack",
        webhook_url=webhook.url,
    ) as started:
        yield started


@pytest.mark.e2e
def test_an_alert_travels_from_the_rule_to_the_webhook(
    stack: MonitoringStack, webhook: WebhookReceiver
) -> None:
    page = webhook.wait_for("DytStackCheckAlwaysFiring", timeout=30)

    assert page.labels == {"alertname": "DytStackCheckAlwaysFiring", "severity": "info"}
    assert page.annotations == {"summary": "The stack delivers alerts."}
    expected = ("DytStackCheckAlwaysFiring", "info", "The stack delivers alerts.")
    assert [(a.name, a.severity, a.summary) for a in stack.firing_alerts()] == [expected]
    assert [(a.name, a.severity, a.summary) for a in stack.pages()] == [expected]


@pytest.mark.e2e
def test_both_targets_are_scraped_under_the_mixin_job_names(stack: MonitoringStack) -> None:
    response = httpx.get(f"{stack.prometheus_url}/api/v1/query", params={"query": "up"})
    results = response.json()["data"]["result"]

    assert sorted((r["metric"]["job"], r["value"][1]) for r in results) == [
        (EXPORTER_JOB, "1"),
        (NODE_JOB, "1"),
    ]


@pytest.mark.e2e
def test_stop_ends_both_servers(stack: MonitoringStack) -> None:
    urls = [stack.prometheus_url, stack.alertmanager_url]

    stack.stop()

    assert not stack.prometheus.running
    assert not stack.alertmanager.running
    for url in urls:
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{url}/-/ready", timeout=2)
    assert processes_naming(stack.workdir) == []


@pytest.mark.e2e
def test_a_server_that_cannot_start_takes_the_other_down_with_it(
    rules_file: Path, tmp_path: Path
) -> None:
    workdir = tmp_path / "stack"
    workdir.mkdir()
    (workdir / "prometheus-data").write_text("a file where Prometheus wants its folder")

    with pytest.raises(MonitoringError, match=r"^prometheus on http://127\.0\.0\.1:\d+: exited"):
        MonitoringStack.start("http://127.0.0.1:1", "http://127.0.0.1:2", rules_file, workdir)

    assert (workdir / "alertmanager.log").exists()
    assert processes_naming(workdir) == []


@pytest.mark.e2e
def test_a_broken_rule_file_is_refused_before_anything_starts(tmp_path: Path) -> None:
    rules = tmp_path / "broken.yaml"
    rules.write_text("groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: up(\n")

    with pytest.raises(
        MonitoringError, match=r"expected a Prometheus rule file at .*broken\.yaml"
    ):
        MonitoringStack.start("http://127.0.0.1:1", "http://127.0.0.1:2", rules, tmp_path / "s")

    assert not (tmp_path / "s").exists()


def test_monitoring_is_available_here_and_names_the_install_command_when_not(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert monitoring_available() is None

    monkeypatch.setenv("PATH", str(tmp_path))

    assert monitoring_available() == INSTALL_COMMAND


def test_a_firing_alert_reads_its_name_severity_and_summary_from_the_api() -> None:
    alert = FiringAlert.from_api(
        {
            "labels": {"alertname": "DytEmissionClaimInDoubt", "severity": "critical"},
            "annotations": {"summary": "A claim is in doubt."},
            "activeAt": "2026-12-01T10:05:02Z",
        },
        "activeAt",
    )

    assert alert == FiringAlert(
        name="DytEmissionClaimInDoubt",
        severity="critical",
        summary="A claim is in doubt.",
        since="2026-12-01T10:05:02Z",
        labels={"alertname": "DytEmissionClaimInDoubt", "severity": "critical"},
    )
