"""What one run did, and the exit code and status word that follow (docs/formats.md).

Exit codes: 0 every due entry paid; 1 internal error; 2 invalid input; 3 lock held;
4 node unreachable or claims failed; 5 entries need a person; 6 deadline reached. When
several apply the highest in the order 5, 4, 6 wins.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INVALID_INPUT = 2
EXIT_LOCKED = 3
EXIT_NODE_FAILED = 4
EXIT_NEEDS_A_PERSON = 5
EXIT_DEADLINE = 6

STATUS_WORDS = {
    EXIT_OK: "ok",
    EXIT_NEEDS_A_PERSON: "needs_attention",
    EXIT_DEADLINE: "incomplete",
}


def status_word(exit_code: int) -> str:
    """The `status=` of the done line: ok, failed, needs_attention or incomplete."""
    return STATUS_WORDS.get(exit_code, "failed")


@dataclass(frozen=True, slots=True)
class Attention:
    """An entry a person must look at, as the run saw it."""

    key: str
    status: str
    reason: str


@dataclass(frozen=True, slots=True)
class ClaimReport:
    """One claim this run made, and how it ended."""

    key: str
    outcome: str  # applied, error, in_doubt
    detail: str


@dataclass(slots=True)
class RunSummary:
    """Counts for the done line and the --json output; `exit_code` is derived from them."""

    run_id: str
    height: int | None = None
    due: int = 0
    paid: int = 0
    failed: int = 0
    in_doubt: int = 0
    conflicts: int = 0
    damaged: int = 0
    skipped: int = 0
    future: int = 0
    imported: int = 0
    logs_removed: int = 0
    node_unreachable: bool = False
    deadline_reached: bool = False
    invalid_input: bool = False
    internal_error: bool = False
    duration_seconds: float = 0.0
    attention: list[Attention] = field(default_factory=list)
    claims: list[ClaimReport] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.internal_error:
            return EXIT_INTERNAL
        if self.invalid_input:
            return EXIT_INVALID_INPUT
        if self.in_doubt or self.conflicts or self.damaged:
            return EXIT_NEEDS_A_PERSON
        if self.failed or self.node_unreachable:
            return EXIT_NODE_FAILED
        if self.deadline_reached:
            return EXIT_DEADLINE
        return EXIT_OK

    @property
    def status(self) -> str:
        return status_word(self.exit_code)

    def done_fields(self) -> dict[str, object]:
        """The fields of the `done` line, in the documented order."""
        return {
            "height": self.height,
            "due": self.due,
            "paid": self.paid,
            "failed": self.failed,
            "in_doubt": self.in_doubt,
            "conflicts": self.conflicts,
            "damaged": self.damaged,
            "skipped": self.skipped,
            "future": self.future,
            "imported": self.imported,
            "logs_removed": self.logs_removed,
            "exit": self.exit_code,
            "status": self.status,
            "duration_seconds": f"{self.duration_seconds:.3f}",
        }

    def to_json(self) -> dict[str, Any]:
        record = asdict(self)
        record["exit"] = self.exit_code
        record["status"] = self.status
        record["duration_seconds"] = round(self.duration_seconds, 3)
        return record
