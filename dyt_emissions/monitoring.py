"""Prometheus and Alertmanager as child processes on loopback, for the demo and the e2e tests.

`MonitoringStack.start()` runs Debian's `prometheus` and `prometheus-alertmanager`
on 127.0.0.1 free ports, with every file they need (configuration, rules, data)
in one work folder. Prometheus scrapes the node and the audit exporter, evaluates
the mixin's rules and alerts to the Alertmanager, which pages a webhook when one
is given. Nothing here is meant for production: it is the smallest real stack
that shows an alert travel from a metric to a page.
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import yaml

from dyt_emissions.child_process import terminate
from dyt_emissions.monitoring_config import (
    ScrapeTarget,
    Timing,
    alertmanager_config,
    duration,
    prometheus_config,
)

logging.getLogger("httpx").setLevel(logging.WARNING)

PROMETHEUS = "prometheus"
PROMTOOL = "promtool"
ALERTMANAGER = "prometheus-alertmanager"
INSTALL_COMMAND = "apt-get install -y --no-install-recommends prometheus prometheus-alertmanager"

# The `job` labels the mixin's default selectors expect.
NODE_JOB = "dytallix-node"
EXPORTER_JOB = "dyt-emissions-exporter"

HTTP_TIMEOUT = 5.0
POLL_SECONDS = 0.2
EMPTY_RULES = "groups: []\n"


class MonitoringError(RuntimeError):
    """The stack could not start, or answered something unexpected; the message says why."""


def monitoring_available() -> str | None:
    """None when Prometheus and Alertmanager are installed, else the command that installs them."""
    if all(shutil.which(binary) for binary in (PROMETHEUS, PROMTOOL, ALERTMANAGER)):
        return None
    return INSTALL_COMMAND


def check_rules(rules_file: Path) -> None:
    """Raise MonitoringError, with promtool's words, unless `rules_file` is a valid rule file."""
    result = subprocess.run(
        [PROMTOOL, "check", "rules", str(rules_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        found = (result.stderr + result.stdout).strip()
        raise MonitoringError(
            f"expected a Prometheus rule file at {rules_file}; promtool says:\n{found}"
        )


def metrics_url(url: str) -> str:
    """`url` itself, or `url` + `/metrics` when it names no path (a ready line's base URL)."""
    parts = urlsplit(url)
    if parts.path in ("", "/"):
        return urlunsplit(parts._replace(path="/metrics"))
    return url


def free_port() -> int:
    """A port free on 127.0.0.1 right now (the child binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class FiringAlert:
    """An alert as Prometheus or Alertmanager holds it: name, severity, summary, all labels."""

    name: str
    severity: str
    summary: str
    since: str
    labels: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_api(cls, alert: dict[str, Any], since_key: str) -> FiringAlert:
        labels: dict[str, str] = dict(alert.get("labels", {}))
        annotations: dict[str, str] = dict(alert.get("annotations", {}))
        return cls(
            name=labels.get("alertname", ""),
            severity=labels.get("severity", ""),
            summary=annotations.get("summary", ""),
            since=str(alert.get(since_key, "")),
            labels=labels,
        )


class ServerProcess:
    """One server binary in a child process, its output in a log file.

    It listens on a port picked just before the launch; when the child exits
    because another process took that port in between, it is started again on
    another one. It is ready when `GET /-/ready` answers 200.
    """

    ATTEMPTS = 3

    def __init__(self, name: str, args_for_port: Callable[[int], list[str]], log: Path) -> None:
        self.name = name
        self.args_for_port = args_for_port
        self.log = log
        self.url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    def start(self, http: httpx.Client, timeout: float) -> ServerProcess:
        for _ in range(self.ATTEMPTS):
            port = free_port()
            self._launch(self.args_for_port(port))
            self.url = f"http://127.0.0.1:{port}"
            if self._wait_ready(http, timeout):
                return self
            if "address already in use" not in self.log_tail():
                break
        code = None if self._process is None else self._process.poll()
        what = f"not ready within {timeout:.0f}s" if code is None else f"exited with code {code}"
        raise MonitoringError(
            f"{self.name} on {self.url}: {what}; its log ({self.log}) ends with:\n"
            f"{self.log_tail()}"
        )

    def _launch(self, args: list[str]) -> None:
        self.stop()
        self._log_file = self.log.open("ab")
        self._process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=self._log_file, stderr=subprocess.STDOUT
        )

    def _wait_ready(self, http: httpx.Client, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                return False
            try:
                if http.get(f"{self.url}/-/ready").status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            time.sleep(POLL_SECONDS)
        return False

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        if not self.log.exists():
            return ""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, then SIGKILL after `timeout`; returns the exit code (None if never started)."""
        process, self._process = self._process, None
        code = None if process is None else terminate(process, timeout)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        return code


class MonitoringStack:
    """A running Prometheus and Alertmanager; `stop()` ends both (so does leaving a `with`)."""

    def __init__(self, workdir: Path, timing: Timing) -> None:
        self.workdir = workdir
        self.timing = timing
        self.http = httpx.Client(timeout=HTTP_TIMEOUT)
        self.alertmanager = ServerProcess(
            ALERTMANAGER, self._alertmanager_args, workdir / "alertmanager.log"
        )
        self.prometheus = ServerProcess(
            PROMETHEUS, self._prometheus_args, workdir / "prometheus.log"
        )

    @classmethod
    def start(
        cls,
        node_metrics_url: str,
        exporter_url: str,
        rules_file: Path,
        workdir: Path,
        *,
        webhook_url: str | None = None,
        timing: Timing | None = None,
        ready_timeout: float = 30.0,
    ) -> MonitoringStack:
        """Start both servers and return once the rules are loaded and the targets scraped.

        The URLs are metrics pages; a URL without a path gets `/metrics`. The
        rules are a plain `groups:` file. Alertmanager pages `webhook_url`, or
        nobody when it is None.
        """
        missing = monitoring_available()
        if missing is not None:
            raise MonitoringError(f"Prometheus and Alertmanager are not installed: {missing}")
        check_rules(rules_file)
        workdir.mkdir(parents=True, exist_ok=True)
        stack = cls(workdir, timing or Timing())
        try:
            stack._start(node_metrics_url, exporter_url, rules_file, webhook_url, ready_timeout)
        except BaseException:
            stack.stop()
            raise
        return stack

    def _start(
        self,
        node_metrics_url: str,
        exporter_url: str,
        rules_file: Path,
        webhook_url: str | None,
        ready_timeout: float,
    ) -> None:
        self._write("alertmanager.yml", alertmanager_config(webhook_url, self.timing))
        self.alertmanager.start(self.http, ready_timeout)

        targets = [
            ScrapeTarget(NODE_JOB, metrics_url(node_metrics_url)),
            ScrapeTarget(EXPORTER_JOB, metrics_url(exporter_url)),
        ]
        alertmanager_address = urlsplit(self.alertmanager.url).netloc
        config = prometheus_config(targets, "rules.yaml", alertmanager_address, self.timing)
        self._write("prometheus.yml", config)
        (self.workdir / "rules.yaml").write_text(EMPTY_RULES, encoding="utf-8")
        self.prometheus.start(self.http, ready_timeout)

        # Rules come in only once every target has been scraped and Alertmanager is known:
        # an absent() rule given a `for` of seconds would otherwise page about the few
        # seconds Prometheus spends discovering its static targets.
        self._wait_for_discovery(len(targets), ready_timeout)
        self.load_rules(rules_file)

    def _write(self, name: str, document: dict[str, Any]) -> None:
        text = yaml.safe_dump(document, sort_keys=False)
        (self.workdir / name).write_text(text, encoding="utf-8")

    def _alertmanager_args(self, port: int) -> list[str]:
        return [
            ALERTMANAGER,
            f"--config.file={self.workdir / 'alertmanager.yml'}",
            f"--storage.path={self.workdir / 'alertmanager-data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            # Empty: no gossip port, which would otherwise listen on every interface.
            "--cluster.listen-address=",
            "--log.level=warn",
        ]

    def _prometheus_args(self, port: int) -> list[str]:
        return [
            PROMETHEUS,
            f"--config.file={self.workdir / 'prometheus.yml'}",
            f"--storage.tsdb.path={self.workdir / 'prometheus-data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            f"--rules.alert.resend-delay={duration(self.timing.resend_delay)}",
            # For POST /-/reload, which loads the rules once the targets are known.
            "--web.enable-lifecycle",
            "--log.level=warn",
        ]

    @property
    def prometheus_url(self) -> str:
        return self.prometheus.url

    @property
    def alertmanager_url(self) -> str:
        return self.alertmanager.url

    def _api(self, url: str) -> Any:
        try:
            response = self.http.get(url)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise MonitoringError(f"GET {url}: expected a JSON answer, got: {error}") from None

    def _wait_for_discovery(self, target_count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            targets = self._api(f"{self.prometheus_url}/api/v1/targets")["data"]["activeTargets"]
            scraped = [t for t in targets if t.get("health") in ("up", "down")]
            managers = self._api(f"{self.prometheus_url}/api/v1/alertmanagers")["data"]
            if len(scraped) == target_count and managers["activeAlertmanagers"]:
                return
            time.sleep(POLL_SECONDS)
        raise MonitoringError(
            f"Prometheus ({self.prometheus_url}) had not scraped its {target_count} targets "
            f"and found its Alertmanager within {timeout:.0f}s; see {self.prometheus.log}"
        )

    def load_rules(self, rules_file: Path) -> None:
        """Replace the rules Prometheus evaluates by those in `rules_file`, now."""
        shutil.copyfile(rules_file, self.workdir / "rules.yaml")
        try:
            response = self.http.post(f"{self.prometheus_url}/-/reload")
        except httpx.HTTPError as error:
            message = f"Prometheus ({self.prometheus_url}) did not answer the reload: {error}"
            raise MonitoringError(message) from None
        if response.status_code != 200:
            raise MonitoringError(
                f"Prometheus refused the rules in {rules_file}: {response.text.strip()}"
            )

    def firing_alerts(self) -> list[FiringAlert]:
        """Alerts Prometheus holds as firing (their `for` has passed), by name."""
        alerts = self._api(f"{self.prometheus_url}/api/v1/alerts")["data"]["alerts"]
        firing = [FiringAlert.from_api(a, "activeAt") for a in alerts if a["state"] == "firing"]
        return sorted(firing, key=lambda alert: alert.name)

    def pages(self) -> list[FiringAlert]:
        """Alerts Alertmanager holds as active: what it pages, or would page, a person about."""
        url = f"{self.alertmanager_url}/api/v2/alerts?active=true&silenced=false&inhibited=false"
        alerts: list[dict[str, Any]] = self._api(url)
        return sorted(
            (FiringAlert.from_api(alert, "startsAt") for alert in alerts),
            key=lambda alert: alert.name,
        )

    def stop(self) -> None:
        """Stop Prometheus, then Alertmanager; safe to call more than once."""
        self.prometheus.stop()
        self.alertmanager.stop()
        self.http.close()

    def __enter__(self) -> MonitoringStack:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


__all__ = [
    "EXPORTER_JOB",
    "NODE_JOB",
    "FiringAlert",
    "MonitoringError",
    "MonitoringStack",
    "ScrapeTarget",
    "Timing",
    "monitoring_available",
]
