"""A claim is applied and its answer lost: a critical page, cleared by `dyt-emissions resolve`."""

from __future__ import annotations

import time

import pytest

from tests.e2e.alert_timing import runbook_url
from tests.e2e.delivery_log import DeliveryLog
from tests.e2e.emissions_system import EmissionsSystem


@pytest.mark.e2e
def test_a_claim_without_an_answer_pages_in_doubt_until_a_person_resolves_it(
    system: EmissionsSystem, deliveries: DeliveryLog
) -> None:
    faulted_at = time.monotonic()
    system.node.faults(drop_after_apply=1)

    page = system.webhook.wait_for("DytEmissionClaimInDoubt", since=faulted_at, timeout=60)
    deliveries.record(page, faulted_at)
    [key] = system.in_doubt_keys()
    resolved_at = time.monotonic()
    assert system.resolve_paid(key, "the recipient's balance rose by the amount") == 0
    resolved = system.webhook.wait_for(
        "DytEmissionClaimInDoubt", "resolved", since=resolved_at, timeout=60
    )
    deliveries.record(resolved, resolved_at)

    assert page.labels == {
        "alertname": "DytEmissionClaimInDoubt",
        "instance": system.exporter_instance,
        "job": "dyt-emissions-exporter",
        "severity": "critical",
        "status": "in_doubt",
    }
    assert page.annotations["summary"] == (
        "A claim may or may not have paid, and waits for a person."
    )
    assert page.annotations["runbook_url"] == runbook_url("DytEmissionClaimInDoubt")
    assert page.annotations["description"].startswith(
        f"1 entries audited by {system.exporter_instance} are in doubt:"
    )
    # The node applied the claim whose answer it dropped; nobody paid it a second time.
    claims = system.node.claims()
    assert [claim["to"] for claim in claims if not claim["answered"]] == [system.entry(key).to]
    assert [claim["to"] for claim in claims].count(system.entry(key).to) == 1
    assert system.in_doubt_keys() == []
    assert system.webhook.paged_names() == {"DytEmissionClaimInDoubt"}
