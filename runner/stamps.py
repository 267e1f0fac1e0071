"""Stamps: the durable record that an entry was paid, one file per key in the state folder.

Two forms are honoured (docs/formats.md): the runner's one line of JSON, and the shell
runner's bare UTC timestamp, whose entry fields come from its file name (the legacy key
`<height>_<pool>_<to>_<amount>`). Anything else under a `.stamp` name is a
`DamagedStamp`: reported, and never read as "not paid".

Reading is lazy. `StampStore.scan()` costs one directory listing; a stamp's content is
read the first time it is looked up, so a caller pays for the stamps it needs. The common
case, a stamp this runner wrote, is recognised by a pattern instead of a JSON parse.

Reading 100,000 small files still costs seconds on a slow disk, and a valid stamp never
changes. So a caller may pass `trusted`: legacy-keyed stamps an earlier read found
valid, with the inode they had (runner.stamp_cache). A stamp whose file still has that
inode is not read again; its `Stamp` holds the fields of its name (`content_read` is
False). Every write here is a rename, which gives the file a new inode, so a replaced
stamp is read again; a file edited in place is not noticed until the cache is dropped.
Trust only ever spares a read: it can never make an entry payable.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeGuard

from runner.durable import ensure_folder, write_durably
from runner.logline import format_timestamp, parse_timestamp
from runner.schedule import POOLS
from runner.state_folder import STAMP_SUFFIX, StateListing, is_valid_key, list_state

MAX_STAMP_BYTES = 4096

_POOL_ALTERNATIVES = "|".join(re.escape(pool) for pool in POOLS)
LEGACY_KEY = re.compile(
    rf"(0|[1-9]\d{{0,19}})_({_POOL_ALTERNATIVES})_([A-Za-z0-9]+)_([1-9]\d{{0,19}})"
)
_BARE_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n?")
_CANONICAL = re.compile(
    r'\{"v": 1, "key": "(?P<key>[A-Za-z0-9._-]+)", "height": (?P<height>0|[1-9]\d*), '
    r'"pool": "(?P<pool>[a-z_]+)", "to": "(?P<to>[A-Za-z0-9]+)", '
    r'"amount_udrt": (?P<amount_udrt>[1-9]\d*), '
    r'"paid_at": "(?P<paid_at>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)", '
    r'"remaining": (?:"(?P<remaining>\d+)"|null), '
    r'"run_id": (?:"(?P<run_id>[A-Za-z0-9._-]+)"|null), "decided_by": null, "reason": null, '
    r'"imported_from": (?:"(?P<imported_from>[A-Za-z0-9._-]+)"|null)\}\n'
)


@dataclass(frozen=True, slots=True)
class LegacyKey:
    """The entry fields the shell runner encoded in a stamp's file name."""

    height: int
    pool: str
    to: str
    amount_udrt: int


def parse_legacy_key(key: str) -> LegacyKey | None:
    match = LEGACY_KEY.fullmatch(key)
    if match is None:
        return None
    return LegacyKey(int(match[1]), match[2], match[3], int(match[4]))


@dataclass(frozen=True, slots=True)
class Stamp:
    """An entry paid: by this runner (`run_id`), by a person (`decided_by`), by the shell
    runner (`legacy`: a bare timestamp, fields from the file name), or imported from the
    older runner's JSON log (`imported_from` names the log file).
    """

    key: str
    height: int | None
    pool: str | None
    to: str | None
    amount_udrt: int | None
    paid_at: datetime | None
    remaining: str | None = None
    run_id: str | None = None
    decided_by: str | None = None
    reason: str | None = None
    imported_from: str | None = None
    legacy: bool = False
    content_read: bool = True

    def to_json_line(self) -> str:
        """The stamp's file content: one line of JSON in the order of docs/formats.md."""
        if self.legacy or self.paid_at is None:
            raise ValueError("only a complete stamp with a payment time can be written")
        record = {
            "v": 1,
            "key": self.key,
            "height": self.height,
            "pool": self.pool,
            "to": self.to,
            "amount_udrt": self.amount_udrt,
            "paid_at": format_timestamp(self.paid_at),
            "remaining": self.remaining,
            "run_id": self.run_id,
            "decided_by": self.decided_by,
            "reason": self.reason,
            "imported_from": self.imported_from,
        }
        return json.dumps(record, ensure_ascii=True) + "\n"


@dataclass(frozen=True, slots=True)
class DamagedStamp:
    """A `.stamp` file that cannot be read as a payment record, and why."""

    key: str
    reason: str


StampRecord = Stamp | DamagedStamp


