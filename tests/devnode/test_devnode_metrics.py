"""Both /metrics endpoints: the same registry, valid exposition, updated once per block."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from devnode.handle import DevnodeFactory, DevnodeHandle
from devnode.metrics import BROKEN_EXPOSITION

CONTRACT_METRICS = (
    "drt_emission_applied_height",
    "drt_emission_pending_claims",
    "drt_emission_last_apply_timestamp_seconds",
    "dyt_block_height",
)
METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def scrape(node: DevnodeHandle, url: str | None = None) -> str:
    """`/metrics` of the node's RPC port, or of `url` (its metrics port)."""
    response = node.http.get(f"{url or node.rpc_url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return response.text


def samples(text: str) -> dict[str, float]:
    """Every unlabelled sample by name."""
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if not sample.labels
    }


def contract_values(node: DevnodeHandle) -> dict[str, float]:
    values = samples(scrape(node))
    return {name: values[name] for name in CONTRACT_METRICS}


def test_both_endpoints_serve_the_four_metrics(devnode: DevnodeFactory) -> None:
    before = time.time()
    node = devnode(start_height=420)
    after = time.time()
    assert node.metrics_url is not None

    on_rpc = scrape(node)
    on_metrics_port = scrape(node, node.metrics_url)

    assert on_rpc == on_metrics_port
    values = samples(on_rpc)
    assert values["dyt_block_height"] == 420
    assert values["drt_emission_applied_height"] == 420
    assert values["drt_emission_pending_claims"] == 420_000_000
    assert before <= values["drt_emission_last_apply_timestamp_seconds"] <= after
    assert values["dyt_blocks_produced_total"] == 420


def test_registry_holds_other_dyt_series_to_be_ignored(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=1)

    families = {family.name: family for family in text_string_to_metric_families(scrape(node))}

    assert set(families) == {
        *CONTRACT_METRICS,
        "dyt_blocks_produced",
        "drt_emission_pool_amount",
        "dyt_validator_missed_blocks",
        "dytallix_build_info",
    }
    assert families["drt_emission_pool_amount"].samples == []


def test_every_exposed_name_is_a_valid_prometheus_name(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=1)

    lines = [line for line in scrape(node).splitlines() if not line.startswith("#")]

    names = [re.split(r"[{ ]", line, maxsplit=1)[0] for line in lines]
    assert names
    assert all(METRIC_NAME.fullmatch(name) for name in names)


def test_height_zero_has_never_applied(devnode: DevnodeFactory) -> None:
    node = devnode()

    assert contract_values(node) == {
        "drt_emission_applied_height": 0,
        "drt_emission_pending_claims": 0,
        "drt_emission_last_apply_timestamp_seconds": 0,
        "dyt_block_height": 0,
    }


def test_a_claim_shows_in_the_metrics_at_the_next_block(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=10)
    at_start = contract_values(node)

    node.http.post("/emission/claim", json={"pool": "block_rewards", "amount": 5, "to": "x"})

    assert contract_values(node) == at_start

    before = time.time()
    node.advance(1)
    after = time.time()

    values = contract_values(node)
    assert values["dyt_block_height"] == 11
    assert values["drt_emission_applied_height"] == 11
    assert values["drt_emission_pending_claims"] == 11_000_000 - 5
    assert before <= values["drt_emission_last_apply_timestamp_seconds"] <= after


def test_metrics_stop_moving_while_paused(devnode: DevnodeFactory) -> None:
    node = devnode(block_interval_ms=20)
    deadline = time.monotonic() + 20
    while contract_values(node)["dyt_block_height"] < 2 and time.monotonic() < deadline:
        time.sleep(0.02)

    node.pause()
    frozen = scrape(node)
    time.sleep(0.3)  # fifteen intervals: a running timer would have changed the metrics

    assert scrape(node) == frozen
    assert samples(frozen)["dyt_block_height"] >= 2

    node.resume()
    while scrape(node) == frozen and time.monotonic() < deadline:
        time.sleep(0.02)
    assert samples(scrape(node))["dyt_block_height"] > samples(frozen)["dyt_block_height"]


def test_stalled_emission_lags_then_catches_up(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=10)
    at_start = contract_values(node)
    node.faults(emission_stalled=True)

    node.advance(5)

    stalled = contract_values(node)
    assert stalled == at_start | {"dyt_block_height": 15}
    assert node.stats()["emission_pools"]["block_rewards"] == 6_000_000

    node.faults(emission_stalled=False)
    node.advance(1)

    caught_up = contract_values(node)
    assert caught_up["dyt_block_height"] == 16
    assert caught_up["drt_emission_applied_height"] == 16
    assert caught_up["drt_emission_pending_claims"] == 16_000_000


def test_broken_metrics_is_garbage_on_both_endpoints(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=1)
    assert node.metrics_url is not None

    node.faults(broken_metrics=True)

    for url in (node.rpc_url, node.metrics_url):
        text = scrape(node, url)
        assert text.encode() == BROKEN_EXPOSITION
        with pytest.raises(ValueError):
            list(text_string_to_metric_families(text))

    node.clear_faults()
    assert samples(scrape(node, node.metrics_url))["dyt_block_height"] == 1


def test_slow_metrics_outlast_a_short_timeout(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=1)
    assert node.metrics_url is not None
    node.faults(metrics_delay_ms=5000)

    for url in (node.rpc_url, node.metrics_url):
        with pytest.raises(httpx.ReadTimeout):
            node.http.get(f"{url}/metrics", timeout=0.2)

    node.clear_faults()
    assert samples(scrape(node, node.metrics_url))["dyt_block_height"] == 1


def test_metrics_port_serves_only_metrics(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=1)
    assert node.metrics_url is not None

    assert node.http.get(f"{node.metrics_url}/api/stats").status_code == 404
    assert node.http.post(f"{node.metrics_url}/metrics").status_code == 405
