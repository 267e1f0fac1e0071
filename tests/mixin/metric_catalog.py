"""The metrics the mixin may read, with their types, taken from the code that serves them."""

from __future__ import annotations

from exporter.collector import METRICS
from exporter.node_scrape import NODE_SERIES

# Everything the audit exporter can serve.
EXPORTER: dict[str, str] = {spec.name: spec.type for spec in METRICS}

# The node's series of NODE-CONTRACT.md, as the exporter reads them; all are gauges.
NODE: dict[str, str] = dict.fromkeys(NODE_SERIES, "gauge")

# Series of Prometheus itself and of kube-state-metrics: alerts may read them, panels not.
PROMETHEUS: dict[str, str] = {"up": "gauge"}
KUBE_STATE_METRICS: dict[str, str] = {
    "kube_cronjob_created": "gauge",
    "kube_cronjob_status_last_successful_time": "gauge",
}

# What a function over a range may read: rate() and friends need counters.
COUNTER_FUNCTIONS = {"rate", "irate", "increase", "resets"}
