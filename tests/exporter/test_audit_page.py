"""The HTML audit page, rendered by a real headless Chromium, lists each entry needing a person."""

from __future__ import annotations

import struct
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from exporter.advice import Advisor
from exporter.audit import Auditor, AuditSettings
from exporter.audit_page import render_page
from exporter.process import ExporterProcess
from tests.exporter.volume import ADDRESSES, Planned, Volume, applied_line, run_lines

CHROMIUM = "/usr/bin/chromium"
PAID = Planned(100, "staking_rewards", ADDRESSES[0], 1_000_000)
IN_DOUBT = Planned(110, "block_rewards", ADDRESSES[1], 2_000_000)
DAMAGED = Planned(120, "bridge_operations", ADDRESSES[2], 30_000)
MISSED = Planned(130, "ai_module_incentives", ADDRESSES[3], 40_000)
EDITED_FROM = Planned(140, "staking_rewards", ADDRESSES[4], 50_000)
EDITED_TO = Planned(140, "staking_rewards", ADDRESSES[4], 60_000)
FUTURE = Planned(5000, "block_rewards", ADDRESSES[5], 70_000)
PROBLEMS = {IN_DOUBT.key: "in_doubt", DAMAGED.key: "damaged", MISSED.key: "missed"}


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


@pytest.fixture
def troubled(tmp_path: Path) -> Iterator[ExporterProcess]:
    """An exporter over a volume with an entry in every state that needs a person."""
    volume = Volume(tmp_path)
    now = datetime.now(UTC)
    volume.write_schedule([PAID, IN_DOUBT, DAMAGED, MISSED, EDITED_TO, FUTURE])
    volume.stamp(PAID, paid_at=now)
    volume.stamp(EDITED_FROM, paid_at=now)
    volume.intent(IN_DOUBT, written_at=now - timedelta(minutes=2))
    volume.raw_stamp(DAMAGED.key, b'{"v": 1, "key": "trunc')
    volume.append(run_lines(300, start=now) + applied_line(PAID, now) + applied_line(EDITED_FROM))
    # No node: the audit judges at the height of the last run in the logs, 300.
    with ExporterProcess(
        schedule=volume.schedule_path, log_dir=volume.log_dir, grace_blocks=60
    ) as exporter:
        yield exporter


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_chromium_renders_the_problem_entries_and_a_screenshot(
    troubled: ExporterProcess, tmp_path: Path
) -> None:
    profile = tmp_path / "chromium-profile"
    shot = tmp_path / "audit.png"

    dom = chromium(profile, "--dump-dom", f"{troubled.url}/").stdout
    chromium(profile, f"--screenshot={shot}", "--window-size=1280,1600", f"{troubled.url}/")

    for key, status in {**PROBLEMS, EDITED_TO.key: "conflict"}.items():
        assert f'data-key="{key}" data-status="{status}"' in dom
    assert f'data-key="{PAID.key}"' not in dom
    assert f"dyt-emissions resolve {IN_DOUBT.key} --log-dir" in dom
    assert "runbooks.md#dytemissionclaimindoubt" in dom
    assert "runbooks.md#dytemissionstampdamaged" in dom
    assert "runbooks.md#dytemissionentryconflict" in dom
    assert "runbooks.md#dytemissionentriesmissed" in dom
    assert "runbooks.md#dytemissionledgermismatch" in dom  # the edited entry's old stamp
    assert png_size(shot) == (1280, 1600)
    assert shot.stat().st_size > 20_000


def test_values_from_the_files_are_escaped(tmp_path: Path) -> None:
    volume = Volume(tmp_path)
    volume.schedule_path.write_text(
        "entries:\n"
        f"  - {{height: 1, pool: '<script>alert(1)</script>', to: {ADDRESSES[0]}, "
        "amount_udrt: 5}\n"
    )
    audit = Auditor(AuditSettings(volume.schedule_path, volume.log_dir)).refresh(details=True)

    page = render_page(audit, Advisor())

    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_node_that_is_down_and_one_entry_read_as_a_person_writes(tmp_path: Path) -> None:
    volume = Volume(tmp_path)
    volume.write_schedule([MISSED])
    settings = AuditSettings(
        volume.schedule_path,
        volume.log_dir,
        node_metrics_url="http://127.0.0.1:1/metrics",  # nothing listens on port 1
        node_timeout_seconds=2,
        height=300,
    )
    auditor = Auditor(settings)
    try:
        page = render_page(auditor.refresh(details=True), Advisor())
    finally:
        auditor.close()

    assert "Needs attention: 1 entry, 1 other problem." in page
    assert "1 entry in use" in page
    assert "<tr><th>block height</th><td>unknown (node metrics unreachable)</td></tr>" in page
    assert "<tr><th>last height seen</th><td>never seen</td></tr>" in page
    for python in ("None", "True", "False"):
        assert python not in page.split("<body>")[1], python
