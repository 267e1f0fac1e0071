"""How a claim ended, told apart exactly: against the devnode and against scripted sockets
that answer what the devnode never would (a gateway's 502, garbage, a reset).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from devnode.handle import DevnodeFactory
from runner.node_client import (
    AnswerLost,
    InvalidNodeUrl,
    NeverSent,
    NodeClient,
    NodeStats,
    NodeUnavailable,
    Paid,
    Refused,
    check_rpc_url,
)
from tests.runner.runner_harness import address

TO = address(77)


def test_paid_then_refused_by_the_devnode(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=10, per_block_udrt=1000)

    with NodeClient(node.rpc_url, timeout=5) as client:
        stats = client.stats()
        paid = client.claim("staking_rewards", 100, TO)
        refused = client.claim("staking_rewards", 10**6, TO)
        balance = client.balance(TO)

    assert stats == NodeStats(
        height=10,
        pools={
            "block_rewards": 6000,
            "staking_rewards": 2500,
            "ai_module_incentives": 1000,
            "bridge_operations": 500,
        },
    )
    assert paid == Paid("2400")
    assert refused == Refused(500, '{"error": "InternalError", "message": "internal error"}')
    assert balance == 100


def test_dropped_answer_and_timeout_are_lost(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=10)

    with NodeClient(node.rpc_url, timeout=0.5) as client:
        node.faults(drop_after_apply=1)
        dropped = client.claim("staking_rewards", 1, TO)
        node.faults(claim_delay_ms=2000)
        slow = client.claim("staking_rewards", 1, TO)

    assert isinstance(dropped, AnswerLost)
    assert dropped.reason.startswith("RemoteProtocolError")
    assert isinstance(slow, AnswerLost)
    assert slow.reason.startswith("ReadTimeout")
    assert len(node.claims()) == 2


def test_nothing_listening_is_never_sent() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with NodeClient(f"http://127.0.0.1:{port}", timeout=2) as client:
        outcome = client.claim("staking_rewards", 1, TO)
        with pytest.raises(NodeUnavailable, match="ConnectError"):
            client.stats()

    assert isinstance(outcome, NeverSent)


@pytest.fixture
def scripted() -> Iterator[list[bytes]]:
    """A socket server answering each connection with the next scripted bytes (b"" closes
    the connection after reading the request, b"RST" resets it)."""
    script: list[bytes] = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.1)  # so that the loop sees `stop` without a last connection
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            connection.settimeout(10)
            with connection:
                connection.recv(65536)
                answer = script.pop(0) if script else b""
                if answer == b"RST":
                    connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                    )
                elif answer:
                    connection.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    script.append(f"http://127.0.0.1:{listener.getsockname()[1]}".encode())
    yield script
    stop.set()
    thread.join(timeout=10)
    listener.close()


def http_answer(status: str, body: bytes) -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    return head.encode() + body


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (http_answer("200 OK", b'{"pool": "staking_rewards", "remaining": "7"}'), Paid("7")),
        (http_answer("415 Unsupported Media Type", b"bad type"), Refused(415, "bad type")),
        (http_answer("400 Bad Request", b"bad json"), Refused(400, "bad json")),
        (http_answer("200 OK", b"<html>ok</html>"), AnswerLost),
        (http_answer("200 OK", b'{"pool": "staking_rewards"}'), AnswerLost),
        (http_answer("200 OK", b'{"pool": "block_rewards", "remaining": "7"}'), AnswerLost),
        (http_answer("502 Bad Gateway", b"upstream"), AnswerLost),
        (http_answer("504 Gateway Timeout", b""), AnswerLost),
        (http_answer("307 Temporary Redirect", b""), AnswerLost),
        (b'HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{"pool"', AnswerLost),
        (b"", AnswerLost),
        (b"RST", AnswerLost),
        (b"garbage\r\n\r\n", AnswerLost),
    ],
)
def test_every_answer_is_classified(
    scripted: list[bytes], answer: bytes, expected: object
) -> None:
    url = scripted.pop().decode()
    scripted.append(answer)

    with NodeClient(url, timeout=2) as client:
        outcome = client.claim("staking_rewards", 1, TO)

    if isinstance(expected, type):
        assert isinstance(outcome, expected), outcome
    else:
        assert outcome == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://dytallix-rpc:3030", "http://dytallix-rpc:3030"),
        ("https://node.example/rpc/", "https://node.example/rpc"),
    ],
)
def test_valid_urls(text: str, expected: str) -> None:
    assert check_rpc_url(text) == expected


@pytest.mark.parametrize(
    "text", ["dytallix-rpc:3030", "ftp://node", "http://", "http://node?x=1", "", "http://a b"]
)
def test_invalid_urls_say_what_was_expected(text: str) -> None:
    with pytest.raises(InvalidNodeUrl, match="--rpc-url"):
        check_rpc_url(text)
