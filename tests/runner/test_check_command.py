"""`dyt-emissions check` through the real command line: summaries, problems, exit codes."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CASES = REPO / ".." / "shared" / "cases" / "schedules"
EXPECTED: dict[str, str] = json.loads((CASES / "invalid" / "EXPECTED.json").read_text())


def check(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dyt_emissions", "check", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_valid_schedule_summary() -> None:
    path = CASES / "small.yaml"
    result = check(path)

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        f"{path}: valid schedule, 8 entries, sha256 "
        "d6740f6a14f9a78de33242b04e247a34e355c40f738f3eabbd008a3ffb7bca25\n"
        "  pool                    entries                      uDRT\n"
        "  ai_module_incentives          1                   300,000\n"
        "  block_rewards                 2                11,500,000\n"
        "  bridge_operations             1                   100,000\n"
        "  staking_rewards               4                 3,750,000\n"
        "  total                         8                15,650,000\n"
        "  heights 100 to 100000\n"
        "  entries with an id: 0\n"
    )


def test_valid_schedule_as_json() -> None:
    path = CASES / "small.yaml"
    result = check(path, "--json")

    assert result.returncode == 0
    assert json.loads(result.stdout) == {
        "path": str(path),
        "valid": True,
        "sha256": "d6740f6a14f9a78de33242b04e247a34e355c40f738f3eabbd008a3ffb7bca25",
        "entries": 8,
        "entries_with_id": 0,
        "height_min": 100,
        "height_max": 100000,
        "total_udrt": 15650000,
        "pools": {
            "ai_module_incentives": {"entries": 1, "amount_udrt": 300000},
            "block_rewards": {"entries": 2, "amount_udrt": 11500000},
            "bridge_operations": {"entries": 1, "amount_udrt": 100000},
            "staking_rewards": {"entries": 4, "amount_udrt": 3750000},
        },
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_case_exits_2_with_its_fact(name: str) -> None:
    path = CASES / "invalid" / name
    result = check(path)

    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    *problems, closing = result.stderr.splitlines()
    fact = EXPECTED[name].rsplit(": ", 1)[-1] if name == "alias-bomb.yaml" else EXPECTED[name]
    assert any(line.startswith(f"{path}:") and fact in line for line in problems), problems
    assert closing == (
        f"{path}: not a valid schedule (1 problem); nothing is paid from it until fixed"
    )


def test_invalid_schedule_as_json() -> None:
    path = CASES / "invalid" / "float-amount.yaml"
    result = check("--json", path)

    assert result.returncode == 2
    assert json.loads(result.stdout) == {
        "path": str(path),
        "valid": False,
        "problems": [
            {
                "line": 5,
                "entry": 1,
                "field": "amount_udrt",
                "message": "entry 1 (line 5): amount_udrt must be an integer number of uDRT, "
                "got a float ('1.5e6')",
            }
        ],
    }


def test_every_problem_on_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "schedule.yaml"
    path.write_text("entries:\n  - {height: -1, pool: x, to: y, amount_udrt: 0}\n  - 7\n")
    result = check(path)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{path}:2: entry 1 (line 2): height must be >= 0, got -1",
        f"{path}:2: entry 1 (line 2): amount_udrt must be > 0, got 0",
        f"{path}:2: entry 1 (line 2): unknown pool 'x' (known: ai_module_incentives, "
        "block_rewards, bridge_operations, staking_rewards)",
        f"{path}:2: entry 1 (line 2): to is not a valid address: expected 'dyt1' followed "
        "by 48 lowercase hex digits (or a bech32m 'dytallix1...' address), got 'y'",
        f"{path}:3: entry 2 (line 3): an entry must be a mapping of height, pool, to, "
        "amount_udrt and optionally id, got an integer",
        f"{path}: not a valid schedule (5 problems); nothing is paid from it until fixed",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "empty file; expected a mapping with the key 'entries'"),
        (b"\xff\xfe\x00e\x00n", "not UTF-8 text: byte 0xff at offset 0 cannot be decoded"),
    ],
)
def test_unreadable_files_exit_2_cleanly(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "schedule.yaml"
    if content is not None:
        path.write_bytes(content)
    result = check(path)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert message in result.stderr.splitlines()[0]


def test_a_directory_exits_2_cleanly(tmp_path: Path) -> None:
    result = check(tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == f"{tmp_path}: a directory, not a schedule file"


def test_help_says_what_is_checked() -> None:
    result = check("--help")
    assert result.returncode == 0
    for words in ("aliases", "2**64", "checksum", "staking_rewards", "exit status: 0 valid"):
        assert words in result.stdout


def test_random_junk_never_makes_a_traceback(tmp_path: Path) -> None:
    generator = random.Random(20261203)
    alphabet = "entries:height pool to amount_udrt id - [ ] { } , : & * ! ' \" # \n 0 1 9 . e"
    for number in range(4):
        path = tmp_path / f"junk-{number}.yaml"
        if number == 0:
            path.write_bytes(generator.randbytes(300))
        else:
            path.write_text("".join(generator.choice(alphabet) for _ in range(300)))
        result = check(path)
        assert result.returncode == 2, path.read_bytes()
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith(f"{path}")
