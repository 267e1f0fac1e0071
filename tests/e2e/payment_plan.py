"""The schedule the end-to-end scenarios pay: small entries falling due every few blocks.

Each entry pays its own address, so a claim on the node names the entry it paid
and a second payment of the same entry cannot hide.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from runner.address import make_address
from runner.schedule import POOLS


@dataclass(frozen=True)
class PlannedEntry:
    """One schedule entry, as written to the schedule file."""

    key: str
    height: int
    pool: str
    to: str
    amount_udrt: int

    def as_yaml(self) -> dict[str, Any]:
        return {
            "id": self.key,
            "height": self.height,
            "pool": self.pool,
            "to": self.to,
            "amount_udrt": self.amount_udrt,
        }


def plan_entries(first_height: int, count: int, every_blocks: int) -> list[PlannedEntry]:
    """`count` entries, one every `every_blocks` blocks from `first_height`, pools in turn."""
    entries = []
    for index in range(count):
        account = hashlib.sha256(f"e2e-recipient-{index}".encode()).digest()[:20]
        entries.append(
            PlannedEntry(
                key=f"e2e-{index:03d}",
                height=first_height + index * every_blocks,
                pool=POOLS[index % len(POOLS)],
                to=make_address(account),
                amount_udrt=1_000 + index,
            )
        )
    return entries


def write_schedule(path: Path, entries: list[PlannedEntry]) -> Path:
    document = {"entries": [entry.as_yaml() for entry in entries]}
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path
