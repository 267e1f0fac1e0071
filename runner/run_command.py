"""`dyt-emissions run`: pay every due schedule entry exactly once (see docs/runner.md).

Flags win over the environment (`RPC`, `SCHEDULE`, `LOG_DIR`, `RETENTION_DAYS`,
`PING_URL`), which the shell runner's CronJob already sets. Output: on a terminal, one
progress line that updates in place; elsewhere every log line on stderr, as `key=value`.
The summary goes to stdout, as the `done` line or, with `--json`, as one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from runner.durable import UnsafePathError, describe_os_error
from runner.ledger import DEFAULT_GRACE_BLOCKS
from runner.lock import LockHeld, StateUnwritable
from runner.logline import format_line, format_value, utc_now
from runner.node_client import InvalidNodeUrl, NodeUnavailable, check_rpc_url
from runner.ping import Pinger
from runner.plan import Plan, make_plan
from runner.retention import DEFAULT_RETENTION_DAYS
from runner.run import Run, RunOptions
from runner.schedule import Entry, ScheduleError
from runner.state_folder import CACHE_FOLDER_NAME, cache_folder
from runner.summary import (
    EXIT_INVALID_INPUT,
    EXIT_LOCKED,
    EXIT_NODE_FAILED,
    EXIT_OK,
    RunSummary,
)

DEFAULT_DEADLINE_SECONDS = 240.0  # the chart passes its own, below its Job deadline
DEFAULT_TIMEOUT_SECONDS = 10.0
# Upper bounds that keep every wait finite: a request timeout above five minutes is a
# typo, and a deadline or loop period above a day is no deadline at all.
MAX_TIMEOUT_SECONDS = 300.0
MAX_DEADLINE_SECONDS = 86400.0


class UsageError(Exception):
    """A flag or environment value the run cannot use; the message says which and why."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rpc-url", help="the node's RPC base URL (default $RPC)")
    parser.add_argument("--schedule", type=Path, help="schedule YAML file (default $SCHEDULE)")
    parser.add_argument(
        "--log-dir", type=Path, help="logs volume: day logs and .state/ (default $LOG_DIR)"
    )
    parser.add_argument(
        "--retention-days",
        type=int,
        help=f"remove day logs older than this (default $RETENTION_DAYS, else "
        f"{DEFAULT_RETENTION_DAYS}); stamps are never removed",
    )
    parser.add_argument(
        "--deadline",
        type=float,
        default=DEFAULT_DEADLINE_SECONDS,
        metavar="SECONDS",
        help="start no claim after this many seconds; stop between claims, never inside "
        f"one (default {DEFAULT_DEADLINE_SECONDS:g})",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help=f"timeout of each request to the node (default {DEFAULT_TIMEOUT_SECONDS:g})",
    )
    parser.add_argument(
        "--grace-blocks",
        type=int,
        default=DEFAULT_GRACE_BLOCKS,
        metavar="N",
        help=f"blocks a due entry may wait before it counts as missed "
        f"(default {DEFAULT_GRACE_BLOCKS})",
    )
    parser.add_argument(
        "--stop-on-error",
        action="store_true",
        help="stop claiming at the first claim the node refuses (default: go on)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print what would be paid now, with totals per pool; write nothing",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument(
        "--ping-url",
        help="healthchecks.io-style URL: pinged at URL/start, then URL or URL/fail "
        "(default $PING_URL)",
    )
    parser.add_argument(
        "--loop",
        type=float,
        metavar="SECONDS",
        help="run again every SECONDS until stopped (for demos); default: run once",
    )
    parser.add_argument(
        "--retry-wait",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="first wait before resending a claim that never reached the node; doubles"
        " each time, 3 attempts in all (default 1)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        help=f"where validated schedules are cached (default LOG_DIR/{CACHE_FOLDER_NAME})",
    )


def main(args: argparse.Namespace) -> int:
    try:
        options = build_options(args, os.environ)
        ping_url = _optional_url(args.ping_url or os.environ.get("PING_URL"), "--ping-url")
    except UsageError as error:
        _err(f"dyt-emissions run: {error}")
        return EXIT_INVALID_INPUT

    if args.dry_run:
        return _dry_run(options, as_json=args.json)
    if args.loop is None:
        return _run_once(options, Pinger(ping_url), as_json=args.json)
    return _loop(options, Pinger(ping_url), as_json=args.json, every=args.loop)


def build_options(args: argparse.Namespace, environ: Mapping[str, str]) -> RunOptions:
    """RunOptions from flags and environment; UsageError names the first bad value."""
    rpc_url = args.rpc_url or environ.get("RPC")
    schedule = args.schedule or _path(environ.get("SCHEDULE"))
    log_dir = args.log_dir or _path(environ.get("LOG_DIR"))
    missing = [
        name
        for name, value in (
            ("--rpc-url (or RPC)", rpc_url),
            ("--schedule (or SCHEDULE)", schedule),
            ("--log-dir (or LOG_DIR)", log_dir),
        )
        if not value
    ]
    if missing or rpc_url is None or schedule is None or log_dir is None:
        raise UsageError("missing " + ", ".join(missing))
    try:
        rpc_url = check_rpc_url(rpc_url, "--rpc-url" if args.rpc_url else "RPC")
    except InvalidNodeUrl as error:
        raise UsageError(str(error)) from error

    retention = args.retention_days
    if retention is None:
        retention = _count(environ.get("RETENTION_DAYS"), "RETENTION_DAYS", DEFAULT_RETENTION_DAYS)
    for name, value in (
        ("--retention-days", retention),
        ("--grace-blocks", args.grace_blocks),
    ):
        if value < 0:
            raise UsageError(f"{name}: expected an integer >= 0, found {value}")
    _check_seconds("--deadline", args.deadline, MAX_DEADLINE_SECONDS)
    _check_seconds("--timeout", args.timeout, MAX_TIMEOUT_SECONDS)
    _check_seconds("--retry-wait", args.retry_wait, MAX_TIMEOUT_SECONDS, zero=True)
    if args.loop is not None:
        _check_seconds("--loop", args.loop, MAX_DEADLINE_SECONDS)

    return RunOptions(
        schedule=schedule,
        log_dir=log_dir,
        rpc_url=rpc_url,
        timeout=args.timeout,
        deadline=args.deadline,
        retention_days=retention,
        grace_blocks=args.grace_blocks,
        stop_on_error=args.stop_on_error,
        cache_dir=args.cache_dir or cache_folder(log_dir),
        retry_wait=args.retry_wait,
    )


def _check_seconds(flag: str, seconds: float, most: float, *, zero: bool = False) -> None:
    """A finite number of seconds in range: the clock and the HTTP client take no more."""
    least = ">= 0" if zero else "> 0"
    if not (seconds >= 0 if zero else seconds > 0) or not seconds <= most:
        raise UsageError(
            f"{flag}: expected a number of seconds {least} and at most {most:g},"
            f" found {seconds}"
        )


def _run_once(options: RunOptions, pinger: Pinger, *, as_json: bool) -> int:
    display = ProgressDisplay(sys.stderr)
    run = Run(
        options,
        echo=None if display.live else _print_to(sys.stderr),
        complain=_print_to(sys.stderr),
        progress=display.update,
        pinger=pinger,
    )
    with _stop_on_signals(run.request_stop):
        try:
            _make_log_dir(options.log_dir)
            summary = run.execute()
        except LockHeld as error:
            return _refuse(str(error), EXIT_LOCKED, as_json)
        except (UnsafePathError, PermissionError) as error:
            return _refuse(str(error), EXIT_INVALID_INPUT, as_json)
        except StateUnwritable as error:
            return _refuse(f"{error}; nothing was done", EXIT_INVALID_INPUT, as_json)
        finally:
            display.finish()
    _print_summary(summary, as_json)
    return summary.exit_code


def _make_log_dir(log_dir: Path) -> None:
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
    except UnsafePathError:
        raise
    except OSError as error:
        raise StateUnwritable(describe_os_error(error, log_dir)) from error


def _loop(options: RunOptions, pinger: Pinger, *, as_json: bool, every: float) -> int:
    stopped = False

    def stop() -> None:
        nonlocal stopped
        stopped = True

    code = EXIT_OK
    while not stopped:
        code = _run_once(options, pinger, as_json=as_json)
        with _stop_on_signals(stop):
            deadline = time.monotonic() + every
            while not stopped and time.monotonic() < deadline:
                time.sleep(min(0.2, every))
    return code


def _dry_run(options: RunOptions, *, as_json: bool) -> int:
    try:
        plan = make_plan(options)
    except ScheduleError as error:
        for problem in error.problems:
            _err(str(problem))
        return EXIT_INVALID_INPUT
    except NodeUnavailable as error:
        _err(f"dyt-emissions run --dry-run: node unreachable: {error}")
        return EXIT_NODE_FAILED
    if as_json:
        _out(json.dumps(plan.to_json()))
    else:
        _print_plan(plan)
    return EXIT_OK


def _print_plan(plan: Plan) -> None:
    for entry in plan.payable:
        _out(_pairs("would_pay", _entry_pairs(entry)))
    for total in plan.totals:
        pairs = {
            "pool": total.pool,
            "entries": total.entries,
            "amount_udrt": total.amount_udrt,
            "pool_udrt": total.pool_udrt,
            "shortfall_udrt": total.shortfall_udrt,
        }
        _out(_pairs("total", pairs))
    for item in plan.attention:
        _out(_pairs("attention", {"key": item.key, "status": item.status, "reason": item.reason}))
    _out(_pairs("plan", {"height": plan.height, **plan.counts}))


def _entry_pairs(entry: Entry) -> dict[str, object]:
    return {
        "height": entry.height,
        "pool": entry.pool,
        "to": entry.to,
        "amount_udrt": entry.amount_udrt,
        "key": entry.key,
    }


def _pairs(word: str, pairs: Mapping[str, object]) -> str:
    rendered = " ".join(
        f"{key}={format_value(str(value))}" for key, value in pairs.items() if value is not None
    )
    return f"{word} {rendered}"


def _print_summary(summary: RunSummary, as_json: bool) -> None:
    if as_json:
        _out(json.dumps(summary.to_json()))
        return
    _out(format_line("done", summary.done_fields(), run_id=summary.run_id, ts=utc_now()))


def _refuse(message: str, code: int, as_json: bool) -> int:
    _err(f"dyt-emissions run: {message}")
    if as_json:
        status = "locked" if code == EXIT_LOCKED else "invalid_input"
        _out(json.dumps({"exit": code, "status": status, "reason": message}))
    return code


class ProgressDisplay:
    """One line on a terminal, rewritten in place: claims done, failed, current entry."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self._shown = False

    def update(self, summary: RunSummary, entry: Entry | None) -> None:
        if not self.live:
            return
        done = summary.paid + summary.failed + summary.in_doubt
        text = f"paid {summary.paid}/{summary.due} due, failed {summary.failed}"
        if entry is not None:
            text += f", claiming {entry.key[:60]} (height {entry.height}) [{done + 1}]"
        self.stream.write("\r\x1b[K" + text)
        self.stream.flush()
        self._shown = True

    def finish(self) -> None:
        if self._shown:
            self.stream.write("\n")
            self.stream.flush()


class _stop_on_signals:
    """SIGTERM and SIGINT ask the run to stop between claims instead of killing it."""

    def __init__(self, stop: Callable[[], None]) -> None:
        self._stop = stop
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> None:
        for number in (signal.SIGTERM, signal.SIGINT):
            self._previous[number] = signal.signal(number, self._handle)

    def __exit__(self, *exc_info: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)

    def _handle(self, number: int, frame: FrameType | None) -> None:
        self._stop()


def _print_to(stream: TextIO) -> Callable[[str], None]:
    def write(text: str) -> None:
        stream.write(text + "\n")
        stream.flush()

    return write


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def _path(text: str | None) -> Path | None:
    return Path(text) if text else None


def _count(text: str | None, name: str, default: int) -> int:
    if text is None or text == "":
        return default
    if not text.isascii() or not text.isdigit():
        raise UsageError(f"{name}: expected an integer >= 0, found {text!r}")
    return int(text)


def _optional_url(text: str | None, flag: str) -> str | None:
    if not text:
        return None
    try:
        return check_rpc_url(text, flag)
    except InvalidNodeUrl as error:
        raise UsageError(str(error)) from error
