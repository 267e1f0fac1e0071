"""The Dockerfile, read as instructions: two stages, the package's own files, a non-root
user that matches the chart, the `dyt-emissions` entry point, nothing to build with."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field

import yaml

from .conftest import REPO_ROOT

DOCKERFILE = REPO_ROOT / "Dockerfile"
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def arguments(self, keyword: str) -> list[str]:
        return [text for word, text in self.instructions if word == keyword]


def instructions() -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction, continuation lines joined, comments dropped."""
    lines = DOCKERFILE.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not line.lstrip().startswith("#")]
    logical = "\n".join(kept).replace("\\\n", " ")
    found = []
    for line in logical.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            found.append((keyword.upper(), " ".join(rest.split())))
    return found


def stages() -> list[Stage]:
    result: list[Stage] = []
    arguments: dict[str, str] = {}
    for keyword, text in instructions():
        if keyword == "ARG" and not result:
            name, _, default = text.partition("=")
            arguments[name] = default
        elif keyword == "FROM":
            base, _, name = text.partition(" AS ")
            for arg, value in arguments.items():
                base = base.replace(f"${{{arg}}}", value)
            result.append(Stage(base, name or None))
        else:
            result[-1].instructions.append((keyword, text))
    return result


def test_a_build_stage_makes_wheels_and_a_slim_python_3_11_stage_runs_them() -> None:
    build, final = stages()

    assert build.name == "build"
    assert build.base == final.base == "python:3.11-slim-bookworm"
    assert build.arguments("RUN") == ["pip wheel --no-cache-dir --wheel-dir /wheels ."]
    (install,) = final.arguments("RUN")
    assert install.startswith(
        "--mount=type=bind,from=build,source=/wheels,target=/wheels "
        "pip install --no-cache-dir --no-index --find-links /wheels dyt-emissions"
    )
    # The wheels are mounted for the install only, never copied into the image.
    assert final.arguments("COPY") == []


def test_the_build_stage_copies_exactly_what_the_wheel_is_made_of() -> None:
    build, _ = stages()
    packages = PYPROJECT["tool"]["setuptools"]["packages"]

    copied = [source for text in build.arguments("COPY") for source in text.split()[:-1]]
    assert sorted(copied) == sorted(
        ["pyproject.toml", PYPROJECT["project"]["readme"], *(f"{p}/" for p in packages)]
    )
    assert all((REPO_ROOT / source).exists() for source in copied)


def test_the_build_context_holds_only_those_files() -> None:
    lines = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [line for line in lines if line and not line.startswith("#")]
    packages = PYPROJECT["tool"]["setuptools"]["packages"]

    assert patterns[0] == "*"
    allowed = sorted(p.removeprefix("!") for p in patterns if p.startswith("!"))
    assert allowed == sorted(
        ["pyproject.toml", PYPROJECT["project"]["readme"], *(f"{p}/" for p in packages)]
    )


def test_the_image_runs_as_the_non_root_user_the_chart_expects() -> None:
    _, final = stages()
    values = yaml.safe_load((REPO_ROOT / "helm" / "values.yaml").read_text(encoding="utf-8"))
    pod_security = values["emissions"]["podSecurity"]

    (user,) = final.arguments("USER")
    uid, gid = (int(part) for part in user.split(":"))
    assert uid != 0
    assert (uid, gid) == (pod_security["runAsUser"], pod_security["runAsGroup"])
    (install,) = final.arguments("RUN")
    assert f"useradd --system --uid {uid} --gid {gid}" in install
    # The runner's LOG_DIR belongs to that user, so a fresh Docker volume there is writable.
    assert f"install -d -o {uid} -g {gid} -m 0750 /var/log/dytallix-emissions" in install


def test_the_entry_point_is_the_dyt_emissions_command() -> None:
    _, final = stages()

    (entrypoint,) = final.arguments("ENTRYPOINT")
    assert json.loads(entrypoint) == ["dyt-emissions"]
    assert "dyt-emissions" in PYPROJECT["project"]["scripts"]
    assert final.arguments("EXPOSE") == ["9817"]


def test_the_final_image_keeps_no_build_tools() -> None:
    _, final = stages()

    (install,) = final.arguments("RUN")
    assert "pip uninstall --yes pip setuptools wheel" in install
    assert not re.search(r"apt-get|gcc|build-essential|python3-dev|make ", install)
