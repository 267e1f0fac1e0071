"""StateWatch lists the state folder again only when the folder changed."""

from __future__ import annotations

import os
import time
from pathlib import Path

from exporter.state_watch import StateWatch
from runner.stamps import DamagedStamp, Stamp
from tests.exporter.volume import ADDRESSES, Planned, Volume

ONE = Planned(100, "staking_rewards", ADDRESSES[0], 1_000_000)
TWO = Planned(200, "block_rewards", ADDRESSES[1], 2_000_000)


def age(folder: Path) -> int:
    """Set the folder's mtime a day back (no longer "racy"); return it in ns."""
    a_day_ago = time.time_ns() - 86400 * 10**9
    os.utime(folder, ns=(a_day_ago, a_day_ago))
    return a_day_ago


def test_a_missing_state_folder_is_an_empty_state_not_an_error(tmp_path: Path) -> None:
    view = StateWatch(Volume(tmp_path).state_dir).poll()
    assert (dict(view.stamps), dict(view.intents), view.error) == ({}, {}, None)


def test_new_stamps_and_intents_are_seen(tmp_path: Path) -> None:
    volume = Volume(tmp_path)
    volume.stamp(ONE)
    watch = StateWatch(volume.state_dir)
    first = watch.poll()
    assert isinstance(first.stamps[ONE.key], Stamp)

    volume.stamp(TWO)
    volume.intent(Planned(300, "bridge_operations", ADDRESSES[2], 5))
    second = watch.poll()

    assert second.version > first.version
    assert sorted(second.stamps) == sorted([ONE.key, TWO.key])
    assert list(second.intents) == [Planned(300, "bridge_operations", ADDRESSES[2], 5).key]


def test_an_unchanged_folder_is_not_listed_again(tmp_path: Path) -> None:
    volume = Volume(tmp_path)
    volume.stamp(ONE)
    mtime = age(volume.state_dir)
    watch = StateWatch(volume.state_dir)
    first = watch.poll()

    # A stamp slipped in, and the folder's mtime was put back: the watch trusts the mtime.
    volume.stamp(TWO)
    os.utime(volume.state_dir, ns=(mtime, mtime))
    assert watch.poll() is first

    age(volume.state_dir)  # any move of the mtime makes it look again
    assert sorted(watch.poll().stamps) == sorted([ONE.key, TWO.key])


def test_a_damaged_stamp_is_read_as_damaged(tmp_path: Path) -> None:
    volume = Volume(tmp_path)
    volume.raw_stamp(ONE.key, b"")

    record = StateWatch(volume.state_dir).poll().stamps[ONE.key]

    assert record == DamagedStamp(ONE.key, "empty stamp")


def test_a_state_folder_that_is_not_a_folder_is_an_error(tmp_path: Path) -> None:
    volume = Volume(tmp_path)
    volume.state_dir.write_text("not a folder")

    view = StateWatch(volume.state_dir).poll()

    assert view.error == f"cannot list state folder {volume.state_dir}: Not a directory"
    assert dict(view.stamps) == {}


def poll_until_damaged(watch: StateWatch, key: str) -> DamagedStamp:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        record = watch.poll().stamps[key]
        if isinstance(record, DamagedStamp):
            return record
        time.sleep(0.01)
    raise AssertionError(f"{key} still reads as a valid stamp")


def test_a_stamp_truncated_in_place_is_seen_without_the_folder_moving(tmp_path: Path) -> None:
    volume = Volume(tmp_path)
    volume.stamp(ONE)
    mtime = age(volume.state_dir)
    watch = StateWatch(volume.state_dir, recheck_seconds=0.05)
    first = watch.poll()
    assert isinstance(first.stamps[ONE.key], Stamp)
    assert watch.poll() is first  # stat'ed again, unchanged: nothing is read or listed

    # What `: > stamp` does: same inode, same folder mtime, an empty file.
    with (volume.state_dir / f"{ONE.key}.stamp").open("r+b") as stamp:
        stamp.truncate(0)
    os.utime(volume.state_dir, ns=(mtime, mtime))

    assert poll_until_damaged(watch, ONE.key) == DamagedStamp(ONE.key, "empty stamp")
    assert watch.view.version > first.version


def test_a_stamp_replaced_by_a_rename_is_read_again_at_the_next_listing(tmp_path: Path) -> None:
    volume = Volume(tmp_path)
    volume.stamp(ONE)
    watch = StateWatch(volume.state_dir, recheck_seconds=3600)
    assert isinstance(watch.poll().stamps[ONE.key], Stamp)

    replacement = volume.state_dir / "replacement"
    replacement.write_bytes(b"{}\n")
    replacement.rename(volume.state_dir / f"{ONE.key}.stamp")
    age(volume.state_dir)

    record = watch.poll().stamps[ONE.key]
    assert record == DamagedStamp(ONE.key, "JSON but not a version 1 stamp")
