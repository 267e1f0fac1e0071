"""The collector's list of metrics: valid names, Prometheus conventions, the README table equal.

And what is absent when a source was never read: nothing is published as 0
unless it was measured.
"""

from __future__ import annotations

import re
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest

from devnode.handle import DevnodeFactory
from dyt_emissions import __version__
from exporter.audit import Auditor, AuditSettings
from exporter.collector import METRIC_NAMES, METRICS, AuditCollector, audit_families
from tests.exporter.volume import ADDRESSES, Planned, Volume

METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
DOCS = Path(__file__).resolve().parents[2] / "README.md"
ROW = re.compile(r"^\| `(?P<name>drt_emission_audit_\w+)` \| (?P<type>\w+) \|(?P<labels>[^|]*)\|")


def test_every_name_is_a_valid_prometheus_name_following_the_conventions() -> None:
    for spec in METRICS:
        assert METRIC_NAME.fullmatch(spec.name), spec.name
        assert spec.name.startswith("drt_emission_audit_")
        assert all(LABEL_NAME.fullmatch(label) for label in spec.labels)
        assert set(spec.labels) <= {"pool", "status", "kind", "version"}
        assert spec.name.endswith("_total") == (spec.type == "counter"), spec.name
        assert spec.help.endswith(".")
        if "timestamp" in spec.name:
            assert spec.name.endswith("_timestamp_seconds")
    assert len(set(METRIC_NAMES)) == len(METRIC_NAMES)


def test_the_readme_metrics_table_lists_exactly_the_served_metrics() -> None:
    documented = {}
    for line in DOCS.read_text().splitlines():
        match = ROW.match(line)
        if match:
            labels = tuple(re.findall(r"`(\w+)`", match["labels"]))
            documented[match["name"]] = (match["type"], labels)

    assert documented == {spec.name: (spec.type, spec.labels) for spec in METRICS}


def test_a_registry_of_its_own_serves_names_unchanged(tmp_path: Path) -> None:
    volume = Volume(tmp_path)
    volume.write_schedule([Planned(1, "staking_rewards", ADDRESSES[0], 5)])
    registry = CollectorRegistry(auto_describe=False)
    registry.register(AuditCollector(Auditor(AuditSettings(volume.schedule_path, volume.log_dir))))

    text = generate_latest(registry).decode()

    served = set(re.findall(r"^# TYPE (\S+) ", text, flags=re.MULTILINE))
    assert served <= {name.removesuffix("_total") for name in METRIC_NAMES} | set(METRIC_NAMES)


def names(auditor: Auditor) -> set[str]:
    return {family.name for family in audit_families(auditor.refresh())}


def test_nothing_read_means_nothing_published_but_the_reasons(tmp_path: Path) -> None:
    settings = AuditSettings(tmp_path / "no-schedule.yaml", tmp_path / "no-logs")
    auditor = Auditor(settings)

    audit = auditor.refresh()
    served = {
        (sample.name, tuple(sample.labels.values())): sample.value
        for family in audit_families(audit)
        for sample in family.samples
    }

    assert served == {
        ("drt_emission_audit_entries", ("", "invalid")): 0,
        ("drt_emission_audit_schedule_load_success", ()): 0,
        ("drt_emission_audit_state_read_success", ()): 0,
        ("drt_emission_audit_log_read_success", ()): 0,
        ("drt_emission_audit_build_info", (__version__,)): 1,
    }


def test_without_a_height_the_height_dependent_series_are_absent(tmp_path: Path) -> None:
    volume = Volume(tmp_path)
    volume.write_schedule([Planned(1, "staking_rewards", ADDRESSES[0], 5)])

    served = names(Auditor(AuditSettings(volume.schedule_path, volume.log_dir)))

    assert "drt_emission_audit_scheduled_udrt" in served
    assert "drt_emission_audit_paid_udrt" in served
    for absent in ("entries_", "due_udrt", "overdue_blocks", "shortfall_udrt", "node_"):
        assert not any(name.startswith("drt_emission_audit_" + absent) for name in served)
    assert "drt_emission_audit_runner_runs" in served  # the empty folder was read: 0 runs


def test_a_node_that_is_down_leaves_only_its_success_and_duration(
    tmp_path: Path, devnode: DevnodeFactory
) -> None:
    node = devnode(start_height=5)
    assert node.metrics_url is not None
    url = node.metrics_url
    node.stop()
    volume = Volume(tmp_path)
    volume.write_schedule([Planned(1, "staking_rewards", ADDRESSES[0], 5)])
    auditor = Auditor(AuditSettings(volume.schedule_path, volume.log_dir, node_metrics_url=url))

    audit = auditor.refresh()
    node_series = {
        sample.name: sample.value
        for family in audit_families(audit)
        for sample in family.samples
        if sample.name.startswith("drt_emission_audit_node_")
    }

    assert set(node_series) == {
        "drt_emission_audit_node_scrape_success",
        "drt_emission_audit_node_scrape_duration_seconds",
    }
    assert node_series["drt_emission_audit_node_scrape_success"] == 0
