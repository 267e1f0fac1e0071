"""LogTail reads each complete line once: appends, half lines, rotation, truncation, junk."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from exporter.log_tail import CHUNK_BYTES, MAX_LINE_BYTES, LogBatch, LogTail, TailReport


class Collected:
    """The lines a poll handed over, as text, in order."""

    def __init__(self, tail: LogTail) -> None:
        self.tail = tail
        self.lines: list[str] = []
        self.report = TailReport()

    def poll(self) -> list[str]:
        new: list[str] = []

        def sink(batch: LogBatch) -> None:
            new.extend(f"{batch.name}:{line.decode('utf-8', 'replace')}" for line in batch.lines)

        self.report = self.tail.poll(sink)
        self.lines += new
        return new


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "logs"
    path.mkdir()
    return path


def append(path: Path, text: str) -> None:
    with path.open("a") as file:
        file.write(text)


def test_only_bytes_added_since_the_last_poll_are_read(folder: Path) -> None:
    log = folder / "20261203.log"
    append(log, "one\ntwo\n")
    tail = Collected(LogTail(folder))

    assert tail.poll() == ["20261203.log:one", "20261203.log:two"]
    assert tail.poll() == []
    append(log, "three\n")
    assert tail.poll() == ["20261203.log:three"]
    assert tail.report.bytes_read == len("three\n")


def test_a_half_written_line_waits_for_its_newline(folder: Path) -> None:
    log = folder / "20261203.log"
    append(log, "done height=1\nappl")
    tail = Collected(LogTail(folder))

    assert tail.poll() == ["20261203.log:done height=1"]
    assert tail.poll() == []
    append(log, "y height=2\n")
    assert tail.poll() == ["20261203.log:apply height=2"]


def test_files_are_read_oldest_day_first_and_rotations_before_their_file(folder: Path) -> None:
    append(folder / "20261203.log", "c\n")
    append(folder / "20261201.log", "a\n")
    append(folder / "20261202.log.1", "b1\n")
    append(folder / "20261202.log", "b0\n")
    append(folder / "20261202.log.2", "b2\n")
    append(folder / "notes.txt", "ignored\n")
    append(folder / "20261202.log.gz", "ignored\n")

    assert Collected(LogTail(folder)).poll() == [
        "20261201.log:a",
        "20261202.log.2:b2",
        "20261202.log.1:b1",
        "20261202.log:b0",
        "20261203.log:c",
    ]


def test_a_renamed_file_is_read_on_from_where_it_was(folder: Path) -> None:
    log = folder / "20261203.log"
    append(log, "one\n")
    tail = Collected(LogTail(folder))
    tail.poll()

    append(log, "two\n")
    log.rename(folder / "20261203.log.1")
    append(log, "three\n")

    assert sorted(tail.poll()) == ["20261203.log.1:two", "20261203.log:three"]
    assert tail.poll() == []


def test_copytruncate_seen_after_the_truncation_reads_only_the_unread_tail(folder: Path) -> None:
    log = folder / "20261203.log"
    append(log, "one\ntwo\n")
    tail = Collected(LogTail(folder))
    tail.poll()

    append(log, "three\n")
    shutil.copyfile(log, folder / "20261203.log.1")
    os.truncate(log, 0)
    append(log, "four\n")

    assert sorted(tail.poll()) == ["20261203.log.1:three", "20261203.log:four"]
    assert tail.report.copies == ["20261203.log.1"]
    assert tail.report.truncated == ["20261203.log"]
    assert tail.poll() == []


def test_copytruncate_seen_before_the_truncation_counts_nothing_twice(folder: Path) -> None:
    log = folder / "20261203.log"
    append(log, "one\n")
    tail = Collected(LogTail(folder))
    tail.poll()

    append(log, "two\n")
    shutil.copyfile(log, folder / "20261203.log.1")
    assert tail.poll() == ["20261203.log:two"]

    os.truncate(log, 0)
    append(log, "three\n")
    assert tail.poll() == ["20261203.log:three"]
    assert tail.lines == ["20261203.log:one", "20261203.log:two", "20261203.log:three"]


def test_a_file_truncated_and_grown_past_the_old_offset_is_read_again(folder: Path) -> None:
    log = folder / "20261203.log"
    append(log, "short\n")
    tail = Collected(LogTail(folder))
    tail.poll()

    log.write_text("a longer first line\nsecond\n")  # truncates in place: same inode

    assert tail.poll() == ["20261203.log:a longer first line", "20261203.log:second"]
    assert tail.report.truncated == ["20261203.log"]


def test_a_deleted_file_is_forgotten_and_a_new_one_read_from_its_start(folder: Path) -> None:
    log = folder / "20261203.log"
    append(log, "one\n")
    tail = Collected(LogTail(folder))
    tail.poll()

    log.unlink()
    assert tail.poll() == []
    append(log, "again\n")
    assert tail.poll() == ["20261203.log:again"]


def test_binary_junk_and_endless_lines_are_handed_over_in_bounded_pieces(folder: Path) -> None:
    log = folder / "20261203.log"
    log.write_bytes(b"\x00\xff\xfe junk\n" + b"x" * (3 * CHUNK_BYTES))
    batches: list[LogBatch] = []
    tail = LogTail(folder)

    tail.poll(batches.append)
    append(log, "\nafter\n")
    tail.poll(batches.append)

    lines = [line for batch in batches for line in batch.lines]
    assert lines[0] == b"\x00\xff\xfe junk"
    assert lines[-1] == b"after"
    pieces = lines[1:-1]
    assert set(b"".join(pieces)) == {ord("x")}
    assert sum(len(piece) for piece in pieces) == 3 * CHUNK_BYTES
    assert max(len(piece) for piece in pieces) <= CHUNK_BYTES + MAX_LINE_BYTES


def test_unreadable_entries_are_reported_never_raised(folder: Path) -> None:
    append(folder / "20261201.log", "ok\n")
    (folder / "20261202.log").mkdir()
    (folder / "20261203.log").symlink_to(folder / "20261201.log")
    tail = Collected(LogTail(folder))

    assert tail.poll() == ["20261201.log:ok"]
    assert tail.report.unreadable == {
        "20261202.log": "not a regular file",
        "20261203.log": "a symbolic link (not followed)",
    }


def test_a_missing_folder_is_reported_and_read_once_it_appears(tmp_path: Path) -> None:
    folder = tmp_path / "later"
    tail = Collected(LogTail(folder))

    assert tail.poll() == []
    assert (
        tail.report.folder_error == f"cannot read log folder {folder}: No such file or directory"
    )

    folder.mkdir()
    append(folder / "20261203.log", "now\n")
    assert tail.poll() == ["20261203.log:now"]
    assert tail.report.folder_error is None


def test_positions_carried_to_another_tail_go_on_where_it_stopped(folder: Path) -> None:
    log = folder / "20261203.log"
    append(log, "one\ntwo\n")
    append(folder / "20261202.log", "old\n")
    first = Collected(LogTail(folder))
    first.poll()

    append(log, "three\n")
    (folder / "20261202.log").write_text("rewritten\n")  # changed in place: not adopted
    second = Collected(LogTail(folder))
    second.tail.adopt(first.tail.positions())

    assert sorted(second.poll()) == ["20261202.log:rewritten", "20261203.log:three"]
