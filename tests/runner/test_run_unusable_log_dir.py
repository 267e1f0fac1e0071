"""A log folder the runner cannot use is a clear line and exit 2, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devnode.handle import DevnodeFactory
from tests.runner.runner_harness import Spec, address, run_args, run_cli, write_schedule


def file_as_log_dir(root: Path) -> tuple[Path, str]:
    (root / "logs").write_text("")
    return root / "logs", f"{root}/logs: File exists (a file stands where a folder is needed)"


def read_only_volume(root: Path) -> tuple[Path, str]:
    # sysfs refuses new folders even to root: a read-only volume without a mount.
    return Path("/sys/kernel"), (
        "/sys/kernel/.state: Operation not permitted (the volume is not writable here)"
    )


def file_as_state_folder(root: Path) -> tuple[Path, str]:
    (root / "logs").mkdir()
    (root / "logs" / ".state").write_text("")
    return root / "logs", (
        f"{root}/logs/.state: File exists (a file stands where a folder is needed)"
    )


def folder_as_lock(root: Path) -> tuple[Path, str]:
    (root / "logs" / ".state" / ".lock").mkdir(parents=True)
    return root / "logs", (
        f"{root}/logs/.state/.lock: Is a directory (a folder stands where a file is needed)"
    )


def folder_as_day_log(root: Path) -> tuple[Path, str]:
    day = f"{datetime.now(UTC):%Y%m%d}.log"
    (root / "logs" / day).mkdir(parents=True)
    return root / "logs", (
        f"{root}/logs/{day}: Is a directory (a folder stands where a file is needed)"
    )


@pytest.mark.parametrize(
    "make",
    [file_as_log_dir, read_only_volume, file_as_state_folder, folder_as_lock, folder_as_day_log],
)
def test_unusable_log_dir_is_exit_2_and_pays_nothing(
    devnode: DevnodeFactory, tmp_path: Path, make: Callable[[Path], tuple[Path, str]]
) -> None:
    node = devnode(start_height=420)
    schedule = write_schedule(
        tmp_path / "s.yaml", [Spec(100, "staking_rewards", address(61), 1000)]
    )
    log_dir, what = make(tmp_path)

    result = run_cli(*run_args(node.rpc_url, schedule, log_dir))

    assert result.code == 2
    assert result.stderr == f"dyt-emissions run: cannot use {what}; nothing was done\n"
    assert node.claims() == []
