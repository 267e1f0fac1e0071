"""Blocks, pools and the read endpoints: split, remainder, start height, pause and resume."""

from __future__ import annotations

import time

import httpx
import pytest

from devnode.chain import split_emission
from devnode.handle import DevnodeFactory, DevnodeHandle


def wait_for_height(node: DevnodeHandle, above: int, timeout: float = 20.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        height = node.height()
        if height > above:
            return height
        time.sleep(0.02)
    raise AssertionError(f"height stayed at {above} or below for {timeout}s")


@pytest.mark.parametrize(
    ("per_block", "expected"),
    [
        (7, (4, 1, 0, 2)),
        (1_000_000, (600_000, 250_000, 100_000, 50_000)),
        (99, (59, 24, 9, 7)),
        (1, (0, 0, 0, 1)),
        (0, (0, 0, 0, 0)),
    ],
)
def test_split_gives_the_remainder_to_bridge_operations(
    per_block: int, expected: tuple[int, int, int, int]
) -> None:
    shares = split_emission(per_block)

    assert tuple(shares.values()) == expected
    assert sum(shares.values()) == per_block


def test_start_height_pools_hold_what_those_blocks_emitted(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=3, per_block_udrt=7)

    stats = node.stats()

    assert stats["height"] == 3
    assert stats["emission_pools"] == {
        "block_rewards": 12,
        "staking_rewards": 3,
        "ai_module_incentives": 0,
        "bridge_operations": 6,
    }
    assert stats["latest_emission"] == {
        "height": "3",
        "total_emitted": "21",
        "circulating_supply": "0",
    }


def test_stats_answer_has_every_field(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=420, chain_id="dyt-test-7")

    stats = node.stats()

    assert stats == {
        "height": 420,
        "emission_pools": {
            "block_rewards": 252_000_000,
            "staking_rewards": 105_000_000,
            "ai_module_incentives": 42_000_000,
            "bridge_operations": 21_000_000,
        },
        "latest_emission": {
            "height": "420",
            "total_emitted": "420000000",
            "circulating_supply": "0",
        },
        "chain_id": "dyt-test-7",
        "mempool_size": 0,
        "rolling_tps": 0.0,
        "staking": {"validators": 1, "total_stake": "0"},
    }


def test_height_zero_has_no_latest_emission(devnode: DevnodeFactory) -> None:
    node = devnode()

    stats = node.stats()

    assert stats["height"] == 0
    assert stats["latest_emission"] is None
    assert set(stats["emission_pools"].values()) == {0}


def test_circulating_supply_counts_claimed_udrt(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=1)
    node.http.post(
        "/emission/claim", json={"pool": "block_rewards", "amount": 123, "to": "someone"}
    )

    assert node.stats()["latest_emission"]["circulating_supply"] == "123"


def test_advance_emits_every_block_in_between(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=10, per_block_udrt=7)

    height = node.advance(90)

    assert height == 100
    assert node.stats()["emission_pools"] == {
        "block_rewards": 400,
        "staking_rewards": 100,
        "ai_module_incentives": 0,
        "bridge_operations": 200,
    }


@pytest.mark.parametrize("body", [{"blocks": 0}, {"blocks": -1}, {"blocks": True}, {}, [5]])
def test_advance_refuses_what_is_not_a_positive_count(
    devnode: DevnodeFactory, body: object
) -> None:
    node = devnode(start_height=10)

    response = node.http.post("/devnode/advance", json=body)

    assert response.status_code == 400
    assert response.json()["error"].startswith('advance: expected {"blocks": <integer >= 1>}')
    assert node.height() == 10


@pytest.mark.parametrize("path", ["/status", "/health"])
def test_status_and_health(devnode: DevnodeFactory, path: str) -> None:
    node = devnode(start_height=5)
    node.advance(2)

    response = node.http.get(path)

    assert response.json() == {
        "status": "healthy",
        "latest_height": 7,
        "syncing": False,
        "chain_id": "dyt-local-1",
    }


def test_blocks_come_on_the_timer(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=10, block_interval_ms=20, per_block_udrt=7)

    height = wait_for_height(node, 12)

    stats = node.stats()
    assert stats["height"] >= height
    blocks = stats["height"]
    assert stats["emission_pools"]["block_rewards"] == 4 * blocks


def test_pause_stops_blocks_and_resume_restarts_them(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=0, block_interval_ms=20)
    wait_for_height(node, 0)

    paused = node.http.post("/ops/pause")
    height = node.height()
    time.sleep(0.3)  # fifteen intervals: a running timer would have moved the height

    assert paused.json() == {"ok": True, "paused": True}
    assert node.height() == height

    resumed = node.http.post("/ops/resume")

    assert resumed.json() == {"ok": True, "paused": False}
    wait_for_height(node, height)


def test_advance_works_while_paused(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=4)
    node.pause()

    assert node.advance(3) == 7


def test_unknown_route_is_404_with_an_empty_body(devnode: DevnodeFactory) -> None:
    node = devnode()

    response = node.http.get("/api/nothing")

    assert response.status_code == 404
    assert response.content == b""
    assert "content-type" not in response.headers


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/emission/claim", "POST"),
        ("PUT", "/emission/claim", "POST"),
        ("POST", "/api/stats", "GET,HEAD"),
        ("DELETE", "/ops/pause", "POST"),
        ("PATCH", "/devnode/faults", "GET,HEAD,POST,DELETE"),
    ],
)
def test_wrong_method_is_405_with_allow(
    devnode: DevnodeFactory, method: str, path: str, allow: str
) -> None:
    node = devnode()

    response = node.http.request(method, path)

    assert response.status_code == 405
    assert response.content == b""
    assert response.headers["allow"] == allow


def test_head_answers_like_get_without_a_body(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=1)

    get = node.http.get("/api/stats")
    head = node.http.head("/api/stats")

    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]


def test_connection_stays_usable_after_each_kind_of_answer(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=1)
    with httpx.Client(base_url=node.rpc_url, timeout=10.0) as client:
        statuses = [
            client.post("/emission/claim", content=b"{", headers={"content-type": "text/plain"}),
            client.post("/emission/claim", content=b"{", headers=JSON),
            client.post("/emission/claim", content=b"{}", headers=JSON),
            client.request("GET", "/nowhere", content=b"abc"),
            client.get("/api/stats"),
        ]

    assert [response.status_code for response in statuses] == [415, 400, 500, 404, 200]


JSON = {"content-type": "application/json"}
