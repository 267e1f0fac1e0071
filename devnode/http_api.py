"""What each devnode endpoint answers, as NODE-CONTRACT.md describes the real node.

The real node's endpoints first, then the test-only ones under `/devnode/`.
The HTTP mechanics (routing, 404/405, writing or withholding) are in `http_server`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from typing import Any

from prometheus_client import CollectorRegistry

from devnode.blocks import BlockProducer
from devnode.chain import DENOM, Chain, ChainView, InsufficientPool
from devnode.events import EventLog
from devnode.faults import Faults
from devnode.http_server import TEXT_TYPE, Reply, Request, Route
from devnode.metrics import BROKEN_EXPOSITION, CONTENT_TYPE, exposition

JSON_TYPE = "application/json"
INTERNAL_ERROR = {"error": "InternalError", "message": "internal error"}
MISSING_JSON_TYPE = "Expected request with `Content-Type: application/json`"
U64_LIMIT = 2**64


class ClaimInvalid(ValueError):
    """A claim body that is JSON but not a claim the node accepts."""


def json_reply(payload: object, status: int = 200) -> Reply:
    return Reply(status, json.dumps(payload).encode(), JSON_TYPE)


def text_reply(status: int, text: str) -> Reply:
    return Reply(status, text.encode(), TEXT_TYPE)


def is_json_content_type(value: str) -> bool:
    """axum's test: `application/json` or `application/*+json`, parameters allowed."""
    mime = value.split(";", 1)[0].strip().lower()
    kind, _, subtype = mime.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _parse_int(text: str) -> int | float:
    # serde_json reads an integer too large for 64 bits as a float; so do we, which also
    # keeps Python's limit on huge integer strings from turning it into a syntax error.
    return int(text) if len(text) <= 21 else float(text)


def decode_json(body: bytes) -> Any:
    """The body as JSON, or ValueError with serde_json's kind of message."""
    try:
        text = body.decode("utf-8")
        return json.loads(text, parse_constant=_reject_constant, parse_int=_parse_int)
    except json.JSONDecodeError as error:
        raise ValueError(f"{error.msg} at line {error.lineno} column {error.colno}") from None
    except (UnicodeDecodeError, RecursionError) as error:
        raise ValueError(str(error)) from None


def parse_claim(payload: Any) -> tuple[str, int, str]:
    """(pool, amount, to) from a decoded claim body; ClaimInvalid says what is wrong."""
    if not isinstance(payload, dict):
        raise ClaimInvalid(f"expected a JSON object, found {type(payload).__name__}")
    missing = [name for name in ("pool", "amount", "to") if name not in payload]
    if missing:
        raise ClaimInvalid(f"missing field {missing[0]}")
    pool, amount, to = payload["pool"], payload["amount"], payload["to"]
    if not isinstance(pool, str) or not isinstance(to, str):
        raise ClaimInvalid("pool and to must be strings")
    if type(amount) is not int or not 0 <= amount < U64_LIMIT:
        raise ClaimInvalid(f"amount must be an integer in u64, found {amount!r}")
    return pool, amount, to


def stats_payload(view: ChainView, chain_id: str) -> dict[str, object]:
    """`GET /api/stats`; `circulating_supply` is what claims moved out of the pools."""
    latest = None
    if view.applied_height > 0:
        latest = {
            "height": str(view.applied_height),
            "total_emitted": str(view.total_emitted),
            "circulating_supply": str(view.total_claimed),
        }
    return {
        "height": view.height,
        "emission_pools": view.pools,
        "latest_emission": latest,
        "chain_id": chain_id,
        "mempool_size": 0,
        "rolling_tps": 0.0,
        "staking": {"validators": 1, "total_stake": "0"},
    }


