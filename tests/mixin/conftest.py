"""Fixtures for the mixin's tests: a fresh render, its rules, and the tools that check them."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dyt_emissions.mixin_render import RenderedMixin, render

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOLS_BIN = REPO_ROOT / ".tools" / "bin"


def find_tool(name: str) -> str:
    """The path of a tool from `make system-tools`; a missing tool fails the test."""
    path = shutil.which(name, path=f"{TOOLS_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if path is None:
        pytest.fail(f"{name} is not installed: run `make system-tools`")
    return path


@pytest.fixture(scope="session")
def tool() -> Callable[[str], str]:
    return find_tool


@pytest.fixture(scope="session")
def rendered() -> RenderedMixin:
    """The mixin with its default configuration, as committed under alerts/ and dashboards/."""
    return render()


@pytest.fixture(scope="session")
def rules(rendered: RenderedMixin) -> list[dict[str, Any]]:
    """Every rule, recording and alerting, in file order."""
    return [rule for group in rendered.rules["groups"] for rule in group["rules"]]


@pytest.fixture(scope="session")
def alert_rules(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [rule for rule in rules if "alert" in rule]


@pytest.fixture(scope="session")
def panels(rendered: RenderedMixin) -> list[tuple[str, dict[str, Any]]]:
    """Every panel but rows, with the file name of its dashboard."""
    return [
        (name, panel)
        for name, dashboard in rendered.dashboards.items()
        for panel in dashboard["panels"]
        if panel["type"] != "row"
    ]
