"""The claim journal: an intent record written durably before each claim is posted.

The node's claim endpoint is not idempotent, so the runner must know, after any crash,
which claims it may have sent. An intent that outlives its claim (no stamp, no definite
failure) marks its entry **in doubt**: never posted again until a person decides with
`dyt-emissions resolve`, whose decision is archived under `resolved/` for audit.

Each intent keeps the evidence the node gave just before the POST (the recipient's
balance, the pool's level, the height), so `resolve --check` can compare with now.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from runner.durable import ensure_folder, read_small, remove_durably, write_durably
from runner.logline import format_timestamp, parse_timestamp
from runner.state_folder import (
    INTENT_SUFFIX,
    RESOLVED_FOLDER_NAME,
    StateListing,
    is_valid_key,
    list_state,
)

MAX_INTENT_BYTES = 4096


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the node said just before the POST; None where it did not answer."""

    node_height: int | None
    balance_udrt: int | None
    pool_udrt: int | None

    def to_record(self) -> dict[str, Any]:
        return {
            "node_height": self.node_height,
            "balance_udrt": None if self.balance_udrt is None else str(self.balance_udrt),
            "pool_udrt": None if self.pool_udrt is None else str(self.pool_udrt),
        }


@dataclass(frozen=True, slots=True)
class Intent:
    """A claim about to be posted (or posted, if the runner died or the answer was lost)."""

    key: str
    height: int
    pool: str
    to: str
    amount_udrt: int
    run_id: str
    written_at: datetime
    evidence: Evidence

    def to_record(self) -> dict[str, Any]:
        return {
            "v": 1,
            "key": self.key,
            "height": self.height,
            "pool": self.pool,
            "to": self.to,
            "amount_udrt": self.amount_udrt,
            "run_id": self.run_id,
            "written_at": format_timestamp(self.written_at),
            "evidence": self.evidence.to_record(),
        }


@dataclass(frozen=True, slots=True)
class DamagedIntent:
    """An `.intent` file that cannot be read. Its entry is still in doubt: a claim may
    have been sent, and only the file's existence matters for that.
    """

    key: str
    reason: str


IntentRecord = Intent | DamagedIntent


@dataclass(frozen=True, slots=True)
class Decision:
    """A person's decision on an entry, as `resolve` records it."""

    decision: str  # "paid" or "not_paid"
    decided_by: str
    reason: str
    decided_at: datetime
    run_id: str


