"""deploy/compose.yaml: valid for docker-compose, every mounted file present, and the
configuration of Prometheus, Alertmanager and Grafana as the containers will see it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from dyt_emissions.cli import build_parser

from .conftest import COMPOSE_FILE, DEPLOY, REPO_ROOT, bind_mounts, run_tool

PROJECT_SERVICES = ("devnode", "runner", "exporter")
LOGS = "/var/log/dytallix-emissions"


def test_the_stack_has_every_service(compose: dict[str, Any]) -> None:
    assert sorted(compose["services"]) == [
        "alertmanager", "devnode", "exporter", "grafana", "prometheus", "runner",
    ]  # fmt: skip
    assert sorted(compose["volumes"]) == ["logs", "prometheus-data"]


def test_every_file_the_stack_mounts_exists(compose: dict[str, Any]) -> None:
    mounts = [m for service in compose["services"].values() for m in bind_mounts(service)]

    assert len(mounts) == 7
    missing = [str(source) for source, _ in mounts if not source.exists()]
    assert missing == []
    assert all(source.is_relative_to(REPO_ROOT) for source, _ in mounts)


def test_named_volumes_are_declared(compose: dict[str, Any]) -> None:
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith("/"):
                assert source in compose["volumes"]


def test_the_exporter_reads_the_volume_the_runner_writes(compose: dict[str, Any]) -> None:
    runner = compose["services"]["runner"]
    exporter = compose["services"]["exporter"]

    assert f"logs:{LOGS}:rw" in runner["volumes"]
    assert f"logs:{LOGS}:ro" in exporter["volumes"]
    assert runner["environment"]["LOG_DIR"] == exporter["environment"]["LOG_DIR"] == LOGS


def test_the_project_services_run_locked_down_from_the_repositorys_image(
    compose: dict[str, Any],
) -> None:
    for name in PROJECT_SERVICES:
        service = compose["services"][name]
        assert service["build"] == {"context": str(REPO_ROOT), "dockerfile": "Dockerfile"}
        assert service["image"] == "dyt-emissions:local"
        assert service["read_only"] is True
        assert service["cap_drop"] == ["ALL"]
        assert service["security_opt"] == ["no-new-privileges:true"]


def test_ports_are_published_on_loopback_only(compose: dict[str, Any]) -> None:
    ports = [port for service in compose["services"].values() for port in service.get("ports", [])]

    assert sorted(ports) == [
        "127.0.0.1:3000:3000/tcp",
        "127.0.0.1:3030:3030/tcp",
        "127.0.0.1:9090:9090/tcp",
        "127.0.0.1:9093:9093/tcp",
        "127.0.0.1:9464:9464/tcp",
        "127.0.0.1:9817:9817/tcp",
    ]


def test_other_images_are_pinned(compose: dict[str, Any]) -> None:
    for name in ("prometheus", "alertmanager", "grafana"):
        image = compose["services"][name]["image"]
        _, _, tag = image.rpartition(":")
        assert tag.removeprefix("v")[:1].isdigit(), f"{name}: {image} is not pinned to a version"


@pytest.mark.parametrize("name", PROJECT_SERVICES)
def test_the_dyt_emissions_cli_accepts_each_command(compose: dict[str, Any], name: str) -> None:
    command = compose["services"][name]["command"]

    parser, _ = build_parser(command[0])
    arguments = parser.parse_args(command)

    assert arguments.command == command[0]


def test_the_project_services_get_what_the_docs_name(compose: dict[str, Any]) -> None:
    services = compose["services"]

    assert services["runner"]["command"] == ["run", "--loop", "30"]
    assert services["runner"]["environment"] == {
        "RPC": "http://devnode:3030",
        "SCHEDULE": "/etc/dyt/emissions/schedule.yaml",
        "LOG_DIR": LOGS,
        "RETENTION_DAYS": "14",
    }
    assert services["exporter"]["command"] == ["exporter", "--listen", "0.0.0.0:9817"]
    assert services["exporter"]["environment"]["NODE_METRICS_URL"] == (
        "http://devnode:9464/metrics"
    )
    assert "--listen=0.0.0.0:3030" in services["devnode"]["command"]
    assert "--metrics-listen=0.0.0.0:9464" in services["devnode"]["command"]
    schedule_mounts = [
        source
        for name in ("runner", "exporter")
        for source, target in bind_mounts(services[name])
        if target == "/etc/dyt/emissions"
    ]
    assert schedule_mounts == [REPO_ROOT / "examples"] * 2
    assert (REPO_ROOT / "examples" / "schedule.yaml").is_file()


def staged_container_files(service: dict[str, Any], root: Path) -> Path:
    """Copy a service's bind mounts under `root` at their container paths; return `root`."""
    for source, target in bind_mounts(service):
        destination = root / target.lstrip("/")
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, destination)
        else:
            shutil.copyfile(source, destination)
    return root


def test_promtool_accepts_prometheus_config_and_rules_as_mounted(
    compose: dict[str, Any], tmp_path: Path
) -> None:
    root = staged_container_files(compose["services"]["prometheus"], tmp_path)

    result = run_tool("promtool", "check", "config", str(root / "etc/prometheus/prometheus.yml"))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 1 rule files found" in result.stdout
    assert "is valid prometheus config file syntax" in result.stdout


def test_prometheus_scrapes_the_devnode_and_the_exporter_under_the_mixins_job_names() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    rules = (REPO_ROOT / "alerts" / "rules.yaml").read_text(encoding="utf-8")

    targets = {
        job["job_name"]: [t for static in job["static_configs"] for t in static["targets"]]
        for job in config["scrape_configs"]
    }
    assert targets == {
        "dytallix-node": ["devnode:9464"],
        "dyt-emissions-exporter": ["exporter:9817"],
        "prometheus": ["localhost:9090"],
    }
    assert 'job="dytallix-node"' in rules
    assert 'job="dyt-emissions-exporter"' in rules
    assert config["alerting"]["alertmanagers"][0]["static_configs"] == [
        {"targets": ["alertmanager:9093"]}
    ]


def test_amtool_accepts_the_alertmanager_config(compose: dict[str, Any]) -> None:
    (config,) = [s for s, t in bind_mounts(compose["services"]["alertmanager"])]

    result = run_tool("amtool", "check-config", str(config))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_grafana_gets_the_prometheus_datasource_and_the_dashboards(
    compose: dict[str, Any],
) -> None:
    grafana = compose["services"]["grafana"]
    mounts = {target: source for source, target in bind_mounts(grafana)}
    provisioning = mounts["/etc/grafana/provisioning"]

    datasources = yaml.safe_load((provisioning / "datasources" / "prometheus.yaml").read_text())
    assert datasources["datasources"] == [
        {
            "name": "Prometheus",
            "uid": "prometheus",
            "type": "prometheus",
            "access": "proxy",
            "url": "http://prometheus:9090",
            "isDefault": True,
            "editable": False,
            "jsonData": {"timeInterval": "15s"},
        }
    ]
    providers = yaml.safe_load((provisioning / "dashboards" / "dyt-emissions.yaml").read_text())
    (provider,) = providers["providers"]
    dashboards_in_container = provider["options"]["path"]
    assert mounts[dashboards_in_container] == REPO_ROOT / "dashboards"

    home = grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert home.startswith(dashboards_in_container + "/")
    assert (REPO_ROOT / "dashboards" / Path(home).name).is_file()


def test_the_compose_file_uses_no_key_docker_compose_v1_refuses() -> None:
    document = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))

    assert not {"name", "include", "version"} & set(document)
