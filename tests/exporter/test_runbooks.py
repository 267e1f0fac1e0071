"""Every `dyt-emissions` command in docs/runbooks.md parses with the real CLI's flags."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from dyt_emissions.cli import build_parser

RUNBOOKS = Path(__file__).resolve().parents[2] / "docs" / "runbooks.md"


def runbook_commands() -> list[str]:
    """The commands of the inline code spans (wrapped lines joined) and of code blocks."""
    text = RUNBOOKS.read_text()
    blocks = re.findall(r"```\n(.*?)```", text, flags=re.DOTALL)
    prose = re.sub(r"```\n.*?```", "", text, flags=re.DOTALL).replace("\n", " ")
    # `dyt-emissions resolve` alone names the command; it is not one to run.
    found = re.findall(r"`(dyt-emissions [^`\s]+ [^`]+)`", prose)
    for block in blocks:
        for line in block.splitlines():
            if "dyt-emissions " in line:
                command = line[line.index("dyt-emissions ") :]
                found.append(command.split("#")[0].strip())
    return found


def test_the_runbooks_hold_the_resolve_commands() -> None:
    subcommands = {shlex.split(command)[1] for command in runbook_commands()}
    assert subcommands == {"report", "run", "check", "resolve"}


@pytest.mark.parametrize("command", runbook_commands())
def test_each_runbook_command_parses(command: str) -> None:
    words = shlex.split(command)[1:]
    parser, _ = build_parser(words[0])

    args = parser.parse_args(words)  # a flag that does not exist exits 2 here

    if words[0] == "resolve":
        assert "--log-dir" in words
        if args.check:
            assert "--rpc-url" in words
        else:
            assert "--reason" in words
