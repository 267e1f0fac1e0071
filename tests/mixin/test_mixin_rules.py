"""The rendered rules: promtool accepts them, and they follow the mixin's conventions.

mixtool cannot be installed here (the module proxy does not serve it), so the checks its
`lint` makes on rules are made here: names, severities, summaries, runbook links.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from dyt_emissions.mixin_render import RenderedMixin, render
from tests.mixin import metric_catalog
from tests.mixin.promql_walk import metric_uses

REPO_ROOT = Path(__file__).resolve().parents[2]
RUNBOOK_URL = "https://github.com/dytallix/dyt-emissions/blob/main/docs/runbooks.md#"


def promtool_check(promtool: str, groups: dict[str, Any], folder: Path) -> None:
    path = folder / "rules.yaml"
    path.write_text(yaml.safe_dump(groups))
    result = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_accepts_the_rules_file(tool: Callable[[str], str]) -> None:
    result = subprocess.run(
        [tool("promtool"), "check", "rules", str(REPO_ROOT / "alerts" / "rules.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 26 rules found" in result.stdout


def test_promtool_accepts_the_prometheusrule_spec(
    tool: Callable[[str], str], rendered: RenderedMixin, tmp_path: Path
) -> None:
    promtool_check(tool("promtool"), rendered.prometheus_rule["spec"], tmp_path)


def test_promtool_accepts_the_multi_cluster_rules(
    tool: Callable[[str], str], tmp_path: Path
) -> None:
    rendered = render({"showMultiCluster": True, "clusterLabel": "k8s_cluster"})

    promtool_check(tool("promtool"), rendered.rules, tmp_path)
    exprs = [r["expr"] for g in rendered.rules["groups"] for r in g["rules"] if "alert" in r]
    joins = [join for expr in exprs for join in re.findall(r"(?:on|unless on) \(([^)]*)\)", expr)]
    assert joins
    assert all(join.startswith("k8s_cluster, ") for join in joins), joins


def test_alert_names_follow_the_convention(alert_rules: list[dict[str, Any]]) -> None:
    for rule in alert_rules:
        name = rule["alert"]
        assert re.fullmatch(r"DytEmission([A-Z][a-z]+)+", name), name
        assert len(name) <= 40, name


def test_groups_hold_at_most_20_rules(rendered: RenderedMixin) -> None:
    assert all(len(group["rules"]) <= 20 for group in rendered.rules["groups"])


def test_every_alert_has_severity_summary_description_and_runbook(
    alert_rules: list[dict[str, Any]],
) -> None:
    for rule in alert_rules:
        name = rule["alert"]
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}, name
        assert set(rule["annotations"]) == {"summary", "description", "runbook_url"}, name
        assert re.fullmatch(r"[A-Z][^{}\n]*\.", rule["annotations"]["summary"]), name
        # absent() has no value to quote; every other description quotes what matters.
        quoted = "{{ $" in rule["annotations"]["description"]
        assert quoted or rule["expr"].startswith("absent("), name
        assert rule["annotations"]["runbook_url"] == RUNBOOK_URL + name.lower()


def github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub makes for a file's headings."""
    headings = re.findall(r"^#+ (.+)$", markdown, flags=re.MULTILINE)
    return {re.sub(r"[^a-z0-9 _-]", "", heading.lower()).replace(" ", "-") for heading in headings}


def test_every_runbook_link_has_its_section(alert_rules: list[dict[str, Any]]) -> None:
    anchors = github_anchors((REPO_ROOT / "docs" / "runbooks.md").read_text())

    for rule in alert_rules:
        assert rule["annotations"]["runbook_url"].removeprefix(RUNBOOK_URL) in anchors


def test_every_runbook_section_has_its_alert(alert_rules: list[dict[str, Any]]) -> None:
    runbooks = (REPO_ROOT / "docs" / "runbooks.md").read_text()
    sections = set(re.findall(r"^## (DytEmission\w+)$", runbooks, flags=re.MULTILINE))

    assert sections == {rule["alert"] for rule in alert_rules}
    for section in re.split(r"^## ", runbooks, flags=re.MULTILINE)[1:]:
        name = section.splitlines()[0]
        for part in ("**Meaning.**", "**Confirm.**", "**Act.**"):
            assert part in section, f"{name}: no {part}"


def test_rules_read_only_served_metrics(rules: list[dict[str, Any]]) -> None:
    recorded = {rule["record"] for rule in rules if "record" in rule}
    known = (
        metric_catalog.EXPORTER
        | metric_catalog.NODE
        | metric_catalog.PROMETHEUS
        | metric_catalog.KUBE_STATE_METRICS
    )

    for rule in rules:
        for use in metric_uses(rule["expr"]):
            assert use.metric in known or use.metric in recorded, (rule, use.metric)


def test_range_functions_of_counters_read_counters_only(rules: list[dict[str, Any]]) -> None:
    for rule in rules:
        for use in metric_uses(rule["expr"]):
            if use.function in metric_catalog.COUNTER_FUNCTIONS:
                assert metric_catalog.EXPORTER.get(use.metric) == "counter", (rule, use)


@pytest.mark.parametrize("selector", ["nodeSelector", "exporterSelector"])
def test_selectors_come_from_config_only(selector: str) -> None:
    rendered = render({selector: 'job="custom"'})

    text = yaml.safe_dump(rendered.rules)
    default_job = "dytallix-node" if selector == "nodeSelector" else "dyt-emissions-exporter"
    assert f'job="{default_job}"' not in text
    assert 'job="custom"' in text
