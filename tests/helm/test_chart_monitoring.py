"""The PrometheusRule and the dashboards: the mixin's rendered files, carried unchanged."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from .conftest import REPO_ROOT, Render, copy_chart, find_tool, helm, template_args

DASHBOARDS = REPO_ROOT / "dashboards"
RULES = REPO_ROOT / "alerts" / "rules.yaml"


def test_the_prometheus_rule_holds_exactly_the_mixins_groups(render: Render) -> None:
    rule = render().get("PrometheusRule", "dytallix-emissions")

    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert rule["spec"] == yaml.safe_load(RULES.read_text(encoding="utf-8"))
    assert list(rule["spec"]) == ["groups"]


def test_alert_templates_reach_prometheus_untouched(render: Render) -> None:
    rule = render().get("PrometheusRule", "dytallix-emissions")

    annotations = [
        text
        for group in rule["spec"]["groups"]
        for item in group["rules"]
        for text in item.get("annotations", {}).values()
    ]
    templated = [text for text in annotations if "{{" in text]
    assert templated, "the mixin's alerts carry {{ $labels }} / {{ $value }} templates"
    assert all("$labels" in text or "$value" in text for text in templated)


def test_promtool_accepts_the_prometheus_rules_spec(render: Render, tmp_path: Path) -> None:
    rule = render().get("PrometheusRule", "dytallix-emissions")
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(yaml.safe_dump(rule["spec"]), encoding="utf-8")

    result = subprocess.run(
        [find_tool("promtool"), "check", "rules", str(rules_file)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_the_dashboard_config_maps_hold_exactly_the_files_in_dashboards(render: Render) -> None:
    rendered = render()
    maps = [
        m for m in rendered.of_kind("ConfigMap") if "grafana_dashboard" in m["metadata"]["labels"]
    ]

    carried = {name: text for m in maps for name, text in m["data"].items()}
    on_disk = {path.name: path.read_text(encoding="utf-8") for path in DASHBOARDS.glob("*.json")}
    assert on_disk, "dashboards/ holds the rendered dashboards"
    assert carried == on_disk
    for config_map in maps:
        assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert config_map["metadata"]["namespace"] == "dytallix"
        assert len(config_map["data"]) == 1


def test_the_sidecar_label_namespace_and_annotations_come_from_values(render: Render) -> None:
    arguments = (
        "--set", "emissions.dashboards.labels.grafana_dashboard=null",
        "--set-string", "emissions.dashboards.labels.dashboards=dytallix",
        "--set", "emissions.dashboards.annotations.grafana_folder=Dytallix",
        "--set", "emissions.dashboards.namespace=monitoring",
    )  # fmt: skip

    maps = [
        m
        for m in render(*arguments).of_kind("ConfigMap")
        if "-dashboard-" in m["metadata"]["name"]
    ]

    assert len(maps) == len(list(DASHBOARDS.glob("*.json")))
    for config_map in maps:
        assert "grafana_dashboard" not in config_map["metadata"]["labels"]
        assert config_map["metadata"]["labels"]["dashboards"] == "dytallix"
        assert config_map["metadata"]["annotations"] == {"grafana_folder": "Dytallix"}
        assert config_map["metadata"]["namespace"] == "monitoring"


MISSING_MIXIN = {
    "emissions.prometheusRule.enabled": "files/alerts/rules.yaml (the mixin's alerts/rules.yaml)",
    "emissions.dashboards.enabled": "files/dashboards/ (the mixin's dashboards/) holds no .json",
}


@pytest.mark.parametrize("value", MISSING_MIXIN)
def test_a_chart_without_the_rendered_mixin_says_so(tmp_path: Path, value: str) -> None:
    chart = copy_chart(tmp_path / "chart")
    for rendered_file in [*(chart / "files").rglob("*.json"), *(chart / "files").rglob("*.yaml")]:
        rendered_file.unlink()
    (other,) = set(MISSING_MIXIN) - {value}

    result = helm(*template_args("--set", f"{other}=false", chart=chart))

    assert result.returncode == 1
    assert MISSING_MIXIN[value] in result.stderr
    assert "render the mixin (make generate) before installing or packaging" in result.stderr
    assert f"or set {value}=false" in result.stderr


def test_the_alerts_select_the_exporter_by_the_job_name_the_service_monitor_sets(
    render: Render,
) -> None:
    monitor = render().get("ServiceMonitor", "dytallix-emissions-exporter")
    (relabeling,) = monitor["spec"]["endpoints"][0]["relabelings"]

    assert relabeling["targetLabel"] == "job"
    assert f'job="{relabeling["replacement"]}"' in RULES.read_text(encoding="utf-8")
