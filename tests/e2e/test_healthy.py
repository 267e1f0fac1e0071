"""Healthy: the runner pays each entry once as its height is reached, and nobody is paged."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest

from tests.e2e.alert_timing import GRACE_BLOCKS, LONGEST_WAIT_SECONDS
from tests.e2e.emissions_system import EmissionsSystem

QUIET_SECONDS = 3 * LONGEST_WAIT_SECONDS


@pytest.mark.e2e
def test_a_healthy_system_pays_as_heights_are_reached_and_pages_nobody(
    system: EmissionsSystem,
) -> None:
    start_height = system.node.height()

    system.webhook.expect_silence(QUIET_SECONDS)

    end_height = system.node.height()
    due = [entry for entry in system.entries if entry.height <= end_height]
    claims = wait_for_claims(system, len(due), timeout=30)
    heights = {entry.to: entry.height for entry in system.entries}
    assert end_height - start_height >= QUIET_SECONDS  # about three blocks a second
    assert len(due) >= QUIET_SECONDS // 3  # an entry every 8 blocks
    assert Counter(claim["to"] for claim in claims[: len(due)]) == {e.to: 1 for e in due}
    assert [(c["pool"], c["amount"]) for c in claims[: len(due)]] == [
        (e.pool, e.amount_udrt) for e in due
    ]
    # Paid at the node's height `claim["height"]`: never before the entry's, never missed.
    late = [claim["height"] - heights[claim["to"]] for claim in claims]
    assert all(0 <= blocks <= GRACE_BLOCKS for blocks in late), late
    assert set(system.cron.exit_codes) == {0}
    assert system.webhook.pages() == []


def wait_for_claims(system: EmissionsSystem, count: int, timeout: float) -> list[dict[str, Any]]:
    """The node's ledger once it holds at least `count` claims (the last runs may be under way)."""
    deadline = time.monotonic() + timeout
    while True:
        claims = system.node.claims()
        if len(claims) >= count or time.monotonic() > deadline:
            return claims
        time.sleep(0.2)
