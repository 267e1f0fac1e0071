"""The configuration files of a local Prometheus and Alertmanager, built as plain data.

Kept apart from the processes that read them so that what a test or the demo asks
Prometheus to do can be read, and checked, without starting anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

RECEIVER = "e2e-webhook"
NO_RECEIVER = "none"


@dataclass(frozen=True)
class Timing:
    """How fast the local stack notices things; seconds, all of them.

    The defaults suit a demo and tests: a scrape and an evaluation every second,
    and an alert resent to Alertmanager every second, so the first notification,
    which Prometheus drops while it has not yet discovered Alertmanager, is
    retried at once instead of a minute later.
    """

    scrape_interval: float = 1.0
    evaluation_interval: float = 1.0
    resend_delay: float = 1.0
    group_wait: float = 1.0
    group_interval: float = 1.0
    repeat_interval: float = 3600.0


@dataclass(frozen=True)
class ScrapeTarget:
    """One scrape job: its `job` label and the full URL of its metrics page."""

    job: str
    metrics_url: str

    def static_config(self) -> dict[str, Any]:
        """The scrape_configs entry that scrapes this target, and only it."""
        url = urlsplit(self.metrics_url)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ValueError(
                f"job {self.job}: expected an http(s) metrics URL, found {self.metrics_url!r}"
            )
        return {
            "job_name": self.job,
            "scheme": url.scheme,
            "metrics_path": url.path or "/metrics",
            "static_configs": [{"targets": [url.netloc]}],
        }


def duration(seconds: float) -> str:
    """A Prometheus duration string; whole milliseconds are enough here."""
    return f"{round(seconds * 1000)}ms"


def prometheus_config(
    targets: Sequence[ScrapeTarget],
    rule_file: str,
    alertmanager_address: str,
    timing: Timing,
) -> dict[str, Any]:
    """prometheus.yml: scrape `targets`, evaluate `rule_file`, alert to one Alertmanager."""
    interval = duration(timing.scrape_interval)
    return {
        "global": {
            "scrape_interval": interval,
            # A timeout longer than the interval is refused; equal is allowed.
            "scrape_timeout": interval,
            "evaluation_interval": duration(timing.evaluation_interval),
        },
        "rule_files": [rule_file],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [alertmanager_address]}]}]},
        "scrape_configs": [target.static_config() for target in targets],
    }


def alertmanager_config(webhook_url: str | None, timing: Timing) -> dict[str, Any]:
    """alertmanager.yml: one route, grouped per alert name, to a webhook or to nobody."""
    receiver: dict[str, Any] = {"name": NO_RECEIVER}
    if webhook_url is not None:
        receiver = {
            "name": RECEIVER,
            "webhook_configs": [{"url": webhook_url, "send_resolved": True}],
        }
    return {
        "route": {
            "receiver": receiver["name"],
            "group_by": ["alertname"],
            "group_wait": duration(timing.group_wait),
            "group_interval": duration(timing.group_interval),
            "repeat_interval": duration(timing.repeat_interval),
        },
        "receivers": [receiver],
    }
