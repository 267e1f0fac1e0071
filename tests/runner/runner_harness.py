"""Running the real runner as a subprocess, and reading what it left, for the runner tests."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.address import make_address
from runner.journal import ClaimJournal
from runner.logline import LogEvent, parse_line
from runner.stamps import StampStore

REPO_ROOT = Path(__file__).resolve().parents[2]


def address(n: int) -> str:
    """A valid, distinct address per small integer."""
    return make_address(n.to_bytes(20, "big"))


@dataclass(frozen=True)
class Spec:
    height: int
    pool: str
    to: str
    amount_udrt: int
    id: str | None = None

    @property
    def key(self) -> str:
        if self.id is not None:
            return self.id
        return f"{self.height}_{self.pool}_{self.to}_{self.amount_udrt}"


def write_schedule(path: Path, specs: list[Spec]) -> Path:
    lines = ["entries:"]
    for spec in specs:
        lines += [
            f"  - height: {spec.height}",
            f"    pool: {spec.pool}",
            f"    to: {spec.to}",
            f"    amount_udrt: {spec.amount_udrt}",
        ]
        if spec.id is not None:
            lines.append(f"    id: {spec.id}")
    path.write_text("\n".join(lines) + "\n")
    return path


def copy_case(source: Path, destination: Path) -> Path:
    """A writable copy of a read-only shared case."""
    shutil.copytree(source, destination)
    for folder, _, files in os.walk(destination):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(Path(folder) / name, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP)
    return destination


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Outcome:
    full_env = {k: v for k, v in os.environ.items() if k not in ("RPC", "SCHEDULE", "LOG_DIR")}
    full_env.update(env or {})
    completed = subprocess.run(
        [sys.executable, "-m", "dyt_emissions", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=REPO_ROOT,
        check=False,
    )
    return Outcome(completed.returncode, completed.stdout, completed.stderr)


def start_runner(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.Popen(
        [sys.executable, "-m", "dyt_emissions", "run", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=full_env,
        cwd=REPO_ROOT,
    )


def run_args(rpc_url: str, schedule: Path, log_dir: Path, *extra: str) -> list[str]:
    """`run` flags; retention far out, so the shared cases' old day files stay."""
    return [
        "run",
        "--rpc-url",
        rpc_url,
        "--schedule",
        str(schedule),
        "--log-dir",
        str(log_dir),
        "--retention-days",
        "36500",
        "--retry-wait",
        "0.05",
        *extra,
    ]


def log_events(log_dir: Path) -> list[LogEvent]:
    """Every line of every day file, parsed; a line that does not parse fails the test."""
    events = []
    for path in sorted(log_dir.glob("*.log")):
        for line in path.read_text().splitlines():
            event = parse_line(line)
            assert event is not None, f"unparseable line in {path.name}: {line!r}"
            events.append(event)
    return events


def runner_events(log_dir: Path, event: str | None = None) -> list[LogEvent]:
    return [
        e
        for e in log_events(log_dir)
        if e.source == "runner" and (event is None or e.event == event)
    ]


def stamp_keys(log_dir: Path) -> set[str]:
    return set(StampStore(log_dir / ".state").scan())


def intent_keys(log_dir: Path) -> set[str]:
    return set(ClaimJournal(log_dir / ".state").all())


def claimed(claims: list[dict[str, Any]]) -> list[tuple[str, int, str]]:
    """(pool, amount, to) of each claim the devnode applied, in order."""
    return [(c["pool"], c["amount"], c["to"]) for c in claims]


def key_of(pool: str, amount: int, to: str, height: int) -> str:
    return f"{height}_{pool}_{to}_{amount}"
