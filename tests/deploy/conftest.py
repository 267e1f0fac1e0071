"""The compose stack as docker-compose resolves it, and the tools that check its files."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = REPO_ROOT / "deploy"
COMPOSE_FILE = DEPLOY / "compose.yaml"


def find_tool(name: str) -> str:
    """The path of a tool, looked up in the repo's .tools/bin first; fails when missing."""
    search_path = os.pathsep.join([str(REPO_ROOT / ".tools" / "bin"), os.environ["PATH"]])
    found = shutil.which(name, path=search_path)
    if found is None:
        pytest.fail(f"{name} is not installed: run `make system-tools`")
    return found


def run_tool(*command: str) -> subprocess.CompletedProcess[str]:
    """Run a checker and return what it did, without raising on failure."""
    return subprocess.run(
        [find_tool(command[0]), *command[1:]],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    """`docker-compose config`: the file validated and resolved (paths made absolute)."""
    result = run_tool("docker-compose", "--file", str(COMPOSE_FILE), "config")
    assert result.returncode == 0, result.stderr
    resolved: dict[str, Any] = yaml.safe_load(result.stdout)
    return resolved


def bind_mounts(service: dict[str, Any]) -> list[tuple[Path, str]]:
    """(host path, container path) of a service's bind mounts; named volumes left out."""
    mounts = []
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith("/"):
            mounts.append((Path(source), target))
    return mounts
