"""The exporter's Deployment and Service, the ServiceMonitor that finds them, and the volume."""

from __future__ import annotations

from typing import Any

from .conftest import NAMESPACE, Render

EXPORTER = "dytallix-emissions-exporter"


def exporter_pod(render: Render, *arguments: str) -> dict[str, Any]:
    deployment = render(*arguments).get("Deployment", EXPORTER)
    return deployment["spec"]["template"]["spec"]  # type: ignore[no-any-return]


def test_the_exporter_listens_on_its_port_and_reads_from_values(render: Render) -> None:
    container = exporter_pod(render)["containers"][0]

    assert container["image"] == "ghcr.io/dytallix/dyt-emissions:0.1.0"
    assert container["args"] == ["exporter", "--listen", "0.0.0.0:9817"]
    assert container["env"] == [
        {"name": "SCHEDULE", "value": "/etc/dyt/emissions/schedule.yaml"},
        {"name": "LOG_DIR", "value": "/var/log/dytallix-emissions"},
        {
            "name": "NODE_METRICS_URL",
            "value": "http://dytallix-rpc.dytallix.svc.cluster.local:9464/metrics",
        },
        {"name": "RETENTION_DAYS", "value": "14"},
    ]
    assert container["ports"] == [{"name": "metrics", "containerPort": 9817, "protocol": "TCP"}]


def test_both_probes_ask_healthz(render: Render) -> None:
    container = exporter_pod(render)["containers"][0]

    for probe in (container["readinessProbe"], container["livenessProbe"]):
        assert probe["httpGet"] == {"path": "/healthz", "port": "metrics"}
    assert container["livenessProbe"]["failureThreshold"] == 3


def test_the_exporter_mounts_the_logs_read_only_and_the_schedule_as_a_folder(
    render: Render,
) -> None:
    pod = exporter_pod(render)

    assert pod["containers"][0]["volumeMounts"] == [
        {"name": "schedule", "mountPath": "/etc/dyt/emissions", "readOnly": True},
        {"name": "logs", "mountPath": "/var/log/dytallix-emissions", "readOnly": True},
        {"name": "tmp", "mountPath": "/tmp"},
    ]
    # No subPath anywhere: a ConfigMap mounted with subPath is never updated in a running pod.
    assert all("subPath" not in mount for mount in pod["containers"][0]["volumeMounts"])
    assert {"name": "tmp", "emptyDir": {"sizeLimit": "16Mi"}} in pod["volumes"]


def test_exporter_settings_come_from_values(render: Render) -> None:
    arguments = (
        "--set", "emissions.exporter.port=9900",
        "--set", "emissions.exporter.image=registry.local:5000/dyt/emissions",
        "--set", "emissions.exporter.nodeMetricsUrl=http://node-metrics.chain.svc:9464/metrics",
        "--set", "emissions.exporter.resources.limits.memory=512Mi",
    )  # fmt: skip
    rendered = render(*arguments)

    container = exporter_pod(render, *arguments)["containers"][0]
    assert container["image"] == "registry.local:5000/dyt/emissions:0.1.0"
    assert container["args"] == ["exporter", "--listen", "0.0.0.0:9900"]
    assert container["env"][2]["value"] == "http://node-metrics.chain.svc:9464/metrics"
    assert container["resources"]["limits"]["memory"] == "512Mi"
    service = rendered.get("Service", EXPORTER)
    assert service["spec"]["ports"] == [
        {"name": "metrics", "port": 9900, "targetPort": "metrics", "protocol": "TCP"}
    ]


def test_an_image_with_a_tag_or_digest_is_used_as_given(render: Render) -> None:
    digest = "ghcr.io/dytallix/dyt-emissions@sha256:" + "ab" * 32
    arguments = (
        "--set", "emissions.cron.image=ghcr.io/dytallix/dyt-emissions:0.2.0-rc1",
        "--set", f"emissions.exporter.image={digest}",
    )  # fmt: skip
    rendered = render(*arguments)

    cron_pod = rendered.get("CronJob", "dytallix-emissions")["spec"]["jobTemplate"]["spec"]
    assert cron_pod["template"]["spec"]["containers"][0]["image"] == (
        "ghcr.io/dytallix/dyt-emissions:0.2.0-rc1"
    )
    assert exporter_pod(render, *arguments)["containers"][0]["image"] == digest


