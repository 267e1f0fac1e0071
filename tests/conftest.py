"""Fixtures shared by every component's tests: the shared test cases and a real devnode."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from devnode.handle import DevnodeFactory, DevnodeHandle
from devnode.process import DevnodeProcess

logging.getLogger("httpx").setLevel(logging.WARNING)

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_CASES = (REPO_ROOT / ".." / "shared" / "cases").resolve()


@pytest.fixture
def shared_cases() -> Path:
    """The read-only test data in ../shared/cases (use in place, never write to it)."""
    return SHARED_CASES


@pytest.fixture
def devnode() -> Iterator[DevnodeFactory]:
    """Start real devnodes: `devnode(start_height=420, block_interval_ms=..., per_block_udrt=...)`.

    `block_interval_ms` defaults to 0 here, which means no timer at all: blocks come only
    from `advance()`, so heights and pools are exact. Pass a positive interval for a
    ticking chain (None: the node's own default, or DYT_BLOCK_INTERVAL_MS from `env`).
    `metrics=None` leaves the metrics server to DY_METRICS / DY_METRICS_ADDR in `env`.
    Every node started is stopped at teardown, even when the test failed.
    """
    started: list[DevnodeHandle] = []

    def start(
        *,
        start_height: int = 0,
        block_interval_ms: int | None = 0,
        per_block_udrt: int | None = None,
        chain_id: str | None = None,
        metrics: bool | None = True,
        env: Mapping[str, str] | None = None,
        extra_args: Sequence[str] = (),
    ) -> DevnodeHandle:
        process = DevnodeProcess(
            start_height=start_height,
            block_interval_ms=block_interval_ms,
            per_block_udrt=per_block_udrt,
            chain_id=chain_id,
            metrics=metrics,
            env=env,
            extra_args=extra_args,
        )
        handle = DevnodeHandle(process.start())
        started.append(handle)
        return handle

    yield start

    for handle in started:
        handle.close()
