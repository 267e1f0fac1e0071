"""The simulated chain: height, emission pools, balances and the ledger of claims.

Amounts are plain Python integers (the node holds u128; nothing here overflows).
Every method takes the one lock, so the block timer and request threads see a
consistent chain.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

POOLS = ("block_rewards", "staking_rewards", "ai_module_incentives", "bridge_operations")

# Percent of each block's emission per pool; the rounding remainder goes to the last pool.
SPLIT_PERCENT = {"block_rewards": 60, "staking_rewards": 25, "ai_module_incentives": 10}
REMAINDER_POOL = "bridge_operations"

DENOM = "udrt"


def split_emission(amount: int) -> dict[str, int]:
    """One block's emission per pool: integer shares, the remainder to bridge_operations."""
    shares = {pool: amount * percent // 100 for pool, percent in SPLIT_PERCENT.items()}
    shares[REMAINDER_POOL] = amount - sum(shares.values())
    return shares


class InsufficientPool(Exception):
    """The pool holds less than the claimed amount."""

    def __init__(self, pool: str, held: int, amount: int) -> None:
        super().__init__(f"pool {pool} holds {held} uDRT, claim asked for {amount}")
        self.pool = pool
        self.held = held
        self.amount = amount


@dataclass
class ClaimRecord:
    """One claim the node applied. `answered` turns false when the answer was withheld."""

    pool: str
    amount: int
    to: str
    height: int
    time: float
    answered: bool = True


@dataclass(frozen=True)
class ChainView:
    """A consistent copy of the chain's state at one moment."""

    height: int
    applied_height: int
    pools: dict[str, int]
    total_emitted: int
    total_claimed: int
    last_apply_time: float
    blocks_produced: int


@dataclass(frozen=True)
class MetricsSnapshot:
    """What the node's metrics say; taken once per produced block, like the real node."""

    block_height: int
    applied_height: int
    pending_udrt: int
    last_apply_time: float
    blocks_produced: int


class Chain:
    """Height, pools, balances and claims of one simulated chain.

    A chain started at height N holds what N blocks emitted, as if it had been
    running; its last apply time is its start time (0 when N is 0).
    """

    def __init__(
        self,
        *,
        start_height: int,
        per_block_udrt: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self.per_block_udrt = per_block_udrt
        self._per_block_shares = split_emission(per_block_udrt)
        self._height = start_height
        self._applied_height = 0
        self._pools = dict.fromkeys(POOLS, 0)
        self._total_emitted = 0
        self._total_claimed = 0
        self._last_apply_time = 0.0
        self._blocks_produced = start_height
        self._balances: dict[tuple[str, str], int] = {}
        self._claims: list[ClaimRecord] = []
        self._emit_up_to_height()
        self._metrics = self._take_snapshot()

    def produce_blocks(self, count: int, *, emit: bool = True) -> int:
        """Add `count` blocks; with `emit`, the engine catches up to the new height.

        Without `emit` (a stalled emission engine) the height moves and the pools
        do not; the next block produced with `emit` accounts every missed block.
        """
        with self._lock:
            self._height += count
            self._blocks_produced += count
            if emit:
                self._emit_up_to_height()
            self._metrics = self._take_snapshot()
            return self._height

    def _emit_up_to_height(self) -> None:
        # The per-block split is fixed, so catching up block by block equals one multiplication.
        blocks = self._height - self._applied_height
        if blocks <= 0:
            return
        for pool, share in self._per_block_shares.items():
            self._pools[pool] += share * blocks
        self._total_emitted += self.per_block_udrt * blocks
        self._applied_height = self._height
        self._last_apply_time = self._clock()

    def _take_snapshot(self) -> MetricsSnapshot:
        return MetricsSnapshot(
            block_height=self._height,
            applied_height=self._applied_height,
            pending_udrt=sum(self._pools.values()),
            last_apply_time=self._last_apply_time,
            blocks_produced=self._blocks_produced,
        )

    def claim(self, pool: str, amount: int, to: str) -> tuple[int, int]:
        """Move `amount` from `pool` to `to`; returns (ledger index, what the pool has left).

        An unknown pool holds 0. `to` is not checked, exactly like the real node.
        """
        with self._lock:
            held = self._pools.get(pool, 0)
            if held < amount:
                raise InsufficientPool(pool, held, amount)
            self._pools[pool] = held - amount
            key = (to, DENOM)
            self._balances[key] = self._balances.get(key, 0) + amount
            self._total_claimed += amount
            record = ClaimRecord(pool, amount, to, self._height, self._clock())
            self._claims.append(record)
            return len(self._claims) - 1, held - amount

    def mark_unanswered(self, index: int) -> None:
        """Record that the claim at `index` was applied but its answer never went out."""
        with self._lock:
            self._claims[index].answered = False

    def claims(self) -> list[dict[str, object]]:
        with self._lock:
            return [asdict(record) for record in self._claims]

    def balance(self, address: str, denom: str) -> int:
        with self._lock:
            return self._balances.get((address, denom), 0)

    def view(self) -> ChainView:
        with self._lock:
            return ChainView(
                height=self._height,
                applied_height=self._applied_height,
                pools=dict(self._pools),
                total_emitted=self._total_emitted,
                total_claimed=self._total_claimed,
                last_apply_time=self._last_apply_time,
                blocks_produced=self._blocks_produced,
            )

    @property
    def height(self) -> int:
        with self._lock:
            return self._height

    @property
    def metrics(self) -> MetricsSnapshot:
        """The snapshot of the last produced block (claims show up at the next block)."""
        with self._lock:
            return self._metrics
