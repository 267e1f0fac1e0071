"""`dyt-emissions demo`: watch a simulated chain get paid, live.

Everything runs as it would beside a real node, only faster: a devnode making a
block every second, the runner started every few seconds as a CronJob would
start it, the audit exporter, and Prometheus with Alertmanager evaluating the
mixin's alerts when they are installed. One status line per run says where the
chain is and what is paid, due, in the future or in doubt, and which alerts fire.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from devnode.process import DevnodeProcess
from dyt_emissions.mixin_render import RULES_FILE, render
from dyt_emissions.monitoring import MonitoringError, MonitoringStack, monitoring_available
from exporter.process import ExporterProcess
from runner.schedule import ScheduleError, load_schedule

SAMPLE_SCHEDULE = Path(__file__).resolve().parents[1] / "examples" / "schedule.yaml"
RUNNER_DEADLINE_SECONDS = 60
RUNNER_TIMEOUT_SECONDS = 5


def demo_mixin_config(run_every: float, block_interval_ms: int) -> dict[str, Any]:
    """Mixin `_config` for a chain that moves in seconds: the demo's alerts page within seconds.

    Only durations change; the expressions are the ones operators deploy.
    """
    short = "10s"
    return {
        "evaluationInterval": "2s",
        "cronJobInterval": f"{max(1, round(run_every))}s",
        "blockInterval": f"{block_interval_ms}ms",
        "alerts": {
            "appliesStalled": {"after": "10s", "window": "10s", "for": short},
            "appliedHeightLagging": {"for": short},
            "nodeDown": {"for": short},
            "entriesMissed": {"for": short},
            "claimInDoubt": {"for": short},
            "entryConflict": {"for": short},
            "stampDamaged": {"for": short},
            "claimErrors": {"window": "1m"},
            "poolShortfall": {"for": short},
            "scheduleInvalid": {"for": short},
            "ledgerMismatch": {"for": short},
            "nodeMetricsUnreachable": {"for": short},
            "exporterDown": {"for": short},
        },
    }


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--for",
        dest="duration",
        type=float,
        metavar="SECONDS",
        help="stop by itself after this many seconds (default: run until Ctrl-C)",
    )
    parser.add_argument(
        "--schedule",
        type=Path,
        default=SAMPLE_SCHEDULE,
        help="schedule to pay (default: examples/schedule.yaml)",
    )
    parser.add_argument(
        "--block-interval-ms", type=int, default=1000, help="one block every N ms (default 1000)"
    )
    parser.add_argument(
        "--run-every",
        type=float,
        default=3.0,
        metavar="SECONDS",
        help="start the runner every N seconds, as the CronJob would (default 3)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="folder for the logs volume and monitoring data (default: a new temporary one)",
    )
    parser.add_argument(
        "--no-monitoring", action="store_true", help="do not start Prometheus and Alertmanager"
    )


def main(args: argparse.Namespace) -> int:
    try:
        schedule = load_schedule(args.schedule)
    except ScheduleError as error:
        sys.stderr.write(f"dyt-emissions demo: the schedule cannot be paid from:\n{error}\n")
        return 2
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="dyt-emissions-demo-"))
    log_dir = workdir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)

    # SIGTERM ends the demo like Ctrl-C, through the same clean stop.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        with ExitStack() as stack:
            node = DevnodeProcess(block_interval_ms=args.block_interval_ms).start()
            stack.callback(node.stop)
            assert node.metrics_url is not None
            exporter = ExporterProcess(
                schedule=args.schedule, log_dir=log_dir, node_metrics_url=node.metrics_url
            ).start()
            stack.callback(exporter.stop)
            monitoring = _start_monitoring(args, node.metrics_url, exporter.url, workdir)
            if monitoring is not None:
                stack.callback(monitoring.stop)

            _print_banner(
                args, node.rpc_url, exporter.url, monitoring, workdir, len(schedule.entries)
            )
            _loop(args, node.rpc_url, exporter.url, log_dir, monitoring)
    except KeyboardInterrupt:
        _say("\nstopped; everything the demo started has been stopped.")
        _say(f"The logs volume is kept in {log_dir}")
        return 130
    _say(f"The logs volume is kept in {log_dir}")
    return 0


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _start_monitoring(
    args: argparse.Namespace, node_metrics_url: str, exporter_url: str, workdir: Path
) -> MonitoringStack | None:
    if args.no_monitoring:
        return None
    missing = monitoring_available()
    if missing is not None:
        _say(f"Prometheus and Alertmanager are not installed; to watch alerts too: {missing}")
        return None

    rules = workdir / "rules.yaml"
    config = demo_mixin_config(args.run_every, args.block_interval_ms)
    rules.write_text(render(config).files()[RULES_FILE], encoding="utf-8")
    try:
        return MonitoringStack.start(node_metrics_url, exporter_url, rules, workdir / "monitoring")
    except MonitoringError as error:
        _say(f"Prometheus and Alertmanager did not start; the demo goes on without them: {error}")
        return None


def _print_banner(
    args: argparse.Namespace,
    rpc_url: str,
    exporter_url: str,
    monitoring: MonitoringStack | None,
    workdir: Path,
    entries: int,
) -> None:
    _say(f"dyt-emissions demo: paying {entries} entries of {args.schedule}")
    _say(f"  node (devnode)   {rpc_url}   one block every {args.block_interval_ms} ms")
    _say(f"  audit exporter   {exporter_url}/   (metrics: {exporter_url}/metrics)")
    if monitoring is not None:
        _say(f"  Prometheus       {monitoring.prometheus_url}/alerts")
        _say(f"  Alertmanager     {monitoring.alertmanager_url}")
    _say(f"  logs volume      {workdir / 'logs'}")
    _say("Try, in another terminal:")
    _say(f"  curl -X POST {rpc_url}/ops/pause     # the chain halts: watch the stalled alert")
    _say(f"  curl -X POST {rpc_url}/ops/resume")
    _say(f"  {_command()} report --schedule {args.schedule} --log-dir {workdir / 'logs'}")
    _say("Ctrl-C stops everything.\n")


def _loop(
    args: argparse.Namespace,
    rpc_url: str,
    exporter_url: str,
    log_dir: Path,
    monitoring: MonitoringStack | None,
) -> None:
    ends_at = None if args.duration is None else time.monotonic() + args.duration
    with httpx.Client(timeout=5.0) as http:
        while ends_at is None or time.monotonic() < ends_at:
            started = time.monotonic()
            run = _run_runner(args.schedule, rpc_url, log_dir)
            for claim in run.get("claims", []):
                detail = claim["detail"]
                if claim["outcome"] == "applied":
                    detail = f"remaining={detail}"
                _say(f"  {claim['outcome']:<9} {claim['key']}  {detail}")

            audit = _audit_summary(http, exporter_url)
            alerts = [] if monitoring is None else monitoring.firing_alerts()
            _say(_status_line(run, audit, [a.name for a in alerts]))

            pause = args.run_every - (time.monotonic() - started)
            if ends_at is not None:
                pause = min(pause, ends_at - time.monotonic())
            time.sleep(max(0.0, pause))


def _audit_summary(http: httpx.Client, exporter_url: str) -> dict[str, Any]:
    """The exporter's audit summary, or an empty one when the exporter does not answer."""
    try:
        summary: dict[str, Any] = http.get(f"{exporter_url}/audit").json()["summary"]
    except (httpx.HTTPError, ValueError, KeyError):
        return {"height": "unknown (the exporter did not answer)"}
    return summary


