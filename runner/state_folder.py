"""The state folder `<LOG_DIR>/.state/`: which of its names are stamps, intents, or refused.

One directory listing serves both the stamp store and the claim journal: a schedule of
100,000 entries leaves 100,000 stamps here, and listing them is the one cost every run
pays. The listing uses only what `readdir` returns (name and file type), no `stat`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

STATE_FOLDER_NAME = ".state"
CACHE_FOLDER_NAME = ".cache"
STAMP_SUFFIX = ".stamp"
INTENT_SUFFIX = ".intent"
RESOLVED_FOLDER_NAME = "resolved"
LOCK_FILE_NAME = ".lock"

# An entry key as it may appear in a file name. The schedule validates keys; this is the
# last guard before a key becomes a path, so it is strict on its own.
KEY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


def state_folder(log_dir: Path) -> Path:
    return log_dir / STATE_FOLDER_NAME


def cache_folder(log_dir: Path) -> Path:
    """Where the runner keeps what it can recompute: validated schedules, verified stamps."""
    return log_dir / CACHE_FOLDER_NAME


def is_valid_key(key: str) -> bool:
    return KEY_PATTERN.fullmatch(key) is not None and ".." not in key


@dataclass(frozen=True, slots=True)
class Refused:
    """A name in the state folder that is not what it must be (a symlink, a folder...)."""

    name: str
    reason: str


@dataclass(slots=True)
class StateListing:
    """Stamp and intent keys found by one listing, and the names refused on the way.

    `stamps` and `intents` map a key to its file's inode number when it is a regular
    file, and to a reason string when it is not (a symlink, a folder): such a key is
    never read. The inode comes with the listing for free; a rename (every write of
    this runner) gives a file a new one. `folder_inode` is the state folder's own.
    """

    folder: Path
    stamps: dict[str, int | str] = field(default_factory=dict)
    intents: dict[str, int | str] = field(default_factory=dict)
    refused: list[Refused] = field(default_factory=list)
    folder_inode: int | None = None


def list_state(folder: Path) -> StateListing:
    """List the state folder once; a missing folder is an empty state (a first run)."""
    listing = StateListing(folder)
    if folder.is_symlink():
        listing.refused.append(Refused(folder.name, "the state folder is a symlink: refused"))
        return listing
    try:
        entries = os.scandir(folder)
    except FileNotFoundError:
        return listing
    with entries:
        listing.folder_inode = folder.stat().st_ino
        stamps, suffix = listing.stamps, len(STAMP_SUFFIX)
        for entry in entries:
            name = entry.name
            # The common case first, and cheaply: a stamp that is a plain file.
            plain = name[0] != "." and entry.is_file(follow_symlinks=False)
            if plain and name[-suffix:] == STAMP_SUFFIX:
                stamps[name[:-suffix]] = entry.inode()
            else:
                _sort(entry, listing)
    return listing


def _sort(entry: os.DirEntry[str], listing: StateListing) -> None:
    name = entry.name
    symlink = entry.is_symlink()
    regular = not symlink and entry.is_file(follow_symlinks=False)
    kind: int | str = entry.inode()
    if symlink:
        kind = "is a symlink: refused"
    elif not regular:
        kind = "is not a regular file"

    if name.endswith(STAMP_SUFFIX) and not name.startswith("."):
        listing.stamps[name[: -len(STAMP_SUFFIX)]] = kind
    elif name.endswith(INTENT_SUFFIX) and not name.startswith("."):
        listing.intents[name[: -len(INTENT_SUFFIX)]] = kind
    elif name == RESOLVED_FOLDER_NAME:
        if symlink or regular:
            listing.refused.append(Refused(name, "must be a folder"))
    elif symlink:
        # Temporary files and the lock are ours too; none of them may be a symlink.
        listing.refused.append(Refused(name, "is a symlink: refused"))
