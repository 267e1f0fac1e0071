"""The rules for one schedule entry's fields: keys, types, ranges, pools, addresses, ids.

Every broken field of an entry is reported, each as a sentence that names the
entry, the line of the field, what was expected and what was found.
"""

from __future__ import annotations

import difflib
import functools
import re

from runner.address import AddressError, check_address
from runner.schedule_model import POOLS, Entry, Problem
from runner.yaml_events import Kind, Scalar, Value, is_decimal

REQUIRED_FIELDS = ("height", "pool", "to", "amount_udrt")
FIELDS = (*REQUIRED_FIELDS, "id")
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
UINT64_LIMIT = 2**64
# Entries share these string objects instead of one copy each.
_POOL_NAMES = {pool: pool for pool in POOLS}

# 2**64 has 20 digits: a longer text is out of range without being converted
# (Python refuses to convert texts of more than 4300 digits at all).
_MAX_INT_TEXT = 21


class EntryReport:
    """The problems of one entry, each prefixed with the entry's number and the field's line."""

    def __init__(self, path: str, index: int, problems: list[Problem]) -> None:
        self.path = path
        self.index = index
        self.problems = problems
        self.failed = False

    def add(self, line: int, field: str | None, message: str) -> None:
        self.failed = True
        self.problems.append(
            Problem(
                self.path,
                f"entry {self.index} (line {line}): {message}",
                line=line,
                entry=self.index,
                field=field,
            )
        )


def check_entry(
    report: EntryReport, line: int, fields: dict[str, Value], unknown: dict[str, int]
) -> Entry | None:
    """The entry these fields make, or None after reporting everything wrong with them.

    `unknown` maps each key that is not a field name to its line.
    """
    for name, key_line in unknown.items():
        report.add(key_line, name, f"unknown key {show(name)}{_suggestion(name)}")
    for name in REQUIRED_FIELDS:
        if name not in fields:
            report.add(line, name, f"missing key '{name}'")

    height = _integer(report, "height", fields.get("height"))
    pool = _string(report, "pool", fields.get("pool"))
    to = _string(report, "to", fields.get("to"))
    amount = _integer(report, "amount_udrt", fields.get("amount_udrt"))
    entry_id = _string(report, "id", fields.get("id"))

    if height is not None and height[0] < 0:
        report.add(height[1], "height", f"height must be >= 0, got {height[0]}")
    if amount is not None and amount[0] <= 0:
        report.add(amount[1], "amount_udrt", f"amount_udrt must be > 0, got {amount[0]}")
    if pool is not None and pool[0] not in POOLS:
        report.add(pool[1], "pool", f"unknown pool {show(pool[0])} (known: {', '.join(POOLS)})")
    if to is not None:
        _check_address(report, to)
    if entry_id is not None and ID_PATTERN.fullmatch(entry_id[0]) is None:
        report.add(
            entry_id[1],
            "id",
            "id must be 1 to 128 letters, digits, '.', '_' or '-', starting with a letter "
            f"or digit, got {show(entry_id[0])}",
        )

    if report.failed or height is None or pool is None or to is None or amount is None:
        return None
    return Entry(
        index=report.index,
        line=line,
        height=height[0],
        pool=_POOL_NAMES[pool[0]],
        to=to[0],
        amount_udrt=amount[0],
        id=None if entry_id is None else entry_id[0],
    )


def show(text: str) -> str:
    """A found value as a message quotes it: in quotes, escaped, and cut when long."""
    return repr(text) if len(text) <= 140 else repr(text[:140]) + "..."


def _integer(report: EntryReport, name: str, value: Value | None) -> tuple[int, int] | None:
    """The field's integer and line, if it is one in range; None after reporting otherwise."""
    if value is None:
        return None
    if not isinstance(value, Scalar) or value.kind is not Kind.INTEGER:
        report.add(value.line, name, _not_an_integer(name, value))
        return None
    if not is_decimal(value.text):
        report.add(
            value.line,
            name,
            f"{name} must be written in plain decimal digits, got {show(value.text)} "
            "(YAML readers disagree on what hex, octal, '_' and ':' forms mean)",
        )
        return None
    if len(value.text) > _MAX_INT_TEXT or int(value.text) >= UINT64_LIMIT:
        limit = "below 2**64"
        if name == "amount_udrt":
            limit += " (the node reads it as an unsigned 64-bit integer)"
        report.add(value.line, name, f"{name} must be {limit}, got {show(value.text)}")
        return None
    return int(value.text), value.line


def _not_an_integer(name: str, value: Value) -> str:
    if name == "amount_udrt" and value.kind is Kind.FLOAT:
        message = "amount_udrt must be an integer number of uDRT, got a float"
    else:
        message = f"{name} must be an integer, got {value.kind.value}"
    if not isinstance(value, Scalar):
        return message
    if value.kind is Kind.STRING and is_decimal(value.text):
        return f"{message} ({show(value.text)}: write it without quotes)"
    return f"{message} ({show(value.text)})"


def _string(report: EntryReport, name: str, value: Value | None) -> tuple[str, int] | None:
    """The field's text and line, if it is a string; None after reporting otherwise."""
    if value is None:
        return None
    if isinstance(value, Scalar) and value.kind is Kind.STRING:
        return value.text, value.line
    message = f"{name} must be a string, got {value.kind.value}"
    if isinstance(value, Scalar) and value.kind is not Kind.NULL:
        message += f" ({show(value.text)}: write it in quotes)"
    report.add(value.line, name, message)
    return None


def _check_address(report: EntryReport, to: tuple[str, int]) -> None:
    reason = _address_problem(to[0])
    if reason is not None:
        report.add(to[1], "to", f"to is not a valid address: {reason}")


# A schedule pays the same few recipients again and again: each address is
# checked once.
@functools.lru_cache(maxsize=4096)
def _address_problem(text: str) -> str | None:
    try:
        check_address(text)
    except AddressError as error:
        return str(error)
    return None


def _suggestion(name: str) -> str:
    close = difflib.get_close_matches(name, FIELDS, n=1)
    expected = "height, pool, to, amount_udrt and optionally id"
    if close:
        return f" (did you mean '{close[0]}'? expected {expected})"
    return f" (expected {expected})"
