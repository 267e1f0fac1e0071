"""One scrape of the node's Prometheus metrics, as the audit exporter sees it.

The exporter scrapes the node itself, once per scrape of its own, so that its
answers (lag, shortfall, which entries are due) rest on one consistent reading.
The node's registry holds many series; only the four of NODE-CONTRACT.md are
kept and the rest is ignored. The whole exchange is bounded by one deadline,
shorter than a Prometheus scrape, so a slow node never makes the exporter slow.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx
from prometheus_client.parser import text_string_to_metric_families

logging.getLogger("httpx").setLevel(logging.WARNING)

# node series -> NodeSample field
NODE_SERIES: dict[str, str] = {
    "dyt_block_height": "block_height",
    "drt_emission_applied_height": "applied_height",
    "drt_emission_last_apply_timestamp_seconds": "last_apply_timestamp",
    "drt_emission_pending_claims": "pending_udrt",
}

# Without these two the audit cannot tell what is due: a page lacking them is a failure.
REQUIRED_SERIES: tuple[str, ...] = ("dyt_block_height", "drt_emission_applied_height")

# A node page is a few kilobytes; anything this big is not one.
MAX_BODY_BYTES = 16 * 1024 * 1024

# Why a scrape failed, as a bounded word (logs, /audit).
FAILURE_KINDS: tuple[str, ...] = (
    "unreachable",
    "timeout",
    "http_status",
    "malformed",
    "incomplete",
)


@dataclass(frozen=True, slots=True)
class NodeSample:
    """What one scrape of the node's metrics found; values are None when not seen."""

    success: bool
    scraped_at: float  # Unix time the scrape started
    duration_seconds: float
    failure_kind: str | None = None  # one of FAILURE_KINDS
    failure: str | None = None  # the sentence a person reads
    block_height: float | None = None
    applied_height: float | None = None
    last_apply_timestamp: float | None = None
    pending_udrt: float | None = None


class ScrapeFailure(Exception):
    """A scrape that produced no usable reading, with its bounded kind."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class NodeScraper:
    """Scrapes one node metrics URL with a deadline; never raises for the node's faults."""

    def __init__(self, url: str, timeout_seconds: float) -> None:
        self.url = metrics_url(url)
        self.timeout_seconds = timeout_seconds
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout_seconds),
            follow_redirects=False,
            # An HTTP proxy from the environment would answer for the node (a proxy's 502
            # read as the node's page); the node is always reached directly.
            trust_env=False,
            headers={"Accept": "text/plain;version=0.0.4"},
        )

    def close(self) -> None:
        self._client.close()

    def scrape(self) -> NodeSample:
        """Fetch and read the node's page; a failure is a sample with `success=False`."""
        started_at = time.time()
        started = time.monotonic()
        try:
            body = self._fetch(started + self.timeout_seconds)
            values = parse_node_metrics(body)
        except ScrapeFailure as failure:
            return NodeSample(
                success=False,
                scraped_at=started_at,
                duration_seconds=time.monotonic() - started,
                failure_kind=failure.kind,
                failure=str(failure),
            )
        return NodeSample(
            success=True,
            scraped_at=started_at,
            duration_seconds=time.monotonic() - started,
            block_height=values.get("block_height"),
            applied_height=values.get("applied_height"),
            last_apply_timestamp=values.get("last_apply_timestamp"),
            pending_udrt=values.get("pending_udrt"),
        )

    def _fetch(self, deadline: float) -> str:
        # httpx's timeout bounds each network step, not the whole exchange: a node that
        # trickles its answer is cut off by this deadline instead.
        try:
            with self._client.stream("GET", self.url) as response:
                if response.status_code != 200:
                    raise ScrapeFailure(
                        "http_status",
                        f"expected HTTP 200 from {self.url}, got {response.status_code}",
                    )
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_BODY_BYTES:
                        raise ScrapeFailure(
                            "malformed", f"{self.url} answered more than {MAX_BODY_BYTES} bytes"
                        )
                    if time.monotonic() > deadline:
                        raise ScrapeFailure("timeout", self._timeout_message())
                    chunks.append(chunk)
        except httpx.TimeoutException as error:
            raise ScrapeFailure("timeout", self._timeout_message()) from error
        except httpx.HTTPError as error:
            raise ScrapeFailure("unreachable", f"cannot reach {self.url}: {error}") from error

        try:
            return b"".join(chunks).decode("utf-8")
        except UnicodeDecodeError as error:
            raise ScrapeFailure(
                "malformed", f"{self.url} answered bytes that are not UTF-8"
            ) from error

    def _timeout_message(self) -> str:
        return f"{self.url} did not answer within {self.timeout_seconds:g}s"


def metrics_url(url: str) -> str:
    """The URL to scrape: a URL without a path means the node's `/metrics`."""
    parts = urlsplit(url)
    if parts.path in ("", "/"):
        return urlunsplit(parts._replace(path="/metrics"))
    return url


def parse_node_metrics(text: str) -> dict[str, float]:
    """The node series of NODE-CONTRACT.md found in a Prometheus text page, by field name.

    Raise ScrapeFailure when the page is not Prometheus text or lacks a required series.
    """
    wanted: dict[str, float] = {}
    try:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                field = NODE_SERIES.get(sample.name)
                if field is not None and not sample.labels and field not in wanted:
                    wanted[field] = float(sample.value)
    except (ValueError, TypeError, IndexError, KeyError) as error:
        # The library's parser is lenient and raises several kinds for junk.
        raise ScrapeFailure("malformed", f"not Prometheus text exposition: {error}") from error

    for name in REQUIRED_SERIES:
        if NODE_SERIES[name] not in wanted:
            raise ScrapeFailure("incomplete", f"expected series {name}, found none")
    for field, value in wanted.items():
        if not math.isfinite(value) or value < 0:
            raise ScrapeFailure(
                "malformed", f"expected a finite value >= 0 for {field}, got {value}"
            )
    return wanted
