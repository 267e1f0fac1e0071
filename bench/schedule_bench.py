"""How long reading a large schedule takes: the C parser alone, a cold load, a cached load.

Usage: python bench/schedule_bench.py [--entries 100000] [--repeat 3] [--run]
Prints one JSON object: seconds (min and median of the repeats) for each way of reading.
With `--run`, also a steady-state `dyt-emissions run` against a devnode whose height
has passed every entry, all of them already stamped (the runner's everyday case).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import yaml
from yaml.events import StreamEndEvent

from devnode.process import DevnodeProcess
from runner.address import make_address
from runner.schedule import POOLS, load_schedule
from runner.stamps import Stamp


def write_schedule(path: Path, count: int) -> None:
    """`count` entries over the four pools and 1,000 recipients, as an operator writes them."""
    addresses = [
        make_address(hashlib.sha256(f"recipient-{i}".encode()).digest()[:20]) for i in range(1000)
    ]
    lines = ["entries:"]
    for i in range(count):
        lines += [
            f"  - height: {i}",
            f"    pool: {POOLS[i % 4]}",
            f"    to: {addresses[i % 1000]}",
            f"    amount_udrt: {1000 + i}  # micro-DRT",
        ]
    path.write_text("\n".join(lines) + "\n")


def parse_events_only(path: Path) -> None:
    loader = yaml.CSafeLoader(path.read_bytes())
    try:
        while not isinstance(loader.get_event(), StreamEndEvent):
            pass
    finally:
        loader.dispose()


def stamp_everything(schedule_path: Path, log_dir: Path) -> None:
    """Every entry paid, as the runner records it (written fast, without fsync)."""
    state = log_dir / ".state"
    state.mkdir(parents=True)
    paid_at = datetime(2026, 12, 1, 10, 5, 2, tzinfo=UTC)
    for entry in load_schedule(schedule_path).entries:
        stamp = Stamp(
            entry.key,
            entry.height,
            entry.pool,
            entry.to,
            entry.amount_udrt,
            paid_at,
            remaining="0",
            run_id="20261201T100501Z-4f2a",
        )
        (state / f"{entry.key}.stamp").write_text(stamp.to_json_line())


def steady_state_run(path: Path, folder: Path, count: int, repeat: int) -> dict[str, float]:
    log_dir = folder / "logs"
    stamp_everything(path, log_dir)
    node = DevnodeProcess(start_height=count, block_interval_ms=0, metrics=False).start()
    try:
        run = [
            sys.executable, "-m", "dyt_emissions", "run", "--rpc-url", node.rpc_url,
            "--schedule", str(path), "--log-dir", str(log_dir),
        ]  # fmt: skip
        subprocess.run(run, check=True, capture_output=True)  # fills the schedule cache
        return timed(lambda: subprocess.run(run, check=True, capture_output=True), repeat)
    finally:
        node.stop()


def timed(action: Callable[[], object], repeat: int) -> dict[str, float]:
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - start)
    return {"min": round(min(seconds), 3), "median": round(statistics.median(seconds), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--run", action="store_true", help="time a steady-state runner run")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "schedule.yaml"
        write_schedule(path, args.entries)
        cache = Path(folder) / "cache"
        fresh = iter(range(args.repeat))

        def load_and_store() -> None:
            load_schedule(path, Path(folder) / f"fresh-cache-{next(fresh)}")

        load_schedule(path, cache)
        check = [sys.executable, "-m", "dyt_emissions", "check", str(path)]
        seconds = {
            "c_parser_events_only": timed(lambda: parse_events_only(path), args.repeat),
            "load_cold": timed(lambda: load_schedule(path), args.repeat),
            "load_cold_and_store_cache": timed(load_and_store, args.repeat),
            "load_cached": timed(lambda: load_schedule(path, cache), args.repeat),
            "check_command_process": timed(
                lambda: subprocess.run(check, check=True, capture_output=True), args.repeat
            ),
        }
        if args.run:
            seconds["run_steady_state_process"] = steady_state_run(
                path, Path(folder), args.entries, args.repeat
            )
        result = {
            "entries": args.entries,
            "bytes": path.stat().st_size,
            "repeat": args.repeat,
            "seconds": seconds,
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
