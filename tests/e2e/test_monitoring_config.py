"""The configuration the local Prometheus and Alertmanager get, checked as data."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from dyt_emissions.monitoring import metrics_url
from dyt_emissions.monitoring_config import (
    ScrapeTarget,
    Timing,
    alertmanager_config,
    duration,
    prometheus_config,
)


def test_durations_are_whole_milliseconds() -> None:
    assert [duration(1.0), duration(0.25), duration(3600)] == ["1000ms", "250ms", "3600000ms"]


def test_a_base_url_gets_the_metrics_path_and_a_metrics_url_is_kept() -> None:
    assert metrics_url("http://127.0.0.1:9464") == "http://127.0.0.1:9464/metrics"
    assert metrics_url("http://127.0.0.1:9464/") == "http://127.0.0.1:9464/metrics"
    assert metrics_url("http://127.0.0.1:8080/x/metrics") == "http://127.0.0.1:8080/x/metrics"


def test_prometheus_scrapes_each_target_as_its_own_job_and_alerts_to_one_alertmanager() -> None:
    targets = [
        ScrapeTarget("dytallix-node", "http://127.0.0.1:9464/metrics"),
        ScrapeTarget("dyt-emissions-exporter", "https://127.0.0.1:8080/audit/metrics"),
    ]

    config = prometheus_config(targets, "rules.yaml", "127.0.0.1:9093", Timing())

    assert config == {
        "global": {
            "scrape_interval": "1000ms",
            "scrape_timeout": "1000ms",
            "evaluation_interval": "1000ms",
        },
        "rule_files": ["rules.yaml"],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": ["127.0.0.1:9093"]}]}]},
        "scrape_configs": [
            {
                "job_name": "dytallix-node",
                "scheme": "http",
                "metrics_path": "/metrics",
                "static_configs": [{"targets": ["127.0.0.1:9464"]}],
            },
            {
                "job_name": "dyt-emissions-exporter",
                "scheme": "https",
                "metrics_path": "/audit/metrics",
                "static_configs": [{"targets": ["127.0.0.1:8080"]}],
            },
        ],
    }


def test_a_target_without_an_http_url_is_refused_with_its_job() -> None:
    with pytest.raises(ValueError, match="job dytallix-node: expected an http"):
        ScrapeTarget("dytallix-node", "127.0.0.1:9464").static_config()


def test_alertmanager_pages_the_webhook_with_resolved_notifications() -> None:
    config = alertmanager_config("http://127.0.0.1:5001/alerts", Timing(group_wait=0.5))

    assert config == {
        "route": {
            "receiver": "e2e-webhook",
            "group_by": ["alertname"],
            "group_wait": "500ms",
            "group_interval": "1000ms",
            "repeat_interval": "3600000ms",
        },
        "receivers": [
            {
                "name": "e2e-webhook",
                "webhook_configs": [
                    {"url": "http://127.0.0.1:5001/alerts", "send_resolved": True}
                ],
            }
        ],
    }


def test_without_a_webhook_alertmanager_keeps_alerts_and_pages_nobody() -> None:
    config = alertmanager_config(None, Timing())

    assert config["route"]["receiver"] == "none"
    assert config["receivers"] == [{"name": "none"}]


def test_the_generated_files_pass_promtool_and_amtool_checks(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text("groups: []\n")
    prometheus = prometheus_config(
        [ScrapeTarget("dytallix-node", "http://127.0.0.1:9464/metrics")],
        "rules.yaml",
        "127.0.0.1:9093",
        Timing(),
    )
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(prometheus))
    alertmanager = alertmanager_config("http://127.0.0.1:5001/alerts", Timing())
    (tmp_path / "alertmanager.yml").write_text(yaml.safe_dump(alertmanager))

    checks = [
        ["promtool", "check", "config", str(tmp_path / "prometheus.yml")],
        ["amtool", "check-config", str(tmp_path / "alertmanager.yml")],
    ]
    results = [subprocess.run(c, capture_output=True, text=True, check=False) for c in checks]

    assert [r.returncode for r in results] == [0, 0], [r.stdout + r.stderr for r in results]