class StampIndex(Mapping[str, StampRecord]):
    """Every stamp key of one listing; a stamp is read and checked when first looked up."""

    def __init__(
        self,
        folder: Path,
        kinds: Mapping[str, int | str],
        trusted: Mapping[str, int] | None = None,
    ) -> None:
        self.folder = folder
        self._folder_text = str(folder)
        self._kinds = dict(kinds)
        self._trusted = trusted or {}
        self._loaded: dict[str, StampRecord] = {}
        self._verified: dict[str, int] = {}

    def __getitem__(self, key: str) -> StampRecord:
        record = self._loaded.get(key)
        if record is None:
            kind = self._kinds[key]
            if isinstance(kind, str):
                record = DamagedStamp(key, kind)
            elif self.trusts(key):
                record = _from_trusted_name(key)
            else:
                record = self._read(key)
                if isinstance(record, Stamp) and _named_for_its_fields(record):
                    self._verified[key] = kind
            self._loaded[key] = record
        return record

    def add_damaged(self, key: str, reason: str) -> None:
        """Count `key` as stamped but damaged, when no stamp file has it: a payment record
        found elsewhere that could not become a stamp. Its entry is then never paid."""
        if key not in self._kinds:
            self._kinds[key] = reason

    def trusts(self, key: str) -> bool:
        """True when `key` has a stamp that an earlier read found valid and that has not
        been replaced since; nothing is read. Such a key counts as verified again."""
        inode = self._trusted.get(key)
        if inode is None or self._kinds.get(key) != inode or key.count("_") < 3:
            return False
        self._verified[key] = inode
        return True

    def read(self, key: str) -> StampRecord:
        """The stamp read from its file now, trusted or not (for a person, or a report)."""
        kind = self._kinds[key]
        return DamagedStamp(key, kind) if isinstance(kind, str) else self._read(key)

    def verified(self) -> dict[str, int]:
        """Legacy-keyed stamps known valid (read valid now, or trusted), with their inodes:
        what a cache may trust next time."""
        kinds = self._kinds
        verified = {
            key: inode
            for key, inode in self._trusted.items()
            if kinds.get(key) == inode and key.count("_") >= 3
        }
        verified.update(self._verified)
        return verified

    def __contains__(self, key: object) -> bool:
        return key in self._kinds

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)

    def _read(self, key: str) -> StampRecord:
        if not is_valid_key(key):
            return DamagedStamp(key, "file name is not a valid entry key")
        # A plain string: building 100,000 Path objects would cost more than the reads.
        path = f"{self._folder_text}/{key}{STAMP_SUFFIX}"
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError:
            return DamagedStamp(key, "removed while being read")
        except OSError as error:
            return DamagedStamp(key, f"cannot be opened: {error.strerror}")
        try:
            data = os.read(fd, MAX_STAMP_BYTES + 1)
        finally:
            os.close(fd)
        return parse_stamp(key, data)


class StampStore:
    """The stamps of one state folder: scanned lazily, written atomically and durably."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir

    def scan(
        self, listing: StateListing | None = None, trusted: Mapping[str, int] | None = None
    ) -> StampIndex:
        """All stamps, from `listing` when the caller already listed the folder."""
        if listing is None:
            listing = list_state(self.state_dir)
        return StampIndex(self.state_dir, listing.stamps, trusted)

    def read(self, key: str) -> StampRecord | None:
        """One stamp, or None when there is none under `key`."""
        path = self.state_dir / (key + STAMP_SUFFIX)
        if not is_valid_key(key) or not (path.exists() or path.is_symlink()):
            return None
        kind: int | str = "is a symlink: refused" if path.is_symlink() else 0
        return StampIndex(self.state_dir, {key: kind})[key]

    def write(self, stamp: Stamp, *, before_rename: Callable[[], None] | None = None) -> None:
        """Make `stamp` durable under its key (replacing none: a paid entry stays paid)."""
        if not is_valid_key(stamp.key):
            raise ValueError(f"refusing to write a stamp under the key {stamp.key!r}")
        ensure_folder(self.state_dir)
        data = stamp.to_json_line().encode("ascii")
        write_durably(self.state_dir, stamp.key + STAMP_SUFFIX, data, before_rename=before_rename)


def _from_trusted_name(key: str) -> Stamp:
    """The stamp of a legacy key read valid before: its fields are in its name. Split by
    hand, not by LEGACY_KEY: this runs for every paid entry of every run."""
    height, rest = key.split("_", 1)
    rest, amount = rest.rsplit("_", 1)
    pool, to = rest.rsplit("_", 1)
    return Stamp(key, int(height), pool, to, int(amount), None, content_read=False)


def _named_for_its_fields(stamp: Stamp) -> bool:
    """True when the stamp's key is the legacy key of its own fields."""
    if stamp.height is None:
        return False
    return stamp.key == f"{stamp.height}_{stamp.pool}_{stamp.to}_{stamp.amount_udrt}"