def test_the_service_selects_exactly_the_exporters_pods(render: Render) -> None:
    rendered = render()
    service = rendered.get("Service", EXPORTER)
    deployment = rendered.get("Deployment", EXPORTER)
    runner = rendered.get("CronJob", "dytallix-emissions")["spec"]["jobTemplate"]["spec"]

    selector = service["spec"]["selector"]
    assert selector == deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
    assert not selector.items() <= runner["template"]["metadata"]["labels"].items()
    assert service["spec"]["type"] == "ClusterIP"


def test_the_service_monitor_selects_the_exporters_service_by_labels_and_port(
    render: Render,
) -> None:
    rendered = render()
    monitor = rendered.get("ServiceMonitor", EXPORTER)
    service = rendered.get("Service", EXPORTER)

    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert (
        monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    )
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": [NAMESPACE]}
    assert monitor["spec"]["endpoints"] == [
        {
            "port": "metrics",
            "path": "/metrics",
            "interval": "30s",
            "scrapeTimeout": "10s",
            "relabelings": [
                {
                    "action": "replace",
                    "targetLabel": "job",
                    "replacement": "dyt-emissions-exporter",
                }
            ],
        }
    ]
    assert [port["name"] for port in service["spec"]["ports"]] == ["metrics"]
    # Only the exporter's Service carries these labels, so Prometheus scrapes nothing else.
    matching = [
        s["metadata"]["name"]
        for s in rendered.of_kind("Service")
        if monitor["spec"]["selector"]["matchLabels"].items() <= s["metadata"]["labels"].items()
    ]
    assert matching == [EXPORTER]


def test_the_labels_prometheus_selects_on_are_rendered_as_given(render: Render) -> None:
    arguments = (
        "--set", "emissions.serviceMonitor.labels.release=prom",
        "--set-string", "emissions.serviceMonitor.labels.scrape=true",
        "--set", "emissions.prometheusRule.labels.release=prom",
        "--set", "emissions.serviceMonitor.interval=1m",
        "--set", "emissions.serviceMonitor.jobName=emissions",
    )  # fmt: skip
    rendered = render(*arguments)

    monitor = rendered.get("ServiceMonitor", EXPORTER)
    assert monitor["metadata"]["labels"]["release"] == "prom"
    assert monitor["metadata"]["labels"]["scrape"] == "true"
    assert monitor["spec"]["endpoints"][0]["interval"] == "1m"
    assert monitor["spec"]["endpoints"][0]["relabelings"][0]["replacement"] == "emissions"
    rule = rendered.get("PrometheusRule", "dytallix-emissions")
    assert rule["metadata"]["labels"]["release"] == "prom"


def test_the_created_volume_is_kept_on_uninstall_unless_asked(render: Render) -> None:
    kept = render().get("PersistentVolumeClaim", "dytallix-emissions-logs")
    dropped = render("--set", "emissions.cron.logPvc.keepOnUninstall=false").get(
        "PersistentVolumeClaim", "dytallix-emissions-logs"
    )

    assert kept["metadata"]["annotations"] == {"helm.sh/resource-policy": "keep"}
    assert "annotations" not in dropped["metadata"]
    assert kept["spec"] == {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": "1Gi"}},
    }


def test_storage_class_and_size_come_from_values(render: Render) -> None:
    def claim_spec(*arguments: str) -> dict[str, Any]:
        pvc = render(*arguments).get("PersistentVolumeClaim", "dytallix-emissions-logs")
        return pvc["spec"]  # type: ignore[no-any-return]

    named = claim_spec(
        "--set", "emissions.cron.logPvc.storageClass=fast-ssd",
        "--set", "emissions.cron.logPvc.size=5Gi",
    )  # fmt: skip
    assert named["storageClassName"] == "fast-ssd"
    assert named["resources"] == {"requests": {"storage": "5Gi"}}
    assert claim_spec("--set", "emissions.cron.logPvc.storageClass=-")["storageClassName"] == ""
    assert "storageClassName" not in claim_spec()
