"""ScheduleWatch: a ConfigMap symlink swap is seen, an invalid file never replaces a valid one."""

from __future__ import annotations

import os
import time
from pathlib import Path

from exporter.schedule_watch import ScheduleWatch
from tests.exporter.volume import ADDRESSES, Planned, Volume

FIRST = [Planned(100, "staking_rewards", ADDRESSES[0], 1_000_000)]
# Same length in bytes as FIRST's file: only the content differs.
SECOND = [Planned(100, "staking_rewards", ADDRESSES[0], 2_000_000)]


def configmap_update(mount: Path, version: str, volume: Volume, entries: list[Planned]) -> Path:
    """Do what the kubelet does: a new timestamped folder, then one rename of `..data`."""
    folder = mount / f"..2026_12_01_10_00_{version}"
    folder.mkdir()
    volume.write_schedule(entries, folder / "schedule.yaml")
    link = mount / "..data_tmp"
    link.symlink_to(folder.name)
    link.rename(mount / "..data")
    if not (mount / "schedule.yaml").is_symlink():
        (mount / "schedule.yaml").symlink_to("..data/schedule.yaml")
    return folder / "schedule.yaml"


def test_a_configmap_symlink_swap_is_seen_even_with_the_same_size_and_mtime(
    tmp_path: Path,
) -> None:
    volume = Volume(tmp_path)
    mount = tmp_path / "configmap"
    mount.mkdir()
    first = configmap_update(mount, "00.1", volume, FIRST)
    a_day_ago = time.time_ns() - 86400 * 10**9
    os.utime(first, ns=(a_day_ago, a_day_ago))  # not "racy": the mtime cannot explain a change
    watch = ScheduleWatch(mount / "schedule.yaml")
    before = watch.poll()
    assert before.schedule is not None
    assert [e.amount_udrt for e in before.schedule.entries] == [1_000_000]

    second = configmap_update(mount, "30.2", volume, SECOND)
    stat = first.stat()
    os.utime(second, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert second.stat().st_size == stat.st_size

    after = watch.poll()
    assert after.valid
    assert after.schedule is not None
    assert [e.amount_udrt for e in after.schedule.entries] == [2_000_000]
    assert after.schedule.digest != before.schedule.digest


def test_an_unchanged_file_is_not_loaded_again(tmp_path: Path) -> None:
    volume = Volume(tmp_path)
    volume.write_schedule(FIRST)
    watch = ScheduleWatch(volume.schedule_path)

    first = watch.poll()
    second = watch.poll()

    assert first.schedule is second.schedule
    assert first.loaded_at == second.loaded_at


def test_an_in_place_rewrite_within_the_same_clock_tick_is_caught_by_content(
    tmp_path: Path,
) -> None:
    volume = Volume(tmp_path)
    volume.write_schedule(FIRST)
    stat = volume.schedule_path.stat()
    watch = ScheduleWatch(volume.schedule_path)
    watch.poll()

    volume.write_schedule(SECOND)  # same inode, same size
    os.utime(volume.schedule_path, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    view = watch.poll()
    assert view.schedule is not None
    assert [e.amount_udrt for e in view.schedule.entries] == [2_000_000]


def test_an_invalid_file_keeps_the_last_valid_schedule_and_says_why(tmp_path: Path) -> None:
    volume = Volume(tmp_path)
    volume.write_schedule(FIRST)
    watch = ScheduleWatch(volume.schedule_path)
    valid = watch.poll()

    volume.schedule_path.write_text(
        "entries:\n  - height: -5\n    pool: staking_rewards\n"
        f"    to: {ADDRESSES[0]}\n    amount_udrt: 1\n"
    )
    view = watch.poll()

    assert not view.valid
    assert view.schedule is valid.schedule
    assert view.loaded_at == valid.loaded_at
    assert view.invalid_entries == 1
    assert [p.message for p in view.problems] == ["entry 1 (line 2): height must be >= 0, got -5"]

    volume.write_schedule(SECOND)
    fixed = watch.poll()
    assert fixed.valid and fixed.problems == () and fixed.invalid_entries == 0


def test_a_missing_file_is_reported_and_nothing_is_in_use(tmp_path: Path) -> None:
    watch = ScheduleWatch(tmp_path / "nowhere.yaml")

    view = watch.poll()

    assert (view.valid, view.schedule, view.invalid_entries) == (False, None, 0)
    assert len(view.problems) == 1
    assert "nowhere.yaml" in str(view.problems[0])
