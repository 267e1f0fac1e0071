"""A running devnode seen from a test or the demo: its URLs and a client for its endpoints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import httpx

from devnode.process import DevnodeProcess


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

    def stderr(self) -> str:
        """The node's log so far (key=value lines)."""
        return self.process.stderr()

    def stop(self) -> int | None:
        """Stop the node (SIGTERM); returns its exit code. Its log stays readable."""
        self.http.close()
        return self.process.stop()

    def close(self) -> None:
        """Stop the node and release everything it held."""
        self.stop()
        self.process.close()


class DevnodeFactory(Protocol):
    """The `devnode` test fixture: starts a node, returns its handle."""

    def __call__(
        self,
        *,
        start_height: int = 0,
        block_interval_ms: int | None = 0,
        per_block_udrt: int | None = None,
        chain_id: str | None = None,
        metrics: bool | None = True,
        env: Mapping[str, str] | None = None,
        extra_args: Sequence[str] = (),
    ) -> DevnodeHandle: ...
