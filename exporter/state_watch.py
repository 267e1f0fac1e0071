"""The state folder (stamps and intents), listed again only when it changed.

A schedule of 100,000 entries leaves 100,000 stamps: listing them and reading
them at every scrape would make every scrape slow. Every change the runner
makes to the folder is a create, rename or unlink in it, and each of those
moves the folder's own mtime; so the folder is listed again only when its
identity or mtime moved (or when its mtime is so recent that a change in the
same clock tick could hide behind it). The runner never rewrites a valid stamp
(a paid entry stays paid), so stamps already read are kept across listings;
only new names are read, through the runner's StampStore and ClaimJournal.

A stamp damaged in place (truncated, overwritten) moves neither the folder's
mtime nor the file's inode, so each stamp read also keeps its (inode, size,
mtime_ns), and every poll stats again a share of them, in turn: the share of
`recheck_seconds` elapsed since the last poll. Each stamp is stat'ed again
within two rounds of `recheck_seconds` (a stamp read after a round began waits
for the next), at a cost spread evenly over time: 100,000 stamps are 100,000
`stat` calls per round, never all in one scrape unless the scrapes are that far
apart. A stamp whose stat moved is forgotten and the folder listed again, so it
is read again and a damaged stamp shows as damaged.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from runner.journal import ClaimJournal, IntentRecord
from runner.stamps import Stamp, StampIndex, StampRecord, StampStore
from runner.state_folder import STAMP_SUFFIX, Refused, list_state

# A folder modified this close to its listing may change again without its mtime moving.
RACY_SECONDS = 2.0
# Every stamp read is stat'ed again within two rounds of this many seconds.
DEFAULT_RECHECK_SECONDS = 30.0

# What an in-place change of a file moves: inode, size, mtime in ns.
Signature = tuple[int, int, int]


def signature_of(path: str) -> Signature | None:
    """A string, not a Path: building 100,000 Path objects would cost more than the stats."""
    try:
        status = os.stat(path, follow_symlinks=False)  # noqa: PTH116 (see above)
    except OSError:
        return None
    return status.st_ino, status.st_size, status.st_mtime_ns


class KeptStamps(Mapping[str, StampRecord]):
    """The stamps of one listing; valid stamps read under earlier listings are reused.

    Each stamp file read leaves its signature in `signatures`, taken before the read:
    a change that races the read moves the signature away from the one kept.
    """

    def __init__(
        self,
        index: StampIndex,
        kept: dict[str, StampRecord],
        signatures: dict[str, Signature],
    ) -> None:
        self._index = index
        self._kept = kept
        self._signatures = signatures
        self._folder_text = str(index.folder)

    def __getitem__(self, key: str) -> StampRecord:
        record = self._kept.get(key)
        if record is None:
            signature = signature_of(f"{self._folder_text}/{key}{STAMP_SUFFIX}")
            record = self._index[key]
            if signature is not None:
                self._signatures[key] = signature
                if isinstance(record, Stamp):
                    self._kept[key] = record
        return record

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


@dataclass(frozen=True, slots=True)
class StateView:
    """The state folder as last listed. `version` changes whenever its content may have."""

    version: int
    stamps: Mapping[str, StampRecord]
    intents: Mapping[str, IntentRecord]
    refused: tuple[Refused, ...] = ()
    error: str | None = None  # why the folder could not be read; the rest is then empty
    listed_at: float | None = None


@dataclass(slots=True)
class _Seen:
    identity: tuple[int, int, int] | None  # device, inode, mtime_ns; None: no folder yet
    racy: bool


@dataclass(slots=True)
class StateWatch:
    """Follows one state folder; `poll()` lists it again only when it changed."""

    folder: Path
    recheck_seconds: float = DEFAULT_RECHECK_SECONDS
    _seen: _Seen | None = None
    _kept: dict[str, StampRecord] = field(default_factory=dict)
    _signatures: dict[str, Signature] = field(default_factory=dict)
    _view: StateView = field(default_factory=lambda: StateView(0, {}, {}))
    _last_listing: tuple[object, ...] | None = None
    _rechecked_at: float | None = None
    _round: list[str] = field(default_factory=list)
    _cursor: int = 0

    @property
    def view(self) -> StateView:
        return self._view

    def poll(self) -> StateView:
        now = time.time()
        try:
            status = self.folder.stat()
            identity: tuple[int, int, int] | None = (
                status.st_dev,
                status.st_ino,
                status.st_mtime_ns,
            )
        except FileNotFoundError:
            if not self.folder.parent.is_dir():
                return self._fail(
                    f"cannot read state folder {self.folder}: the log folder does not exist"
                )
            identity = None  # no run has written a stamp yet: an empty state, measured
        except OSError as error:
            return self._fail(f"cannot read state folder {self.folder}: {error.strerror}")

        seen = self._seen
        unchanged = seen is not None and seen.identity == identity
        if self._changed_in_place(now):
            unchanged = False  # the listing may be the same; the content is not
        elif unchanged and seen is not None and not seen.racy:
            return self._view

        try:
            view = self._list(now, unchanged=unchanged)
        except OSError as error:
            return self._fail(f"cannot list state folder {self.folder}: {error.strerror}")
        racy = identity is not None and now - identity[2] / 1e9 < RACY_SECONDS
        self._seen = _Seen(identity, racy)
        self._view = view
        return view

    def _list(self, now: float, *, unchanged: bool) -> StateView:
        listing = list_state(self.folder)
        intents = ClaimJournal(self.folder).all(listing)
        refused = tuple(listing.refused)
        if unchanged and (listing.stamps, intents, refused) == self._last_listing:
            return self._view  # listed again only because its mtime was racy: same names

        self._last_listing = (listing.stamps, intents, refused)
        index = StampStore(self.folder).scan(listing)
        # A name kept under another inode was replaced (a rename): read it again.
        inodes = listing.stamps
        self._signatures = {
            key: signature
            for key, signature in self._signatures.items()
            if inodes.get(key) == signature[0]
        }
        self._kept = {key: record for key, record in self._kept.items() if key in self._signatures}
        version = self._view.version + 1
        stamps = KeptStamps(index, self._kept, self._signatures)
        return StateView(version, stamps, intents, refused, None, now)

    def _changed_in_place(self, now: float) -> bool:
        """Stat the next share of the stamps read; True when one of them moved.

        The share is the part of `recheck_seconds` elapsed since the last poll, so a
        round over every stamp takes `recheck_seconds` however often the polls come.
        """
        last, self._rechecked_at = self._rechecked_at, now
        signatures = self._signatures
        if last is None or not signatures:
            return False
        share = max(0.0, now - last) / self.recheck_seconds
        budget = min(len(signatures), math.ceil(len(signatures) * share))

        moved = False
        folder = str(self.folder)
        for _ in range(budget):
            if self._cursor >= len(self._round):
                self._round, self._cursor = list(signatures), 0
            key = self._round[self._cursor]
            self._cursor += 1
            expected = signatures.get(key)
            if expected is None:
                continue  # gone from the folder since the round began
            if signature_of(f"{folder}/{key}{STAMP_SUFFIX}") != expected:
                del signatures[key]
                self._kept.pop(key, None)
                moved = True
        return moved

    def _fail(self, message: str) -> StateView:
        self._seen = None
        self._last_listing = None
        self._view = StateView(self._view.version + 1, {}, {}, (), message, time.time())
        return self._view
