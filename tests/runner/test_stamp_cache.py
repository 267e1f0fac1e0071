"""The verified-stamps cache: kept per state folder, ignored whole when anything is off."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.stamp_cache import CACHE_FILE_NAME, VerifiedStampCache


def test_round_trip(tmp_path: Path) -> None:
    cache = VerifiedStampCache(tmp_path / ".cache")

    cache.store(42, {"1_block_rewards_dyt1aa_5": 7, "2_block_rewards_dyt1bb_6": 8})

    assert (tmp_path / ".cache" / CACHE_FILE_NAME).read_text() == (
        "dyt-emissions verified stamps v1 folder_inode=42\n"
        "7 1_block_rewards_dyt1aa_5\n"
        "8 2_block_rewards_dyt1bb_6\n"
    )
    assert cache.load(42) == {"1_block_rewards_dyt1aa_5": 7, "2_block_rewards_dyt1bb_6": 8}
    assert cache.load(43) == {}
    assert cache.load(None) == {}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "dyt-emissions verified stamps v1 folder_inode=42\n7 a\n8",
        "dyt-emissions verified stamps v1 folder_inode=42\nseven a\n",
        "dyt-emissions verified stamps v1 folder_inode=42\n7 a b\n",
        "dyt-emissions verified stamps v2 folder_inode=42\n7 a\n",
        "\xff",
    ],
)
def test_anything_odd_means_no_cache(tmp_path: Path, text: str) -> None:
    (tmp_path / CACHE_FILE_NAME).write_text(text, encoding="latin-1")

    assert VerifiedStampCache(tmp_path).load(42) == {}


def test_missing_file_is_no_cache(tmp_path: Path) -> None:
    assert VerifiedStampCache(tmp_path / "nowhere").load(42) == {}
