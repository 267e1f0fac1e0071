"""Which stamps an earlier run read and found valid, so the next run need not read them.

A schedule of 100,000 paid entries leaves 100,000 stamp files; opening each of them on
every run costs seconds where the listing costs a tenth of one. A stamp is written once
(by a rename, which gives it a fresh inode) and never changed, so a stamp read valid
under inode N is still valid while its name still has inode N.

File `<LOG_DIR>/.cache/stamps-verified.txt`: a header line
`dyt-emissions verified stamps v1 folder_inode=<inode of .state>`, then one
`<inode> <key>` line per stamp. Anything unexpected in it, or another state folder,
and it is ignored as a whole: the run reads every stamp, as without a cache. Losing
the file costs one slow run; it never changes what is paid.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path

from runner.durable import ensure_folder, write_durably

CACHE_FILE_NAME = "stamps-verified.txt"
_HEADER = "dyt-emissions verified stamps v1 folder_inode="


class VerifiedStampCache:
    """Load and store the verified stamps of one state folder."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self.path = cache_dir / CACHE_FILE_NAME

    def load(self, folder_inode: int | None) -> dict[str, int]:
        """key -> inode, or nothing when the file is missing, foreign or damaged."""
        if folder_inode is None:
            return {}
        try:
            text = self.path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            return {}
        header, _, body = text.partition("\n")
        if header != f"{_HEADER}{folder_inode}" or (body and not body.endswith("\n")):
            return {}
        verified: dict[str, int] = {}
        try:
            for line in body.splitlines():
                inode, key = line.split(" ")
                verified[key] = int(inode)
        except ValueError:
            return {}
        return verified

    def store(self, folder_inode: int | None, verified: Mapping[str, int]) -> None:
        """Replace the file; a cache that cannot be written is not an error."""
        if folder_inode is None:
            return
        lines = [
            f"{_HEADER}{folder_inode}",
            *(f"{inode} {key}" for key, inode in verified.items()),
        ]
        with contextlib.suppress(OSError):
            ensure_folder(self.cache_dir)
            write_durably(self.cache_dir, CACHE_FILE_NAME, ("\n".join(lines) + "\n").encode())
