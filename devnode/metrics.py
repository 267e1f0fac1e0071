"""The node's Prometheus metrics, read from the chain's per-block snapshot at scrape time.

Both `/metrics` endpoints (RPC port and metrics port) serve the one registry built here.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import Metric

from devnode.chain import Chain

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

# Served by the broken_metrics fault: an unclosed label set, then HTML.
BROKEN_EXPOSITION = b'dyt_block_height{chain="dyt 420\n<html><body>502 Bad Gateway</body></html>\n'


class NodeCollector:
    """The node's series, from the snapshot the chain took at its last block.

    Emits `dyt_block_height`, `drt_emission_applied_height`,
    `drt_emission_pending_claims` and `drt_emission_last_apply_timestamp_seconds`
    (NODE-CONTRACT.md), plus series a consumer must ignore, as the real registry
    holds: `dyt_blocks_produced_total`, `drt_emission_pool_amount` (declared, no
    samples), `dyt_validator_missed_blocks_total{validator}` and `dytallix_build_info`.
    """

    def __init__(self, chain: Chain) -> None:
        self.chain = chain

    def collect(self) -> Iterator[Metric]:
        snapshot = self.chain.metrics
        yield GaugeMetricFamily(
            "dyt_block_height", "Current blockchain height", value=snapshot.block_height
        )
        yield CounterMetricFamily(
            "dyt_blocks_produced", "Total blocks produced", value=snapshot.blocks_produced
        )
        yield GaugeMetricFamily(
            "drt_emission_applied_height",
            "Last block height at which emissions were applied",
            value=snapshot.applied_height,
        )
        yield GaugeMetricFamily(
            "drt_emission_last_apply_timestamp_seconds",
            "Unix timestamp of last emissions apply",
            value=snapshot.last_apply_time,
        )
        yield GaugeMetricFamily(
            "drt_emission_pending_claims",
            "Total pending uDRT across emission pools",
            value=snapshot.pending_udrt,
        )
        yield GaugeMetricFamily(
            "drt_emission_pool_amount",
            "Current amount in DRT emission pools by pool type",
            labels=["pool"],
        )
        missed = CounterMetricFamily(
            "dyt_validator_missed_blocks",
            "Total number of blocks missed by validator",
            labels=["validator"],
        )
        missed.add_metric(["val-a"], 0)
        yield missed
        yield GaugeMetricFamily(
            "dytallix_build_info", "Build information with version and commit labels", value=1
        )


def build_registry(chain: Chain) -> CollectorRegistry:
    """A registry of the project's own (never the global one) holding the node's collector."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(NodeCollector(chain))
    return registry


def exposition(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
