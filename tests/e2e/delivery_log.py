"""How long each page took to arrive, kept for the end of the run (not asserted: machines vary).

The end-to-end conftest prints these in pytest's terminal summary, so every CI log
shows the measured delivery time of every scenario.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.e2e.webhook_receiver import Page


@dataclass(frozen=True)
class Delivery:
    """One page, and the seconds from the moment the test caused it."""

    scenario: str
    alert: str
    status: str
    seconds: float


class DeliveryLog:
    """The deliveries of one test, appended to a list shared by the whole session."""

    def __init__(self, shared: list[Delivery], scenario: str) -> None:
        self.shared = shared
        self.scenario = scenario

    def record(self, page: Page, caused_at: float) -> float:
        """Note `page`, caused at `caused_at` (time.monotonic); returns the delay in seconds."""
        seconds = page.received_at - caused_at
        self.shared.append(Delivery(self.scenario, page.name, page.status, seconds))
        return seconds


def summary_lines(deliveries: list[Delivery]) -> list[str]:
    width = max(len(delivery.scenario) for delivery in deliveries)
    return [
        f"{d.scenario:<{width}}  {d.alert:<32} {d.status:<8} {d.seconds:5.1f} s"
        for d in deliveries
    ]
