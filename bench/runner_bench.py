"""Runner benchmark: prints one JSON object.

1. `stamped_100k`: one run over 100,000 entries, all already stamped, against a devnode
   above them all: wall time and peak memory (the child's ru_maxrss), with the schedule
   cache cold (first run) and warm (the runs after). Target: warm < 2 s, < 200 MB.
2. `due_1000`: one run paying 1,000 due entries against the devnode, next to the
   devnode's own time per claim (the same POSTs sent straight from here), to show where
   the time goes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from devnode.process import DevnodeProcess
from runner.address import make_address
from runner.stamps import Stamp

POOLS = ("ai_module_incentives", "block_rewards", "bridge_operations", "staking_rewards")


def entries(count: int, first_height: int = 1) -> list[tuple[int, str, str, int]]:
    return [
        (first_height + i, POOLS[i % 4], make_address(i.to_bytes(20, "big")), 1 + i % 1000)
        for i in range(count)
    ]


def write_schedule(path: Path, rows: list[tuple[int, str, str, int]]) -> None:
    with path.open("w") as out:
        out.write("entries:\n")
        for height, pool, to, amount in rows:
            out.write(
                f"  - height: {height}\n    pool: {pool}\n    to: {to}\n"
                f"    amount_udrt: {amount}\n"
            )


def write_stamps(state: Path, rows: list[tuple[int, str, str, int]]) -> None:
    """Stamps as the runner writes them (without the per-file fsync: set-up only)."""
    state.mkdir(parents=True)
    paid_at = datetime(2026, 12, 1, 10, 5, 2, tzinfo=UTC)
    for height, pool, to, amount in rows:
        key = f"{height}_{pool}_{to}_{amount}"
        stamp = Stamp(key, height, pool, to, amount, paid_at, "1", "20261201T100501Z-0000")
        (state / f"{key}.stamp").write_text(stamp.to_json_line())


def timed_run(*args: str) -> dict[str, Any]:
    """Run `dyt-emissions run` as a child; wall time and that child's own peak RSS."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "dyt_emissions", "run", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    summary = json.loads(output)
    return {
        "wall_seconds": round(wall, 3),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "exit": child.returncode,
        "paid": summary["paid"],
        "skipped": summary["skipped"],
    }


def run_flags(node: DevnodeProcess, schedule: Path, logs: Path) -> list[str]:
    return [
        "--rpc-url", node.rpc_url, "--schedule", str(schedule), "--log-dir", str(logs),
        "--json", "--deadline", "3600",
    ]  # fmt: skip


def bench_stamped(work: Path) -> dict[str, Any]:
    rows = entries(100_000)
    schedule = work / "stamped.yaml"
    write_schedule(schedule, rows)
    logs = work / "stamped-logs"
    write_stamps(logs / ".state", rows)
    # Writing 100,000 files leaves the disk busy flushing them for a while; a real state
    # folder grows a few stamps per run. Measure on a settled disk.
    os.sync()
    node = DevnodeProcess(start_height=200_000, block_interval_ms=0).start()
    try:
        cold = timed_run(*run_flags(node, schedule, logs))
        os.sync()
        warm = [timed_run(*run_flags(node, schedule, logs)) for _ in range(3)]
    finally:
        node.stop()
        node.close()
    return {
        "entries": len(rows),
        "cold_schedule_cache": cold,
        "warm_schedule_cache": warm,
        "warm_best_wall_seconds": min(run["wall_seconds"] for run in warm),
        "targets": {"wall_seconds": 2.0, "peak_rss_mb": 200},
    }


def bench_due(work: Path) -> dict[str, Any]:
    rows = entries(1000)
    schedule = work / "due.yaml"
    write_schedule(schedule, rows)
    logs = work / "due-logs"
    node = DevnodeProcess(start_height=2000, block_interval_ms=0).start()
    try:
        run = timed_run(*run_flags(node, schedule, logs))
        per_claim = node_time_per_claim(node.rpc_url, 300)
    finally:
        node.stop()
        node.close()
    return {
        "entries": len(rows),
        "run": run,
        "runner_seconds_per_claim": round(run["wall_seconds"] / len(rows), 5),
        "devnode_seconds_per_claim": per_claim["claim"],
        "devnode_seconds_per_evidence_read": per_claim["read"],
        "note": "each claim is two evidence reads and the POST (three requests, one"
        " connection each), two durable state writes (intent, stamp: four fsyncs) and one"
        " fsynced log line",
    }


def node_time_per_claim(rpc_url: str, count: int) -> dict[str, float]:
    """The devnode's time for the same requests, sent one connection each like the runner."""
    limits = httpx.Limits(max_keepalive_connections=0)
    with httpx.Client(base_url=rpc_url, timeout=10, limits=limits) as http:
        started = time.perf_counter()
        for i in range(count):
            body = {"pool": "bridge_operations", "amount": 1, "to": f"bench{i}"}
            http.post("/emission/claim", json=body).raise_for_status()
        claim = (time.perf_counter() - started) / count
        started = time.perf_counter()
        for _ in range(count):
            http.get("/api/stats").raise_for_status()
        read = (time.perf_counter() - started) / count
    return {"claim": round(claim, 5), "read": round(read, 5)}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="runner-bench-") as folder:
        work = Path(folder)
        result = {"stamped_100k": bench_stamped(work), "due_1000": bench_due(work)}
    sys.stdout.write(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
