"""The resolve commands the audit prints are the ones `dyt-emissions resolve` accepts: run them."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from devnode.handle import DevnodeFactory
from exporter.advice import Advisor
from exporter.audit import Audit, Auditor, AuditSettings
from exporter.audit_json import entry_record
from runner.ledger import Status
from tests.exporter.volume import ADDRESSES, NOW, Planned, Volume, applied_line

STAKING = Planned(100, "staking_rewards", ADDRESSES[0], 1_000_000)
EDITED = Planned(100, "staking_rewards", ADDRESSES[0], 5_000_000)


def audit(volume: Volume) -> Audit:
    settings = AuditSettings(volume.schedule_path, volume.log_dir, height=155)
    auditor = Auditor(settings, clock=NOW.timestamp)
    try:
        return auditor.refresh(details=True)
    finally:
        auditor.close()


def commands_for(volume: Volume, planned: Planned) -> tuple[str, list[str]]:
    """The entry's status and its commands, as the page and `report` print them."""
    advisor = Advisor(log_dir=volume.log_dir, schedule=volume.schedule_path)
    (state,) = [s for s in audit(volume).entries() if s.entry.key == planned.key]
    record = entry_record(state, advisor)
    return str(record["status"]), list(record["commands"])


def run_shell(command: str, **env: str) -> subprocess.CompletedProcess[str]:
    """A printed command as a person pastes it, placeholders filled in."""
    filled = command.replace("YOUR_NAME", "alice").replace("WHY", "checked")
    # The printed program name, run from this checkout's interpreter.
    filled = filled.replace("dyt-emissions ", f"{shlex.quote(sys.executable)} -m dyt_emissions ")
    return subprocess.run(
        ["/bin/bash", "-c", filled],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": os.environ["PATH"], **env},
    )


def test_a_damaged_stamp_gets_paid_and_not_paid_never_check(tmp_path: Path) -> None:
    volume = Volume(tmp_path)
    volume.write_schedule([STAKING])
    volume.raw_stamp(STAKING.key, b"")
    status, commands = commands_for(volume, STAKING)

    base = f"dyt-emissions resolve {STAKING.key} --log-dir {volume.log_dir} "
    base += f"--schedule {volume.schedule_path}"
    assert (status, commands) == (
        "damaged",
        [
            f"{base} --paid --by YOUR_NAME --reason WHY",
            f"{base} --not-paid --by YOUR_NAME --reason WHY",
        ],
    )

    result = run_shell(commands[1])
    assert result.returncode == 0, result.stderr
    assert commands_for(volume, STAKING)[0] == "due"


def test_a_claim_in_doubt_gets_a_check_with_the_rpc_url_that_runs(
    tmp_path: Path, devnode: DevnodeFactory
) -> None:
    node = devnode(start_height=420)
    volume = Volume(tmp_path)
    volume.write_schedule([STAKING])
    volume.intent(STAKING)
    status, commands = commands_for(volume, STAKING)

    check = f"dyt-emissions resolve {STAKING.key} --log-dir {volume.log_dir} --check"
    assert (status, commands[0]) == ("in_doubt", f'{check} --rpc-url "$RPC"')

    result = run_shell(commands[0], RPC=node.rpc_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"key={STAKING.key} answer=")
    result = run_shell(commands[2])
    assert result.returncode == 0, result.stderr
    assert commands_for(volume, STAKING)[0] == "due"


def test_a_conflict_gets_paid_and_not_paid_that_resolve_accepts(tmp_path: Path) -> None:
    volume = Volume(tmp_path)
    volume.stamp(STAKING)
    volume.append(applied_line(STAKING))
    volume.write_schedule([EDITED])
    status, commands = commands_for(volume, EDITED)

    assert status == "conflict"
    assert [c.split(" --by ")[0].rsplit(" ", 1)[1] for c in commands] == ["--paid", "--not-paid"]

    result = run_shell(commands[0])
    assert result.returncode == 0, result.stderr
    after = audit(volume)
    assert [s.status for s in after.entries()] == [Status.APPLIED]
    # As the advice says: the old stamp is retired into .state/resolved/.
    assert after.mismatches["orphan_stamp"] == 0
    retired = [p.name for p in (volume.state_dir / "resolved").iterdir()]
    assert [name for name in retired if name.startswith(STAKING.key + ".")] != []


def test_an_applied_line_without_a_stamp_gets_a_paid_command_that_stamps_it(
    tmp_path: Path,
) -> None:
    volume = Volume(tmp_path)
    volume.write_schedule([STAKING])
    volume.append(applied_line(STAKING))
    advisor = Advisor(log_dir=volume.log_dir, schedule=volume.schedule_path)
    (mismatch,) = audit(volume).mismatch_details
    assert (mismatch.kind, mismatch.key) == ("applied_without_stamp", STAKING.key)

    (command,) = advisor.for_mismatch(mismatch.kind, mismatch.key).commands
    assert " --paid " in command and " --schedule " in command

    result = run_shell(command)
    assert result.returncode == 0, result.stderr
    after = audit(volume)
    assert [s.status for s in after.entries()] == [Status.APPLIED]
    assert after.mismatches["applied_without_stamp"] == 0
