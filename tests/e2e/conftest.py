"""Fixtures of the end-to-end suite: the test's own pager, and the whole system around it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.webhook_receiver import WebhookReceiver


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    """A webhook on 127.0.0.1 that records every notification Alertmanager sends it."""
    receiver = WebhookReceiver().start()
    yield receiver
    receiver.stop()
