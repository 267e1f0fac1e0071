"""Payment records of the older JSON-lines runner, which wrote no stamps.

Its `{"status": "ok", "key": "<height>:<pool>:<to>:<amount>", ...}` lines are the only
proof of those payments, and log retention would delete them. So each run imports every
`ok` record that has no stamp yet into a stamp (marked `imported_from` its log file), and
retention keeps any file holding a record that could not be imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from runner.logline import LOG_FILE_NAME, parse_line
from runner.schedule import POOLS
from runner.stamps import Stamp
from runner.state_folder import is_valid_key


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    """One `status: ok` line: an entry the older runner paid."""

    file_name: str
    key: str
    height: int
    pool: str
    to: str
    amount_udrt: int
    paid_at: datetime
    remaining: str | None

    def to_stamp(self, run_id: str) -> Stamp:
        return Stamp(
            key=self.key,
            height=self.height,
            pool=self.pool,
            to=self.to,
            amount_udrt=self.amount_udrt,
            paid_at=self.paid_at,
            remaining=self.remaining,
            run_id=run_id,
            imported_from=self.file_name,
        )


@dataclass(frozen=True, slots=True)
class UnreadableRecord:
    """An `ok` line that cannot become a stamp (fields missing or disagreeing), or a day
    file that cannot be read. `key` is the entry key the line names, when it names one:
    that entry must not be paid until a person looks."""

    file_name: str
    line: int
    reason: str
    key: str | None = None


def find_payment_records(log_dir: Path) -> tuple[list[PaymentRecord], list[UnreadableRecord]]:
    """Every `ok` record in the day files of `log_dir`, in file and line order."""
    records: list[PaymentRecord] = []
    unreadable: list[UnreadableRecord] = []
    for path in sorted(log_dir.glob("*.log")):
        if not LOG_FILE_NAME.fullmatch(path.name) or not path.is_file() or path.is_symlink():
            continue
        try:
            data = path.read_bytes()
        except OSError as error:
            unreadable.append(UnreadableRecord(path.name, 0, f"cannot be read: {error.strerror}"))
            continue
        if b'{"' not in data:
            continue  # the runner's own files: no JSON line to look at
        for number, raw in enumerate(data.splitlines(), start=1):
            if raw.startswith(b"{"):
                _read_record(
                    path.name, number, raw.decode("utf-8", "replace"), records, unreadable
                )
    return records, unreadable


def _read_record(
    file_name: str,
    number: int,
    text: str,
    records: list[PaymentRecord],
    unreadable: list[UnreadableRecord],
) -> None:
    event = parse_line(text)
    if event is None or event.source != "jsonl" or event.status != "applied":
        return
    fields = event.fields
    named = fields["key"] if is_valid_key(fields["key"]) else None
    try:
        height, amount = int(fields["height"]), int(fields["amount_udrt"])
        pool, to, key = fields["pool"], fields["to"], fields["key"]
    except (KeyError, ValueError):
        reason = "height, pool, to or amount missing"
        unreadable.append(UnreadableRecord(file_name, number, reason, named))
        return
    if key != f"{height}_{pool}_{to}_{amount}" or pool not in POOLS or named is None:
        reason = "key disagrees with its fields"
        unreadable.append(UnreadableRecord(file_name, number, reason, named))
        return
    paid_at = event.ts or datetime.strptime(file_name[:8], "%Y%m%d").replace(tzinfo=UTC)
    remaining = fields.get("remaining")
    records.append(PaymentRecord(file_name, key, height, pool, to, amount, paid_at, remaining))
