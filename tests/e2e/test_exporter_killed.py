"""The exporter is killed: exporter-down pages, and the series it took along page nothing."""

from __future__ import annotations

import time

import pytest

from tests.e2e.alert_timing import LONGEST_WAIT_SECONDS, runbook_url
from tests.e2e.delivery_log import DeliveryLog
from tests.e2e.emissions_system import EmissionsSystem


@pytest.mark.e2e
def test_a_killed_exporter_pages_exporter_down_and_nothing_else(
    system: EmissionsSystem, deliveries: DeliveryLog
) -> None:
    killed_at = time.monotonic()
    system.exporter.kill()

    page = system.webhook.wait_for("DytEmissionExporterDown", since=killed_at, timeout=60)
    deliveries.record(page, killed_at)
    # Every audit series went stale with the exporter; none of their rules may page now.
    system.webhook.expect_silence(
        3 * LONGEST_WAIT_SECONDS, allowed=frozenset({"DytEmissionExporterDown"})
    )

    assert page.labels == {
        "alertname": "DytEmissionExporterDown",
        "instance": system.exporter_instance,
        "job": "dyt-emissions-exporter",
        "severity": "critical",
    }
    assert page.annotations["summary"] == "Prometheus cannot scrape the audit exporter."
    assert page.annotations["runbook_url"] == runbook_url("DytEmissionExporterDown")
    assert system.webhook.paged_names() == {"DytEmissionExporterDown"}
