"""The node misbehaving: refused claims, lost answers, timeouts, nothing listening."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devnode.handle import DevnodeFactory
from tests.runner.runner_harness import (
    Spec,
    address,
    claimed,
    intent_keys,
    run_args,
    run_cli,
    runner_events,
    stamp_keys,
    write_schedule,
)

SPECS = [
    Spec(100, "staking_rewards", address(11), 1100),
    Spec(200, "block_rewards", address(12), 1200),
    Spec(300, "bridge_operations", address(13), 1300),
]
BY_CLAIM = {(s.pool, s.amount_udrt, s.to): s.key for s in SPECS}


def paid_keys(claims: list[dict[str, Any]]) -> list[str]:
    return [BY_CLAIM[claim] for claim in claimed(claims)]


def test_refused_claim_is_logged_others_paid_and_paid_once_later(
    devnode: DevnodeFactory, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    node.faults(fail_claims=1)
    logs = tmp_path / "logs"
    args = run_args(node.rpc_url, write_schedule(tmp_path / "s.yaml", SPECS), logs)

    first = run_cli(*args)
    second = run_cli(*args)
    third = run_cli(*args)

    assert (first.code, second.code, third.code) == (4, 0, 0)
    assert paid_keys(node.claims()) == [SPECS[1].key, SPECS[2].key, SPECS[0].key]
    assert intent_keys(logs) == set()
    failed = [e.fields for e in runner_events(logs, "apply") if e.status == "error"]
    assert failed == [
        {
            "height": "100",
            "denom": "uDRT",
            "pool": "staking_rewards",
            "to": SPECS[0].to,
            "amount_udrt": "1100",
            "key": SPECS[0].key,
            "status": "error",
            "kind": "claim_failed",
            "http_status": "500",
            "resp": '{"error": "InternalError", "message": "internal error"}',
        }
    ]


def test_stop_on_error_stops_at_the_refused_claim(devnode: DevnodeFactory, tmp_path: Path) -> None:
    node = devnode(start_height=420)
    node.faults(fail_claims=1)
    logs = tmp_path / "logs"
    args = run_args(node.rpc_url, write_schedule(tmp_path / "s.yaml", SPECS), logs)

    result = run_cli(*args, "--stop-on-error", "--json")

    assert result.code == 4
    assert node.claims() == []
    summary = result.json()
    assert (summary["due"], summary["paid"], summary["failed"]) == (3, 0, 1)


def test_lost_answer_is_in_doubt_and_never_posted_again(
    devnode: DevnodeFactory, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    node.faults(drop_after_apply=1)
    logs = tmp_path / "logs"
    args = run_args(node.rpc_url, write_schedule(tmp_path / "s.yaml", SPECS), logs)

    first = run_cli(*args)
    second = run_cli(*args)
    third = run_cli(*args)

    assert (first.code, second.code, third.code) == (5, 5, 5)
    assert paid_keys(node.claims()) == [SPECS[0].key, SPECS[1].key, SPECS[2].key]
    assert intent_keys(logs) == {SPECS[0].key}
    lost = [e.fields for e in runner_events(logs, "apply") if e.status == "in_doubt"]
    assert len(lost) == 1 and lost[0]["kind"] == "answer_lost"
    assert len(runner_events(logs, "doubt")) == 2


def test_lost_answer_checked_and_resolved_paid(devnode: DevnodeFactory, tmp_path: Path) -> None:
    node = devnode(start_height=420)
    node.faults(drop_after_apply=1)
    logs = tmp_path / "logs"
    args = run_args(node.rpc_url, write_schedule(tmp_path / "s.yaml", SPECS[:1]), logs)
    run_cli(*args)
    key = SPECS[0].key
    where = ["--log-dir", str(logs), "--rpc-url", node.rpc_url]

    check = run_cli("resolve", key, "--check", *where)
    decided = run_cli(
        "resolve", key, "--paid", "--reason", "balance rose by the amount", "--by", "alice", *where
    )
    after = run_cli(*args)

    assert check.code == 0, check.stderr
    assert "answer=paid" in check.stdout
    assert "balance_before_udrt=0 balance_now_udrt=1100" in check.stdout
    assert decided.code == 0, decided.stderr
    assert after.code == 0, after.stderr
    assert paid_keys(node.claims()) == [key]
    assert intent_keys(logs) == set()
    resolved = [e.fields for e in runner_events(logs, "resolve")]
    assert resolved == [
        {
            "key": key,
            "decision": "paid",
            "by": "alice",
            "reason": "balance rose by the amount",
            "was": "in_doubt",
            "status": "resolved",
        }
    ]
    archived = list((logs / ".state" / "resolved").iterdir())
    assert len(archived) == 1
    record = json.loads(archived[0].read_text())
    assert (record["decision"], record["decided_by"]) == ("paid", "alice")
    assert record["intent"]["evidence"]["balance_udrt"] == "0"


def test_lost_answer_resolved_not_paid_is_paid_once_more(
    devnode: DevnodeFactory, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    node.faults(drop_after_apply=1)
    logs = tmp_path / "logs"
    args = run_args(node.rpc_url, write_schedule(tmp_path / "s.yaml", SPECS[:1]), logs)
    run_cli(*args)
    key = SPECS[0].key

    decided = run_cli(
        "resolve", key, "--not-paid", "--reason", "told so", "--by", "bob", "--log-dir", str(logs)
    )
    after = run_cli(*args)
    again = run_cli(*args)

    assert decided.code == 0, decided.stderr
    assert (after.code, again.code) == (0, 0)
    assert paid_keys(node.claims()) == [key, key]
    assert stamp_keys(logs) == {key}


def test_timeout_after_sending_is_in_doubt_and_not_repaid(
    devnode: DevnodeFactory, tmp_path: Path
) -> None:
    node = devnode(start_height=420)
    node.faults(claim_delay_ms=3000)
    logs = tmp_path / "logs"
    args = run_args(node.rpc_url, write_schedule(tmp_path / "s.yaml", SPECS), logs)

    first = run_cli(*args, "--timeout", "0.5")
    node.clear_faults()
    second = run_cli(*args)

    assert (first.code, second.code) == (5, 5)
    assert paid_keys(node.claims()) == [SPECS[0].key, SPECS[1].key, SPECS[2].key]
    assert intent_keys(logs) == {SPECS[0].key}
    lost = [e.fields for e in runner_events(logs, "apply") if e.status == "in_doubt"]
    assert lost[0]["reason"].startswith("ReadTimeout")


def test_nothing_listening_is_exit_4_and_nothing_stamped(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    logs = tmp_path / "logs"
    schedule = write_schedule(tmp_path / "s.yaml", SPECS)

    result = run_cli(*run_args(f"http://127.0.0.1:{port}", schedule, logs))

    assert result.code == 4
    assert stamp_keys(logs) == set() and intent_keys(logs) == set()
    errors = [e.fields for e in runner_events(logs, "error")]
    assert [e["kind"] for e in errors] == ["node_unreachable"]
    assert "ConnectError" in errors[0]["reason"]


@pytest.fixture
def node_that_leaves() -> Iterator[str]:
    """Answers one `/api/stats`, then stops listening: every later connection is refused."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def serve() -> None:
        connection, _ = listener.accept()
        listener.close()
        with connection:
            connection.recv(65536)
            body = json.dumps(
                {"height": 420, "emission_pools": {"staking_rewards": 10**9}}
            ).encode()
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    thread.join(timeout=10)


def test_claim_refused_at_connect_is_retried_then_given_up(
    node_that_leaves: str, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    schedule = write_schedule(tmp_path / "s.yaml", SPECS)

    result = run_cli(*run_args(node_that_leaves, schedule, logs), "--json")

    assert result.code == 4
    assert stamp_keys(logs) == set() and intent_keys(logs) == set()
    lines = [e.fields for e in runner_events(logs, "apply")]
    assert len(lines) == 1
    assert (lines[0]["status"], lines[0]["kind"]) == ("error", "node_unreachable")
    assert lines[0]["reason"].endswith("(after 3 attempts)")
    summary = result.json()
    assert (summary["paid"], summary["failed"], summary["node_unreachable"]) == (0, 1, True)
