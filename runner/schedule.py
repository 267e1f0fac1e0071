"""The payment schedule: which pool pays how many uDRT to whom at which height.

STUB (to be replaced by the full validator): the types and signatures below are
the interface the rest of the project codes against; keep them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

POOLS: tuple[str, ...] = (
    "ai_module_incentives",
    "block_rewards",
    "bridge_operations",
    "staking_rewards",
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One scheduled payment, with where it stands in its file."""

    index: int  # 1-based position in `entries`
    line: int  # 1-based line where the entry starts
    height: int
    pool: str
    to: str
    amount_udrt: int
    id: str | None = None

    @property
    def key(self) -> str:
        """The stamp key: the explicit id, or the shell runner's key."""
        return self.id if self.id is not None else self.legacy_key

    @property
    def legacy_key(self) -> str:
        return f"{self.height}_{self.pool}_{self.to}_{self.amount_udrt}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a schedule file, located as precisely as the file allows."""

    path: str
    message: str
    line: int | None = None
    entry: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


class ScheduleError(Exception):
    """A schedule that must not be paid from, with every problem found in it."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.path = path
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Schedule:
    path: str
    entries: tuple[Entry, ...]
    digest: str  # sha256 of the file's bytes, hex


def load_schedule(path: Path) -> Schedule:
    """Read and validate a schedule file; raise ScheduleError listing every problem."""
    import hashlib

    data = path.read_bytes()
    doc = yaml.safe_load(data)
    entries = tuple(
        Entry(
            index=i,
            line=0,
            height=e["height"],
            pool=e["pool"],
            to=e["to"],
            amount_udrt=e["amount_udrt"],
            id=e.get("id"),
        )
        for i, e in enumerate(doc["entries"], start=1)
    )
    return Schedule(str(path), entries, hashlib.sha256(data).hexdigest())
