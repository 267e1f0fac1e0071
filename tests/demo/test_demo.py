"""The README's first command: the demo pays the sample schedule and stops by itself."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from runner.logline import parse_line
from runner.schedule import load_schedule

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "schedule.yaml"
STATUS = re.compile(
    r"height=(?P<height>\d+) paid=(?P<paid>\d+) due=(?P<due>\d+) future=(?P<future>\d+) "
    r"in_doubt=(?P<in_doubt>\d+) run_exit=(?P<exit>\S+) alerts=(?P<alerts>.*)$"
)


def test_demo_pays_each_due_entry_once_and_stops_by_itself(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "dyt_emissions", "demo", "--for", "20"]
    command += ["--block-interval-ms", "250", "--run-every", "1", "--workdir", str(tmp_path)]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr

    statuses = [m for m in map(STATUS.search, done.stdout.splitlines()) if m is not None]
    assert len(statuses) >= 5, done.stdout
    last = statuses[-1]
    assert int(last["in_doubt"]) == 0
    assert last["alerts"] == "none", done.stdout
    assert int(last["paid"]) + int(last["due"]) + int(last["future"]) == 16

    # Every payment the demo made is one applied line in the logs, each key once.
    applied = [
        event.fields["key"]
        for log in sorted((tmp_path / "logs").glob("*.log"))
        for event in map(parse_line, log.read_text().splitlines())
        if event is not None and event.event == "apply" and event.fields["status"] == "applied"
    ]
    assert len(applied) == len(set(applied))
    due_keys = {e.key for e in load_schedule(SAMPLE).entries if e.height <= int(last["height"])}
    assert set(applied) <= due_keys
    assert int(last["paid"]) == len(applied) >= 5
    assert "Prometheus" in done.stdout


def test_ctrl_c_stops_the_demo_and_everything_it_started(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "dyt_emissions", "demo", "--block-interval-ms", "250"]
    command += ["--run-every", "1", "--workdir", str(tmp_path)]
    demo = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert demo.stdout is not None
        for line in demo.stdout:
            if STATUS.search(line):
                break
        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=60) == 130
    finally:
        demo.kill()
        demo.wait()
        if demo.stdout is not None:
            demo.stdout.close()

    # The exporter, Prometheus and Alertmanager all name the work folder on their command
    # line: none may outlive the demo.
    leftovers = [
        pid
        for pid in os.listdir("/proc")
        if pid.isdigit() and str(tmp_path) in _cmdline(pid) and int(pid) != demo.pid
    ]
    assert leftovers == []


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""
