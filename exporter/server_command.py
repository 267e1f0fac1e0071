"""`dyt-emissions exporter`: serve the audit over HTTP until stopped.

Binds `--listen` (default 0.0.0.0:9817), prints one ready line with the real
URL (`exporter ready url=http://HOST:PORT`, so a parent that asked for port 0
finds the port), reads every file once in the background so that the first
Prometheus scrape is fast, and serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from types import FrameType

from prometheus_client import CollectorRegistry

from dyt_emissions import __version__
from exporter.advice import Advisor
from exporter.audit import Auditor
from exporter.collector import AuditCollector
from exporter.http_app import AuditApp, serve
from exporter.options import add_recheck_option, add_source_options, settings_from

DEFAULT_PORT = 9817
DEFAULT_LISTEN = f"0.0.0.0:{DEFAULT_PORT}"
EXIT_OK = 0
EXIT_USAGE = 2

log = logging.getLogger("dyt_emissions.exporter")


def listen_address(text: str) -> tuple[str, int]:
    """`HOST:PORT` (or `[v6]:PORT`) as a bind address."""
    host, separator, port_text = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not separator or not host or not port_text.isdigit() or int(port_text) > 65535:
        raise argparse.ArgumentTypeError(
            f"expected HOST:PORT, e.g. {DEFAULT_LISTEN}, got {text!r}"
        )
    return host, int(port_text)


def configure(parser: argparse.ArgumentParser) -> None:
    add_source_options(parser)
    add_recheck_option(parser)
    parser.add_argument(
        "--listen",
        type=listen_address,
        default=os.environ.get("EXPORTER_LISTEN") or DEFAULT_LISTEN,
        metavar="HOST:PORT",
        help=f"address to serve on (env EXPORTER_LISTEN; default {DEFAULT_LISTEN})",
    )
    parser.add_argument(
        "--log-level",
        choices=("debug", "info", "warning", "error"),
        default=os.environ.get("EXPORTER_LOG_LEVEL") or "info",
        help="the exporter's own log lines on stderr (env EXPORTER_LOG_LEVEL; default info)",
    )


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    formatter = logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%dT%H:%M:%SZ")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    root = logging.getLogger("dyt_emissions")
    root.addHandler(handler)
    root.setLevel(level.upper())


def main(args: argparse.Namespace) -> int:
    setup_logging(args.log_level)
    settings = settings_from(args)
    host, port = args.listen

    auditor = Auditor(settings)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(AuditCollector(auditor))
    app = AuditApp(auditor, registry, Advisor(args.docs_url, settings.log_dir, settings.schedule))
    try:
        server = serve(app, host, port)
    except OSError as error:
        sys.stderr.write(f"exporter: cannot listen on {host}:{port}: {error.strerror}\n")
        return EXIT_USAGE

    bound_port = server.server_address[1]
    shown_host = f"[{host}]" if ":" in host else host
    log.info(
        "exporter start listen=%s:%d schedule=%s log_dir=%s node_metrics_url=%s version=%s",
        shown_host,
        bound_port,
        settings.schedule,
        settings.log_dir,
        settings.node_metrics_url or "none",
        __version__,
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        log.info("exporter stop signal=%s", signal.Signals(signum).name)
        threading.Thread(target=server.shutdown, daemon=True).start()

    # Installed before the ready line: a parent may stop the exporter as soon as it is ready.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    # Read every file once now, so the first scrape does not pay for it; a scrape that
    # comes first simply waits for this on the auditor's lock.
    threading.Thread(target=auditor.refresh, name="warm-up", daemon=True).start()
    sys.stdout.write(f"exporter ready url=http://{shown_host}:{bound_port}\n")
    sys.stdout.flush()
    try:
        server.serve_forever()
    finally:
        server.server_close()
        auditor.close()
    return EXIT_OK
