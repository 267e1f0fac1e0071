"""POST /emission/claim answers exactly as NODE-CONTRACT.md says, and moves only on 200."""

from __future__ import annotations

import json

import httpx
import pytest

from devnode.handle import DevnodeFactory, DevnodeHandle

INTERNAL_ERROR = {"error": "InternalError", "message": "internal error"}
ADDRESS = "dyt1b449d75c065dff86224e707b62732d17f822826701df56c6"

# start_height=10, per_block_udrt=1_000_000: what the pools hold at the start.
POOLS_AT_10 = {
    "block_rewards": 6_000_000,
    "staking_rewards": 2_500_000,
    "ai_module_incentives": 1_000_000,
    "bridge_operations": 500_000,
}


def post_claim(
    node: DevnodeHandle, body: bytes | str, content_type: str | None = "application/json"
) -> httpx.Response:
    headers = {} if content_type is None else {"content-type": content_type}
    return node.http.post("/emission/claim", content=body, headers=headers)


def claim_body(pool: object = "staking_rewards", amount: object = 5, to: object = ADDRESS) -> str:
    return json.dumps({"pool": pool, "amount": amount, "to": to})


def assert_nothing_moved(node: DevnodeHandle) -> None:
    assert node.stats()["emission_pools"] == POOLS_AT_10
    assert node.claims() == []
    assert node.balance(ADDRESS) == 0


def test_claim_pays_and_answers_remaining_as_a_string(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=10)

    response = post_claim(node, claim_body(amount=1_000_000))

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"pool": "staking_rewards", "remaining": "1500000"}
    assert node.stats()["emission_pools"] == POOLS_AT_10 | {"staking_rewards": 1_500_000}
    assert node.balance(ADDRESS) == 1_000_000
    [claim] = node.claims()
    assert {key: claim[key] for key in ("pool", "amount", "to", "height", "answered")} == {
        "pool": "staking_rewards",
        "amount": 1_000_000,
        "to": ADDRESS,
        "height": 10,
        "answered": True,
    }
    assert isinstance(claim["time"], float)


def test_the_same_claim_twice_pays_twice(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=10)

    first = post_claim(node, claim_body(amount=100))
    second = post_claim(node, claim_body(amount=100))

    assert first.json() == {"pool": "staking_rewards", "remaining": "2499900"}
    assert second.json() == {"pool": "staking_rewards", "remaining": "2499800"}
    assert node.balance(ADDRESS) == 200
    assert [claim["amount"] for claim in node.claims()] == [100, 100]


def test_claim_of_the_whole_pool_leaves_zero(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=10)

    response = post_claim(node, claim_body(pool="bridge_operations", amount=500_000))

    assert response.json() == {"pool": "bridge_operations", "remaining": "0"}


def test_to_is_not_checked(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=10)

    response = post_claim(node, claim_body(to="dyt1exampleaddress000"))

    assert response.status_code == 200
    assert node.balance("dyt1exampleaddress000") == 5