@dataclass(frozen=True)
class NodeApi:
    """The endpoints of one devnode, over its chain, blocks, faults and metrics."""

    chain: Chain
    blocks: BlockProducer
    faults: Faults
    registry: CollectorRegistry
    chain_id: str
    log: EventLog

    def rpc_routes(self) -> list[Route]:
        return [
            Route.of(r"/emission/claim", POST=self.claim),
            Route.of(r"/api/stats", GET=self.stats),
            Route.of(r"/status", GET=self.status),
            Route.of(r"/health", GET=self.status),
            Route.of(r"/balance/(?P<address>[^/]+)", GET=self.balance),
            Route.of(r"/ops/pause", POST=self.pause),
            Route.of(r"/ops/resume", POST=self.resume),
            Route.of(r"/metrics", GET=self.metrics),
            Route.of(r"/devnode/claims", GET=self.ledger),
            Route.of(
                r"/devnode/faults",
                GET=self.faults_read,
                POST=self.faults_set,
                DELETE=self.faults_clear,
            ),
            Route.of(r"/devnode/advance", POST=self.advance),
        ]

    def metrics_routes(self) -> list[Route]:
        return [Route.of(r"/metrics", GET=self.metrics)]

    # The real node's endpoints.

    def claim(self, request: Request) -> Reply:
        if not is_json_content_type(request.headers.get("content-type", "")):
            return text_reply(415, MISSING_JSON_TYPE)
        try:
            payload = decode_json(request.body)
        except ValueError as error:
            return text_reply(400, f"Failed to parse the request body as JSON: {error}")

        reply, index = self._apply_claim(payload)
        if self.faults.claim_delay_seconds:
            time.sleep(self.faults.claim_delay_seconds)
        if index is None:
            return reply

        def unsent() -> None:
            self.chain.mark_unanswered(index)

        return replace(reply, withhold=self.faults.take_drop(), on_unsent=unsent)

    def _apply_claim(self, payload: Any) -> tuple[Reply, int | None]:
        """The claim's answer, and its ledger index when it was applied."""
        if self.faults.take_claim_failure():
            self.log.warning("claim_failed", reason="fault fail_claims")
            return json_reply(INTERNAL_ERROR, 500), None
        try:
            pool, amount, to = parse_claim(payload)
            index, remaining = self.chain.claim(pool, amount, to)
        except (ClaimInvalid, InsufficientPool) as error:
            self.log.warning("claim_failed", reason=str(error))
            return json_reply(INTERNAL_ERROR, 500), None

        self.log.info("claim_applied", pool=pool, amount=amount, to=to, remaining=remaining)
        return json_reply({"pool": pool, "remaining": str(remaining)}), index

    def stats(self, request: Request) -> Reply:
        return json_reply(stats_payload(self.chain.view(), self.chain_id))

    def status(self, request: Request) -> Reply:
        return json_reply(
            {
                "status": "healthy",
                "latest_height": self.chain.height,
                "syncing": False,
                "chain_id": self.chain_id,
            }
        )

    def balance(self, request: Request) -> Reply:
        denom = request.query.get("denom", [DENOM])[-1]
        address = request.params["address"]
        balance = self.chain.balance(address, denom)
        return json_reply({"address": address, "denom": denom, "balance": str(balance)})

    def pause(self, request: Request) -> Reply:
        self.blocks.pause()
        self.log.info("blocks_paused", height=self.chain.height)
        return json_reply({"ok": True, "paused": True})

    def resume(self, request: Request) -> Reply:
        self.blocks.resume()
        self.log.info("blocks_resumed", height=self.chain.height)
        return json_reply({"ok": True, "paused": False})

    def metrics(self, request: Request) -> Reply:
        if self.faults.metrics_delay_seconds:
            time.sleep(self.faults.metrics_delay_seconds)
        if self.faults.broken_metrics:
            return Reply(200, BROKEN_EXPOSITION, CONTENT_TYPE)
        return Reply(200, exposition(self.registry), CONTENT_TYPE)

    # Test-only endpoints under /devnode/: clear JSON errors, no content-type rules.

    def ledger(self, request: Request) -> Reply:
        return json_reply(self.chain.claims())

    def faults_read(self, request: Request) -> Reply:
        return json_reply(self.faults.as_dict())

    def faults_set(self, request: Request) -> Reply:
        try:
            faults = self.faults.update(decode_json(request.body))
        except ValueError as error:
            return json_reply({"error": f"faults: {error}"}, 400)
        self.log.info("faults_set", **faults)
        return json_reply(faults)

    def faults_clear(self, request: Request) -> Reply:
        self.log.info("faults_cleared")
        return json_reply(self.faults.clear())

    def advance(self, request: Request) -> Reply:
        try:
            payload = decode_json(request.body)
        except ValueError as error:
            return json_reply({"error": f"advance: {error}"}, 400)
        blocks = payload.get("blocks") if isinstance(payload, dict) else None
        if type(blocks) is not int or blocks < 1:
            expected = 'expected {"blocks": <integer >= 1>}'
            return json_reply({"error": f"advance: {expected}, found {payload!r}"}, 400)

        height = self.blocks.advance(blocks)
        self.log.info("blocks_advanced", blocks=blocks, height=height)
        return json_reply({"height": height})
