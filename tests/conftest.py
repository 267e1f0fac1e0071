"""Fixtures shared by every component's tests: the shared test cases and a real devnode."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest

from devnode.process import DevnodeProcess

logging.getLogger("httpx").setLevel(logging.WARNING)

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_CASES = (REPO_ROOT / ".." / "shared" / "cases").resolve()


@pytest.fixture
def shared_cases() -> Path:
    """The read-only test data in ../shared/cases (use in place, never write to it)."""
    return SHARED_CASES


class DevnodeHandle:
    """A running devnode and a small client for its RPC and test-only endpoints."""

    def __init__(self, process: DevnodeProcess) -> None:
        self.process = process
        self.rpc_url = process.rpc_url
        self.metrics_url = process.metrics_url
        self.http = httpx.Client(base_url=process.rpc_url, timeout=10.0)

    def _json(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(method, path, json=body)
        response.raise_for_status()
        return response.json()

    def claims(self) -> list[dict[str, Any]]:
        """Every claim the node applied, in order (see docs/devnode.md)."""
        result: list[dict[str, Any]] = self._json("GET", "/devnode/claims")
        return result

    def faults(self, **faults: Any) -> dict[str, Any]:
        """Set faults, e.g. `faults(fail_claims=2)`; returns every fault now in force."""
        result: dict[str, Any] = self._json("POST", "/devnode/faults", faults)
        return result

    def clear_faults(self) -> dict[str, Any]:
        result: dict[str, Any] = self._json("DELETE", "/devnode/faults")
        return result

    def stats(self) -> dict[str, Any]:
        """The node's `GET /api/stats` answer."""
        result: dict[str, Any] = self._json("GET", "/api/stats")
        return result

    def height(self) -> int:
        height: int = self.stats()["height"]
        return height

    def balance(self, address: str, denom: str = "udrt") -> int:
        response = self.http.get(f"/balance/{address}", params={"denom": denom})
        response.raise_for_status()
        return int(response.json()["balance"])

    def advance(self, blocks: int = 1) -> int:
        """Produce `blocks` blocks at once; returns the new height."""
        height: int = self._json("POST", "/devnode/advance", {"blocks": blocks})["height"]
        return height

    def pause(self) -> None:
        self._json("POST", "/ops/pause")

    def resume(self) -> None:
        self._json("POST", "/ops/resume")

    def metrics_text(self) -> str:
        response = self.http.get("/metrics")
        response.raise_for_status()
        return response.text

    def stop(self) -> int | None:
        """Stop the node (SIGTERM); returns its exit code."""
        self.http.close()
        return self.process.stop()


class DevnodeFactory(Protocol):
    def __call__(
        self,
        *,
        start_height: int = 0,
        block_interval_ms: int = 0,
        per_block_udrt: int | None = None,
        chain_id: str | None = None,
        metrics: bool = True,
    ) -> DevnodeHandle: ...


@pytest.fixture
def devnode() -> Iterator[DevnodeFactory]:
    """Start real devnodes: `devnode(start_height=420, block_interval_ms=..., per_block_udrt=...)`.

    `block_interval_ms` defaults to 0 here, which means no timer at all: blocks come only
    from `advance()`, so heights and pools are exact. Pass a positive interval for a
    ticking chain. Every node started is stopped at teardown, even when the test failed.
    """
    started: list[DevnodeHandle] = []

    def start(
        *,
        start_height: int = 0,
        block_interval_ms: int = 0,
        per_block_udrt: int | None = None,
        chain_id: str | None = None,
        metrics: bool = True,
    ) -> DevnodeHandle:
        process = DevnodeProcess(
            start_height=start_height,
            block_interval_ms=block_interval_ms,
            per_block_udrt=per_block_udrt,
            chain_id=chain_id,
            metrics=metrics,
        )
        handle = DevnodeHandle(process.start())
        started.append(handle)
        return handle

    yield start

    for handle in started:
        handle.stop()
        handle.process.close()
