"""What a run says: log lines, --json, --dry-run, pings, and the deadline."""

from __future__ import annotations

import hashlib
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from devnode.handle import DevnodeFactory
from runner.logline import parse_line
from tests.runner.runner_harness import (
    Spec,
    address,
    claimed,
    copy_case,
    intent_keys,
    log_events,
    run_args,
    run_cli,
    runner_events,
    stamp_keys,
    write_schedule,
)

SPECS = [
    Spec(100, "staking_rewards", address(31), 1000),
    Spec(150, "staking_rewards", address(32), 500),
    Spec(200, "block_rewards", address(33), 2000),
    Spec(9000, "block_rewards", address(34), 4000),
]


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        if path.is_file()
        else "dir"
        for path in sorted(folder.rglob("*"))
    }


def test_every_line_of_a_run_parses_back_with_its_run_id(
    devnode: DevnodeFactory, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    node.faults(fail_claims=1)
    logs = tmp_path / "logs"

    result = run_cli(*run_args(node.rpc_url, write_schedule(tmp_path / "s.yaml", SPECS), logs))

    assert result.code == 4
    events = log_events(logs)
    assert [e.event for e in events] == ["start", "height", "apply", "apply", "apply", "done"]
    assert len({e.run_id for e in events}) == 1 and events[0].run_id is not None
    assert all(e.source == "runner" and e.ts is not None for e in events)
    assert events[1].fields == {"height": "420"}
    done = events[-1].fields
    assert {k: done[k] for k in ("due", "paid", "failed", "skipped", "future", "exit")} == {
        "due": "3",
        "paid": "2",
        "failed": "1",
        "skipped": "0",
        "future": "1",
        "exit": "4",
    }
    assert done["status"] == "failed"
    echoed = [parse_line(line) for line in result.stderr.splitlines()]
    assert echoed == events


def test_json_summary_shape(devnode: DevnodeFactory, tmp_path: Path) -> None:
    node = devnode(start_height=420)
    logs = tmp_path / "logs"

    result = run_cli(
        *run_args(node.rpc_url, write_schedule(tmp_path / "s.yaml", SPECS), logs), "--json"
    )

    assert result.code == 0
    summary = result.json()
    assert set(summary) == {
        "run_id", "height", "due", "paid", "failed", "in_doubt", "conflicts", "damaged",
        "skipped", "future", "imported", "logs_removed", "node_unreachable",
        "deadline_reached", "invalid_input", "internal_error", "duration_seconds",
        "attention", "claims", "exit", "status",
    }  # fmt: skip
    assert (summary["height"], summary["due"], summary["paid"], summary["exit"]) == (420, 3, 3, 0)
    assert summary["status"] == "ok"
    assert [c["key"] for c in summary["claims"]] == [s.key for s in SPECS[:3]]
    assert {c["outcome"] for c in summary["claims"]} == {"applied"}


def test_dry_run_writes_nothing_and_totals_per_pool(
    devnode: DevnodeFactory, shared_cases: Path, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    logs = copy_case(shared_cases / "legacy-logdir", tmp_path / "logs")
    schedule = shared_cases / "schedules" / "small.yaml"
    before = tree_digest(logs)

    text = run_cli(*run_args(node.rpc_url, schedule, logs), "--dry-run")
    as_json = run_cli(*run_args(node.rpc_url, schedule, logs), "--dry-run", "--json")

    assert (text.code, as_json.code) == (0, 0), text.stderr
    assert tree_digest(logs) == before
    assert node.claims() == []
    ai = "dyt1fca4dbb248512504df492901b46ab61453bd203768fc100b"
    assert text.stdout.splitlines() == [
        f"would_pay height=400 pool=ai_module_incentives to={ai} amount_udrt=300000"
        f" key=400_ai_module_incentives_{ai}_300000",
        "total pool=ai_module_incentives entries=1 amount_udrt=300000 pool_udrt=42000000"
        " shortfall_udrt=0",
        "total pool=block_rewards entries=0 amount_udrt=0 pool_udrt=252000000 shortfall_udrt=0",
        "total pool=bridge_operations entries=0 amount_udrt=0 pool_udrt=21000000 shortfall_udrt=0",
        "total pool=staking_rewards entries=0 amount_udrt=0 pool_udrt=105000000 shortfall_udrt=0",
        "plan height=420 applied=4 in_doubt=0 conflict=0 damaged=0 due=1 missed=0 future=3",
    ]
    plan = as_json.json()
    assert plan["would_pay"] == [
        {
            "key": f"400_ai_module_incentives_{ai}_300000",
            "height": 400,
            "pool": "ai_module_incentives",
            "to": ai,
            "amount_udrt": 300000,
        }
    ]
    assert plan["totals"]["ai_module_incentives"] == {
        "entries": 1,
        "amount_udrt": 300000,
        "pool_udrt": 42000000,
        "shortfall_udrt": 0,
    }
    assert plan["entries"]["applied"] == 4


def test_dry_run_counts_json_records_as_paid(
    devnode: DevnodeFactory, shared_cases: Path, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    logs = copy_case(shared_cases / "legacy-jsonl-logdir", tmp_path / "logs")
    before = tree_digest(logs)

    plan = run_cli(
        *run_args(node.rpc_url, shared_cases / "schedules" / "small.yaml", logs),
        "--dry-run",
        "--json",
    )

    assert plan.code == 0
    assert tree_digest(logs) == before
    assert [p["height"] for p in plan.json()["would_pay"]] == [250, 400, 400]


def test_deadline_stops_between_claims(devnode: DevnodeFactory, tmp_path: Path) -> None:
    node = devnode(start_height=420)
    node.faults(claim_delay_ms=300)
    specs = [Spec(10 + i, "staking_rewards", address(200 + i), 100 + i) for i in range(20)]
    logs = tmp_path / "logs"
    args = run_args(node.rpc_url, write_schedule(tmp_path / "s.yaml", specs), logs)

    short = run_cli(*args, "--timeout", "2", "--deadline", "7", "--json")
    node.clear_faults()
    rest = run_cli(*args)

    assert short.code == 6, short.stderr
    summary = short.json()
    assert summary["deadline_reached"] is True and summary["status"] == "incomplete"
    assert summary["in_doubt"] == 0
    assert summary["paid"] < 20
    assert rest.code == 0
    assert intent_keys(logs) == set()
    assert stamp_keys(logs) == {s.key for s in specs}
    paid = claimed(node.claims())
    assert len(paid) == len(set(paid)) == 20


class PingReceiver:
    """A local monitor that records every ping it gets."""

    def __init__(self) -> None:
        self.pings: list[tuple[str, str, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._record("")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                self._record(self.rfile.read(length).decode())

            def _record(self, body: str) -> None:
                receiver.pings.append((self.command, self.path, body))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/ping/abc"


@pytest.fixture
def ping_receiver() -> Iterator[PingReceiver]:
    receiver = PingReceiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()
    thread.join(timeout=10)


def test_pings_start_and_success_with_the_summary(
    devnode: DevnodeFactory, ping_receiver: PingReceiver, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    logs = tmp_path / "logs"
    schedule = write_schedule(tmp_path / "s.yaml", SPECS)

    result = run_cli(*run_args(node.rpc_url, schedule, logs), "--ping-url", ping_receiver.url)

    assert result.code == 0
    assert [(method, path) for method, path, _ in ping_receiver.pings] == [
        ("GET", "/ping/abc/start"),
        ("POST", "/ping/abc"),
    ]
    body = ping_receiver.pings[1][2]
    assert " [emissions] done height=420 due=3 paid=3 failed=0 " in body
    assert "exit=0 status=ok" in body


def test_failed_run_pings_fail(
    devnode: DevnodeFactory, ping_receiver: PingReceiver, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    node.faults(fail_claims=1)
    schedule = write_schedule(tmp_path / "s.yaml", SPECS)

    result = run_cli(
        *run_args(node.rpc_url, schedule, tmp_path / "logs"), "--ping-url", ping_receiver.url
    )

    assert result.code == 4
    assert [path for _, path, _ in ping_receiver.pings] == ["/ping/abc/start", "/ping/abc/fail"]


def test_unreachable_ping_url_changes_nothing(devnode: DevnodeFactory, tmp_path: Path) -> None:
    node = devnode(start_height=420)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    logs = tmp_path / "logs"
    schedule = write_schedule(tmp_path / "s.yaml", SPECS)

    result = run_cli(
        *run_args(node.rpc_url, schedule, logs), "--ping-url", f"http://127.0.0.1:{port}/p"
    )

    assert result.code == 0
    assert len(node.claims()) == 3


def test_invalid_schedule_pays_nothing_and_says_where(
    devnode: DevnodeFactory, shared_cases: Path, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    logs = tmp_path / "logs"
    schedule = shared_cases / "schedules" / "invalid" / "float-amount.yaml"

    result = run_cli(*run_args(node.rpc_url, schedule, logs))

    assert result.code == 2
    assert node.claims() == []
    assert "float-amount.yaml:5: entry 1 (line 5): amount_udrt must be an integer" in result.stderr
    errors = runner_events(logs, "error")
    assert [(e.fields["kind"], e.fields["problems"]) for e in errors] == [
        ("invalid_schedule", "1")
    ]
    assert runner_events(logs, "done")[0].fields["exit"] == "2"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--rpc-url", "ftp://node:21"], "expected an http:// or https:// URL with a host"),
        (["--rpc-url", "http://"], "expected an http:// or https:// URL with a host"),
        (
            ["--rpc-url", "http://127.0.0.1:99999"],
            "--rpc-url: expected a port from 1 to 65535, found 99999",
        ),
        (
            ["--deadline", "0"],
            "--deadline: expected a number of seconds > 0 and at most 86400, found 0.0",
        ),
        (
            ["--deadline", "inf"],
            "--deadline: expected a number of seconds > 0 and at most 86400, found inf",
        ),
        (
            ["--timeout", "inf"],
            "--timeout: expected a number of seconds > 0 and at most 300, found inf",
        ),
        (
            ["--timeout", "1e308"],
            "--timeout: expected a number of seconds > 0 and at most 300, found 1e+308",
        ),
        (
            ["--retry-wait", "nan"],
            "--retry-wait: expected a number of seconds >= 0 and at most 300, found nan",
        ),
        (["--retention-days", "-1"], "--retention-days: expected an integer >= 0, found -1"),
    ],
)
def test_bad_flags_are_exit_2_with_a_clear_line(
    tmp_path: Path, flags: list[str], message: str
) -> None:
    args = run_args("http://127.0.0.1:9", tmp_path / "s.yaml", tmp_path / "logs")
    flag, value = flags
    if flag in args:
        args[args.index(flag) + 1] = value
    else:
        args += [flag, value]

    result = run_cli(*args)

    assert result.code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "logs").exists()


def test_missing_settings_are_named(tmp_path: Path) -> None:
    result = run_cli("run", "--log-dir", str(tmp_path))

    assert result.code == 2
    assert result.stderr == (
        "dyt-emissions run: missing --rpc-url (or RPC), --schedule (or SCHEDULE)\n"
    )


def test_environment_is_read_like_the_shell_runner(
    devnode: DevnodeFactory, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    logs = tmp_path / "logs"
    schedule = write_schedule(tmp_path / "s.yaml", SPECS)

    result = run_cli(
        "run",
        env={"RPC": node.rpc_url, "SCHEDULE": str(schedule), "LOG_DIR": str(logs)},
    )

    assert result.code == 0, result.stderr
    assert len(node.claims()) == 3
