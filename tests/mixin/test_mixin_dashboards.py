"""The rendered dashboards: stable uids, variables, datasources, units, and valid PromQL
that reads only what the exporter and the node serve, per instance.

mixtool cannot be installed here, so the checks its `lint` makes on dashboards (the
datasource variable, a datasource on every panel, `$__rate_interval`, units) are made here.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

from dyt_emissions.mixin_render import RenderedMixin, render
from tests.mixin import metric_catalog
from tests.mixin.promql_walk import aggregations, metric_uses, without_grafana_variables

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
Panel = tuple[str, dict[str, Any]]


def exprs(panels: list[Panel]) -> Iterator[tuple[str, str, str]]:
    """(dashboard, panel title, expression) of every query of every panel."""
    for dashboard, panel in panels:
        for target in panel["targets"]:
            yield dashboard, panel["title"], target["expr"]


def test_uids_are_stable_and_unique(rendered: RenderedMixin) -> None:
    uids = {name: dashboard["uid"] for name, dashboard in rendered.dashboards.items()}

    assert uids == {
        "dyt-emissions-overview.json": "dyt-emissions-overview",
        "dyt-emissions-audit.json": "dyt-emissions-audit",
    }
    assert render({"dashboardUIDPrefix": "ops-"}).dashboards["dyt-emissions-audit.json"][
        "uid"
    ] == ("ops-audit")


def test_dashboards_have_tags_refresh_and_time_range(rendered: RenderedMixin) -> None:
    for dashboard in rendered.dashboards.values():
        assert dashboard["tags"] == ["dyt-emissions"]
        assert dashboard["refresh"] == "30s"
        assert dashboard["time"] == {"from": "now-6h", "to": "now"}
        assert dashboard["timezone"] == "utc"
        assert dashboard["title"].startswith("Emissions / ")


def test_variables_are_datasource_namespace_and_instance(rendered: RenderedMixin) -> None:
    for dashboard in rendered.dashboards.values():
        variables = dashboard["templating"]["list"]
        assert [v["name"] for v in variables] == ["datasource", "namespace", "instance"]
        assert variables[0]["type"] == "datasource"
        assert variables[0]["query"] == "prometheus"
        assert all(v["datasource"] == DATASOURCE for v in variables[1:])


def test_multi_cluster_adds_a_cluster_variable_and_matcher() -> None:
    rendered = render({"showMultiCluster": True})

    for dashboard in rendered.dashboards.values():
        names = [v["name"] for v in dashboard["templating"]["list"]]
        assert names == ["datasource", "cluster", "namespace", "instance"]
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                assert 'cluster=~"$cluster"' in target["expr"]
                assert target["legendFormat"].startswith("{{cluster}}/{{instance}}")


def test_no_import_inputs_and_no_hard_coded_datasource(rendered: RenderedMixin) -> None:
    for dashboard in rendered.dashboards.values():
        text = json.dumps(dashboard)
        assert "${DS_" not in text
        assert "__inputs" not in dashboard
        uids = re.findall(r'"uid": "([^"]*)"', text)
        assert set(uids) == {"${datasource}", dashboard["uid"]}


def test_every_panel_reads_the_datasource_variable(panels: list[Panel]) -> None:
    for _, panel in panels:
        assert panel["datasource"] == DATASOURCE, panel["title"]
        assert panel["targets"], panel["title"]
        assert all(target["datasource"] == DATASOURCE for target in panel["targets"])


def test_every_panel_is_current_with_a_title_description_and_unit(panels: list[Panel]) -> None:
    for _, panel in panels:
        assert panel["type"] in {"timeseries", "stat", "table"}
        assert panel["title"]
        assert panel["description"]
        assert panel["fieldConfig"]["defaults"]["unit"], panel["title"]


def test_panels_do_not_overlap(rendered: RenderedMixin) -> None:
    for dashboard in rendered.dashboards.values():
        cells: set[tuple[int, int]] = set()
        for panel in dashboard["panels"]:
            grid = panel["gridPos"]
            assert grid["x"] + grid["w"] <= 24
            area = {
                (x, y)
                for x in range(grid["x"], grid["x"] + grid["w"])
                for y in range(grid["y"], grid["y"] + grid["h"])
            }
            assert not cells & area, panel["title"]
            cells |= area
        ids = [panel["id"] for panel in dashboard["panels"]]
        assert len(ids) == len(set(ids))


def test_every_query_is_limited_to_the_chosen_instances(panels: list[Panel]) -> None:
    for dashboard, title, expr in exprs(panels):
        for use in metric_uses(without_grafana_variables(expr)):
            assert {
                'job="dyt-emissions-exporter"',
                'namespace=~"x"',
                'instance=~"x"',
            } <= use.matchers, (dashboard, title)
            instance = [m for m in use.matchers if m.startswith("instance")]
            assert instance == ['instance=~"x"'], (dashboard, title)


def test_legends_and_aggregations_keep_instances_apart(panels: list[Panel]) -> None:
    for _, panel in panels:
        for target in panel["targets"]:
            assert "{{instance}}" in target["legendFormat"], panel["title"]
            for modifier in aggregations(without_grafana_variables(target["expr"])):
                kept = modifier.startswith("by") and "instance" in modifier
                assert kept or (modifier.startswith("without") and "instance" not in modifier)


def test_queries_read_only_what_the_exporter_serves(
    panels: list[Panel], rules: list[dict[str, Any]]
) -> None:
    recorded = {rule["record"] for rule in rules if "record" in rule}
    served = metric_catalog.EXPORTER | metric_catalog.NODE

    for dashboard, title, expr in exprs(panels):
        for use in metric_uses(without_grafana_variables(expr)):
            assert use.metric in served or use.metric in recorded, (dashboard, title, use)


def test_rates_read_counters_over_the_rate_interval(panels: list[Panel]) -> None:
    for dashboard, title, expr in exprs(panels):
        assert set(re.findall(r"\[([^\]]+)\]", expr)) <= {"$__rate_interval"}, (dashboard, title)
        for use in metric_uses(without_grafana_variables(expr)):
            if use.function is not None:
                assert use.function in metric_catalog.COUNTER_FUNCTIONS
                assert metric_catalog.EXPORTER[use.metric] == "counter", (dashboard, title)


def test_promtool_parses_every_query(
    tool: Callable[[str], str], panels: list[Panel], tmp_path: Path
) -> None:
    queries = [without_grafana_variables(expr) for _, _, expr in exprs(panels)]
    rules = {
        "groups": [
            {
                "name": "dashboard-queries",
                "rules": [
                    {"record": f"dashboard_query_{i}", "expr": q} for i, q in enumerate(queries)
                ],
            }
        ]
    }
    path = tmp_path / "dashboard-queries.yaml"
    path.write_text(yaml.safe_dump(rules))

    result = subprocess.run(
        [tool("promtool"), "check", "rules", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(queries)} rules found" in result.stdout


def test_the_audit_table_links_each_row_to_its_exporter(rendered: RenderedMixin) -> None:
    [table] = [
        panel
        for panel in rendered.dashboards["dyt-emissions-audit.json"]["panels"]
        if panel["type"] == "table"
    ]

    assert table["fieldConfig"]["defaults"]["links"] == [
        {
            "title": "Open the audit page",
            "url": "http://${__data.fields.instance}/",
            "targetBlank": True,
        }
    ]
    assert table["targets"][0]["instant"] is True
