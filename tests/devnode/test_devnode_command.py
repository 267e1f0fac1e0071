"""`dyt-emissions devnode`: ready line, settings from flags and environment, clean stops."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from devnode.handle import DevnodeFactory
from devnode.process import READY_PATTERN, DevnodeProcess, DevnodeStartError


def ready_event(stderr: str) -> str:
    [line] = [line for line in stderr.splitlines() if " event=ready " in line]
    return line


def run_devnode(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dyt_emissions", "devnode", *args],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        check=False,
    )


def test_ready_line_names_the_real_ports(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=42)

    assert READY_PATTERN.fullmatch(
        f"devnode ready rpc={node.rpc_url} metrics={node.metrics_url} height=42"
    )
    assert not node.rpc_url.endswith(":0")
    assert node.metrics_url is not None
    assert node.metrics_url.startswith("http://127.0.0.1:")
    assert node.metrics_url != node.rpc_url


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_it_cleanly(signum: signal.Signals) -> None:
    with DevnodeProcess(start_height=3, block_interval_ms=0) as node:
        assert node.pid is not None
        os.kill(node.pid, signum)
        code = node.stop()
        stderr = node.stderr()

    assert code == 0
    assert f"event=stopped signal={signum.name} height=3" in stderr
    assert "Traceback" not in stderr


def test_no_metrics_server_when_asked(devnode: DevnodeFactory) -> None:
    node = devnode(metrics=False)

    assert node.metrics_url is None
    assert "drt_emission_applied_height 0.0" in node.metrics_text()


def test_environment_gives_the_defaults() -> None:
    env = os.environ | {
        "DY_METRICS": "true",
        "DY_METRICS_ADDR": "127.0.0.1:0",
        "DYT_BLOCK_INTERVAL_MS": "60000",
        "DYT_CHAIN_ID": "dyt-env-3",
    }
    with DevnodeProcess(metrics=None, block_interval_ms=None, env=env) as node:
        line = ready_event(node.stderr())

    assert node.metrics_url is not None
    assert " block_interval_ms=60000 " in line
    assert line.endswith(" chain_id=dyt-env-3")


def test_flags_win_over_the_environment() -> None:
    env = os.environ | {"DY_METRICS": "0", "DYT_BLOCK_INTERVAL_MS": "60000"}
    with DevnodeProcess(metrics=True, block_interval_ms=0, chain_id="dyt-flag", env=env) as node:
        line = ready_event(node.stderr())

    assert node.metrics_url is not None
    assert " block_interval_ms=0 " in line
    assert line.endswith(" chain_id=dyt-flag")


@pytest.mark.parametrize("value", ["0", "false", "yes"])
def test_dy_metrics_other_than_1_or_true_turns_the_server_off(value: str) -> None:
    env = os.environ | {"DY_METRICS": value, "DY_METRICS_ADDR": "127.0.0.1:0"}
    with DevnodeProcess(metrics=None, block_interval_ms=0, env=env) as node:
        assert node.metrics_url is None


def test_defaults_without_environment() -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DY_", "DYT_"))}
    with DevnodeProcess(metrics=False, block_interval_ms=None, env=env) as node:
        line = ready_event(node.stderr())

    assert " block_interval_ms=15000 per_block_udrt=1000000 chain_id=dyt-local-1" in line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--listen", "nowhere"], "expected HOST:PORT with a port 0-65535, found 'nowhere'"),
        (["--listen", "127.0.0.1:70000"], "found '127.0.0.1:70000'"),
        (["--start-height", "-4"], "expected an integer >= 0, found '-4'"),
        (["--block-interval-ms", "1.5"], "expected an integer >= 0, found '1.5'"),
        (["--no-metrics", "--metrics-listen", "127.0.0.1:0"], "not allowed with argument"),
    ],
)
def test_bad_flags_exit_2_with_a_message(args: list[str], message: str) -> None:
    result = run_devnode(*args)

    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DYT_BLOCK_INTERVAL_MS", "soon", "DYT_BLOCK_INTERVAL_MS: expected an integer >= 0"),
        ("DY_METRICS_ADDR", "9464", "DY_METRICS_ADDR: expected HOST:PORT"),
    ],
)
def test_bad_environment_exits_2_with_a_message(variable: str, value: str, message: str) -> None:
    env = os.environ | {"DY_METRICS": "1", variable: value}

    result = run_devnode("--listen", "127.0.0.1:0", env=env)

    assert result.returncode == 2
    assert "level=error event=invalid_setting" in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_taken_port_exits_1_with_a_message(devnode: DevnodeFactory) -> None:
    node = devnode()
    taken = node.rpc_url.removeprefix("http://")

    result = run_devnode("--listen", taken, "--no-metrics")

    assert result.returncode == 1
    assert f"level=error event=cannot_listen role=rpc address={taken}" in result.stderr
    assert "Traceback" not in result.stderr


def test_process_start_failure_carries_the_child_stderr() -> None:
    process = DevnodeProcess(extra_args=["--per-block-udrt", "lots"])

    with pytest.raises(DevnodeStartError) as failure:
        process.start()

    assert "devnode exited with code 2 before it was ready" in str(failure.value)
    assert "expected an integer >= 0, found 'lots'" in str(failure.value)
