"""Render the chart with the real helm and hand the tests its objects.

Every render runs `helm template` once per set of arguments and is shared by the whole
session; the objects come back as plain dicts, parsed with yaml.safe_load_all.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CHART = REPO_ROOT / "helm"
RELEASE = "dytallix"
NAMESPACE = "dytallix"
# A helm built with `go install` believes the cluster is 1.20; the chart asks for 1.27+.
KUBE_VERSION = "1.30.0"

Manifest = dict[str, Any]


def find_tool(name: str) -> str:
    """The path of a tool, looked up in the repo's .tools/bin first; fails when missing."""
    search_path = os.pathsep.join([str(REPO_ROOT / ".tools" / "bin"), os.environ["PATH"]])
    found = shutil.which(name, path=search_path)
    if found is None:
        pytest.fail(f"{name} is not installed: run `make system-tools`")
    return found


def helm(*args: str) -> subprocess.CompletedProcess[str]:
    """Run helm and return what it did, without raising on failure."""
    return subprocess.run(
        [find_tool("helm"), *args], capture_output=True, text=True, check=False, timeout=120
    )


def template_args(*extra: str, chart: Path = CHART) -> list[str]:
    """The arguments of `helm template` for the test release, then `extra`."""
    return [
        "template", RELEASE, str(chart), "--namespace", NAMESPACE,
        "--kube-version", KUBE_VERSION, *extra,
    ]  # fmt: skip


class Rendered:
    """The objects of one render, found by kind and name."""

    def __init__(self, manifests: Sequence[Manifest]) -> None:
        self.manifests = list(manifests)

    def of_kind(self, kind: str) -> list[Manifest]:
        return [m for m in self.manifests if m["kind"] == kind]

    def get(self, kind: str, name: str) -> Manifest:
        found = [m for m in self.of_kind(kind) if m["metadata"]["name"] == name]
        assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
        return found[0]

    def names(self, kind: str) -> list[str]:
        return sorted(m["metadata"]["name"] for m in self.of_kind(kind))


Render = Callable[..., Rendered]


@pytest.fixture(scope="session")
def render() -> Render:
    """`render("--set", "a=b", ...)`: the chart rendered with those arguments (cached)."""
    cache: dict[tuple[str, ...], Rendered] = {}

    def run(*extra: str) -> Rendered:
        if extra not in cache:
            result = helm(*template_args(*extra))
            assert result.returncode == 0, result.stderr
            documents = yaml.safe_load_all(result.stdout)
            cache[extra] = Rendered([d for d in documents if d is not None])
        return cache[extra]

    return run


WriteValues = Callable[[str], Path]


@pytest.fixture
def write_values(tmp_path: Path) -> WriteValues:
    """Write a values file from YAML text and return its path."""
    count = 0

    def write(text: str) -> Path:
        nonlocal count
        count += 1
        path = tmp_path / f"values-{count}.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


# The chart's variants that CI renders, lints and validates, by name.
VARIANTS: dict[str, tuple[str, ...]] = {
    "default": (),
    # The operations doc's own deploy command.
    "ops-doc-command": ("--set", "emissions.cron.enabled=true"),
    "cron-disabled": ("--set", "emissions.cron.enabled=false"),
    "network-policy-off": ("--set", "emissions.networkPolicy.enabled=false"),
    "read-write-many": ("--set", "emissions.cron.logPvc.accessMode=ReadWriteMany"),
    "existing-pvc": ("--set", "emissions.cron.logPvc.existingClaim=shell-runner-logs"),
    "existing-schedule": (
        "--set", "emissions.scheduleFile.existingConfigMap=dytallix-emissions-schedule",
    ),
    "monitoring-off": (
        "--set", "emissions.serviceMonitor.enabled=false",
        "--set", "emissions.prometheusRule.enabled=false",
        "--set", "emissions.dashboards.enabled=false",
    ),
}  # fmt: skip


def copy_chart(destination: Path) -> Path:
    """A copy of the chart with files/ resolved to real files, for tests that alter it."""
    shutil.copytree(CHART, destination)
    return destination
