"""NodeScraper against a real devnode: a good page, garbage, a slow node, a node that is gone."""

from __future__ import annotations

from pathlib import Path

import pytest

from devnode.handle import DevnodeFactory
from exporter.node_scrape import NodeScraper, ScrapeFailure, metrics_url, parse_node_metrics


def test_the_shared_node_page_yields_the_four_series_and_ignores_the_rest(
    shared_cases: Path,
) -> None:
    text = (shared_cases / "node-metrics.txt").read_text()
    assert parse_node_metrics(text) == {
        "block_height": 420.0,
        "applied_height": 420.0,
        "last_apply_timestamp": 1764547501.0,
        "pending_udrt": 415999850.0,
    }


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        ("hello world\n", "malformed", "not Prometheus text exposition"),
        ("dyt_block_height 5\n", "incomplete", "expected series drt_emission_applied_height"),
        ("dyt_block_height NaN\ndrt_emission_applied_height 1\n", "malformed", "finite"),
    ],
)
def test_pages_that_cannot_be_used_are_failures(text: str, kind: str, message: str) -> None:
    with pytest.raises(ScrapeFailure) as failure:
        parse_node_metrics(text)
    assert failure.value.kind == kind
    assert message in str(failure.value)


def test_a_url_without_a_path_means_metrics() -> None:
    assert metrics_url("http://node:9464") == "http://node:9464/metrics"
    assert metrics_url("http://node:9464/") == "http://node:9464/metrics"
    assert metrics_url("http://node:3030/custom/path") == "http://node:3030/custom/path"


def test_a_healthy_node_is_read(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=420)
    assert node.metrics_url is not None
    scraper = NodeScraper(node.metrics_url, timeout_seconds=2.0)

    sample = scraper.scrape()

    assert sample.success
    assert (sample.block_height, sample.applied_height) == (420.0, 420.0)
    assert sample.pending_udrt == sum(node.stats()["emission_pools"].values())
    assert sample.failure is None
    scraper.close()


def test_broken_metrics_are_a_malformed_scrape(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=420)
    assert node.metrics_url is not None
    node.faults(broken_metrics=True)
    scraper = NodeScraper(node.metrics_url, timeout_seconds=2.0)

    sample = scraper.scrape()

    assert not sample.success
    assert sample.failure_kind == "malformed"
    assert sample.block_height is None
    scraper.close()


def test_a_node_slower_than_the_timeout_is_given_up_on(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=420)
    assert node.metrics_url is not None
    node.faults(metrics_delay_ms=3000)
    scraper = NodeScraper(node.metrics_url, timeout_seconds=0.3)

    sample = scraper.scrape()

    assert not sample.success
    assert sample.failure_kind == "timeout"
    assert sample.failure == f"{scraper.url} did not answer within 0.3s"
    scraper.close()


def test_a_stopped_node_is_unreachable(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=420)
    assert node.metrics_url is not None
    url = node.metrics_url
    node.stop()
    scraper = NodeScraper(url, timeout_seconds=1.0)

    sample = scraper.scrape()

    assert not sample.success
    assert sample.failure_kind == "unreachable"
    assert sample.failure is not None and sample.failure.startswith(f"cannot reach {url}/metrics")
    scraper.close()
