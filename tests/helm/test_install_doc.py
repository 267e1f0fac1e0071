"""The install section of docs/install.md works as written, as far as no cluster is needed:
its schedule check runs, and its helm commands render the chart they describe."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from .conftest import CHART, KUBE_VERSION, REPO_ROOT, Render, find_tool

INSTALL_DOC = REPO_ROOT / "docs" / "install.md"


def section_commands(title: str) -> list[list[str]]:
    """The commands of the ```sh blocks of one section, continuation lines joined."""
    text = INSTALL_DOC.read_text(encoding="utf-8")
    section = text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                commands.append(shlex.split(line))
    return commands


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A folder like the one the doc's reader stands in: ./helm and ./schedule.yaml."""
    (tmp_path / "helm").symlink_to(CHART)
    shutil.copyfile(REPO_ROOT / "examples" / "schedule.yaml", tmp_path / "schedule.yaml")
    return tmp_path


def as_helm_template(command: list[str]) -> list[str]:
    """`helm upgrade --install NAME CHART ...` as the `helm template` that renders it."""
    assert command[:3] == ["helm", "upgrade", "--install"]
    return [find_tool("helm"), "template", *command[3:], "--kube-version", KUBE_VERSION]


def test_the_install_section_checks_the_schedule_and_renders_with_its_config_map(
    workdir: Path,
) -> None:
    commands = section_commands("Install")
    checks = [c for c in commands if c[:2] == ["dyt-emissions", "check"]]
    installs = [c for c in commands if c[:3] == ["helm", "upgrade", "--install"]]
    assert len(checks) == 1
    assert len(installs) == 2

    check = subprocess.run(
        [sys.executable, "-m", "dyt_emissions", *checks[0][1:]],
        cwd=workdir, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr

    for install in installs:
        result = subprocess.run(
            as_helm_template(install),
            cwd=workdir, capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        manifests = [m for m in yaml.safe_load_all(result.stdout) if m]
        cron_jobs = [m["metadata"]["name"] for m in manifests if m["kind"] == "CronJob"]
        assert cron_jobs == ["dytallix-emissions"]
        assert {m["metadata"].get("namespace") for m in manifests} <= {None, "dytallix"}


def test_the_first_install_mounts_the_config_map_the_doc_creates(workdir: Path) -> None:
    commands = section_commands("Install")
    config_map = next(c for c in commands if c[:2] == ["kubectl", "-n"] and "configmap" in c)
    name = config_map[config_map.index("configmap") + 1]
    install = next(c for c in commands if c[:3] == ["helm", "upgrade", "--install"])

    result = subprocess.run(
        as_helm_template(install),
        cwd=workdir, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip

    manifests = [m for m in yaml.safe_load_all(result.stdout) if m]
    assert "--from-file=schedule.yaml=./schedule.yaml" in config_map
    assert name not in [m["metadata"]["name"] for m in manifests if m["kind"] == "ConfigMap"]
    (exporter,) = [m for m in manifests if m["kind"] == "Deployment"]
    volumes = exporter["spec"]["template"]["spec"]["volumes"]
    assert volumes[0]["configMap"]["name"] == name


def test_the_set_file_install_carries_the_schedule_exactly(workdir: Path) -> None:
    (install,) = [c for c in section_commands("Install") if "--set-file" in c]

    result = subprocess.run(
        as_helm_template(install),
        cwd=workdir, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip

    manifests = [m for m in yaml.safe_load_all(result.stdout) if m]
    (schedule,) = [m for m in manifests if m["metadata"]["name"] == "dytallix-emissions-schedule"]
    assert schedule["data"]["schedule.yaml"] == (workdir / "schedule.yaml").read_text()


def test_the_resolve_pod_is_valid_and_matches_the_chart(render: Render) -> None:
    text = INSTALL_DOC.read_text(encoding="utf-8")
    block = text.split("<!-- resolve-pod -->\n```yaml\n", 1)[1].split("```", 1)[0]
    pod = yaml.safe_load(block)
    kubernetes_validate.validate(pod, "1.30", strict=True)

    rendered = render()
    policy = rendered.get("NetworkPolicy", "dytallix-emissions-runner")
    labels = pod["metadata"]["labels"]
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= labels.items()

    job = rendered.get("CronJob", "dytallix-emissions")["spec"]["jobTemplate"]["spec"]
    runner = job["template"]["spec"]
    assert pod["spec"]["securityContext"] == runner["securityContext"]
    assert pod["spec"]["affinity"] == runner["affinity"]
    assert pod["spec"]["serviceAccountName"] == runner["serviceAccountName"]
    claims = {
        v["persistentVolumeClaim"]["claimName"]
        for v in pod["spec"]["volumes"]
        if "persistentVolumeClaim" in v
    }
    assert claims == {
        v["persistentVolumeClaim"]["claimName"]
        for v in runner["volumes"]
        if "persistentVolumeClaim" in v
    }
