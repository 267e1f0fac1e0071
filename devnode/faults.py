"""Misbehaviour on request, so tests can show how the runner and exporter cope.

| fault | type | effect |
| --- | --- | --- |
| `fail_claims` | count | the next N claims answer 500 and move nothing |
| `drop_after_apply` | count | the next N claims that succeed are applied, then the connection
  is closed without an answer |
| `claim_delay_ms` | ms | every claim is handled, then its answer waits this long |
| `broken_metrics` | bool | both `/metrics` serve text that is not Prometheus exposition |
| `metrics_delay_ms` | ms | both `/metrics` wait this long before answering |
| `emission_stalled` | bool | blocks keep coming, the emission engine stops accounting them;
  when cleared, the next block catches up |
"""

from __future__ import annotations

import threading
from typing import Any

COUNTS = ("fail_claims", "drop_after_apply", "claim_delay_ms", "metrics_delay_ms")
SWITCHES = ("broken_metrics", "emission_stalled")


class FaultError(ValueError):
    """A fault setting that is unknown or of the wrong type."""


class Faults:
    """The faults in force; every read and change holds one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, int | bool] = {}
        self.clear()

    def clear(self) -> dict[str, int | bool]:
        with self._lock:
            self._values = {name: 0 for name in COUNTS} | {name: False for name in SWITCHES}
            return dict(self._values)

    def update(self, changes: Any) -> dict[str, int | bool]:
        """Set the faults named in `changes` (a dict); all are checked before any is set."""
        if not isinstance(changes, dict):
            raise FaultError(f"expected a JSON object of faults, found {type(changes).__name__}")
        problems = [p for name, value in changes.items() if (p := self._problem(name, value))]
        if problems:
            raise FaultError("; ".join(problems))

        with self._lock:
            self._values.update(changes)
            return dict(self._values)

    @staticmethod
    def _problem(name: str, value: object) -> str | None:
        if name in COUNTS:
            if type(value) is not int or value < 0:
                return f"{name}: expected an integer >= 0, found {value!r}"
            return None
        if name in SWITCHES:
            if type(value) is not bool:
                return f"{name}: expected true or false, found {value!r}"
            return None
        return f"{name}: unknown fault, expected one of {', '.join(COUNTS + SWITCHES)}"

    def as_dict(self) -> dict[str, int | bool]:
        with self._lock:
            return dict(self._values)

    def _take(self, name: str) -> bool:
        with self._lock:
            left = int(self._values[name])
            if left == 0:
                return False
            self._values[name] = left - 1
            return True

    def take_claim_failure(self) -> bool:
        """True (and one fewer left) when this claim must fail."""
        return self._take("fail_claims")

    def take_drop(self) -> bool:
        """True (and one fewer left) when this applied claim must lose its answer."""
        return self._take("drop_after_apply")

    def _get(self, name: str) -> int | bool:
        with self._lock:
            return self._values[name]

    @property
    def claim_delay_seconds(self) -> float:
        return int(self._get("claim_delay_ms")) / 1000

    @property
    def metrics_delay_seconds(self) -> float:
        return int(self._get("metrics_delay_ms")) / 1000

    @property
    def broken_metrics(self) -> bool:
        return bool(self._get("broken_metrics"))

    @property
    def emission_stalled(self) -> bool:
        return bool(self._get("emission_stalled"))
