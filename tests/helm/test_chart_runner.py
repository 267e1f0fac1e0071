"""The runner's CronJob: when it runs, what bounds it, what it is given, where it lands."""

from __future__ import annotations

from typing import Any

from .conftest import VARIANTS, Manifest, Render

EXPORTER_POD_LABELS = {
    "app.kubernetes.io/name": "dyt-emissions",
    "app.kubernetes.io/instance": "dytallix",
    "app.kubernetes.io/component": "exporter",
}


def cron_job(render: Render, *arguments: str) -> Manifest:
    return render(*arguments).get("CronJob", "dytallix-emissions")


def runner_pod(render: Render, *arguments: str) -> dict[str, Any]:
    spec: dict[str, Any] = cron_job(render, *arguments)["spec"]["jobTemplate"]["spec"]
    return spec["template"]["spec"]  # type: ignore[no-any-return]


def test_runs_one_at_a_time_in_utc_and_keeps_history(render: Render) -> None:
    spec = cron_job(render)["spec"]

    assert {k: v for k, v in spec.items() if k != "jobTemplate"} == {
        "schedule": "*/5 * * * *",
        "timeZone": "Etc/UTC",
        "concurrencyPolicy": "Forbid",
        "startingDeadlineSeconds": 120,
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 5,
    }


def test_kubernetes_never_retries_and_the_runner_stops_before_the_job_deadline(
    render: Render,
) -> None:
    job = cron_job(render)["spec"]["jobTemplate"]["spec"]
    container = job["template"]["spec"]["containers"][0]

    assert job["backoffLimit"] == 0
    assert job["template"]["spec"]["restartPolicy"] == "Never"
    assert job["activeDeadlineSeconds"] == 240
    assert container["args"] == ["run", "--deadline", "180"]
    assert int(container["args"][2]) < job["activeDeadlineSeconds"]


def test_deadlines_and_ping_url_come_from_values(render: Render) -> None:
    arguments = (
        "--set", "emissions.cron.activeDeadlineSeconds=900",
        "--set", "emissions.cron.runnerDeadlineSeconds=840",
        "--set", "emissions.cron.startingDeadlineSeconds=300",
        "--set", "emissions.cron.pingUrl=https://hc.example.org/ping/abc",
        "--set", "emissions.cron.schedule=0 * * * *",
    )  # fmt: skip

    spec = cron_job(render, *arguments)["spec"]

    assert spec["schedule"] == "0 * * * *"
    assert spec["startingDeadlineSeconds"] == 300
    assert spec["jobTemplate"]["spec"]["activeDeadlineSeconds"] == 900
    assert spec["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"] == [
        "run", "--deadline", "840", "--ping-url", "https://hc.example.org/ping/abc",
    ]  # fmt: skip


def test_the_runner_gets_rpc_schedule_log_dir_and_retention_from_values(render: Render) -> None:
    arguments = (
        "--set", "emissions.cron.rpcUrl=http://node.chain.svc:3030",
        "--set", "emissions.cron.logPvc.retentionDays=30",
    )  # fmt: skip

    container = runner_pod(render, *arguments)["containers"][0]

    assert container["env"] == [
        {"name": "RPC", "value": "http://node.chain.svc:3030"},
        {"name": "SCHEDULE", "value": "/etc/dyt/emissions/schedule.yaml"},
        {"name": "LOG_DIR", "value": "/var/log/dytallix-emissions"},
        {"name": "RETENTION_DAYS", "value": "30"},
    ]
    assert container["resources"] == {
        "requests": {"cpu": "50m", "memory": "64Mi"},
        "limits": {"cpu": "200m", "memory": "256Mi"},
    }


def test_the_runner_writes_the_logs_volume_and_reads_the_schedule(render: Render) -> None:
    pod = runner_pod(render)

    assert pod["containers"][0]["volumeMounts"] == [
        {"name": "schedule", "mountPath": "/etc/dyt/emissions", "readOnly": True},
        {"name": "logs", "mountPath": "/var/log/dytallix-emissions"},
        {"name": "tmp", "mountPath": "/tmp"},
    ]
    assert pod["volumes"] == [
        {
            "name": "schedule",
            "configMap": {
                "name": "dytallix-emissions-schedule",
                "items": [{"key": "schedule.yaml", "path": "schedule.yaml"}],
            },
        },
        {"name": "logs", "persistentVolumeClaim": {"claimName": "dytallix-emissions-logs"}},
        {"name": "tmp", "emptyDir": {"sizeLimit": "16Mi"}},
    ]


def test_with_read_write_once_the_runner_must_run_on_the_exporters_node(render: Render) -> None:
    rendered = render()
    pod = runner_pod(render)
    exporter = rendered.get("Deployment", "dytallix-emissions-exporter")

    assert pod["affinity"] == {
        "podAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {
                    "labelSelector": {"matchLabels": EXPORTER_POD_LABELS},
                    "topologyKey": "kubernetes.io/hostname",
                }
            ]
        }
    }
    exporter_pod_labels = exporter["spec"]["template"]["metadata"]["labels"]
    assert EXPORTER_POD_LABELS.items() <= exporter_pod_labels.items()
    assert exporter["spec"]["strategy"] == {"type": "Recreate"}


def test_with_read_write_many_the_pods_go_anywhere(render: Render) -> None:
    rendered = render(*VARIANTS["read-write-many"])
    exporter = rendered.get("Deployment", "dytallix-emissions-exporter")

    assert "affinity" not in runner_pod(render, *VARIANTS["read-write-many"])
    assert "affinity" not in exporter["spec"]["template"]["spec"]
    assert exporter["spec"]["strategy"] == {"type": "RollingUpdate"}
    pvc = rendered.get("PersistentVolumeClaim", "dytallix-emissions-logs")
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]


def test_an_existing_claim_is_mounted_by_both_pods(render: Render) -> None:
    rendered = render(*VARIANTS["existing-pvc"])
    exporter = rendered.get("Deployment", "dytallix-emissions-exporter")

    claims = [
        volume["persistentVolumeClaim"]["claimName"]
        for pod in (
            runner_pod(render, *VARIANTS["existing-pvc"]),
            exporter["spec"]["template"]["spec"],
        )
        for volume in pod["volumes"]
        if "persistentVolumeClaim" in volume
    ]
    assert claims == ["shell-runner-logs", "shell-runner-logs"]
    # Still ReadWriteOnce by default: the co-location rule stays.
    assert "affinity" in runner_pod(render, *VARIANTS["existing-pvc"])


def test_an_existing_schedule_config_map_is_mounted_by_both_pods(render: Render) -> None:
    arguments = ("--set", "emissions.scheduleFile.existingConfigMap=payouts-2026")
    rendered = render(*arguments)
    exporter = rendered.get("Deployment", "dytallix-emissions-exporter")

    for pod in (runner_pod(render, *arguments), exporter["spec"]["template"]["spec"]):
        assert pod["volumes"][0] == {
            "name": "schedule",
            "configMap": {
                "name": "payouts-2026",
                "items": [{"key": "schedule.yaml", "path": "schedule.yaml"}],
            },
        }
    assert "payouts-2026" not in rendered.names("ConfigMap")
