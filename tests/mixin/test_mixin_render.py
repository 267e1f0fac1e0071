"""`render()` and `dyt-emissions mixin`: overrides through _config, written files, --check."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from dyt_emissions.cli import main as cli_main
from dyt_emissions.mixin_render import (
    PROMETHEUS_RULE_FILE,
    RULES_FILE,
    MixinError,
    RenderedMixin,
    render,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
OUTPUT_FILES = [
    "alerts/rules.yaml",
    "alerts/prometheusrule.yaml",
    "dashboards/dyt-emissions-audit.json",
    "dashboards/dyt-emissions-overview.json",
]


def rule(rendered: RenderedMixin, name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [
        rule
        for group in rendered.rules["groups"]
        for rule in group["rules"]
        if rule.get("alert") == name
    ]
    assert len(found) == 1, f"{len(found)} rules named {name}"
    return found[0]


def test_the_committed_files_are_a_fresh_render() -> None:
    result = subprocess.run(
        ["make", "-s", "check-generated"], cwd=REPO_ROOT, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_overrides_change_for_durations_and_thresholds_and_nothing_else(
    rendered: RenderedMixin,
) -> None:
    fast = render(
        {
            "evaluationInterval": "1s",
            "alerts": {"claimInDoubt": {"for": "2s"}, "appliedHeightLagging": {"blocks": 7}},
        }
    )

    assert {group["interval"] for group in fast.rules["groups"]} == {"1s"}
    assert "interval" not in rendered.rules["groups"][0]
    assert rule(fast, "DytEmissionClaimInDoubt")["for"] == "2s"
    assert rule(rendered, "DytEmissionClaimInDoubt")["for"] == "5m"
    assert "> 7\n" in rule(fast, "DytEmissionAppliedHeightLagging")["expr"]
    # Keys of the same object that were not overridden keep their defaults.
    assert rule(fast, "DytEmissionClaimInDoubt")["labels"] == {"severity": "critical"}
    assert rule(fast, "DytEmissionNodeDown") == rule(rendered, "DytEmissionNodeDown")


def test_a_disabled_alert_is_left_out() -> None:
    rendered = render({"alerts": {"nodeAbsent": {"enabled": False}}})

    names = {r.get("alert") for g in rendered.rules["groups"] for r in g["rules"]}

    assert "DytEmissionNodeAbsent" not in names
    assert "DytEmissionNodeDown" in names


def test_time_thresholds_follow_the_cron_interval() -> None:
    rendered = render({"cronJobInterval": "2m"})

    expr = rule(rendered, "DytEmissionRunnerNotRunning")["expr"]

    assert expr.endswith("> 360")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"nodeSelectr": 'job="x"'}, "unknown _config key: nodeSelectr"),
        (
            {"alerts": {"claimInDoubt": {"fore": "1m"}}},
            "unknown _config key: alerts.claimInDoubt.fore",
        ),
        ({"cronJobInterval": "5 minutes"}, 'expected a duration such as 5m, found "5 minutes"'),
    ],
)
def test_a_bad_override_is_an_error_naming_it(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(MixinError, match=message):
        render(overrides)


def test_the_prometheusrule_holds_the_same_groups(rendered: RenderedMixin) -> None:
    manifest = rendered.prometheus_rule

    assert manifest["apiVersion"] == "monitoring.coreos.com/v1"
    assert manifest["kind"] == "PrometheusRule"
    assert manifest["metadata"] == {
        "name": "dyt-emissions",
        "labels": {"app.kubernetes.io/name": "dyt-emissions"},
    }
    assert manifest["spec"] == rendered.rules


def test_the_files_read_back_as_what_was_rendered(rendered: RenderedMixin) -> None:
    files = rendered.files()

    assert sorted(files) == sorted(OUTPUT_FILES)
    assert yaml.safe_load(files[RULES_FILE]) == rendered.rules
    assert yaml.safe_load(files[PROMETHEUS_RULE_FILE]) == rendered.prometheus_rule
    # PromQL keeps its lines: a literal block, not a folded one-liner.
    assert "expr: |\n" in files[RULES_FILE]


def test_the_command_writes_then_checks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["mixin", "--out", str(tmp_path)]) == 0
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.*"))
    capsys.readouterr()

    assert written == sorted(OUTPUT_FILES)
    assert cli_main(["mixin", "--out", str(tmp_path), "--check"]) == 0


def test_check_names_every_stale_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli_main(["mixin", "--out", str(tmp_path)])
    (tmp_path / "alerts" / "rules.yaml").write_text("groups: []\n")
    (tmp_path / "dashboards" / "dyt-emissions-audit.json").unlink()
    (tmp_path / "dashboards" / "old.json").write_text("{}\n")
    capsys.readouterr()

    code = cli_main(["mixin", "--out", str(tmp_path), "--check"])

    assert code == 1
    assert capsys.readouterr().err.splitlines() == [
        f"stale: {tmp_path}/alerts/rules.yaml: differs from a fresh render",
        f"stale: {tmp_path}/dashboards/dyt-emissions-audit.json: missing",
        f"stale: {tmp_path}/dashboards/old.json: no longer rendered: delete it",
        "run `make generate` (dyt-emissions mixin --out .) and commit",
    ]
    assert (tmp_path / "alerts" / "rules.yaml").read_text() == "groups: []\n"


def test_config_overrides_from_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "mixin-config.yaml"
    config.write_text('exporterSelector: job="emissions"\n')

    code = cli_main(["mixin", "--out", str(tmp_path / "out"), "--config", str(config)])

    capsys.readouterr()
    assert code == 0
    rules = yaml.safe_load((tmp_path / "out" / "alerts" / "rules.yaml").read_text())
    exporter_down = [
        r
        for g in rules["groups"]
        for r in g["rules"]
        if r.get("alert") == "DytEmissionExporterDown"
    ]
    assert exporter_down[0]["expr"] == 'up{job="emissions"} == 0'


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("- a list\n", "config overrides .*: expected a mapping of _config keys, found list"),
        ("nodeSelector: [\n", "reading config overrides"),
        ("blockInterval: 15s\nshowMultiClustr: true\n", "unknown _config key: showMultiClustr"),
    ],
)
def test_a_bad_config_file_exits_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    config = tmp_path / "mixin-config.yaml"
    config.write_text(content)

    code = cli_main(["mixin", "--out", str(tmp_path), "--config", str(config)])

    assert code == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ")
    assert "Traceback" not in error
    assert re.search(message, error), error


def test_an_unwritable_output_exits_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("a file where the folder should be\n")

    code = cli_main(["mixin", "--out", str(blocker)])

    assert code == 2
    assert capsys.readouterr().err.startswith(
        f"error: cannot write the rendered mixin under {blocker}: "
    )
