"""The exporter's Prometheus collector: the audit, computed at scrape time.

Each scrape asks the Auditor for a fresh Audit and turns it into new metric
families; nothing is held in global gauges. `METRICS` is the one list of what
can be served (the README's metrics table is the same list for people, and a test keeps
them equal); a series whose source was not read is left out, and the matching
`*_success` gauge says why.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from dyt_emissions import __version__
from exporter.audit import Audit, Auditor
from exporter.log_summary import ERROR_KINDS
from exporter.mismatches import MISMATCH_KINDS
from runner.ledger import Status
from runner.schedule import POOLS

PREFIX = "drt_emission_audit_"

# `status` values of `entries`: the ledger's states, and `invalid` (no pool: its fields
# cannot be trusted) for entries of a schedule file that failed validation.
ENTRY_STATUSES: tuple[str, ...] = (*(status.value for status in Status), "invalid")


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """One metric family: its full name as exposed, type, labels and HELP text."""

    name: str
    type: str  # "gauge" or "counter"
    labels: tuple[str, ...]
    help: str


def _spec(name: str, type_: str, labels: tuple[str, ...], help_: str) -> MetricSpec:
    return MetricSpec(PREFIX + name, type_, labels, help_)


METRICS: tuple[MetricSpec, ...] = (
    _spec("entries", "gauge", ("pool", "status"), "Schedule entries in each state."),
    _spec("scheduled_udrt", "gauge", ("pool",), "uDRT the schedule assigns to the pool."),
    _spec("paid_udrt", "gauge", ("pool",), "uDRT of applied schedule entries."),
    _spec("due_udrt", "gauge", ("pool",), "uDRT of due and missed entries, not paid."),
    _spec(
        "shortfall_udrt",
        "gauge",
        (),
        "uDRT due beyond what the node's emission pools hold (0 when they cover it).",
    ),
    _spec(
        "overdue_blocks",
        "gauge",
        (),
        "Blocks since the height of the oldest unpaid due entry (0 when none).",
    ),
    _spec(
        "ledger_mismatches",
        "gauge",
        ("kind",),
        "Records of the schedule, stamps and logs that disagree, by kind.",
    ),
    _spec(
        "runner_last_start_timestamp_seconds",
        "gauge",
        (),
        "Unix time the last run seen in the logs started.",
    ),
    _spec("runner_last_end_timestamp_seconds", "gauge", (), "Unix time the last run seen ended."),
    _spec(
        "runner_last_success_timestamp_seconds",
        "gauge",
        (),
        "Unix time the last run that paid every due entry ended.",
    ),
    _spec("runner_last_height", "gauge", (), "Chain height the last run saw."),
    _spec("runner_runs_total", "counter", (), "Runs finished, in the retained logs."),
    _spec(
        "runner_errors_total",
        "counter",
        ("kind",),
        "Error lines in the retained logs, by kind.",
    ),
    _spec(
        "node_scrape_success",
        "gauge",
        (),
        "1 when the last scrape of the node's metrics worked, else 0.",
    ),
    _spec(
        "node_scrape_duration_seconds",
        "gauge",
        (),
        "How long the last scrape of the node's metrics took.",
    ),
    _spec("node_block_height", "gauge", (), "dyt_block_height as the exporter saw it."),
    _spec(
        "node_applied_height",
        "gauge",
        (),
        "drt_emission_applied_height as the exporter saw it.",
    ),
    _spec("node_lag_blocks", "gauge", (), "Block height minus emission applied height."),
    _spec(
        "node_last_apply_age_seconds",
        "gauge",
        (),
        "Seconds since drt_emission_last_apply_timestamp_seconds.",
    ),
    _spec(
        "node_pending_udrt",
        "gauge",
        (),
        "drt_emission_pending_claims (uDRT in all pools) as the exporter saw it.",
    ),
    _spec(
        "schedule_load_success",
        "gauge",
        (),
        "1 when the schedule file as it is now is valid, else 0.",
    ),
    _spec(
        "schedule_last_load_timestamp_seconds",
        "gauge",
        (),
        "Unix time a valid schedule was last loaded.",
    ),
    _spec(
        "state_read_success",
        "gauge",
        (),
        "1 when the state folder (stamps, intents) could be read, else 0.",
    ),
    _spec("log_read_success", "gauge", (), "1 when the log folder could be read, else 0."),
    _spec(
        "log_unreadable_files",
        "gauge",
        (),
        "Log files in the folder that could not be read at the last scrape.",
    ),
    _spec(
        "log_parse_errors_total",
        "counter",
        (),
        "Log lines that could not be parsed, since the exporter started.",
    ),
    _spec("build_info", "gauge", ("version",), "Always 1; the exporter's version."),
)

METRIC_NAMES: tuple[str, ...] = tuple(spec.name for spec in METRICS)
_BY_NAME = {spec.name: spec for spec in METRICS}


class AuditCollector:
    """Serves the audit at each scrape.

    Series (all prefixed `drt_emission_audit_`; the README's metrics table explains each):
    `entries{pool,status}`, `scheduled_udrt{pool}`, `paid_udrt{pool}`,
    `due_udrt{pool}`, `shortfall_udrt`, `overdue_blocks`, `ledger_mismatches{kind}`,
    `runner_last_start_timestamp_seconds`, `runner_last_end_timestamp_seconds`,
    `runner_last_success_timestamp_seconds`, `runner_last_height`,
    `runner_runs_total`, `runner_errors_total{kind}`, `node_scrape_success`,
    `node_scrape_duration_seconds`, `node_block_height`, `node_applied_height`,
    `node_lag_blocks`, `node_last_apply_age_seconds`, `node_pending_udrt`,
    `schedule_load_success`, `schedule_last_load_timestamp_seconds`,
    `state_read_success`, `log_read_success`, `log_unreadable_files`,
    `log_parse_errors_total`, `build_info{version}`.
    """

    def __init__(self, auditor: Auditor) -> None:
        self.auditor = auditor

    def collect(self) -> Iterator[Metric]:
        yield from audit_families(self.auditor.refresh())

    def describe(self) -> Iterator[Metric]:
        # Lets the registry catch a name clash at registration, without a collection.
        for spec in METRICS:
            yield _family(spec)


def audit_families(audit: Audit) -> list[Metric]:
    """The metric families of one audit; families with no measured sample are left out."""
    families = [
        *_entry_families(audit),
        *_mismatch_families(audit),
        *_runner_families(audit),
        *_node_families(audit),
        *_self_families(audit),
    ]
    return [family for family in families if family.samples]


def _family(spec: MetricSpec) -> GaugeMetricFamily | CounterMetricFamily:
    if spec.type == "counter":
        return CounterMetricFamily(spec.name, spec.help, labels=spec.labels)
    return GaugeMetricFamily(spec.name, spec.help, labels=spec.labels)


def _one(name: str, value: float | None) -> Metric:
    family = _family(_BY_NAME[PREFIX + name])
    if value is not None:
        family.add_metric([], value)
    return family


def _entry_families(audit: Audit) -> Iterator[Metric]:
    entries = _family(_BY_NAME[PREFIX + "entries"])
    if audit.counts is not None:
        for (pool, status), count in sorted(audit.counts.items()):
            entries.add_metric([pool, status.value], count)
    if audit.schedule.checked_at is not None:
        entries.add_metric(["", "invalid"], audit.schedule.invalid_entries)
    yield entries

    totals = audit.totals
    for name, values in (
        ("scheduled_udrt", None if totals is None else totals.scheduled),
        ("paid_udrt", None if totals is None else totals.paid),
        ("due_udrt", None if totals is None else totals.due),
    ):
        family = _family(_BY_NAME[PREFIX + name])
        for pool in POOLS:
            if values is not None and pool in values:
                family.add_metric([pool], values[pool])
        yield family
    yield _one("shortfall_udrt", audit.shortfall_udrt)
    yield _one("overdue_blocks", audit.overdue_blocks)


def _mismatch_families(audit: Audit) -> Iterator[Metric]:
    family = _family(_BY_NAME[PREFIX + "ledger_mismatches"])
    for kind in MISMATCH_KINDS:
        if kind in audit.mismatches:
            family.add_metric([kind], audit.mismatches[kind])
    yield family


def _runner_families(audit: Audit) -> Iterator[Metric]:
    facts = audit.logs.facts
    yield _one("runner_last_start_timestamp_seconds", facts.last_start)
    yield _one("runner_last_end_timestamp_seconds", facts.last_end)
    yield _one("runner_last_success_timestamp_seconds", facts.last_success)
    yield _one("runner_last_height", facts.last_height)
    if not audit.logs.read_once:
        return
    yield _one("runner_runs_total", facts.runs)
    errors = _family(_BY_NAME[PREFIX + "runner_errors_total"])
    for kind in ERROR_KINDS:
        errors.add_metric([kind], facts.errors.get(kind, 0))
    yield errors
    yield _one("log_parse_errors_total", facts.parse_errors)


def _node_families(audit: Audit) -> Iterator[Metric]:
    node = audit.node
    if node is None:
        return
    yield _one("node_scrape_success", 1 if node.success else 0)
    yield _one("node_scrape_duration_seconds", node.duration_seconds)
    if not node.success:
        return
    yield _one("node_block_height", node.block_height)
    yield _one("node_applied_height", node.applied_height)
    if node.block_height is not None and node.applied_height is not None:
        yield _one("node_lag_blocks", node.block_height - node.applied_height)
    if node.last_apply_timestamp is not None:
        yield _one("node_last_apply_age_seconds", audit.taken_at - node.last_apply_timestamp)
    yield _one("node_pending_udrt", node.pending_udrt)


def _self_families(audit: Audit) -> Iterator[Metric]:
    schedule = audit.schedule
    if schedule.checked_at is not None:
        yield _one("schedule_load_success", 1 if schedule.valid else 0)
    yield _one("schedule_last_load_timestamp_seconds", schedule.loaded_at)
    yield _one("state_read_success", 1 if audit.state.error is None else 0)
    yield _one("log_read_success", 1 if audit.logs.folder_error is None else 0)
    if audit.logs.folder_error is None:
        yield _one("log_unreadable_files", len(audit.logs.unreadable))
    build = _family(_BY_NAME[PREFIX + "build_info"])
    build.add_metric([__version__], 1)
    yield build
