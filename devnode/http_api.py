"""The devnode's HTTP answers, byte for byte as NODE-CONTRACT.md describes the real node.

Built on the standard library's ThreadingHTTPServer because one fault needs raw
control of the socket: apply a claim, then close the connection with no answer.
Routing mirrors axum: an unknown path is 404 with an empty body, a known path
with another method is 405 with an empty body and an `allow` header, and every
GET route answers HEAD too.
"""

from __future__ import annotations

import json
import re
import socketserver
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote

from prometheus_client import CollectorRegistry

from devnode.blocks import BlockProducer
from devnode.chain import DENOM, Chain, ChainView, InsufficientPool
from devnode.events import EventLog
from devnode.faults import Faults
from devnode.metrics import BROKEN_EXPOSITION, CONTENT_TYPE, exposition

JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"
INTERNAL_ERROR = {"error": "InternalError", "message": "internal error"}
MISSING_JSON_TYPE = "Expected request with `Content-Type: application/json`"
BODY_LIMIT = 2 * 1024 * 1024  # axum's default request body limit
U64_LIMIT = 2**64


@dataclass(frozen=True)
class Node:
    """Everything a request may touch."""

    chain: Chain
    blocks: BlockProducer
    faults: Faults
    registry: CollectorRegistry
    chain_id: str
    log: EventLog


class BodyTooLarge(Exception):
    """The request body passes axum's default limit."""


