"""Both pods: a dedicated account without a token, non-root, read-only, no capabilities."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import VARIANTS, Render, Rendered

POD_SECURITY = {
    "runAsNonRoot": True,
    "runAsUser": 10001,
    "runAsGroup": 10001,
    "fsGroup": 10001,
    "fsGroupChangePolicy": "OnRootMismatch",
    "seccompProfile": {"type": "RuntimeDefault"},
}
CONTAINER_SECURITY = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}


def pod_specs(rendered: Rendered) -> list[dict[str, Any]]:
    """Every pod template the release makes, by the kind that owns it."""
    pods = [d["spec"]["template"]["spec"] for d in rendered.of_kind("Deployment")]
    pods += [
        c["spec"]["jobTemplate"]["spec"]["template"]["spec"] for c in rendered.of_kind("CronJob")
    ]
    return pods


def test_the_service_account_mounts_no_token(render: Render) -> None:
    account = render().get("ServiceAccount", "dytallix-emissions")

    assert account["automountServiceAccountToken"] is False


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_pod_is_locked_down(render: Render, variant: str) -> None:
    pods = pod_specs(render(*VARIANTS[variant]))

    assert len(pods) == (1 if variant == "cron-disabled" else 2)
    for pod in pods:
        assert pod["serviceAccountName"] == "dytallix-emissions"
        assert pod["automountServiceAccountToken"] is False
        assert pod["securityContext"] == POD_SECURITY
        assert "hostNetwork" not in pod
        assert "hostPID" not in pod
        for container in pod["containers"]:
            assert container["securityContext"] == CONTAINER_SECURITY
        assert "initContainers" not in pod


def test_the_user_ids_come_from_values(render: Render) -> None:
    arguments = (
        "--set", "emissions.podSecurity.runAsUser=2000",
        "--set", "emissions.podSecurity.runAsGroup=2001",
        "--set", "emissions.podSecurity.fsGroup=2002",
    )  # fmt: skip

    for pod in pod_specs(render(*arguments)):
        context = pod["securityContext"]
        assert (context["runAsUser"], context["runAsGroup"], context["fsGroup"]) == (
            2000,
            2001,
            2002,
        )
        assert context["runAsNonRoot"] is True
