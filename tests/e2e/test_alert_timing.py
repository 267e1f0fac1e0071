"""The rules the scenarios load are the mixin's own, with seconds for minutes and nothing else."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from dyt_emissions.mixin_render import render
from tests.e2e.alert_timing import E2E_CONFIG, LONGEST_WAIT_SECONDS, write_e2e_rules

SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}


def seconds(duration: str) -> float:
    number = duration.rstrip("smh")
    return float(number) * SECONDS[duration[len(number) :]]


def test_every_alert_of_the_e2e_rules_waits_seconds_not_minutes(e2e_rules: Path) -> None:
    groups = yaml.safe_load(e2e_rules.read_text())["groups"]
    waits = {
        rule["alert"]: seconds(rule.get("for", "0s"))
        for group in groups
        for rule in group["rules"]
        if "alert" in rule
    }

    assert {group["interval"] for group in groups} == {"1s"}
    assert {name for name, wait in waits.items() if wait > LONGEST_WAIT_SECONDS} == set()


def test_only_config_differs_from_the_rules_operators_deploy() -> None:
    default = render().rules["groups"]
    e2e = render(E2E_CONFIG).rules["groups"]

    assert [[r.get("alert") or r.get("record") for r in g["rules"]] for g in e2e] == [
        [r.get("alert") or r.get("record") for r in g["rules"]] for g in default
    ]
    assert [[r["labels"] for r in g["rules"] if "alert" in r] for g in e2e] == [
        [r["labels"] for r in g["rules"] if "alert" in r] for g in default
    ]


def test_the_e2e_rules_pass_promtool(tmp_path: Path) -> None:
    rules = write_e2e_rules(tmp_path)

    result = subprocess.run(
        ["promtool", "check", "rules", str(rules)], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stdout + result.stderr
