"""Stamps: written durably, read back exactly, legacy ones honoured, damage reported."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from runner.address import make_address
from runner.durable import UnsafePathError
from runner.stamps import DamagedStamp, Stamp, StampStore, parse_stamp
from runner.state_folder import list_state

TO = make_address(bytes(range(20)))
PAID = datetime(2026, 12, 1, 10, 5, 2, tzinfo=UTC)
KEY = f"400_bridge_operations_{TO}_100000"


def paid_stamp(key: str = KEY, **changes: object) -> Stamp:
    fields: dict[str, object] = {
        "key": key,
        "height": 400,
        "pool": "bridge_operations",
        "to": TO,
        "amount_udrt": 100000,
        "paid_at": PAID,
        "remaining": "88",
        "run_id": "20261201T100501Z-4f2a",
    }
    fields.update(changes)
    return Stamp(**fields)  # type: ignore[arg-type]


def test_written_stamp_is_one_json_line_and_reads_back(tmp_path: Path) -> None:
    store = StampStore(tmp_path / ".state")
    stamp = paid_stamp()

    store.write(stamp)

    text = (tmp_path / ".state" / f"{KEY}.stamp").read_text()
    assert text == (
        f'{{"v": 1, "key": "{KEY}", "height": 400, "pool": "bridge_operations", "to": "{TO}",'
        ' "amount_udrt": 100000, "paid_at": "2026-12-01T10:05:02Z", "remaining": "88",'
        ' "run_id": "20261201T100501Z-4f2a", "decided_by": null, "reason": null,'
        ' "imported_from": null}\n'
    )
    assert store.read(KEY) == stamp
    assert dict(store.scan()) == {KEY: stamp}
    assert [p.name for p in (tmp_path / ".state").iterdir()] == [f"{KEY}.stamp"]


@pytest.mark.parametrize(
    "stamp",
    [
        paid_stamp(),
        paid_stamp(remaining=None, run_id=None),
        paid_stamp(decided_by="alice", reason='balance rose "exactly"', remaining=None),
        paid_stamp(imported_from="20261129.log"),
        paid_stamp("bonus-2026.12", amount_udrt=5),
    ],
)
def test_fast_and_general_readers_agree(stamp: Stamp) -> None:
    line = stamp.to_json_line()
    spaced = json.dumps(json.loads(line), indent=1).encode()

    assert parse_stamp(stamp.key, line.encode()) == stamp
    assert parse_stamp(stamp.key, spaced) == stamp


def test_shell_runner_stamps_are_honoured(shared_cases: Path) -> None:
    stamps = dict(StampStore(shared_cases / "legacy-logdir" / ".state").scan())

    assert len(stamps) == 4
    bridge = stamps[
        "400_bridge_operations_dyt17e9d64ba2c1fb130c853b31c505f5214bf2a1c741204985f_100000"
    ]
    assert bridge == Stamp(
        key="400_bridge_operations_dyt17e9d64ba2c1fb130c853b31c505f5214bf2a1c741204985f_100000",
        height=400,
        pool="bridge_operations",
        to="dyt17e9d64ba2c1fb130c853b31c505f5214bf2a1c741204985f",
        amount_udrt=100000,
        paid_at=datetime(2026, 12, 1, 0, 5, 1, tzinfo=UTC),
        legacy=True,
    )


def test_bare_timestamp_under_an_id_has_no_fields() -> None:
    assert parse_stamp("bonus", b"2026-11-30T12:05:01Z\n") == Stamp(
        "bonus", None, None, None, None, datetime(2026, 11, 30, 12, 5, 1, tzinfo=UTC), legacy=True
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty stamp"),
        (b"2026-11-30T12:0", "not a stamp: expected one line of JSON or a UTC timestamp"),
        (b"2026-13-30T12:05:01Z", "not a valid UTC timestamp: '2026-13-30T12:05:01Z'"),
        (paid_stamp().to_json_line().encode()[:60], "truncated or malformed JSON"),
        (b"\xff\xfe", "not UTF-8 text"),
        (b'{"v": 2}', "JSON but not a version 1 stamp"),
        (b"x" * 5000, "larger than 4096 bytes"),
        (
            paid_stamp(amount_udrt=5).to_json_line().encode(),
            "its fields disagree with its file name",
        ),
        (
            paid_stamp("other").to_json_line().encode(),
            "its key field 'other' disagrees with its name",
        ),
        (
            b'{"v": 1, "height": 400}',
            "it has no key field (expected the key of its file name)",
        ),
        (
            b'{"v": 1, "key": null, "height": 400}',
            "its key field is null (expected the key of its file name)",
        ),
        (
            paid_stamp().to_json_line().replace('"height": 400', '"height": true').encode(),
            "height must be an integer >= 0",
        ),
    ],
)
def test_damaged_stamps_say_why(content: bytes, reason: str) -> None:
    assert parse_stamp(KEY, content) == DamagedStamp(KEY, reason)


def test_symlinked_stamp_is_refused_not_followed(tmp_path: Path) -> None:
    state = tmp_path / ".state"
    state.mkdir()
    target = tmp_path / "elsewhere"
    target.write_text(paid_stamp().to_json_line())
    (state / f"{KEY}.stamp").symlink_to(target)
    store = StampStore(state)

    assert dict(store.scan()) == {KEY: DamagedStamp(KEY, "is a symlink: refused")}
    assert store.read(KEY) == DamagedStamp(KEY, "is a symlink: refused")
    with pytest.raises(UnsafePathError):
        store.write(paid_stamp())
    assert target.read_text() == paid_stamp().to_json_line()


def test_symlinked_state_folder_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / ".state").symlink_to(real)

    listing = list_state(tmp_path / ".state")

    assert [r.reason for r in listing.refused] == ["the state folder is a symlink: refused"]
    with pytest.raises(UnsafePathError):
        StampStore(tmp_path / ".state").write(paid_stamp())
    assert list(real.iterdir()) == []


@pytest.mark.parametrize("key", ["../escape", "a/b", ".hidden", "", "x" * 300, "a..b"])
def test_a_key_never_becomes_a_path_outside(tmp_path: Path, key: str) -> None:
    with pytest.raises(ValueError, match="refusing to write a stamp"):
        StampStore(tmp_path / ".state").write(paid_stamp(key))
    assert not (tmp_path / "escape.stamp").exists()


def test_scan_ignores_temp_files_and_lists_once(tmp_path: Path) -> None:
    state = tmp_path / ".state"
    state.mkdir()
    (state / f".{KEY}.stamp.1a2b3c4d.tmp").write_text("partial")
    (state / ".lock").write_text("")
    (state / "notes.txt").write_text("hello")

    assert dict(StampStore(state).scan()) == {}


def test_missing_state_folder_is_an_empty_state(tmp_path: Path) -> None:
    assert dict(StampStore(tmp_path / ".state").scan()) == {}


def test_write_interrupted_before_rename_leaves_only_a_temp_file(tmp_path: Path) -> None:
    store = StampStore(tmp_path / ".state")

    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.write(paid_stamp(), before_rename=interrupted)

    names = os.listdir(tmp_path / ".state")
    assert len(names) == 1 and names[0].endswith(".tmp")
    assert dict(store.scan()) == {}


def test_trusted_stamps_are_not_read_until_replaced(tmp_path: Path) -> None:
    state = tmp_path / ".state"
    store = StampStore(state)
    store.write(paid_stamp())
    first = store.scan()
    assert first[KEY] == paid_stamp()
    verified = first.verified()
    assert verified == {KEY: (state / f"{KEY}.stamp").stat().st_ino}

    # Edited in place (same inode): trusted, not read; the name's fields stand in.
    (state / f"{KEY}.stamp").write_text("")
    trusted = store.scan(trusted=verified)
    assert trusted.trusts(KEY)
    assert trusted[KEY] == Stamp(
        KEY, 400, "bridge_operations", TO, 100000, None, content_read=False
    )
    assert trusted.read(KEY) == DamagedStamp(KEY, "empty stamp")

    # Replaced by a rename (a new inode): read again, and found damaged.
    replacement = tmp_path / "replacement"
    replacement.write_text("")
    replacement.rename(state / f"{KEY}.stamp")
    again = store.scan(trusted=verified)
    assert not again.trusts(KEY)
    assert again[KEY] == DamagedStamp(KEY, "empty stamp")
    assert again.verified() == {}


def test_id_stamps_are_never_trusted(tmp_path: Path) -> None:
    store = StampStore(tmp_path / ".state")
    store.write(paid_stamp("bonus"))
    inode = (tmp_path / ".state" / "bonus.stamp").stat().st_ino

    index = store.scan(trusted={"bonus": inode})

    assert not index.trusts("bonus")
    assert index["bonus"] == paid_stamp("bonus")
    assert index.verified() == {}
