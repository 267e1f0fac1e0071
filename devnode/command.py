"""`dyt-emissions devnode`: run a simulated Dytallix node until SIGTERM or SIGINT.

Settings come from flags, then from the real node's environment variables
(`DY_METRICS`, `DY_METRICS_ADDR`, `DYT_BLOCK_INTERVAL_MS`, `DYT_CHAIN_ID`), then
from defaults. Once both ports are bound, one line goes to stdout:

    devnode ready rpc=http://127.0.0.1:3030 metrics=http://127.0.0.1:9464 height=0

(`metrics=off` without a metrics server), so a parent can learn ports chosen with 0.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from devnode.blocks import BlockProducer
from devnode.chain import Chain
from devnode.events import EventLog
from devnode.faults import Faults
from devnode.http_api import NodeApi
from devnode.http_server import NodeServer
from devnode.metrics import build_registry

DEFAULT_LISTEN = "127.0.0.1:3030"
DEFAULT_METRICS_LISTEN = "127.0.0.1:9464"
DEFAULT_BLOCK_INTERVAL_MS = 15000
DEFAULT_PER_BLOCK_UDRT = 1_000_000
DEFAULT_CHAIN_ID = "dyt-local-1"

STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}

EXIT_OK = 0
EXIT_CANNOT_LISTEN = 1
EXIT_BAD_SETTING = 2


class SettingError(ValueError):
    """A flag or environment variable with a value the devnode cannot use."""


def parse_host_port(text: str, where: str = "address") -> tuple[str, int]:
    """`HOST:PORT` (port 0 picks a free port) as a (host, port) pair."""
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or int(port) > 65535:
        raise SettingError(f"{where}: expected HOST:PORT with a port 0-65535, found {text!r}")
    return host, int(port)


def _host_port_flag(text: str) -> tuple[str, int]:
    try:
        return parse_host_port(text)
    except SettingError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _count_flag(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, found {text!r}")
    return int(text)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--listen",
        type=_host_port_flag,
        metavar="HOST:PORT",
        help=f"RPC address (default {DEFAULT_LISTEN}; port 0 picks a free port)",
    )
    metrics = parser.add_mutually_exclusive_group()
    metrics.add_argument(
        "--metrics-listen",
        type=_host_port_flag,
        metavar="HOST:PORT",
        help=f"metrics server address (default $DY_METRICS_ADDR, else {DEFAULT_METRICS_LISTEN})",
    )
    metrics.add_argument(
        "--no-metrics",
        action="store_true",
        help="no metrics server (GET /metrics on the RPC port still works)",
    )
    parser.add_argument(
        "--start-height",
        type=_count_flag,
        default=0,
        metavar="N",
        help="start at height N, the pools holding what N blocks emitted (default 0)",
    )
    parser.add_argument(
        "--block-interval-ms",
        type=_count_flag,
        metavar="MS",
        help="one block every MS milliseconds; 0: blocks only on POST /devnode/advance "
        f"(default $DYT_BLOCK_INTERVAL_MS, else {DEFAULT_BLOCK_INTERVAL_MS})",
    )
    parser.add_argument(
        "--per-block-udrt",
        type=_count_flag,
        default=DEFAULT_PER_BLOCK_UDRT,
        metavar="UDRT",
        help=f"uDRT each block emits, split 60/25/10/5 (default {DEFAULT_PER_BLOCK_UDRT})",
    )
    parser.add_argument(
        "--chain-id", help=f"chain id to report (default $DYT_CHAIN_ID, else {DEFAULT_CHAIN_ID})"
    )


@dataclass(frozen=True)
class Settings:
    listen: tuple[str, int]
    metrics_listen: tuple[str, int] | None
    start_height: int
    block_interval_ms: int
    per_block_udrt: int
    chain_id: str


def resolve_settings(args: argparse.Namespace, environ: Mapping[str, str]) -> Settings:
    """Flags win over the environment, the environment over defaults."""
    metrics_listen: tuple[str, int] | None = None
    if args.metrics_listen is not None:
        metrics_listen = args.metrics_listen
    elif not args.no_metrics and _metrics_enabled(environ):
        address = environ.get("DY_METRICS_ADDR", DEFAULT_METRICS_LISTEN)
        metrics_listen = parse_host_port(address, "DY_METRICS_ADDR")

    interval = args.block_interval_ms
    if interval is None:
        text = environ.get("DYT_BLOCK_INTERVAL_MS", str(DEFAULT_BLOCK_INTERVAL_MS))
        if not text.isdigit():
            raise SettingError(f"DYT_BLOCK_INTERVAL_MS: expected an integer >= 0, found {text!r}")
        interval = int(text)

    return Settings(
        listen=args.listen or parse_host_port(DEFAULT_LISTEN),
        metrics_listen=metrics_listen,
        start_height=args.start_height,
        block_interval_ms=interval,
        per_block_udrt=args.per_block_udrt,
        chain_id=args.chain_id or environ.get("DYT_CHAIN_ID") or DEFAULT_CHAIN_ID,
    )


def _metrics_enabled(environ: Mapping[str, str]) -> bool:
    # The real node serves metrics only with DY_METRICS=1; the devnode serves them unless
    # told not to, since every test and the demo want them.
    # When it is set, it means what it means to the real node: on for 1 or true only.
    value = environ.get("DY_METRICS")
    return value is None or value.strip().lower() in ("1", "true")


def main(args: argparse.Namespace) -> int:
    log = EventLog()
    try:
        settings = resolve_settings(args, os.environ)
    except SettingError as error:
        log.error("invalid_setting", reason=str(error))
        return EXIT_BAD_SETTING

    chain = Chain(start_height=settings.start_height, per_block_udrt=settings.per_block_udrt)
    faults = Faults()
    blocks = BlockProducer(chain, faults, settings.block_interval_ms)
    api = NodeApi(chain, blocks, faults, build_registry(chain), settings.chain_id, log)
    servers = _bind(settings, api, log)
    if servers is None:
        return EXIT_CANNOT_LISTEN

    # Blocked in every thread and taken by sigwait below: a Python signal handler could run
    # while the main thread holds a lock the handler needs (a second signal during stop).
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    for server in servers:
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    blocks.start()

    rpc_url = servers[0].url
    metrics_url = servers[1].url if len(servers) > 1 else "off"
    log.info(
        "ready",
        rpc=rpc_url,
        metrics=metrics_url,
        height=chain.height,
        block_interval_ms=settings.block_interval_ms,
        per_block_udrt=settings.per_block_udrt,
        chain_id=settings.chain_id,
    )
    # After the log line, so a parent that saw the ready line finds it in the log too.
    sys.stdout.write(f"devnode ready rpc={rpc_url} metrics={metrics_url} height={chain.height}\n")
    sys.stdout.flush()

    received = signal.sigwait(STOP_SIGNALS)

    blocks.stop()
    for server in servers:
        server.shutdown()
        server.server_close()
    log.info("stopped", signal=signal.Signals(received).name, height=chain.height)
    return EXIT_OK


def _bind(settings: Settings, api: NodeApi, log: EventLog) -> list[NodeServer] | None:
    """The RPC server, then the metrics server if any; None (logged) when a bind fails."""
    wanted = [(settings.listen, api.rpc_routes(), "rpc")]
    if settings.metrics_listen is not None:
        wanted.append((settings.metrics_listen, api.metrics_routes(), "metrics"))
    servers: list[NodeServer] = []
    for address, routes, role in wanted:
        try:
            servers.append(NodeServer(address, routes, log))
        except OSError as error:
            where = f"{address[0]}:{address[1]}"
            log.error("cannot_listen", role=role, address=where, reason=str(error))
            for server in servers:
                server.server_close()
            return None
    return servers
