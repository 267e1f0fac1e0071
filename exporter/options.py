"""Command-line options shared by `dyt-emissions exporter` and `dyt-emissions report`.

Each option has an environment variable, the same names the runner uses where
they overlap (SCHEDULE, LOG_DIR, RETENTION_DAYS), so one ConfigMap or one shell
session configures every command. Values are checked when parsed: a bad flag
or variable is a clear message and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from exporter.advice import DEFAULT_DOCS_URL
from exporter.audit import (
    DEFAULT_NODE_TIMEOUT_SECONDS,
    AuditSettings,
)
from exporter.state_watch import DEFAULT_RECHECK_SECONDS
from runner.ledger import DEFAULT_GRACE_BLOCKS
from runner.retention import DEFAULT_RETENTION_DAYS

DEFAULT_SCHEDULE = "/etc/dyt/emissions/schedule.yaml"
DEFAULT_LOG_DIR = "/var/log/dytallix-emissions"


def _env(name: str, default: str | None) -> str | None:
    value = os.environ.get(name)
    return value if value else default


def _checked(kind: str, check: Callable[[str], object]) -> Callable[[str], object]:
    def parse(text: str) -> object:
        try:
            return check(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(f"expected {kind}, got {text!r}{error}") from None

    parse.__name__ = kind
    return parse


def _whole(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError("") from None
    if value < minimum:
        raise ValueError("")
    return value


def _non_negative_int(text: str) -> int:
    return _whole(text, 0)


def _positive_int(text: str) -> int:
    return _whole(text, 1)


def _timeout(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError("") from None
    if not 0 < value <= 60:
        raise ValueError(" (keep it below the Prometheus scrape timeout)")
    return value


def _recheck_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError("") from None
    if not 0 < value <= 3600:
        raise ValueError("")
    return value


def add_recheck_option(parser: argparse.ArgumentParser) -> None:
    """How soon a long-running exporter sees a stamp changed in place (the server only)."""
    parser.add_argument(
        "--stamp-recheck-seconds",
        type=_checked("seconds in (0, 3600]", _recheck_seconds),
        default=_env("STAMP_RECHECK_SECONDS", str(DEFAULT_RECHECK_SECONDS)),
        help="stat every stamp already read again over this many seconds, so a stamp "
        "damaged in place is seen (env STAMP_RECHECK_SECONDS; default %(default)s)",
    )


def _http_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(" (an http:// or https:// URL with a host)")
    return text


def add_source_options(parser: argparse.ArgumentParser) -> None:
    """Where the audit reads from, and its thresholds."""
    parser.add_argument(
        "--schedule",
        type=Path,
        default=Path(_env("SCHEDULE", DEFAULT_SCHEDULE) or DEFAULT_SCHEDULE),
        help="the schedule file (env SCHEDULE; default %(default)s)",
    )
    parser.add_argument(
        "--log-dir",
        type=Path,
        default=Path(_env("LOG_DIR", DEFAULT_LOG_DIR) or DEFAULT_LOG_DIR),
        help="the runner's log folder, with its .state/ (env LOG_DIR; default %(default)s)",
    )
    parser.add_argument(
        "--node-metrics-url",
        type=_checked("an http(s) URL", _http_url),
        default=_env("NODE_METRICS_URL", None),
        help="the node's Prometheus metrics, e.g. http://node:9464/metrics "
        "(env NODE_METRICS_URL; without it, no node series and the height comes from the logs)",
    )
    parser.add_argument(
        "--node-timeout",
        type=_checked("seconds in (0, 60]", _timeout),
        default=_env("NODE_TIMEOUT_SECONDS", str(DEFAULT_NODE_TIMEOUT_SECONDS)),
        help="give up on the node's metrics after this many seconds; keep it well under "
        "the Prometheus scrape timeout (env NODE_TIMEOUT_SECONDS; default %(default)s)",
    )
    parser.add_argument(
        "--missed-grace-blocks",
        type=_checked("an integer >= 0", _non_negative_int),
        default=_env("MISSED_GRACE_BLOCKS", str(DEFAULT_GRACE_BLOCKS)),
        help="blocks a due entry may stay unpaid before it counts as missed "
        "(env MISSED_GRACE_BLOCKS; default %(default)s: 15 minutes of 15 s blocks)",
    )
    parser.add_argument(
        "--retention-days",
        type=_checked("an integer >= 1", _positive_int),
        default=_env("RETENTION_DAYS", str(DEFAULT_RETENTION_DAYS)),
        help="days the runner keeps log files; a stamp younger than that needs its log line "
        "(env RETENTION_DAYS; default %(default)s)",
    )
    parser.add_argument(
        "--docs-url",
        type=_checked("an http(s) URL", _http_url),
        default=_env("DOCS_URL", DEFAULT_DOCS_URL),
        help="where the runbooks and guides are published, for the links of the audit "
        "(env DOCS_URL; default %(default)s)",
    )


def settings_from(args: argparse.Namespace) -> AuditSettings:
    return AuditSettings(
        schedule=args.schedule,
        log_dir=args.log_dir,
        node_metrics_url=args.node_metrics_url,
        node_timeout_seconds=args.node_timeout,
        grace_blocks=args.missed_grace_blocks,
        retention_days=args.retention_days,
        height=getattr(args, "height", None),
        stamp_recheck_seconds=getattr(args, "stamp_recheck_seconds", DEFAULT_RECHECK_SECONDS),
    )
