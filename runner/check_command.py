"""`dyt-emissions check FILE`: validate a schedule file and summarise it, or list every problem."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from runner.schedule import (
    MAX_SCHEDULE_BYTES,
    POOLS,
    Schedule,
    ScheduleError,
    load_schedule,
)

EXIT_VALID = 0
EXIT_INVALID = 2

_CHECKS = f"""\
what is checked (the whole file; every problem is reported, not only the first):
  - one YAML document, UTF-8, at most {MAX_SCHEDULE_BYTES // (1024 * 1024)} MiB; no anchors,
    aliases or tags (refused before anything is expanded)
  - a mapping with the one key `entries`, a list of mappings with exactly the keys
    height, pool, to, amount_udrt and optionally id; no duplicate keys
  - height and amount_udrt are YAML integers in plain decimal digits (not floats,
    booleans, strings or null): height >= 0, 0 < amount_udrt < 2**64
  - pool is one of {", ".join(POOLS)}
  - to is a valid address: its checksum is verified
  - id matches [A-Za-z0-9][A-Za-z0-9._-]{{0,127}}
  - no two entries share a key (an id, or height_pool_to_amount without one)

exit status: 0 valid, 2 invalid or unreadable (each problem on stderr as
FILE:LINE: entry N (line L): field ... what was expected, what was found)"""


@dataclass
class PoolTotal:
    """How many entries a pool pays, and how many uDRT in all."""

    entries: int = 0
    amount_udrt: int = 0


@dataclass
class ScheduleSummary:
    """The numbers a person checks before deploying a schedule."""

    entries: int = 0
    entries_with_id: int = 0
    height_min: int | None = None
    height_max: int | None = None
    pools: dict[str, PoolTotal] = field(default_factory=lambda: {p: PoolTotal() for p in POOLS})

    @property
    def total_udrt(self) -> int:
        return sum(pool.amount_udrt for pool in self.pools.values())


def summarise(schedule: Schedule) -> ScheduleSummary:
    summary = ScheduleSummary(entries=len(schedule.entries))
    heights = [entry.height for entry in schedule.entries]
    if heights:
        summary.height_min, summary.height_max = min(heights), max(heights)
    for entry in schedule.entries:
        pool = summary.pools[entry.pool]
        pool.entries += 1
        pool.amount_udrt += entry.amount_udrt
        summary.entries_with_id += entry.id is not None
    return summary


def configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = _CHECKS
    parser.add_argument("file", type=Path, metavar="FILE", help="the schedule file to check")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the summary, or the problems, as one JSON object on stdout",
    )


def main(args: argparse.Namespace) -> int:
    try:
        schedule = load_schedule(args.file)
    except ScheduleError as error:
        _report_invalid(error, as_json=args.json)
        return EXIT_INVALID

    summary = summarise(schedule)
    if args.json:
        sys.stdout.write(json.dumps(_summary_json(schedule, summary)) + "\n")
    else:
        sys.stdout.write(_summary_text(schedule, summary))
    return EXIT_VALID


def _report_invalid(error: ScheduleError, *, as_json: bool) -> None:
    if as_json:
        problems = [
            {"line": p.line, "entry": p.entry, "field": p.field, "message": p.message}
            for p in error.problems
        ]
        document = {"path": error.path, "valid": False, "problems": problems}
        sys.stdout.write(json.dumps(document) + "\n")
        return

    count = len(error.problems)
    lines = [str(problem) for problem in error.problems]
    lines.append(
        f"{error.path}: not a valid schedule ({count} problem{'s' if count != 1 else ''}); "
        "nothing is paid from it until fixed"
    )
    sys.stderr.write("\n".join(lines) + "\n")


def _summary_json(schedule: Schedule, summary: ScheduleSummary) -> dict[str, object]:
    return {
        "path": schedule.path,
        "valid": True,
        "sha256": schedule.digest,
        "entries": summary.entries,
        "entries_with_id": summary.entries_with_id,
        "height_min": summary.height_min,
        "height_max": summary.height_max,
        "total_udrt": summary.total_udrt,
        "pools": {
            name: {"entries": pool.entries, "amount_udrt": pool.amount_udrt}
            for name, pool in summary.pools.items()
        },
    }


def _summary_text(schedule: Schedule, summary: ScheduleSummary) -> str:
    lines = [
        f"{schedule.path}: valid schedule, {summary.entries} entries, sha256 {schedule.digest}",
        f"  {'pool':<22}{'entries':>9}{'uDRT':>26}",
    ]
    for name, pool in summary.pools.items():
        lines.append(f"  {name:<22}{pool.entries:>9}{pool.amount_udrt:>26,}")
    lines.append(f"  {'total':<22}{summary.entries:>9}{summary.total_udrt:>26,}")
    if summary.height_min is not None:
        lines.append(f"  heights {summary.height_min} to {summary.height_max}")
    lines.append(f"  entries with an id: {summary.entries_with_id}")
    return "\n".join(lines) + "\n"
