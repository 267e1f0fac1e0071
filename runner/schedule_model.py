"""The values a schedule is made of: entries, the problems found in a file, the whole schedule.

`runner.schedule` re-exports everything here; import from there.
"""

from __future__ import annotations

from dataclasses import dataclass

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
        """The shell runner's key `<height>_<pool>_<to>_<amount_udrt>`."""
        return f"{self.height}_{self.pool}_{self.to}_{self.amount_udrt}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a schedule file, located as precisely as the file allows.

    `message` is the whole sentence a person reads, starting with the entry and its
    line when there is one (`entry 3 (line 14): height must be >= 0, got -5`);
    `line`, `entry` and `field` are the same facts for programs.
    """

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
    """A schedule file that passed every check: its entries in file order."""

    path: str
    entries: tuple[Entry, ...]
    digest: str  # sha256 of the file's bytes, hex
