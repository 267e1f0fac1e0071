"""The chart lints, renders, packages and validates against Kubernetes' own schemas."""

from __future__ import annotations

import tarfile
from pathlib import Path

import kubernetes_validate
import pytest

from .conftest import (
    CHART,
    KUBE_VERSION,
    REPO_ROOT,
    VARIANTS,
    Render,
    helm,
    template_args,
)

# Custom resources of the prometheus-operator: kubernetes-validate has no schema for them,
# and their own tests check them field by field.
OPERATOR_KINDS = {"ServiceMonitor", "PrometheusRule"}


def dashboard_config_map_names() -> list[str]:
    return sorted(
        f"dytallix-emissions-dashboard-{path.stem}"
        for path in (REPO_ROOT / "dashboards").glob("*.json")
    )


@pytest.mark.parametrize("variant", VARIANTS)
def test_helm_lint_passes_strictly(variant: str) -> None:
    result = helm(
        "lint", str(CHART), "--strict", "--kube-version", KUBE_VERSION, *VARIANTS[variant]
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "1 chart(s) linted, 0 chart(s) failed" in output
    # helm lint only logs a template's `fail` and still passes: look for it.
    assert "Fail:" not in output
    assert "[ERROR]" not in output
    assert "[WARNING]" not in output


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_core_object_is_valid_for_kubernetes_1_30(render: Render, variant: str) -> None:
    rendered = render(*VARIANTS[variant])

    core = [m for m in rendered.manifests if m["kind"] not in OPERATOR_KINDS]
    for manifest in core:
        kubernetes_validate.validate(manifest, "1.30", strict=True)
    assert len(core) >= 5


def test_default_values_render_every_object(render: Render) -> None:
    rendered = render()

    assert rendered.names("CronJob") == ["dytallix-emissions"]
    assert rendered.names("Deployment") == ["dytallix-emissions-exporter"]
    assert rendered.names("Service") == ["dytallix-emissions-exporter"]
    assert rendered.names("ServiceAccount") == ["dytallix-emissions"]
    assert rendered.names("PersistentVolumeClaim") == ["dytallix-emissions-logs"]
    assert rendered.names("NetworkPolicy") == [
        "dytallix-emissions-exporter",
        "dytallix-emissions-runner",
    ]
    assert rendered.names("ServiceMonitor") == ["dytallix-emissions-exporter"]
    assert rendered.names("PrometheusRule") == ["dytallix-emissions"]
    assert rendered.names("ConfigMap") == sorted(
        ["dytallix-emissions-schedule", *dashboard_config_map_names()]
    )
    assert {m["kind"] for m in rendered.manifests} == {
        "CronJob", "Deployment", "Service", "ServiceAccount", "PersistentVolumeClaim",
        "NetworkPolicy", "ServiceMonitor", "PrometheusRule", "ConfigMap",
    }  # fmt: skip


def test_no_object_grants_any_permission(render: Render) -> None:
    for arguments in VARIANTS.values():
        kinds = {m["kind"] for m in render(*arguments).manifests}
        assert not kinds & {"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "Secret"}


def test_cron_disabled_leaves_the_exporter_and_the_volume(render: Render) -> None:
    rendered = render(*VARIANTS["cron-disabled"])

    assert rendered.of_kind("CronJob") == []
    assert rendered.names("NetworkPolicy") == ["dytallix-emissions-exporter"]
    assert rendered.names("Deployment") == ["dytallix-emissions-exporter"]
    assert rendered.names("PersistentVolumeClaim") == ["dytallix-emissions-logs"]


def test_monitoring_off_renders_no_monitoring_object(render: Render) -> None:
    rendered = render(*VARIANTS["monitoring-off"])

    assert rendered.of_kind("ServiceMonitor") == []
    assert rendered.of_kind("PrometheusRule") == []
    assert rendered.names("ConfigMap") == ["dytallix-emissions-schedule"]
    assert rendered.names("Service") == ["dytallix-emissions-exporter"]


def test_existing_pvc_and_schedule_are_mounted_not_created(render: Render) -> None:
    pvc = render(*VARIANTS["existing-pvc"])
    schedule = render(*VARIANTS["existing-schedule"])

    assert pvc.of_kind("PersistentVolumeClaim") == []
    assert "dytallix-emissions-schedule" not in schedule.names("ConfigMap")


def test_the_packaged_chart_carries_the_rendered_mixin_and_renders_the_same(
    tmp_path: Path,
) -> None:
    packaged = helm("package", str(CHART), "--destination", str(tmp_path))
    assert packaged.returncode == 0, packaged.stderr
    archive = tmp_path / "dyt-emissions-0.1.0.tgz"

    with tarfile.open(archive) as tar:
        members = {m.name for m in tar.getmembers() if m.isfile()}
    expected = {
        f"dyt-emissions/files/dashboards/{path.name}"
        for path in (REPO_ROOT / "dashboards").glob("*.json")
    } | {"dyt-emissions/files/alerts/rules.yaml"}
    assert expected <= members

    from_directory = helm(*template_args())
    from_archive = helm(*template_args(chart=archive))
    assert from_archive.returncode == 0, from_archive.stderr
    assert from_archive.stdout == from_directory.stdout
