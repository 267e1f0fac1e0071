"""The Jsonnet sources: formatted as STYLE.md says, and clean under jsonnet-lint."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

MIXIN_DIR = Path(__file__).resolve().parents[2] / "mixin"
SOURCES = sorted([*MIXIN_DIR.rglob("*.libsonnet"), *MIXIN_DIR.rglob("*.jsonnet")])
FORMAT = ["-n", "2", "--max-blank-lines", "2", "--string-style", "s", "--comment-style", "s"]


def test_the_sources_are_formatted(tool: Callable[[str], str]) -> None:
    result = subprocess.run(
        [tool("jsonnetfmt"), *FORMAT, "--test", *map(str, SOURCES)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, f"not formatted: {result.stdout}{result.stderr}"


# One file per run: jsonnet-lint 0.21 panics when given several that share imports.
@pytest.mark.parametrize(
    "source", SOURCES, ids=lambda path: path.relative_to(MIXIN_DIR).as_posix()
)
def test_jsonnet_lint_finds_nothing(tool: Callable[[str], str], source: Path) -> None:
    result = subprocess.run(
        [tool("jsonnet-lint"), "-J", str(MIXIN_DIR), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
