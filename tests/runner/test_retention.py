"""Retention: day files by the date in their name; nothing else is ever removed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from runner.retention import remove_expired_logs


def test_only_expired_day_files_go(tmp_path: Path) -> None:
    for name in [
        "20261101.log",
        "20261116.log",
        "20261117.log",
        "20261201.log",
        "20261399.log",
        "2026111.log",
        "20261101.log.gz",
        "notes.log",
    ]:
        (tmp_path / name).write_text("x\n")
    (tmp_path / ".state").mkdir()
    (tmp_path / ".state" / "20261101.log").write_text("not a day file: inside the state\n")
    (tmp_path / "20261102.log").symlink_to(tmp_path / "notes.log")
    (tmp_path / "20261103.log").mkdir()

    removed = remove_expired_logs(tmp_path, date(2026, 12, 1), 14, keep={"20261116.log"})

    assert removed == ["20261101.log"]
    assert {p.name for p in tmp_path.iterdir()} == {
        ".state",
        "20261101.log.gz",
        "20261102.log",
        "20261103.log",
        "20261116.log",
        "20261117.log",
        "20261201.log",
        "20261399.log",
        "2026111.log",
        "notes.log",
    }
    assert (tmp_path / ".state" / "20261101.log").exists()
