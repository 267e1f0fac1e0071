"""The audit as one JSON document: what `/audit` serves and `report --json` prints.

```
{"summary": {...}, "problems": [...], "entries": [...], "mismatches": [...]}
```

`entries` holds every schedule entry as `{"key", "height", "pool", "to",
"amount_udrt", "status", "reason", "advice", "doc_url", "commands"}`, those
that need attention first; `problems` lists what is wrong beyond single entries
(an invalid schedule, an unreachable node, unreadable folders, a shortfall).
Values not measured are null, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from exporter.advice import Advice, Advisor
from exporter.audit import Audit
from exporter.entry_book import NEEDS_ATTENTION
from runner.ledger import EntryState


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong beyond single entries, with what to do about it."""

    topic: str
    message: str
    advice: Advice


def iso(at: float | None) -> str | None:
    if at is None:
        return None
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def problems(audit: Audit, advisor: Advisor) -> list[Problem]:
    """Everything beyond single entries that a person should look at, worst first."""
    found: list[Problem] = []

    def add(topic: str, message: str, what: str) -> None:
        found.append(Problem(topic, message, advisor.for_topic(topic, what)))

    schedule = audit.schedule
    if not schedule.valid:
        kept = "the last valid schedule stays in use" if schedule.schedule else "none is in use"
        for problem in schedule.problems:
            add("schedule_invalid", str(problem), f"Fix the schedule file; {kept}.")
    if audit.state.error is not None:
        add("state_unreadable", audit.state.error, "Check the volume mount and permissions.")
    for refused in audit.state.refused:
        add("state_unreadable", f"state folder: {refused.name} {refused.reason}", "Remove it.")
    if audit.logs.folder_error is not None:
        add("logs_unreadable", audit.logs.folder_error, "Check the volume mount.")
    for name, reason in sorted(audit.logs.unreadable.items()):
        add("logs_unreadable", f"log file {name}: {reason}", "Check the file's permissions.")
    node = audit.node
    if node is not None and not node.success:
        add(
            "node_unreachable",
            node.failure or "node scrape failed",
            "Check the node, the exporter's --node-metrics-url and the NetworkPolicy.",
        )
    if audit.shortfall_udrt:
        add(
            "shortfall",
            f"the node's pools hold {audit.shortfall_udrt} uDRT less than what is due",
            "Claims beyond a pool fail until emission refills it, or the schedule changes.",
        )
    return found


def entry_record(state: EntryState, advisor: Advisor) -> dict[str, Any]:
    entry = state.entry
    advice = advisor.for_entry(state)
    return {
        "key": entry.key,
        "height": entry.height,
        "pool": entry.pool,
        "to": entry.to,
        "amount_udrt": entry.amount_udrt,
        "status": state.status.value,
        "reason": state.reason,
        "advice": None if advice is None else advice.text,
        "doc_url": None if advice is None else advice.url,
        "commands": [] if advice is None else list(advice.commands),
    }


def summary(audit: Audit) -> dict[str, Any]:
    statuses = audit.status_counts()
    needing = None if statuses is None else sum(statuses[s] for s in NEEDS_ATTENTION)
    node = audit.node
    facts = audit.logs.facts
    schedule = audit.schedule
    return {
        "taken_at": iso(audit.taken_at),
        "height": audit.height,
        "height_source": audit.height_source,
        "grace_blocks": audit.settings.grace_blocks,
        "needs_attention": needing,
        "entries": None if statuses is None else {s.value: n for s, n in statuses.items()},
        "invalid_entries": schedule.invalid_entries,
        "pools": _pools(audit),
        "shortfall_udrt": audit.shortfall_udrt,
        "overdue_blocks": audit.overdue_blocks,
        "mismatches": dict(audit.mismatches),
        "schedule": {
            "path": str(audit.settings.schedule),
            "valid": schedule.valid,
            "entries": None if schedule.schedule is None else len(schedule.schedule.entries),
            "sha256": None if schedule.schedule is None else schedule.schedule.digest,
            "loaded_at": iso(schedule.loaded_at),
            "problems": [
                {"message": p.message, "line": p.line, "entry": p.entry, "field": p.field}
                for p in schedule.problems
            ],
        },
        "state": {"readable": audit.state.error is None, "error": audit.state.error},
        "logs": {
            "readable": audit.logs.folder_error is None,
            "error": audit.logs.folder_error,
            "unreadable_files": dict(audit.logs.unreadable),
            "lines": facts.lines if audit.logs.read_once else None,
            "parse_errors": facts.parse_errors if audit.logs.read_once else None,
        },
        "runner": {
            "last_start": iso(facts.last_start),
            "last_end": iso(facts.last_end),
            "last_success": iso(facts.last_success),
            "last_height": facts.last_height,
            "runs": facts.runs if audit.logs.read_once else None,
            "errors": dict(facts.errors) if audit.logs.read_once else None,
        },
        "node": None
        if node is None
        else {
            "url": audit.settings.node_metrics_url,
            "success": node.success,
            "failure": node.failure,
            "duration_seconds": round(node.duration_seconds, 4),
            "block_height": _int(node.block_height),
            "applied_height": _int(node.applied_height),
            "pending_udrt": _int(node.pending_udrt),
            "last_apply": iso(node.last_apply_timestamp),
        },
    }


def audit_document(audit: Audit, advisor: Advisor) -> dict[str, Any]:
    """The whole audit as JSON-ready data."""
    return {
        "summary": summary(audit),
        "problems": [
            {
                "topic": p.topic,
                "message": p.message,
                "advice": p.advice.text,
                "doc_url": p.advice.url,
            }
            for p in problems(audit, advisor)
        ],
        "entries": [entry_record(state, advisor) for state in audit.entries()],
        "mismatches": [
            {
                "kind": m.kind,
                "key": m.key,
                "detail": m.detail,
                "advice": (advice := advisor.for_mismatch(m.kind, m.key)).text,
                "doc_url": advice.url,
                "commands": list(advice.commands),
            }
            for m in audit.mismatch_details
        ],
    }


def _pools(audit: Audit) -> dict[str, dict[str, int | None]] | None:
    totals = audit.totals
    if totals is None:
        return None
    return {
        pool: {
            "scheduled_udrt": totals.scheduled[pool],
            "paid_udrt": totals.paid[pool],
            "due_udrt": totals.due.get(pool),
        }
        for pool in totals.scheduled
    }


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)
