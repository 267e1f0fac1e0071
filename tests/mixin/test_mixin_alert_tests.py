"""The promtool unit tests in mixin/tests/: they pass, and every alert has its cases.

Each alert needs a history that fires it, with its exact labels and annotations, among
two targets of its kind (so it names the one at fault and merges nothing); a history in
which it stays silent; and, when it waits a `for`, a silent evaluation before that ends.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
TEST_FILES = sorted((REPO_ROOT / "mixin" / "tests").glob("*.yaml"))
# absent() has nothing to tell apart: there is no target at all.
ABSENT_ALERTS = {"DytEmissionNodeAbsent", "DytEmissionExporterAbsent"}


@dataclass(frozen=True)
class Case:
    """One `alert_rule_test` item, with the test it belongs to."""

    file: str
    test: dict[str, Any]
    alertname: str
    eval_seconds: int
    expected: list[dict[str, Any]]


def seconds(duration: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    return int(duration[:-1]) * units[duration[-1]]


def cases() -> Iterator[Case]:
    for path in TEST_FILES:
        for test in yaml.safe_load(path.read_text())["tests"]:
            for item in test["alert_rule_test"]:
                yield Case(
                    path.name,
                    test,
                    item["alertname"],
                    seconds(item["eval_time"]),
                    item.get("exp_alerts") or [],
                )


CASES = list(cases())


def targets(test: dict[str, Any]) -> set[tuple[str, str]]:
    """The (namespace, instance) pairs of a test's input series."""
    found = set()
    for series in test["input_series"]:
        selector = promql_parser.parse(series["series"])
        assert isinstance(selector, promql_parser.VectorSelector)
        labels = {m.name: m.value for m in selector.matchers.matchers}
        found.add((labels.get("namespace", ""), labels.get("instance", "")))
    return found


def test_promtool_unit_tests_pass(tool: Callable[[str], str]) -> None:
    result = subprocess.run(
        [tool("promtool"), "test", "rules", *[path.name for path in TEST_FILES]],
        cwd=REPO_ROOT / "mixin" / "tests",
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(TEST_FILES) == 5


def test_every_test_file_reads_the_rendered_rules() -> None:
    for path in TEST_FILES:
        assert yaml.safe_load(path.read_text())["rule_files"] == ["../../alerts/rules.yaml"]


def alert_names(alert_rules: list[dict[str, Any]]) -> list[str]:
    return sorted({rule["alert"] for rule in alert_rules})


def test_every_alert_fires_in_a_test_with_labels_and_annotations(
    alert_rules: list[dict[str, Any]],
) -> None:
    for name in alert_names(alert_rules):
        firing = [case for case in CASES if case.alertname == name and case.expected]
        assert firing, f"{name}: no test fires it"
        for case in firing:
            for alert in case.expected:
                assert alert["exp_labels"]["severity"], (name, case.file)
                assert set(alert["exp_annotations"]) == {"summary", "description", "runbook_url"}


def test_every_alert_fires_among_two_targets(alert_rules: list[dict[str, Any]]) -> None:
    for name in set(alert_names(alert_rules)) - ABSENT_ALERTS:
        firing = [case for case in CASES if case.alertname == name and case.expected]
        assert any(len(targets(case.test)) >= 2 for case in firing), name


def test_every_alert_stays_silent_in_a_test(alert_rules: list[dict[str, Any]]) -> None:
    for name in alert_names(alert_rules):
        silent = [
            case
            for case in CASES
            if case.alertname == name and not case.expected and case.file != "healthy.yaml"
        ]
        assert silent, f"{name}: no test where it must not fire, besides the healthy one"


@pytest.mark.parametrize("healthy_time", ["11m", "74m"])
def test_the_healthy_system_checks_every_alert(
    alert_rules: list[dict[str, Any]], healthy_time: str
) -> None:
    checked = {
        case.alertname
        for case in CASES
        if case.file == "healthy.yaml" and case.eval_seconds == seconds(healthy_time)
    }

    assert checked == set(alert_names(alert_rules))


def test_every_for_is_shown_not_yet_firing(alert_rules: list[dict[str, Any]]) -> None:
    waiting = {rule["alert"] for rule in alert_rules if "for" in rule}

    for name in sorted(waiting):
        shown = False
        for case in CASES:
            if case.alertname == name and case.expected:
                shown = shown or any(
                    other.alertname == name
                    and other.test is case.test
                    and not other.expected
                    and other.eval_seconds < case.eval_seconds
                    for other in CASES
                )
        assert shown, f"{name}: no test shows it silent before its `for` ends"