def parse_stamp(key: str, data: bytes) -> StampRecord:
    """Read the content of `<key>.stamp`: a Stamp, or a DamagedStamp saying what is wrong."""
    if not data:
        return DamagedStamp(key, "empty stamp")
    if len(data) > MAX_STAMP_BYTES:
        return DamagedStamp(key, f"larger than {MAX_STAMP_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return DamagedStamp(key, "not UTF-8 text")

    canonical = _CANONICAL.fullmatch(text)
    if canonical is not None:
        return _canonical_stamp(key, canonical)
    if text.startswith("{"):
        try:
            loaded = json.loads(text)
        except ValueError:
            return DamagedStamp(key, "truncated or malformed JSON")
        if not isinstance(loaded, dict) or loaded.get("v") != 1:
            return DamagedStamp(key, "JSON but not a version 1 stamp")
        return _stamp_from_record(key, loaded)
    if _BARE_TIMESTAMP.fullmatch(text):
        return _legacy_stamp(key, text)
    return DamagedStamp(key, "not a stamp: expected one line of JSON or a UTC timestamp")


def _canonical_stamp(key: str, match: re.Match[str]) -> StampRecord:
    """The fast path for a stamp as this runner writes it; the pattern fixed every type."""
    found_key, height, pool, to, amount, paid, remaining, run_id, imported = match.group(
        "key",
        "height",
        "pool",
        "to",
        "amount_udrt",
        "paid_at",
        "remaining",
        "run_id",
        "imported_from",
    )
    if found_key != key:
        return DamagedStamp(key, _other_key(found_key))
    if key != f"{height}_{pool}_{to}_{amount}" and LEGACY_KEY.fullmatch(key):
        return DamagedStamp(key, "its fields disagree with its file name")
    if len(amount) > 20 or int(amount) >= 2**64:
        return DamagedStamp(key, "amount_udrt must be a positive integer below 2**64")
    paid_at = parse_timestamp(paid)
    if paid_at is None:
        return DamagedStamp(key, f"paid_at is not a UTC timestamp: {paid!r}")
    return Stamp(
        key,
        int(height),
        pool,
        to,
        int(amount),
        paid_at,
        remaining,
        run_id,
        imported_from=imported,
    )


def _other_key(found: object) -> str:
    if found is None:
        return "its key field is null (expected the key of its file name)"
    return f"its key field {found!r} disagrees with its name"


def _legacy_stamp(key: str, text: str) -> StampRecord:
    paid_at = parse_timestamp(text.strip())
    if paid_at is None:
        return DamagedStamp(key, f"not a valid UTC timestamp: {text.strip()!r}")
    name = parse_legacy_key(key)
    if name is None:
        return Stamp(key, None, None, None, None, paid_at, legacy=True)
    return Stamp(key, name.height, name.pool, name.to, name.amount_udrt, paid_at, legacy=True)


def _stamp_from_record(key: str, record: Mapping[str, Any]) -> StampRecord:
    if "key" not in record:
        return DamagedStamp(key, "it has no key field (expected the key of its file name)")
    if record["key"] != key:
        return DamagedStamp(key, _other_key(record["key"]))
    height, amount = record.get("height"), record.get("amount_udrt")
    if not _is_int(height) or height < 0:
        return DamagedStamp(key, "height must be an integer >= 0")
    if not _is_int(amount) or not 0 < amount < 2**64:
        return DamagedStamp(key, "amount_udrt must be a positive integer below 2**64")
    for name in ("pool", "to", "paid_at"):
        if not isinstance(record.get(name), str):
            return DamagedStamp(key, f"{name} must be a string")
    for name in ("remaining", "run_id", "decided_by", "reason", "imported_from"):
        if not isinstance(record.get(name), str | None):
            return DamagedStamp(key, f"{name} must be a string or null")
    paid_at = parse_timestamp(record["paid_at"])
    if paid_at is None:
        return DamagedStamp(key, f"paid_at is not a UTC timestamp: {record['paid_at']!r}")

    stamp = Stamp(
        key=key,
        height=height,
        pool=record["pool"],
        to=record["to"],
        amount_udrt=amount,
        paid_at=paid_at,
        remaining=record.get("remaining"),
        run_id=record.get("run_id"),
        decided_by=record.get("decided_by"),
        reason=record.get("reason"),
        imported_from=record.get("imported_from"),
    )
    legacy = parse_legacy_key(key)
    if legacy is not None and (height, stamp.pool, stamp.to, amount) != (
        legacy.height,
        legacy.pool,
        legacy.to,
        legacy.amount_udrt,
    ):
        return DamagedStamp(key, "its fields disagree with its file name")
    return stamp


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
