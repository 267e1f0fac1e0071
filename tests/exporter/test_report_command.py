"""`dyt-emissions report`: the audit in the terminal, from the files alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

DUE_KEY = "400_ai_module_incentives_dyt1fca4dbb248512504df492901b46ab61453bd203768fc100b_300000"


def report(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dyt_emissions", "report", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )


def legacy(shared_cases: Path) -> list[str]:
    return [
        "--schedule",
        str(shared_cases / "schedules" / "small.yaml"),
        "--log-dir",
        str(shared_cases / "legacy-logdir"),
    ]


def test_the_table_shows_the_due_entry_and_the_totals(shared_cases: Path) -> None:
    result = report(*legacy(shared_cases))

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith(": height 420 (runner_log), grace 60 blocks")
    assert "entries: applied 4  in_doubt 0  conflict 0  damaged 0  due 1  missed 0  future 3" in (
        result.stdout
    )
    assert "ai_module_incentives          300000          0    300000" in lines
    assert "NEEDS ATTENTION (1)" in lines
    assert f"due        400  ai_module_incentives  300000  {DUE_KEY}" in lines
    assert "        runs 2, error lines: claim_failed 1, unparsable lines 0" in lines


def test_json_is_the_audit_document(shared_cases: Path) -> None:
    result = report(*legacy(shared_cases), "--json", "--height", "1000")

    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {"summary", "problems", "entries", "mismatches"}
    assert document["summary"]["height"] == 1000
    assert document["summary"]["height_source"] == "given"
    statuses = [entry["status"] for entry in document["entries"]]
    assert statuses == ["missed"] * 2 + ["future"] * 2 + ["applied"] * 4
    assert set(document["entries"][0]) >= {
        "key",
        "height",
        "pool",
        "to",
        "amount_udrt",
        "status",
        "reason",
    }


def test_the_environment_names_the_files_as_for_the_runner(shared_cases: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dyt_emissions", "report", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "SCHEDULE": str(shared_cases / "schedules" / "small.yaml"),
            "LOG_DIR": str(shared_cases / "legacy-logdir"),
            "MISSED_GRACE_BLOCKS": "5",
        },
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)["summary"]
    assert (summary["grace_blocks"], summary["entries"]["missed"]) == (5, 1)


def test_unreadable_sources_are_reported_with_exit_2(tmp_path: Path) -> None:
    result = report("--schedule", str(tmp_path / "none.yaml"), "--log-dir", str(tmp_path / "no"))

    assert result.returncode == 2
    assert "PROBLEMS (3)" in result.stdout
    assert f"- logs_unreadable: cannot read log folder {tmp_path / 'no'}" in result.stdout
    assert "Traceback" not in result.stderr
