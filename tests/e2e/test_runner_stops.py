"""The runner stops while entries fall due: missed entries and a stopped runner both page."""

from __future__ import annotations

import time

import pytest

from tests.e2e.alert_timing import GRACE_BLOCKS, runbook_url
from tests.e2e.delivery_log import DeliveryLog
from tests.e2e.emissions_system import EmissionsSystem


@pytest.mark.e2e
def test_a_stopped_runner_pages_missed_entries_and_runner_not_running(
    system: EmissionsSystem, deliveries: DeliveryLog
) -> None:
    system.stop_runner()
    stopped_at = time.monotonic()
    # Entries fall due and pass the exporter's grace with no runner to pay them.
    system.node.advance(GRACE_BLOCKS + 40)

    missed = system.webhook.wait_for("DytEmissionEntriesMissed", since=stopped_at, timeout=60)
    deliveries.record(missed, stopped_at)
    not_running = system.webhook.wait_for(
        "DytEmissionRunnerNotRunning", since=stopped_at, timeout=60
    )
    deliveries.record(not_running, stopped_at)

    expected = {
        "instance": system.exporter_instance,
        "job": "dyt-emissions-exporter",
        "severity": "critical",
    }
    assert missed.labels == expected | {"alertname": "DytEmissionEntriesMissed"}
    assert missed.annotations["summary"] == "Due schedule entries stay unpaid."
    assert missed.annotations["runbook_url"] == runbook_url("DytEmissionEntriesMissed")
    assert not_running.labels == expected | {"alertname": "DytEmissionRunnerNotRunning"}
    assert not_running.annotations["summary"] == "The emission runner has stopped running."
    assert not_running.annotations["runbook_url"] == runbook_url("DytEmissionRunnerNotRunning")
    assert system.webhook.paged_names() == {
        "DytEmissionEntriesMissed",
        "DytEmissionRunnerNotRunning",
    }
