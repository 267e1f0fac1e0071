"""`dyt-emissions report`: the exporter's audit in the terminal, straight from the files.

No server: one reading of the schedule, the state folder, the logs and (when
given) the node's metrics, printed as tables, or as the `/audit` JSON with
`--json`. Exit code 0 when the audit could be made, 2 when its sources could
not be read (no valid schedule, no log folder, an unreadable state folder); the
report is printed either way, with the problems in it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from exporter.advice import Advisor
from exporter.audit import Audit, Auditor
from exporter.audit_json import audit_document, entry_record, iso, problems
from exporter.audit_page import count
from exporter.log_summary import ERROR_KINDS
from exporter.options import add_source_options, settings_from

EXIT_OK = 0
EXIT_UNREADABLE = 2


def _height(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(
            f"expected a block height (an integer >= 0), got {text!r}"
        )
    return int(text)


def configure(parser: argparse.ArgumentParser) -> None:
    add_source_options(parser)
    parser.add_argument(
        "--height",
        type=_height,
        default=None,
        help="judge the entries at this chain height (default: the node's, else the last "
        "height in the logs)",
    )
    parser.add_argument("--json", action="store_true", help="print the /audit JSON document")
    parser.add_argument(
        "--all", action="store_true", help="list every entry, not only those needing attention"
    )


def main(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    auditor = Auditor(settings)
    try:
        audit = auditor.refresh(details=True)
    finally:
        auditor.close()
    advisor = Advisor(args.docs_url, settings.log_dir, settings.schedule)

    if args.json:
        sys.stdout.write(json.dumps(audit_document(audit, advisor), indent=1) + "\n")
    else:
        sys.stdout.write(render_text(audit, advisor, every_entry=args.all))
    unreadable = (
        audit.schedule.schedule is None
        or audit.logs.folder_error is not None
        or audit.state.error is not None
    )
    return EXIT_UNREADABLE if unreadable else EXIT_OK


def render_text(audit: Audit, advisor: Advisor, *, every_entry: bool = False) -> str:
    """The audit as plain-text tables."""
    lines: list[str] = []
    height = "unknown" if audit.height is None else f"{audit.height} ({audit.height_source})"
    lines.append(
        f"Emission audit {iso(audit.taken_at)}: height {height}, "
        f"grace {audit.settings.grace_blocks} blocks"
    )
    schedule = audit.schedule
    in_use = (
        "none"
        if schedule.schedule is None
        else count(len(schedule.schedule.entries), "entry", "entries")
    )
    lines.append(
        f"schedule {audit.settings.schedule}: {'valid' if schedule.valid else 'INVALID'}, "
        f"in use: {in_use}"
    )

    statuses = audit.status_counts()
    if statuses is not None:
        counts = "  ".join(f"{status.value} {count}" for status, count in statuses.items())
        lines += ["", f"entries: {counts}  invalid {schedule.invalid_entries}"]
    lines += _pool_table(audit)
    lines += _runner_lines(audit)

    found = problems(audit, advisor)
    if found:
        lines += ["", f"PROBLEMS ({len(found)})"]
        for problem in found:
            lines.append(f"- {problem.topic}: {problem.message}")
            lines.append(f"  {problem.advice.text} {problem.advice.url or ''}".rstrip())

    states = audit.entries(attention_only=not every_entry)
    title = "ENTRIES" if every_entry else "NEEDS ATTENTION"
    lines += ["", f"{title} ({len(states)})"]
    if states:
        rows = [entry_record(state, advisor) for state in states]
        lines += _entry_table(rows)

    if audit.mismatch_details:
        lines += ["", f"LEDGER MISMATCHES ({len(audit.mismatch_details)})"]
        for mismatch in audit.mismatch_details:
            advice = advisor.for_mismatch(mismatch.kind, mismatch.key)
            lines.append(f"- {mismatch.kind} {mismatch.key}: {mismatch.detail}")
            lines.append(f"  {advice.text} {advice.url}")
            lines += [f"    {command}" for command in advice.commands]
    return "\n".join(lines) + "\n"


def _pool_table(audit: Audit) -> list[str]:
    totals = audit.totals
    if totals is None:
        return []
    rows = [("pool", "scheduled uDRT", "paid uDRT", "due uDRT")]
    for pool, scheduled in totals.scheduled.items():
        due = totals.due.get(pool)
        rows.append(
            (pool, str(scheduled), str(totals.paid[pool]), "?" if due is None else str(due))
        )
    shortfall = "unknown" if audit.shortfall_udrt is None else f"{audit.shortfall_udrt} uDRT"
    overdue = "unknown" if audit.overdue_blocks is None else f"{audit.overdue_blocks} blocks"
    mismatches = "  ".join(f"{kind} {count}" for kind, count in audit.mismatches.items())
    return [
        "",
        *_columns(rows, right=(1, 2, 3)),
        f"shortfall: {shortfall}   oldest unpaid due entry: {overdue} overdue",
        f"mismatches: {mismatches or 'not measured'}",
    ]


def _runner_lines(audit: Audit) -> list[str]:
    facts = audit.logs.facts
    if not audit.logs.read_once:
        return ["", "runner: logs not read"]
    errors = ", ".join(f"{k} {facts.errors[k]}" for k in ERROR_KINDS if facts.errors.get(k))
    return [
        "",
        f"runner: last start {iso(facts.last_start) or 'never'}, "
        f"last end {iso(facts.last_end) or 'never'}, "
        f"last success {iso(facts.last_success) or 'never'}, "
        f"last height {facts.last_height if facts.last_height is not None else 'unknown'}",
        f"        runs {facts.runs}, error lines: {errors or 'none'}, "
        f"unparsable lines {facts.parse_errors}",
    ]


def _entry_table(rows: list[dict[str, object]]) -> list[str]:
    table = [("status", "height", "pool", "uDRT", "key")]
    table += [
        (str(r["status"]), str(r["height"]), str(r["pool"]), str(r["amount_udrt"]), str(r["key"]))
        for r in rows
    ]
    formatted = _columns(table, right=(1, 3))
    lines = [formatted[0]]
    for row, text in zip(rows, formatted[1:], strict=True):
        lines.append(text)
        if row["reason"]:
            lines.append(f"    why: {row['reason']}")
        if row["advice"]:
            lines.append(f"    do:  {row['advice']} {row['doc_url'] or ''}".rstrip())
        commands = row["commands"]
        assert isinstance(commands, list)
        lines += [f"         {command}" for command in commands]
    return lines


def _columns(rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        out.append("  ".join(cells).rstrip())
    return out