def _command() -> str:
    """How to call dyt-emissions from the shell that started the demo."""
    script = Path(sys.executable).parent / "dyt-emissions"
    return str(script) if script.exists() else f"{sys.executable} -m dyt_emissions"


def _run_runner(schedule: Path, rpc_url: str, log_dir: Path) -> dict[str, Any]:
    """One run, as the CronJob starts it: a fresh process, its JSON summary on stdout."""
    command = [sys.executable, "-m", "dyt_emissions", "run", "--json"]
    command += ["--rpc-url", rpc_url, "--schedule", str(schedule), "--log-dir", str(log_dir)]
    command += [
        "--deadline",
        str(RUNNER_DEADLINE_SECONDS),
        "--timeout",
        str(RUNNER_TIMEOUT_SECONDS),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        summary: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        summary = {"exit": done.returncode, "status": "no summary", "reason": done.stderr.strip()}
    return summary


def _status_line(run: dict[str, Any], audit: dict[str, Any], alerts: list[str]) -> str:
    entries = audit.get("entries") or {}
    paid = entries.get("applied", 0)
    waiting = entries.get("due", 0) + entries.get("missed", 0)
    in_doubt = entries.get("in_doubt", 0)
    future = entries.get("future", 0)
    firing = ", ".join(sorted(set(alerts))) or "none"
    return (
        f"{time.strftime('%H:%M:%S')} height={audit.get('height')} paid={paid} due={waiting} "
        f"future={future} in_doubt={in_doubt} run_exit={run.get('exit')} alerts={firing}"
    )
