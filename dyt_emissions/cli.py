"""The `dyt-emissions` command: one entry point, one subcommand per job.

Each subcommand lives in the component that owns it and exposes two functions,
`configure(parser)` and `main(args) -> int`. They are imported only when chosen,
so `--help` stays fast and a broken optional piece cannot stop the others.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Protocol

from dyt_emissions import __version__


class Subcommand(Protocol):
    def configure(self, parser: argparse.ArgumentParser) -> None: ...

    def main(self, args: argparse.Namespace) -> int: ...


# name -> (module, one-line help). The order is the order of `--help`.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "run": ("runner.run_command", "pay every due schedule entry exactly once"),
    "check": ("runner.check_command", "validate a schedule file and summarise it"),
    "resolve": ("runner.resolve_command", "record a person's decision on a claim in doubt"),
    "exporter": (
        "exporter.server_command",
        "serve the audit as Prometheus metrics and a web page",
    ),
    "report": (
        "exporter.report_command",
        "print the audit in the terminal, straight from the files",
    ),
    "devnode": ("devnode.command", "run a simulated Dytallix node for tests and rehearsals"),
    "demo": ("dyt_emissions.demo", "watch a simulated chain get paid, live"),
    "mixin": ("dyt_emissions.mixin_render", "render the Jsonnet mixin to alerts/ and dashboards/"),
}


def build_parser(chosen: str | None) -> tuple[argparse.ArgumentParser, dict[str, Subcommand]]:
    parser = argparse.ArgumentParser(
        prog="dyt-emissions",
        description="Scheduled uDRT emission claims for a Dytallix node: paid once, audited.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    modules: dict[str, Subcommand] = {}
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        # Only the chosen subcommand's module is imported; the others show their one-liner.
        if name == chosen:
            module: Subcommand = importlib.import_module(module_name)
            module.configure(sub)
            modules[name] = module
    return parser, modules


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser, modules = build_parser(arguments[0] if arguments else None)
    args = parser.parse_args(arguments)
    try:
        return modules[args.command].main(args)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
