"""The demo's sample schedule: valid, its addresses what its comments say, every entry payable."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from runner.address import make_address
from runner.schedule import load_schedule

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "schedule.yaml"
# uDRT each pool gains per block with the devnode's default 1,000,000 split 60/25/10/5.
PER_BLOCK = {
    "block_rewards": 600_000,
    "staking_rewards": 250_000,
    "ai_module_incentives": 100_000,
    "bridge_operations": 50_000,
}


def test_example_is_valid_with_one_id() -> None:
    schedule = load_schedule(EXAMPLE)
    assert len(schedule.entries) == 16
    assert {e.pool for e in schedule.entries} == set(PER_BLOCK)
    assert [e.key for e in schedule.entries if e.id is not None] == ["ai-grant-2026-q1"]
    assert (schedule.entries[0].height, schedule.entries[-1].height) == (5, 120)


def test_example_addresses_come_from_their_seeds() -> None:
    pairs = re.findall(r"to: (\S+)  # (\S+)", EXAMPLE.read_text())
    assert len(pairs) == 16
    for address, seed in pairs:
        assert address == make_address(hashlib.sha256(seed.encode()).digest()[:20])


def test_every_example_entry_is_payable_when_due() -> None:
    entries = load_schedule(EXAMPLE).entries
    for entry in entries:
        due_so_far = sum(
            e.amount_udrt for e in entries if e.pool == entry.pool and e.height <= entry.height
        )
        assert due_so_far <= entry.height * PER_BLOCK[entry.pool], entry
