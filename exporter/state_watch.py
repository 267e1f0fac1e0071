"""The state folder (stamps and intents), listed again only when it changed.

A schedule of 100,000 entries leaves 100,000 stamps: listing them and reading
them at every scrape would make every scrape slow. Every change the runner
makes to the folder is a create, rename or unlink in it, and each of those
moves the folder's own mtime; so the folder is listed again only when its
identity or mtime moved (or when its mtime is so recent that a change in the
same clock tick could hide behind it). A valid stamp is never rewritten (a paid
entry stays paid), so stamps already read are kept across listings; only new
names are read, through the runner's StampStore and ClaimJournal.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from runner.journal import ClaimJournal, IntentRecord
from runner.stamps import Stamp, StampIndex, StampRecord, StampStore
from runner.state_folder import Refused, list_state

# A folder modified this close to its listing may change again without its mtime moving.
RACY_SECONDS = 2.0


class KeptStamps(Mapping[str, StampRecord]):
    """The stamps of one listing; valid stamps read under earlier listings are reused."""

    def __init__(self, index: StampIndex, kept: dict[str, StampRecord]) -> None:
        self._index = index
        self._kept = kept

    def __getitem__(self, key: str) -> StampRecord:
        record = self._kept.get(key)
        if record is None:
            record = self._index[key]
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
    _seen: _Seen | None = None
    _kept: dict[str, StampRecord] = field(default_factory=dict)
    _view: StateView = field(default_factory=lambda: StateView(0, {}, {}))
    _last_listing: tuple[object, ...] | None = None

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
        if seen is not None and seen.identity == identity and not seen.racy:
            return self._view

        try:
            view = self._list(now, unchanged=seen is not None and seen.identity == identity)
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
        self._kept = {key: record for key, record in self._kept.items() if key in index}
        version = self._view.version + 1
        return StateView(version, KeptStamps(index, self._kept), intents, refused, None, now)

    def _fail(self, message: str) -> StateView:
        self._seen = None
        self._last_listing = None
        self._view = StateView(self._view.version + 1, {}, {}, (), message, time.time())
        return self._view