class ClaimInvalid(ValueError):
    """A claim body that is JSON but not a claim the node accepts."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


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
    missing = [field for field in ("pool", "amount", "to") if field not in payload]
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


Route = tuple[re.Pattern[str], dict[str, str]]

RPC_ROUTES: list[Route] = [
    (re.compile(r"/emission/claim"), {"POST": "claim"}),
    (re.compile(r"/api/stats"), {"GET": "stats"}),
    (re.compile(r"/status"), {"GET": "status"}),
    (re.compile(r"/health"), {"GET": "status"}),
    (re.compile(r"/balance/(?P<address>[^/]+)"), {"GET": "balance"}),
    (re.compile(r"/ops/pause"), {"POST": "pause"}),
    (re.compile(r"/ops/resume"), {"POST": "resume"}),
    (re.compile(r"/metrics"), {"GET": "metrics"}),
    (re.compile(r"/devnode/claims"), {"GET": "ledger"}),
    (
        re.compile(r"/devnode/faults"),
        {"GET": "faults_read", "POST": "faults_set", "DELETE": "faults_clear"},
    ),
    (re.compile(r"/devnode/advance"), {"POST": "advance"}),
]
METRICS_ROUTES: list[Route] = [(re.compile(r"/metrics"), {"GET": "metrics"})]


class NodeServer(ThreadingHTTPServer):
    """One listening socket (RPC or metrics) serving `routes` for `node`."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], node: Node, routes: list[Route]) -> None:
        self.node = node
        self.routes = routes
        super().__init__(address, NodeRequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can hang without DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class NodeRequestHandler(BaseHTTPRequestHandler):
    """Parses one request, routes it, answers it (or, on purpose, does not)."""

    server: NodeServer
    protocol_version = "HTTP/1.1"
    timeout = 120  # closes idle keep-alive connections
    disable_nagle_algorithm = True  # headers and body go out in two writes

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_OPTIONS(self) -> None:
        self._dispatch("OPTIONS")

    @property
    def node(self) -> Node:
        return self.server.node

    def _dispatch(self, method: str) -> None:
        try:
            body = self._read_body()
        except BodyTooLarge:
            self.close_connection = True
            self._send(text_reply(413, "Failed to buffer the request body: length limit exceeded"))
            return
        except ValueError:
            self.close_connection = True
            self._send(Reply(400))
            return

        path, _, self.query = self.path.partition("?")
        for pattern, methods in self.server.routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            name = methods.get("GET" if method == "HEAD" else method)
            if name is None:
                self._send(Reply(405, headers=(("allow", allow_header(methods)),)))
                return
            handler: Callable[[bytes, dict[str, str]], Reply | None]
            handler = getattr(self, f"handle_{name}")
            reply = handler(
                body, {key: unquote(value) for key, value in match.groupdict().items()}
            )
            if reply is not None:
                self._send(reply)
            return
        self._send(Reply(404))

    def _read_body(self) -> bytes:
        """The whole body (always read, so a kept-alive connection stays in step)."""
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("content-length") or 0)
        if length < 0:
            raise ValueError("negative content-length")
        if length > BODY_LIMIT:
            raise BodyTooLarge
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        body = b""
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline().strip():
                    pass
                return body
            body += self.rfile.read(size)
            self.rfile.readline()
            if len(body) > BODY_LIMIT:
                raise BodyTooLarge

    def _send(self, reply: Reply) -> bool:
        """Write the reply; False when the client was already gone."""
        try:
            self.send_response(reply.status)
            if reply.content_type is not None:
                self.send_header("content-type", reply.content_type)
            self.send_header("content-length", str(len(reply.body)))
            for name, value in reply.headers:
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True
            return False
        return True

    def send_response(self, code: int, message: str | None = None) -> None:
        # Like hyper: a date header and no server header.
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("date", self.date_time_string())

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.node.log.info("request", method=self.command, path=self.path, status=code)

    def log_message(self, format: str, *args: Any) -> None:
        self.node.log.warning("http", message=format % args)

    # The real node's endpoints.

    def handle_claim(self, body: bytes, params: dict[str, str]) -> Reply | None:
        if not is_json_content_type(self.headers.get("content-type", "")):
            return text_reply(415, MISSING_JSON_TYPE)
        try:
            payload = decode_json(body)
        except ValueError as error:
            return text_reply(400, f"Failed to parse the request body as JSON: {error}")

        reply, index = self._apply_claim(payload)
        delay = self.node.faults.claim_delay_seconds
        if delay:
            time.sleep(delay)
        if index is not None and self.node.faults.take_drop():
            self.node.chain.mark_unanswered(index)
            self.node.log.warning("claim_answer_dropped", ledger_index=index)
            self.close_connection = True
            return None
        if not self._send(reply) and index is not None:
            self.node.chain.mark_unanswered(index)
        return None

    def _apply_claim(self, payload: Any) -> tuple[Reply, int | None]:
        """The claim's answer, and its ledger index when it was applied."""
        log = self.node.log
        if self.node.faults.take_claim_failure():
            log.warning("claim_failed", reason="fault fail_claims")
            return json_reply(INTERNAL_ERROR, 500), None
        try:
            pool, amount, to = parse_claim(payload)
            index, remaining = self.node.chain.claim(pool, amount, to)
        except (ClaimInvalid, InsufficientPool) as error:
            log.warning("claim_failed", reason=str(error))
            return json_reply(INTERNAL_ERROR, 500), None

        log.info("claim_applied", pool=pool, amount=amount, to=to, remaining=remaining)
        return json_reply({"pool": pool, "remaining": str(remaining)}), index

    def handle_stats(self, body: bytes, params: dict[str, str]) -> Reply:
        return json_reply(stats_payload(self.node.chain.view(), self.node.chain_id))

    def handle_status(self, body: bytes, params: dict[str, str]) -> Reply:
        return json_reply(
            {
                "status": "healthy",
                "latest_height": self.node.chain.view().height,
                "syncing": False,
                "chain_id": self.node.chain_id,
            }
        )

    def handle_balance(self, body: bytes, params: dict[str, str]) -> Reply:
        denom = parse_qs(self.query).get("denom", [DENOM])[-1]
        address = params["address"]
        balance = self.node.chain.balance(address, denom)
        return json_reply({"address": address, "denom": denom, "balance": str(balance)})

    def handle_pause(self, body: bytes, params: dict[str, str]) -> Reply:
        self.node.blocks.pause()
        self.node.log.info("blocks_paused", height=self.node.chain.view().height)
        return json_reply({"ok": True, "paused": True})

    def handle_resume(self, body: bytes, params: dict[str, str]) -> Reply:
        self.node.blocks.resume()
        self.node.log.info("blocks_resumed", height=self.node.chain.view().height)
        return json_reply({"ok": True, "paused": False})

    def handle_metrics(self, body: bytes, params: dict[str, str]) -> Reply:
        faults = self.node.faults
        if faults.metrics_delay_seconds:
            time.sleep(faults.metrics_delay_seconds)
        if faults.broken_metrics:
            return Reply(200, BROKEN_EXPOSITION, CONTENT_TYPE)
        return Reply(200, exposition(self.node.registry), CONTENT_TYPE)

    # Test-only endpoints under /devnode/: clear JSON errors, no content-type rules.

    def handle_ledger(self, body: bytes, params: dict[str, str]) -> Reply:
        return json_reply(self.node.chain.claims())

    def handle_faults_read(self, body: bytes, params: dict[str, str]) -> Reply:
        return json_reply(self.node.faults.as_dict())

    def handle_faults_set(self, body: bytes, params: dict[str, str]) -> Reply:
        try:
            faults = self.node.faults.update(decode_json(body))
        except ValueError as error:
            return json_reply({"error": f"faults: {error}"}, 400)
        self.node.log.info("faults_set", **faults)
        return json_reply(faults)

    def handle_faults_clear(self, body: bytes, params: dict[str, str]) -> Reply:
        self.node.log.info("faults_cleared")
        return json_reply(self.node.faults.clear())

    def handle_advance(self, body: bytes, params: dict[str, str]) -> Reply:
        try:
            payload = decode_json(body)
        except ValueError as error:
            return json_reply({"error": f"advance: {error}"}, 400)
        blocks = payload.get("blocks") if isinstance(payload, dict) else None
        if type(blocks) is not int or blocks < 1:
            expected = 'expected {"blocks": <integer >= 1>}'
            return json_reply({"error": f"advance: {expected}, found {payload!r}"}, 400)

        height = self.node.blocks.advance(blocks)
        self.node.log.info("blocks_advanced", blocks=blocks, height=height)
        return json_reply({"height": height})


def allow_header(methods: dict[str, str]) -> str:
    """axum's `allow` value: the route's methods, HEAD after GET, comma-separated."""
    names: list[str] = []
    for method in methods:
        names += ["GET", "HEAD"] if method == "GET" else [method]
    return ",".join(names)
