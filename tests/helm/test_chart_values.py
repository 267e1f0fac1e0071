"""Values: the operations doc's block, the schema's refusals, the checks the templates make,
the schedule carried exactly, and what NOTES.txt tells the operator."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .conftest import (
    CHART,
    REPO_ROOT,
    Render,
    WriteValues,
    copy_chart,
    helm,
    template_args,
)

OPERATIONS_DOC = REPO_ROOT / ".." / "shared" / "OPERATIONS-DOC.md"
# Every amount at the edge of what a claim can carry, and a height past 2**53.
EXACT_SCHEDULE = """\
entries:
  - height: 9007199254740993
    pool: staking_rewards
    to: dyt1b449d75c065dff86224e707b62732d17f822826701df56c6
    amount_udrt: 18446744073709551615
  - height: 1000
    pool: block_rewards
    to: dyt1b449d75c065dff86224e707b62732d17f822826701df56c6
    amount_udrt: 18446744073709551614  # one below the limit
    id: bonus-2026-12
"""


def operations_doc_values() -> str:
    """The `helm/values.yaml` block of the operations doc, as the user gave it."""
    text = OPERATIONS_DOC.read_text(encoding="utf-8")
    section = text[text.index("## Helm Values") :]
    match = re.search(r"```\n(.*?)```", section, re.DOTALL)
    assert match is not None
    return match.group(1)


def test_the_operations_doc_block_works_once_its_image_is_this_projects(
    render: Render, write_values: WriteValues
) -> None:
    block = operations_doc_values()
    assert "    image: alpine:3.19\n" in block
    values = write_values(block.replace("    image: alpine:3.19\n", ""))

    rendered = render("--values", str(values))

    cron = rendered.get("CronJob", "dytallix-emissions")["spec"]
    container = cron["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert cron["schedule"] == "*/5 * * * *"
    assert container["image"] == "ghcr.io/dytallix/dyt-emissions:0.1.0"
    assert container["env"][0] == {
        "name": "RPC",
        "value": "http://dytallix-rpc.dytallix.svc.cluster.local:3030",
    }
    assert container["env"][3] == {"name": "RETENTION_DAYS", "value": "14"}
    assert container["resources"] == {
        "requests": {"cpu": "50m", "memory": "64Mi"},
        "limits": {"cpu": "200m", "memory": "256Mi"},
    }
    pvc = rendered.get("PersistentVolumeClaim", "dytallix-emissions-logs")
    assert pvc["spec"]["resources"] == {"requests": {"storage": "1Gi"}}
    assert len(rendered.of_kind("NetworkPolicy")) == 2


def test_the_old_shell_runners_image_is_refused_with_the_reason(write_values: WriteValues) -> None:
    values = write_values(operations_doc_values())

    result = helm(*template_args("--values", str(values)))

    assert result.returncode == 1
    assert (
        'emissions.cron.image is "alpine:3.19", the old shell runner\'s image: both pods now run'
        " this project's image, which holds the dyt-emissions command"
        " (ghcr.io/dytallix/dyt-emissions, the default)"
    ) in result.stderr


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            "emission:\n  cron:\n    enabled: true\n",
            "- (root): Additional property emission is not allowed",
        ),
        (
            "emissions:\n  cron:\n    logPvc:\n      retentionDay: 7\n",
            "- emissions.cron.logPvc: Additional property retentionDay is not allowed",
        ),
        (
            'emissions:\n  cron:\n    enabled: "yes"\n',
            "- emissions.cron.enabled: Invalid type. Expected: boolean, given: string",
        ),
        (
            "emissions:\n  cron:\n    logPvc:\n      retentionDays: 1.5\n",
            "- emissions.cron.logPvc.retentionDays: Invalid type. Expected: integer,"
            " given: number",
        ),
        (
            'emissions:\n  exporter:\n    port: "9817"\n',
            "- emissions.exporter.port: Invalid type. Expected: integer, given: string",
        ),
        (
            "emissions:\n  scheduleFile:\n    content:\n      entries: []\n",
            "- emissions.scheduleFile.content: Invalid type. Expected: string, given: object",
        ),
        (
            "emissions:\n  dashboards:\n    labels:\n      grafana_dashboard: 1\n",
            "- emissions.dashboards.labels.grafana_dashboard: Invalid type. Expected: string,"
            " given: integer",
        ),
        (
            "emissions:\n  cron:\n    logPvc:\n      accessMode: ReadWriteOncePod\n",
            "- emissions.cron.logPvc.accessMode: emissions.cron.logPvc.accessMode must be one of"
            ' the following: "ReadWriteOnce", "ReadWriteMany"',
        ),
        (
            "emissions:\n  cron:\n    rpcUrl: dytallix-rpc:3030\n",
            "- emissions.cron.rpcUrl: Does not match pattern",
        ),
        (
            "emissions:\n  cron:\n    runnerDeadlineSeconds: 30\n",
            "- emissions.cron.runnerDeadlineSeconds: Must be greater than or equal to 60",
        ),
        (
            "emissions:\n  podSecurity:\n    runAsUser: 0\n",
            "- emissions.podSecurity.runAsUser: Must be greater than or equal to 1",
        ),
    ],
)
def test_the_schema_refuses_bad_values_files(
    write_values: WriteValues, values: str, expected: str
) -> None:
    result = helm(*template_args("--values", str(write_values(values))))

    assert result.returncode == 1
    assert "values don't meet the specifications of the schema(s)" in result.stderr
    assert expected in result.stderr


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (
            ("--set", "emissions.cron.runnerDeadlineSeconds=240"),
            "emissions.cron.runnerDeadlineSeconds (240) must be below"
            " emissions.cron.activeDeadlineSeconds (240)",
        ),
        (
            ("--set", "emissions.cron.rpcUrl=http://dytallix-rpc.dytallix.svc:8080"),
            "emissions.cron.rpcUrl uses port 8080 but emissions.networkPolicy.node.rpcPort is"
            " 3030: the network policy would block it",
        ),
        (
            ("--set", "emissions.exporter.nodeMetricsUrl=https://node.dytallix.svc/metrics"),
            "emissions.exporter.nodeMetricsUrl uses port 443 but"
            " emissions.networkPolicy.node.metricsPort is 9464",
        ),
        (
            ("--set", "emissions.exporter.image=docker.io/library/alpine"),
            'emissions.exporter.image is "docker.io/library/alpine", the old shell runner\'s',
        ),
    ],
)
def test_values_that_cannot_work_together_are_refused(
    arguments: tuple[str, ...], expected: str
) -> None:
    result = helm(*template_args(*arguments))

    assert result.returncode == 1
    assert expected in result.stderr


def test_a_url_on_another_port_is_fine_without_network_policies(render: Render) -> None:
    rendered = render(
        "--set", "emissions.networkPolicy.enabled=false",
        "--set", "emissions.cron.rpcUrl=http://dytallix-rpc.dytallix.svc:8080",
    )  # fmt: skip

    assert rendered.names("CronJob") == ["dytallix-emissions"]


def test_a_service_port_that_maps_to_the_pod_port_can_be_allowed(render: Render) -> None:
    rendered = render(
        "--set", "emissions.networkPolicy.node.checkUrlPorts=false",
        "--set", "emissions.exporter.nodeMetricsUrl=https://node.dytallix.svc/metrics",
    )  # fmt: skip

    policy = rendered.get("NetworkPolicy", "dytallix-emissions-exporter")
    ports = [port for rule in policy["spec"]["egress"] for port in rule.get("ports", [])]
    assert {"port": 9464, "protocol": "TCP"} in ports


def test_a_schedule_in_a_values_file_reaches_the_config_map_exactly(
    render: Render, write_values: WriteValues
) -> None:
    indented = "".join(f"      {line}\n" for line in EXACT_SCHEDULE.splitlines())
    values = write_values(f"emissions:\n  scheduleFile:\n    content: |\n{indented}")

    config_map = render("--values", str(values)).get("ConfigMap", "dytallix-emissions-schedule")

    assert config_map["data"] == {"schedule.yaml": EXACT_SCHEDULE}


def test_a_schedule_given_with_set_file_reaches_the_config_map_exactly(
    render: Render, tmp_path: Path
) -> None:
    schedule = tmp_path / "schedule.yaml"
    schedule.write_text(EXACT_SCHEDULE, encoding="utf-8")

    rendered = render("--set-file", f"emissions.scheduleFile.content={schedule}")

    config_map = rendered.get("ConfigMap", "dytallix-emissions-schedule")
    assert config_map["data"]["schedule.yaml"] == EXACT_SCHEDULE
    assert "18446744073709551615" in config_map["data"]["schedule.yaml"]


def test_the_default_schedule_is_an_empty_placeholder(render: Render) -> None:
    config_map = render().get("ConfigMap", "dytallix-emissions-schedule")

    assert config_map["data"] == {"schedule.yaml": "entries: []\n"}


def notes(tmp_path: Path, *arguments: str) -> str:
    """NOTES.txt as helm renders it after an install.

    `helm template` leaves NOTES.txt out, and `helm install --dry-run` wants a cluster, so a
    copy of the chart gets one more template: a ConfigMap holding NOTES.txt's own text,
    rendered by helm with the same values.
    """
    chart = copy_chart(tmp_path / "chart")
    text = (CHART / "templates" / "NOTES.txt").read_text(encoding="utf-8")
    (chart / "templates" / "notes-probe.yaml").write_text(
        '{{- define "probe.notes" }}' + text + "{{- end }}\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes-probe\n"
        'data:\n  notes: {{ include "probe.notes" . | toJson }}\n',
        encoding="utf-8",
    )

    result = helm(
        *template_args(*arguments, "--show-only", "templates/notes-probe.yaml", chart=chart)
    )

    assert result.returncode == 0, result.stderr
    match = re.search(r"^  notes: (.*)$", result.stdout, re.MULTILINE)
    assert match is not None
    return str(json.loads(match.group(1)))


def test_notes_say_how_a_read_write_once_volume_is_shared(tmp_path: Path) -> None:
    text = notes(tmp_path)

    assert "Volume: dytallix-emissions-logs (ReadWriteOnce)." in text
    assert "the runner's pods are placed on the exporter's node" in text
    assert "the exporter rolls out with Recreate" in text
    assert "It is kept when the release is uninstalled" in text
    assert "ReadWriteMany" not in text


def test_notes_say_a_read_write_many_volume_needs_nothing(tmp_path: Path) -> None:
    text = notes(
        tmp_path,
        "--set", "emissions.cron.logPvc.accessMode=ReadWriteMany",
        "--set", "emissions.scheduleFile.existingConfigMap=payouts",
    )  # fmt: skip

    assert "Volume: dytallix-emissions-logs (ReadWriteMany)." in text
    assert "ReadWriteMany: the runner's and the exporter's pods may run on any nodes" in text
    assert "Schedule: ConfigMap payouts, key schedule.yaml.\n  You manage it" in text
    assert "Recreate" not in text
