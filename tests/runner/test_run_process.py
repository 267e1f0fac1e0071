"""The run as a process: progress on a terminal, SIGTERM between claims, the demo loop."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from devnode.handle import DevnodeFactory
from tests.runner.runner_harness import (
    REPO_ROOT,
    Spec,
    address,
    claimed,
    intent_keys,
    run_args,
    runner_events,
    stamp_keys,
    start_runner,
    write_schedule,
)

SPECS = [Spec(10 + i, "block_rewards", address(300 + i), 50 + i) for i in range(6)]


def wait_for(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def done_lines(logs: Path) -> int:
    """Finished runs so far, counted without parsing (a line may be half written)."""
    return sum(path.read_text().count("] done ") for path in logs.glob("*.log"))


def test_progress_line_on_a_terminal(devnode: DevnodeFactory, tmp_path: Path) -> None:
    node = devnode(start_height=420)
    logs = tmp_path / "logs"
    args = run_args(node.rpc_url, write_schedule(tmp_path / "s.yaml", SPECS), logs)
    leader, follower = pty.openpty()

    process = subprocess.run(
        [sys.executable, "-m", "dyt_emissions", *args],
        stdout=subprocess.PIPE,
        stderr=follower,
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)

    assert process.returncode == 0
    text = shown.decode()
    assert "\r\x1b[Kpaid 0/6 due, failed 0, claiming " in text
    assert "\r\x1b[Kpaid 6/6 due, failed 0" in text
    assert "[emissions] apply" not in text  # log lines go to the file, not over the bar
    assert "status=ok" in process.stdout.decode()


def test_sigterm_stops_between_claims(devnode: DevnodeFactory, tmp_path: Path) -> None:
    node = devnode(start_height=420)
    node.faults(claim_delay_ms=400)
    logs = tmp_path / "logs"
    args = run_args(node.rpc_url, write_schedule(tmp_path / "s.yaml", SPECS), logs)[1:]

    process = start_runner(*args)
    wait_for(lambda: len(node.claims()) >= 1)
    process.send_signal(signal.SIGTERM)
    _, errors = process.communicate(timeout=60)

    assert process.returncode == 6, errors
    assert intent_keys(logs) == set()
    paid = claimed(node.claims())
    assert 1 <= len(paid) < len(SPECS)
    assert len(stamp_keys(logs)) == len(paid)
    assert runner_events(logs, "done")[0].fields["status"] == "incomplete"


def test_loop_runs_again_until_stopped(devnode: DevnodeFactory, tmp_path: Path) -> None:
    node = devnode(start_height=420)
    logs = tmp_path / "logs"
    args = run_args(node.rpc_url, write_schedule(tmp_path / "s.yaml", SPECS), logs)[1:]

    process = start_runner(*args, "--loop", "0.2")
    wait_for(lambda: done_lines(logs) >= 3)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)

    assert process.returncode == 0
    done = runner_events(logs, "done")
    assert [d.fields["paid"] for d in done[:3]] == ["6", "0", "0"]
    assert len(node.claims()) == 6
