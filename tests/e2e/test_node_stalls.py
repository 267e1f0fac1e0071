"""The node stops producing blocks: applies stall, the page goes out, and clears on resume."""

from __future__ import annotations

import time

import pytest

from tests.e2e.alert_timing import runbook_url
from tests.e2e.delivery_log import DeliveryLog
from tests.e2e.emissions_system import EmissionsSystem


@pytest.mark.e2e
def test_a_paused_node_pages_applies_stalled_which_resolves_after_resume(
    system: EmissionsSystem, deliveries: DeliveryLog
) -> None:
    paused_at = time.monotonic()
    system.node.pause()

    page = system.webhook.wait_for("DytEmissionAppliesStalled", since=paused_at, timeout=60)
    deliveries.record(page, paused_at)
    resumed_at = time.monotonic()
    system.node.resume()
    resolved = system.webhook.wait_for(
        "DytEmissionAppliesStalled", "resolved", since=resumed_at, timeout=60
    )
    deliveries.record(resolved, resumed_at)

    assert page.labels == {
        "alertname": "DytEmissionAppliesStalled",
        "instance": system.node_instance,
        "job": "dytallix-node",
        "severity": "critical",
    }
    assert page.annotations["summary"] == "The emission engine of a running node applies nothing."
    assert page.annotations["runbook_url"] == runbook_url("DytEmissionAppliesStalled")
    assert resolved.labels == page.labels
    assert system.webhook.paged_names() == {"DytEmissionAppliesStalled"}