def test_largest_u64_amount_is_accepted_from_a_u128_pool(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=2, per_block_udrt=2**64)
    largest = 2**64 - 1

    response = post_claim(node, claim_body(pool="block_rewards", amount=largest))

    held = 2 * (2**64 * 60 // 100)
    assert response.status_code == 200
    assert response.json() == {"pool": "block_rewards", "remaining": str(held - largest)}
    assert node.balance(ADDRESS) == largest


def test_unknown_pool_holds_zero(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=10)

    empty_claim = post_claim(node, claim_body(pool="treasury", amount=0))
    real_claim = post_claim(node, claim_body(pool="treasury", amount=1))

    assert empty_claim.json() == {"pool": "treasury", "remaining": "0"}
    assert real_claim.status_code == 500
    assert real_claim.json() == INTERNAL_ERROR


@pytest.mark.parametrize(
    "body",
    [
        pytest.param('{"amount": 5, "to": "x"}', id="missing-pool"),
        pytest.param('{"pool": "staking_rewards", "to": "x"}', id="missing-amount"),
        pytest.param('{"pool": "staking_rewards", "amount": 5}', id="missing-to"),
        pytest.param(claim_body(amount="5"), id="string-amount"),
        pytest.param('{"pool": "staking_rewards", "amount": 1.0, "to": "x"}', id="float-1.0"),
        pytest.param('{"pool": "staking_rewards", "amount": 1e3, "to": "x"}', id="float-1e3"),
        pytest.param(claim_body(amount=-1), id="negative"),
        pytest.param(claim_body(amount=2**64), id="2**64"),
        pytest.param(claim_body(amount=10**40), id="10**40"),
        pytest.param(claim_body(amount=True), id="bool"),
        pytest.param(claim_body(amount=None), id="null-amount"),
        pytest.param(claim_body(pool=5), id="number-pool"),
        pytest.param(claim_body(to=["x"]), id="list-to"),
        pytest.param("[]", id="array-body"),
        pytest.param("null", id="null-body"),
        pytest.param(claim_body(amount=2_500_001), id="insufficient-pool"),
        pytest.param(claim_body(pool="treasury", amount=1), id="unknown-pool"),
    ],
)
def test_every_failure_once_json_is_the_same_500(devnode: DevnodeFactory, body: str) -> None:
    node = devnode(start_height=10)

    response = post_claim(node, body)

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json() == INTERNAL_ERROR
    assert_nothing_moved(node)


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "json"],
)
def test_claim_without_json_content_type_is_415(
    devnode: DevnodeFactory, content_type: str | None
) -> None:
    node = devnode(start_height=10)

    response = post_claim(node, claim_body(), content_type)

    assert response.status_code == 415
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == "Expected request with `Content-Type: application/json`"
    assert_nothing_moved(node)


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "Application/JSON", "application/x+json"]
)
def test_json_content_type_variants_are_accepted(
    devnode: DevnodeFactory, content_type: str
) -> None:
    node = devnode(start_height=10)

    response = post_claim(node, claim_body(), content_type)

    assert response.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b'{"pool": ', id="truncated"),
        pytest.param(b"{'pool': 'x'}", id="single-quotes"),
        pytest.param(b'{"pool": "x", "amount": NaN, "to": "x"}', id="nan"),
        pytest.param(b"{} {}", id="trailing-data"),
        pytest.param(b'{"pool": "\xff"}', id="not-utf8"),
    ],
)
def test_claim_body_that_is_not_json_is_400(devnode: DevnodeFactory, body: bytes) -> None:
    node = devnode(start_height=10)

    response = post_claim(node, body)

    assert response.status_code == 400
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text.startswith("Failed to parse the request body as JSON: ")
    assert_nothing_moved(node)


def test_balance_of_an_unknown_address_and_another_denom_is_zero(
    devnode: DevnodeFactory,
) -> None:
    node = devnode(start_height=10)
    post_claim(node, claim_body(amount=7))

    udrt = node.http.get(f"/balance/{ADDRESS}", params={"denom": "udrt"})
    udgt = node.http.get(f"/balance/{ADDRESS}", params={"denom": "udgt"})
    nobody = node.http.get("/balance/nobody")

    assert udrt.json() == {"address": ADDRESS, "denom": "udrt", "balance": "7"}
    assert udgt.json() == {"address": ADDRESS, "denom": "udgt", "balance": "0"}
    assert nobody.json() == {"address": "nobody", "denom": "udrt", "balance": "0"}


def test_chunked_claim_body_is_read_whole(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=10)
    body = claim_body(amount=9).encode()

    response = node.http.post(
        "/emission/claim", content=iter([body[:10], body[10:]]), headers=JSON_HEADERS
    )

    assert response.json() == {"pool": "staking_rewards", "remaining": "2499991"}


def test_body_over_two_mib_is_413(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=10)

    response = post_claim(node, b" " * (2 * 1024 * 1024 + 1))

    assert response.status_code == 413
    assert response.text == "Failed to buffer the request body: length limit exceeded"
    assert_nothing_moved(node)


def test_balance_address_is_percent_decoded(devnode: DevnodeFactory) -> None:
    node = devnode(start_height=10)
    post_claim(node, claim_body(to="a b", amount=3))

    response = node.http.get("/balance/a%20b")

    assert response.json() == {"address": "a b", "denom": "udrt", "balance": "3"}


JSON_HEADERS = {"content-type": "application/json"}
