"""A big log folder read by a child process gives the same audit as one read in process."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from exporter.audit import Auditor, AuditSettings
from tests.exporter.volume import ADDRESSES, NOW, Planned, Volume, applied_line, run_lines

PAID = Planned(100, "staking_rewards", ADDRESSES[0], 1_000_000)


def test_the_child_reading_equals_the_in_process_reading_and_lines_after_it_count_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    volume = Volume(tmp_path)
    volume.write_schedule([PAID])
    volume.stamp(PAID)
    volume.append(run_lines(90, start=NOW) + applied_line(PAID) + "junk\n", day="20261202")
    volume.append(run_lines(100, start=NOW), day="20261203")
    settings = AuditSettings(volume.schedule_path, volume.log_dir, height=120)
    in_process = Auditor(settings, clock=NOW.timestamp).refresh()

    caplog.set_level(logging.INFO, logger="dyt_emissions.exporter")
    child = Auditor(settings, clock=NOW.timestamp, child_read_bytes=0)
    by_child = child.refresh()

    assert "logs history" not in caplog.text  # the child did the reading, it did not fail
    assert by_child.logs == in_process.logs
    assert by_child.counts == in_process.counts
    assert by_child.mismatches == in_process.mismatches
    assert by_child.logs.facts.parse_errors == 1

    volume.append(run_lines(101, start=NOW), day="20261203")
    assert child.refresh().logs.facts.runs == in_process.logs.facts.runs + 1