class ClaimJournal:
    """The intents of one state folder, and the archive of resolved ones."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.resolved_dir = state_dir / RESOLVED_FOLDER_NAME

    def write(self, intent: Intent, *, before_rename: Callable[[], None] | None = None) -> None:
        if not is_valid_key(intent.key):
            raise ValueError(f"refusing to write an intent under the key {intent.key!r}")
        ensure_folder(self.state_dir)
        data = (json.dumps(intent.to_record(), ensure_ascii=True) + "\n").encode("ascii")
        write_durably(
            self.state_dir, intent.key + INTENT_SUFFIX, data, before_rename=before_rename
        )

    def all(self, listing: StateListing | None = None) -> dict[str, IntentRecord]:
        """Every intent in the folder, from `listing` when the caller already listed it."""
        if listing is None:
            listing = list_state(self.state_dir)
        return {
            key: DamagedIntent(key, kind) if isinstance(kind, str) else self._read(key)
            for key, kind in listing.intents.items()
        }

    def read(self, key: str) -> IntentRecord | None:
        if not is_valid_key(key):
            return None
        path = self.state_dir / (key + INTENT_SUFFIX)
        if path.is_symlink():
            return DamagedIntent(key, "is a symlink: refused")
        if not path.exists():
            return None
        return self._read(key)

    def remove(self, key: str, *, durable: bool = True) -> bool:
        """Remove the intent; False when there was none. `durable=False` when its stamp is
        already durable: an intent that a crash brings back beside its stamp is stale, and
        the next run removes it."""
        return remove_durably(self.state_dir, key + INTENT_SUFFIX, sync=durable)

    def archive(
        self,
        key: str,
        decision: Decision,
        *,
        removed_stamp: str | None = None,
        entry_key: str | None = None,
    ) -> Path:
        """Record `decision` with the intent under `resolved/`, then remove the intent.

        `removed_stamp` keeps the content of a stamp the decision is about to remove (a
        damaged or conflicting one). `entry_key` names the schedule entry the decision was
        about (default: `key`); it differs for an orphan stamp or intent retired while
        resolving an entry that conflicted with it. The record is durable before anything
        goes, so a
        crash in between leaves the entry as it was (decide again), never decided
        without a trace.
        """
        intent = self.read(key)
        if isinstance(intent, Intent):
            intent_record: Any = intent.to_record()
        elif isinstance(intent, DamagedIntent):
            intent_record = {"damaged": intent.reason}
        else:
            intent_record = None
        record = {
            "v": 1,
            "key": key,
            "intent": intent_record,
            "decision": decision.decision,
            "decided_by": decision.decided_by,
            "reason": decision.reason,
            "decided_at": format_timestamp(decision.decided_at),
            "run_id": decision.run_id,
            "removed_stamp": removed_stamp,
            "entry_key": entry_key or key,
        }
        ensure_folder(self.resolved_dir)
        name = self._archive_name(key, decision.decided_at)
        data = (json.dumps(record, ensure_ascii=True) + "\n").encode("ascii")
        write_durably(self.resolved_dir, name, data)
        if intent is not None:
            self.remove(key)
        return self.resolved_dir / name

    def _archive_name(self, key: str, at: datetime) -> str:
        stem = f"{key}.{format_timestamp(at).replace('-', '').replace(':', '')}"
        name, counter = f"{stem}.json", 1
        while (self.resolved_dir / name).exists():
            counter += 1
            name = f"{stem}-{counter}.json"
        return name

    def _read(self, key: str) -> IntentRecord:
        try:
            folder_fd = os.open(self.state_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError as error:
            return DamagedIntent(key, f"state folder cannot be opened: {error.strerror}")
        try:
            data = read_small(folder_fd, key + INTENT_SUFFIX, MAX_INTENT_BYTES + 1)
        except OSError as error:
            return DamagedIntent(key, f"cannot be read: {error.strerror}")
        finally:
            os.close(folder_fd)
        return parse_intent(key, data)


def parse_intent(key: str, data: bytes) -> IntentRecord:
    """Read the content of `<key>.intent`."""
    if not data:
        return DamagedIntent(key, "empty intent")
    if len(data) > MAX_INTENT_BYTES:
        return DamagedIntent(key, f"larger than {MAX_INTENT_BYTES} bytes")
    try:
        record = json.loads(data)
    except ValueError:
        return DamagedIntent(key, "truncated or malformed JSON")
    if not isinstance(record, dict) or record.get("v") != 1 or record.get("key") != key:
        return DamagedIntent(key, "not a version 1 intent for this key")
    try:
        evidence = record["evidence"]
        intent = Intent(
            key=key,
            height=_int(record["height"]),
            pool=_str(record["pool"]),
            to=_str(record["to"]),
            amount_udrt=_int(record["amount_udrt"]),
            run_id=_str(record["run_id"]),
            written_at=_timestamp(record["written_at"]),
            evidence=Evidence(
                node_height=_optional_int(evidence["node_height"]),
                balance_udrt=_optional_int(evidence["balance_udrt"]),
                pool_udrt=_optional_int(evidence["pool_udrt"]),
            ),
        )
    except (KeyError, TypeError, ValueError) as error:
        return DamagedIntent(key, f"field missing or of the wrong type: {error}")
    return intent


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer, found {value!r}")
    return value


def _optional_int(value: object) -> int | None:
    """Evidence amounts are decimal strings (u128 on the node); the height is a number."""
    if value is None:
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return _int(value)


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a string, found {value!r}")
    return value


def _timestamp(value: object) -> datetime:
    parsed = parse_timestamp(_str(value))
    if parsed is None:
        raise ValueError(f"expected a UTC timestamp, found {value!r}")
    return parsed
