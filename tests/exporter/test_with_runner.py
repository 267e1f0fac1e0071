"""The exporter reads what the real runner leaves: takeovers from old runners, a lost answer."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from devnode.handle import DevnodeFactory, DevnodeHandle
from exporter.audit import Audit, Auditor, AuditSettings
from runner.ledger import Status


def writable_copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    for path in [target, *target.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target


def run_runner(node: DevnodeHandle, schedule: Path, log_dir: Path) -> int:
    command = [sys.executable, "-m", "dyt_emissions", "run", "--rpc-url", node.rpc_url]
    result = subprocess.run(
        [*command, "--schedule", str(schedule), "--log-dir", str(log_dir), "--timeout", "2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.returncode


def audit(node: DevnodeHandle, schedule: Path, log_dir: Path) -> Audit:
    assert node.metrics_url is not None
    auditor = Auditor(AuditSettings(schedule, log_dir, node_metrics_url=node.metrics_url))
    try:
        return auditor.refresh(details=True)
    finally:
        auditor.close()


def by_status(result: Audit) -> dict[str, int]:
    counts = result.status_counts()
    assert counts is not None
    return {status.value: n for status, n in counts.items() if n}


def test_after_the_runner_takes_over_the_shell_folder_all_due_is_paid_and_nothing_mismatches(
    tmp_path: Path, shared_cases: Path, devnode: DevnodeFactory
) -> None:
    node = devnode(start_height=420)
    schedule = shared_cases / "schedules" / "small.yaml"
    log_dir = writable_copy(shared_cases / "legacy-logdir", tmp_path / "logs")

    assert run_runner(node, schedule, log_dir) == 0
    result = audit(node, schedule, log_dir)

    assert by_status(result) == {"applied": 5, "future": 3}
    assert set(result.mismatches.values()) == {0}
    facts = result.logs.facts
    assert (facts.runs, facts.last_height, facts.parse_errors) == (3, 420, 0)
    assert facts.last_success == facts.last_end
    assert result.overdue_blocks == 0


def test_after_the_runner_imports_the_json_records_nothing_mismatches(
    tmp_path: Path, shared_cases: Path, devnode: DevnodeFactory
) -> None:
    node = devnode(start_height=420)
    schedule = shared_cases / "schedules" / "small.yaml"
    log_dir = writable_copy(shared_cases / "legacy-jsonl-logdir", tmp_path / "logs")

    assert run_runner(node, schedule, log_dir) == 0
    result = audit(node, schedule, log_dir)

    assert by_status(result) == {"applied": 5, "future": 3}
    assert set(result.mismatches.values()) == {0}
    assert len(node.claims()) == 3  # 250 (failed before), 400 and 400: none paid twice


def test_a_lost_answer_is_in_doubt_and_counted_as_answer_lost(
    tmp_path: Path, shared_cases: Path, devnode: DevnodeFactory
) -> None:
    node = devnode(start_height=420)
    schedule = shared_cases / "schedules" / "small.yaml"
    log_dir = writable_copy(shared_cases / "legacy-logdir", tmp_path / "logs")
    node.faults(drop_after_apply=1)

    assert run_runner(node, schedule, log_dir) == 5
    result = audit(node, schedule, log_dir)

    assert by_status(result) == {"applied": 4, "in_doubt": 1, "future": 3}
    (first, *_) = result.entries()
    assert first.status == Status.IN_DOUBT
    assert first.entry.key.startswith("400_ai_module_incentives_")
    assert result.logs.facts.errors["answer_lost"] == 1
    assert set(result.mismatches.values()) == {0}
