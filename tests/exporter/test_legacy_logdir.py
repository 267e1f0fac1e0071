"""The shell runner's log folder (shared/cases/legacy-logdir) against a devnode at height 420.

Every series the exporter serves, with its exact value: four entries applied,
the one failed entry due, three future, no mismatch.
"""

from __future__ import annotations

from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from devnode.handle import DevnodeFactory
from dyt_emissions import __version__
from exporter.audit import Auditor, AuditSettings
from exporter.collector import METRIC_NAMES, AuditCollector, audit_families

POOLS = ("ai_module_incentives", "block_rewards", "bridge_operations", "staking_rewards")
STATUSES = ("applied", "conflict", "damaged", "due", "future", "in_doubt", "missed")
ENTRIES = {
    ("ai_module_incentives", "due"): 1,
    ("block_rewards", "applied"): 1,
    ("block_rewards", "future"): 1,
    ("bridge_operations", "applied"): 1,
    ("staking_rewards", "applied"): 2,
    ("staking_rewards", "future"): 2,
}
P = "drt_emission_audit_"

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples_of(auditor: Auditor) -> tuple[Samples, float]:
    audit = auditor.refresh()
    found: Samples = {}
    for family in audit_families(audit):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found, audit.taken_at


def test_every_series_of_the_legacy_folder_has_its_exact_value(
    shared_cases: Path, devnode: DevnodeFactory
) -> None:
    node = devnode(start_height=420)
    assert node.metrics_url is not None
    log_dir = shared_cases / "legacy-logdir"
    settings = AuditSettings(
        schedule=shared_cases / "schedules" / "small.yaml",
        log_dir=log_dir,
        node_metrics_url=node.metrics_url,
    )
    auditor = Auditor(settings)
    pending = sum(node.stats()["emission_pools"].values())
    last_apply = float(
        next(
            line.split()[1]
            for line in node.metrics_text().splitlines()
            if line.startswith("drt_emission_last_apply_timestamp_seconds ")
        )
    )

    found, taken_at = samples_of(auditor)
    loaded_at = auditor.refresh().schedule.loaded_at
    auditor.close()

    day_one = (log_dir / "20261130.log").stat().st_mtime_ns / 1e9
    day_two = (log_dir / "20261201.log").stat().st_mtime_ns / 1e9
    expected: Samples = {}
    for pool in POOLS:
        for status in STATUSES:
            labels = (("pool", pool), ("status", status))
            expected[(P + "entries", labels)] = ENTRIES.get((pool, status), 0)
    expected[(P + "entries", (("pool", ""), ("status", "invalid")))] = 0
    for name, values in {
        "scheduled_udrt": (300_000, 11_500_000, 100_000, 3_750_000),
        "paid_udrt": (0, 2_500_000, 100_000, 1_750_000),
        "due_udrt": (300_000, 0, 0, 0),
    }.items():
        for pool, value in zip(POOLS, values, strict=True):
            expected[(P + name, (("pool", pool),))] = value
    for kind in ("orphan_stamp", "orphan_intent", "applied_without_stamp", "stamp_without_log"):
        expected[(P + "ledger_mismatches", (("kind", kind),))] = 0
    errors = dict.fromkeys(
        (
            "claim_failed",
            "rejected",
            "node_unreachable",
            "answer_lost",
            "invalid_schedule",
            "state_damaged",
            "other",
        ),
        0,
    )
    errors["claim_failed"] = 1
    for kind, count in errors.items():
        expected[(P + "runner_errors_total", (("kind", kind),))] = count
    plain = {
        "shortfall_udrt": 0,
        "overdue_blocks": 20,
        "runner_last_start_timestamp_seconds": day_two,
        "runner_last_end_timestamp_seconds": day_two,
        "runner_last_success_timestamp_seconds": day_one,
        "runner_last_height": 420,
        "runner_runs_total": 2,
        "log_parse_errors_total": 0,
        "node_scrape_success": 1,
        "node_block_height": 420,
        "node_applied_height": 420,
        "node_lag_blocks": 0,
        "node_last_apply_age_seconds": taken_at - last_apply,
        "node_pending_udrt": pending,
        "schedule_load_success": 1,
        "schedule_last_load_timestamp_seconds": loaded_at,
        "state_read_success": 1,
        "log_read_success": 1,
        "log_unreadable_files": 0,
    }
    for name, value in plain.items():
        expected[(P + name, ())] = value
    expected[(P + "build_info", (("version", __version__),))] = 1

    duration = found.pop((P + "node_scrape_duration_seconds", ()))
    assert duration > 0
    assert found == expected


def test_the_exposition_holds_every_name_unrenamed_and_with_help(
    shared_cases: Path, devnode: DevnodeFactory
) -> None:
    node = devnode(start_height=420)
    assert node.metrics_url is not None
    settings = AuditSettings(
        schedule=shared_cases / "schedules" / "small.yaml",
        log_dir=shared_cases / "legacy-logdir",
        node_metrics_url=node.metrics_url,
    )
    registry = CollectorRegistry(auto_describe=False)
    auditor = Auditor(settings)
    registry.register(AuditCollector(auditor))

    text = generate_latest(registry).decode()
    auditor.close()

    families = list(text_string_to_metric_families(text))
    served = {sample.name for family in families for sample in family.samples}
    assert served == set(METRIC_NAMES)
    assert all(family.documentation for family in families)
    assert text.count("# HELP ") == len(METRIC_NAMES)
