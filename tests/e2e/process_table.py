"""Which processes are still running: the proof that a test left nothing behind (Linux /proc)."""

from __future__ import annotations

from pathlib import Path


def processes_naming(folder: Path) -> list[str]:
    """The command lines of live processes that name `folder` (every child the tests start
    is given a path in its test's temporary folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # it ended while we looked
        if str(folder) in command:
            found.append(f"{entry.name}: {command.strip()}")
    return found
