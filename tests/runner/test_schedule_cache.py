"""The validated-schedule cache: used when the bytes match, ignored when damaged, never stale."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from runner.schedule import ScheduleError, load_schedule

ADDRESS = "dyt1b449d75c065dff86224e707b62732d17f822826701df56c6"
TEXT = (
    "entries:\n"
    f"  - {{height: 5, pool: block_rewards, to: {ADDRESS}, amount_udrt: 700}}\n"
    f"  - {{height: 9, pool: bridge_operations, to: {ADDRESS}, amount_udrt: 80, id: x-1}}\n"
)


@pytest.fixture
def schedule_file(tmp_path: Path) -> Path:
    path = tmp_path / "schedule.yaml"
    path.write_text(TEXT)
    return path


def cache_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("schedule-*.json"))


def test_a_second_load_gives_the_same_schedule(schedule_file: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = load_schedule(schedule_file, cache)
    (stored,) = cache_files(cache)

    assert load_schedule(schedule_file, cache) == first == load_schedule(schedule_file)
    assert cache_files(cache) == [stored]
    assert [p.name for p in cache.iterdir()] == [stored.name]  # no temporary left
    assert stored.stat().st_mode & 0o777 == 0o644


def forged(data: bytes, old: bytes, new: bytes) -> bytes:
    """A cache file's content with `old` replaced in its body and the checksum fixed."""
    header_line, body = data.split(b"\n", 1)
    body = body.replace(old, new)
    header = json.loads(header_line)
    header["body_sha256"] = hashlib.sha256(body).hexdigest()
    return json.dumps(header).encode() + b"\n" + body


def test_a_sound_cache_file_is_what_is_read(schedule_file: Path, tmp_path: Path) -> None:
    # A forged file with a correct checksum is believed: that shows a cached schedule
    # is not parsed again (and why the cache lives in the runner's own state folder).
    cache = tmp_path / "cache"
    load_schedule(schedule_file, cache)
    (stored,) = cache_files(cache)
    stored.write_bytes(forged(stored.read_bytes(), b"700", b"701"))

    assert load_schedule(schedule_file, cache).entries[0].amount_udrt == 701


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],
        lambda data: data.replace(b"700", b"701"),
        lambda data: b"",
        lambda data: b"not json\n[]",
        lambda data: data.replace(b'"entries": 2', b'"entries": 3'),
        lambda data: data.replace(b'"v": 1', b'"v": 0'),
    ],
)
def test_a_damaged_cache_is_ignored_and_rewritten(
    schedule_file: Path, tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    cache = tmp_path / "cache"
    expected = load_schedule(schedule_file, cache)
    (stored,) = cache_files(cache)
    good = stored.read_bytes()
    stored.write_bytes(damage(good))

    assert load_schedule(schedule_file, cache) == expected
    assert stored.read_bytes() == good


def test_a_changed_schedule_never_meets_the_old_cache(schedule_file: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_schedule(schedule_file, cache)
    (old,) = cache_files(cache)

    schedule_file.write_text(TEXT.replace("amount_udrt: 700", "amount_udrt: 900"))
    assert load_schedule(schedule_file, cache).entries[0].amount_udrt == 900
    (new,) = cache_files(cache)
    assert new != old


def test_an_invalid_schedule_is_not_cached(schedule_file: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    schedule_file.write_text(TEXT.replace("amount_udrt: 700", "amount_udrt: 0"))
    for _ in range(2):
        with pytest.raises(ScheduleError, match="amount_udrt must be > 0"):
            load_schedule(schedule_file, cache)
    assert cache_files(cache) == []


def test_an_unusable_cache_folder_changes_nothing(schedule_file: Path, tmp_path: Path) -> None:
    expected = load_schedule(schedule_file)

    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    assert load_schedule(schedule_file, not_a_folder) == expected

    target = tmp_path / "elsewhere"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target)
    assert load_schedule(schedule_file, link) == expected
    assert list(target.iterdir()) == []


def test_a_symlinked_cache_file_is_not_followed(schedule_file: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    expected = load_schedule(schedule_file, cache)
    (stored,) = cache_files(cache)
    decoy = tmp_path / "decoy.json"
    decoy.write_bytes(forged(stored.read_bytes(), b"700", b"701"))
    stored.unlink()
    os.symlink(decoy, stored)

    assert load_schedule(schedule_file, cache) == expected
    assert not stored.is_symlink()


def test_a_reader_that_must_not_write_uses_the_cache_and_adds_nothing(
    schedule_file: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    load_schedule(schedule_file, cache, store_in_cache=False)
    assert not cache.exists()

    load_schedule(schedule_file, cache)
    (stored,) = cache_files(cache)
    stored.write_bytes(forged(stored.read_bytes(), b"700", b"701"))
    before = stored.read_bytes()

    read = load_schedule(schedule_file, cache, store_in_cache=False)
    assert read.entries[0].amount_udrt == 701  # read from the cache, not parsed again
    assert cache_files(cache) == [stored] and stored.read_bytes() == before
