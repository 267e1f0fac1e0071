"""The node's RPC as the runner uses it: the height, the pools, a balance, and claims.

The claim endpoint is not idempotent, so what matters most here is telling apart the
ways a claim can end (NODE-CONTRACT.md):

- `Paid`: the node answered 200 with its `{"pool", "remaining"}` body;
- `Refused`: the node answered and moved nothing (its 500, or a 4xx from its framework);
- `NeverSent`: provably never reached the node (no connection was made): safe to retry;
- `AnswerLost`: the request may have reached the node and no usable answer came back
  (timeout after sending, reset, a garbled 200, a gateway's 502/503/504): it MAY have
  paid, and the entry is in doubt.

When unsure, the answer is `AnswerLost`: a claim in doubt costs a person a minute, a
claim paid twice costs money.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, TypeGuard

import httpx

logging.getLogger("httpx").setLevel(logging.WARNING)

_DIGITS = re.compile(r"\d{1,40}")
_BODY_EXCERPT = 300


class InvalidNodeUrl(ValueError):
    """An RPC URL the runner cannot use; the message says what was expected."""


class NodeUnavailable(Exception):
    """A read (stats, balance) that got no usable answer; the message says why."""


@dataclass(frozen=True, slots=True)
class NodeStats:
    """The height and the emission pools' levels, from `/api/stats`."""

    height: int
    pools: dict[str, int]


@dataclass(frozen=True, slots=True)
class Paid:
    """The node answered 200: the claim moved `amount`; `remaining` is the pool's rest."""

    remaining: str


@dataclass(frozen=True, slots=True)
class Refused:
    """The node answered and moved nothing; `body` is the start of its answer."""

    http_status: int
    body: str


@dataclass(frozen=True, slots=True)
class NeverSent:
    """No connection was made: the node cannot have seen the claim."""

    reason: str


@dataclass(frozen=True, slots=True)
class AnswerLost:
    """The claim may have reached the node and no usable answer came back: in doubt."""

    reason: str


ClaimOutcome = Paid | Refused | NeverSent | AnswerLost


def check_rpc_url(text: str, flag: str = "--rpc-url") -> str:
    """The URL without a trailing slash; InvalidNodeUrl unless it is http(s) with a host."""
    if not text or any(char.isspace() for char in text):
        raise InvalidNodeUrl(
            f"{flag}: expected a URL such as http://dytallix-rpc:3030, found {text!r}"
        )
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, TypeError) as error:
        raise InvalidNodeUrl(f"{flag}: {text!r} is not a URL ({error})") from error
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidNodeUrl(
            f"{flag}: expected an http:// or https:// URL with a host, such as"
            f" http://dytallix-rpc:3030, found {text!r}"
        )
    if url.query or url.fragment:
        raise InvalidNodeUrl(f"{flag}: expected no query or fragment, found {text!r}")
    if url.port is not None and not 0 < url.port < 65536:
        raise InvalidNodeUrl(
            f"{flag}: expected a port from 1 to 65535, found {url.port} in {text!r}"
        )
    return str(url).rstrip("/")


class NodeClient:
    """One httpx client for every request of a run, with a timeout on every phase.

    Connections are not kept alive between requests: a claim sent on a pooled connection
    the node had already closed fails as "server disconnected", which is
    indistinguishable from a lost answer, and would put a claim in doubt for nothing.
    Proxy settings from the environment are ignored for the same reason: a proxy's 502
    cannot say whether the node applied the claim.
    """

    def __init__(self, rpc_url: str, timeout: float) -> None:
        self.rpc_url = check_rpc_url(rpc_url)
        self._http = httpx.Client(
            base_url=self.rpc_url,
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_keepalive_connections=0),
            trust_env=False,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> NodeClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def stats(self) -> NodeStats:
        body = self._get_json("/api/stats")
        height = body.get("height")
        pools = body.get("emission_pools")
        if not _is_count(height) or not isinstance(pools, dict):
            raise NodeUnavailable("/api/stats: expected 'height' and 'emission_pools'")
        levels = {name: level for name, level in pools.items() if _is_count(level)}
        return NodeStats(height=height, pools=levels)

    def balance(self, address: str) -> int:
        body = self._get_json(f"/balance/{address}", params={"denom": "udrt"})
        balance = body.get("balance")
        if not isinstance(balance, str) or not _DIGITS.fullmatch(balance):
            raise NodeUnavailable(f"/balance: expected a decimal string, found {balance!r}")
        return int(balance)

    def claim(self, pool: str, amount: int, to: str) -> ClaimOutcome:
        """POST one claim, exactly once. Never raises for anything the network does."""
        try:
            response = self._http.post(
                "/emission/claim", json={"pool": pool, "amount": amount, "to": to}
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            # No connection was made (refused, DNS, TLS handshake) or none was free to use:
            # not one byte of the request left this process.
            return NeverSent(_describe(error))
        except httpx.UnsupportedProtocol as error:
            return NeverSent(_describe(error))
        except httpx.HTTPError as error:
            # Read and write errors and timeouts, resets, protocol errors: the request may
            # have been complete on the node's side.
            return AnswerLost(_describe(error))
        return _outcome(response, pool)

    def _get_json(self, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        try:
            response = self._http.get(path, params=params)
        except httpx.HTTPError as error:
            raise NodeUnavailable(f"GET {path}: {_describe(error)}") from error
        if response.status_code != 200:
            raise NodeUnavailable(f"GET {path}: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as error:
            raise NodeUnavailable(f"GET {path}: the answer is not JSON") from error
        if not isinstance(body, dict):
            raise NodeUnavailable(f"GET {path}: expected a JSON object")
        return body


def _outcome(response: httpx.Response, pool: str) -> ClaimOutcome:
    status = response.status_code
    body = response.text[:_BODY_EXCERPT]
    if status == 200:
        try:
            answer = response.json()
        except ValueError:
            return AnswerLost(f"HTTP 200 with a body that is not JSON: {body!r}")
        remaining = answer.get("remaining") if isinstance(answer, dict) else None
        if not isinstance(remaining, str) or not _DIGITS.fullmatch(remaining):
            return AnswerLost(f"HTTP 200 without a 'remaining' count: {body!r}")
        if answer.get("pool") != pool:
            return AnswerLost(f"HTTP 200 naming another pool: {body!r}")
        return Paid(remaining)
    if status == 500 or 400 <= status < 500:
        # The node's own answers: 500 InternalError for every failure of the claim, and
        # axum's 400/415 before it. None of them moved anything.
        return Refused(status, body)
    # A redirect or a gateway's 502/503/504 comes from something between us and the node;
    # the node itself may have applied the claim behind it.
    return AnswerLost(f"HTTP {status} from something between runner and node: {body!r}")


def _describe(error: httpx.HTTPError) -> str:
    detail = str(error) or type(error).__name__
    return f"{type(error).__name__}: {detail}"


def _is_count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
