"""Scrape latency and memory of the audit exporter on a large volume; prints one JSON object.

The volume: 100,000 schedule entries, 100,000 stamps and 1,000,000 log lines in
14 day files, and a devnode above every entry's height. Measured on a real
`dyt-emissions exporter` process:

- `first_scrape_seconds`: from the ready line to the first `/metrics` answer
  (the exporter reads every file once before it can answer);
- `later_scrape_ms`: `/metrics` latency after appending a few log lines;
- `later_scrape_new_block_ms`: the same, with one new block before each scrape
  (what a live chain does between two Prometheus scrapes);
- `rss_mb` and `peak_rss_mb`: the exporter's resident memory after the scrapes.

Targets (from the issue): later scrapes p99 under 100 ms, the first scrape
under 10 s, memory under 300 MB. `--entries`, `--lines` and `--scrapes` shrink
it for a quick look.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from devnode.handle import DevnodeHandle
from devnode.process import DevnodeProcess
from exporter.process import ExporterProcess
from runner.address import make_address
from runner.logline import format_line
from runner.schedule import POOLS
from runner.stamps import Stamp
from runner.state_folder import state_folder

DAYS = 14
ACCOUNTS = [make_address(n.to_bytes(20, "big")) for n in range(1, 101)]
TARGETS = {"later_scrape_p99_ms": 100.0, "first_scrape_seconds": 10.0, "rss_mb": 300.0}


def entry_fields(index: int) -> tuple[int, str, str, int]:
    return (index, POOLS[index % len(POOLS)], ACCOUNTS[index % len(ACCOUNTS)], 1000 + index)


def write_schedule(path: Path, entries: int) -> None:
    with path.open("w") as file:
        file.write("entries:\n")
        for index in range(entries):
            height, pool, to, amount = entry_fields(index)
            file.write(
                f"  - height: {height}\n    pool: {pool}\n    to: {to}\n"
                f"    amount_udrt: {amount}\n"
            )


def write_stamps(state: Path, entries: int, paid_at: datetime) -> None:
    # The runner's own stamp content, written without its fsyncs (this is set-up only).
    state.mkdir(parents=True)
    for index in range(entries):
        height, pool, to, amount = entry_fields(index)
        key = f"{height}_{pool}_{to}_{amount}"
        stamp = Stamp(key, height, pool, to, amount, paid_at, remaining="1", run_id="bench-run")
        (state / f"{key}.stamp").write_text(stamp.to_json_line())


def write_logs(log_dir: Path, entries: int, lines: int, start: datetime) -> None:
    """One applied line per entry, the rest runs (start, height, done) and claim errors."""
    per_day = lines // DAYS
    index = 0
    for day in range(DAYS):
        when = start + timedelta(days=day)
        name = log_dir / f"{when:%Y%m%d}.log"
        with name.open("w") as file:
            for line in range(per_day):
                at = when + timedelta(seconds=line)
                run = f"{at:%Y%m%dT%H%M%SZ}-be01"
                if index < entries and line % (lines // entries) == 0:
                    height, pool, to, amount = entry_fields(index)
                    fields: dict[str, object] = {
                        "height": height,
                        "denom": "uDRT",
                        "pool": pool,
                        "to": to,
                        "amount_udrt": amount,
                        "key": f"{height}_{pool}_{to}_{amount}",
                        "remaining": 1,
                        "status": "applied",
                    }
                    text = format_line("apply", fields, run_id=run, ts=at)
                    index += 1
                elif line % 3 == 0:
                    text = format_line("start", {"entries": entries}, run_id=run, ts=at)
                elif line % 3 == 1:
                    text = format_line("height", {"height": entries + 100}, run_id=run, ts=at)
                else:
                    done = {"height": entries + 100, "exit": 0, "status": "ok"}
                    text = format_line("done", done, run_id=run, ts=at)
                file.write(text + "\n")


def append_run(path: Path, run_id: str, height: int) -> None:
    """A few new lines, as one more run of the runner leaves them."""
    at = datetime.now(UTC)
    with path.open("a") as file:
        for event, fields in (
            ("start", {"entries": 1}),
            ("height", {"height": height}),
            ("done", {"height": height, "exit": 0, "status": "ok"}),
        ):
            file.write(format_line(event, fields, run_id=run_id, ts=at) + "\n")


def scrape(client: httpx.Client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(f"{url}/metrics")
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed


def memory_mb(pid: int) -> tuple[float, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "p50": round(statistics.median(ordered) * 1000, 2),
        "p99": round(p99 * 1000, 2),
        "max": round(ordered[-1] * 1000, 2),
    }


def run(entries: int, lines: int, scrapes: int, workdir: Path) -> dict[str, object]:
    started = time.perf_counter()
    now = datetime.now(UTC).replace(microsecond=0)
    log_dir = workdir / "logs"
    log_dir.mkdir()
    schedule = workdir / "schedule.yaml"
    write_schedule(schedule, entries)
    write_stamps(state_folder(log_dir), entries, now - timedelta(days=1))
    write_logs(log_dir, entries, lines, now - timedelta(days=DAYS - 1))
    setup_seconds = time.perf_counter() - started

    node = DevnodeHandle(DevnodeProcess(start_height=entries + 100, block_interval_ms=0).start())
    assert node.metrics_url is not None
    exporter = ExporterProcess(
        schedule=schedule, log_dir=log_dir, node_metrics_url=node.metrics_url, ready_timeout=60
    ).start()
    client = httpx.Client(timeout=120)
    today = log_dir / f"{now:%Y%m%d}.log"
    try:
        first = scrape(client, exporter.url)
        later = []
        for number in range(scrapes):
            append_run(today, f"late-{number}", entries + 100)
            later.append(scrape(client, exporter.url))
        with_block = []
        for number in range(scrapes):
            height = node.advance(1)
            append_run(today, f"block-{number}", height)
            with_block.append(scrape(client, exporter.url))
        assert exporter.pid is not None
        rss, peak = memory_mb(exporter.pid)
    finally:
        client.close()
        exporter.close()
        node.close()

    result: dict[str, object] = {
        "entries": entries,
        "stamps": entries,
        "log_lines": lines,
        "setup_seconds": round(setup_seconds, 1),
        "first_scrape_seconds": round(first, 2),
        "later_scrape_ms": percentiles(later),
        "later_scrape_new_block_ms": percentiles(with_block),
        "rss_mb": round(rss, 1),
        "peak_rss_mb": round(peak, 1),
        "cpus": os.cpu_count(),
        "targets": TARGETS,
    }
    result["meets_targets"] = (
        max(percentiles(later)["p99"], percentiles(with_block)["p99"])
        < TARGETS["later_scrape_p99_ms"]
        and first < TARGETS["first_scrape_seconds"]
        and peak < TARGETS["rss_mb"]
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--scrapes", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="exporter-bench-") as workdir:
        result = run(args.entries, args.lines, args.scrapes, Path(workdir))
    sys.stdout.write(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
