"""Log lines of the logs volume: written by the runner, read back by the exporter and `report`.

Three forms share the volume (docs/formats.md):

- the runner's own: `2026-12-01T10:05:01Z [emissions] apply height=400 ... run=<run id>`;
- the shell runner's: the same without the timestamp and the run id;
- the older runner's JSON lines: `{"ts": ..., "status": "ok" | "error", "key": ..., ...}`.

`parse_line` reads all three into one `LogEvent`; `format_line` and `LogWriter` write the
first. A value with a space, a quote, a backslash or anything unprintable is written in
double quotes with backslash escapes, so a node's error body cannot break a line in two.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

TAG = "[emissions]"

EVENTS = frozenset(
    {
        "start",
        "height",
        "apply",
        "skip",
        "future",
        "doubt",
        "conflict",
        "damaged",
        "error",
        "resolve",
        "done",
    }
)

Source = Literal["runner", "shell", "jsonl"]

# A log file of one UTC day; retention reads the date from this name, never from mtime.
LOG_FILE_NAME = re.compile(r"(?P<date>\d{8})\.log")

_RUNNER_PREFIX = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) \[emissions\] ")
_SHELL_PREFIX = TAG + " "
_FIELD = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)(?=\s|$)')
_SHELL_FIELD = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(\S*)")
_WORD = re.compile(r"[a-z_]+")
_BARE_VALUE = re.compile(r"[!#-\[\]-~]+")  # printable ASCII but space, '"' and '\'
_ESCAPE = re.compile(r'\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|["\\nrt])')
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}
_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True, slots=True)
class LogEvent:
    """One parsed log line: what happened, when (if the line says), in which run."""

    ts: datetime | None
    event: str
    fields: dict[str, str]
    run_id: str | None
    source: Source

    @property
    def status(self) -> str | None:
        return self.fields.get("status")


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_timestamp(ts: datetime) -> str:
    """`2026-12-01T10:05:01Z`: the one timestamp form of the volume (UTC, seconds)."""
    return ts.astimezone(UTC).strftime(_TIMESTAMP_FORMAT)


def parse_timestamp(text: str) -> datetime | None:
    """A `2026-12-01T10:05:01Z`-style UTC timestamp, or None when it is not one."""
    try:
        ts = datetime.fromisoformat(text)
    except ValueError:
        return None
    if ts.tzinfo is None:
        return None
    return ts.astimezone(UTC)


def new_run_id(now: datetime) -> str:
    """`20261201T100501Z-4f2a`: sortable by start time, unique enough between two runs."""
    return f"{now.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(2)}"


def format_value(value: str) -> str:
    """A value as written after `key=`: bare when safe, else quoted with escapes."""
    if _BARE_VALUE.fullmatch(value):
        return value
    return '"' + "".join(_escape_char(char) for char in value) + '"'


def format_line(
    event: str,
    fields: Mapping[str, object],
    *,
    run_id: str | None,
    ts: datetime,
) -> str:
    """One runner log line, without the newline. Fields whose value is None are left out.

    The `height` event is written as the shell runner wrote it, `height=<n>` with no event
    word, so existing greps for `[emissions] height=` keep working.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown log event {event!r}")
    parts = [format_timestamp(ts), TAG]
    if event != "height":
        parts.append(event)
    elif "height" not in fields:
        raise ValueError("a height line needs a height field")
    parts.extend(
        f"{key}={format_value(str(value))}" for key, value in fields.items() if value is not None
    )
    if run_id is not None:
        parts.append(f"run={format_value(run_id)}")
    return " ".join(parts)


def parse_line(text: str) -> LogEvent | None:
    """Parse one line of any of the three forms; None when it is none of them (garbage)."""
    text = text.rstrip("\r\n")
    if text.startswith("{"):
        return _parse_json_line(text)
    prefix = _RUNNER_PREFIX.match(text)
    if prefix is not None:
        ts = parse_timestamp(prefix.group(1))
        if ts is None:
            return None
        return _parse_body(text[prefix.end() :], ts=ts, source="runner")
    if text.startswith(_SHELL_PREFIX):
        return _parse_body(text[len(_SHELL_PREFIX) :], ts=None, source="shell")
    return None


class LogWriter:
    """Appends runner log lines to `<log_dir>/<YYYYMMDD>.log`, by the UTC date of each line.

    Each line goes to the kernel in one `write` on an O_APPEND descriptor, so a line is
    never interleaved with another writer's, and nothing sits in a Python buffer when the
    process dies. `sync` makes the lines so far durable; the run calls it after every claim
    outcome and at the end. With `log_dir=None` nothing is written (dry runs), and `echo`
    still sees every line.
    """

    def __init__(
        self,
        log_dir: Path | None,
        run_id: str,
        *,
        echo: Callable[[str], None] | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.log_dir = log_dir
        self.run_id = run_id
        self._echo = echo
        self._clock = clock
        self._fd: int | None = None
        self._file_name: str | None = None

    def write(self, event: str, **fields: object) -> str:
        """Write one event line; returns it (without the newline)."""
        now = self._clock()
        line = format_line(event, fields, run_id=self.run_id, ts=now)
        if self.log_dir is not None:
            fd = self._descriptor(f"{now.astimezone(UTC):%Y%m%d}.log")
            os.write(fd, (line + "\n").encode("utf-8"))
        if self._echo is not None:
            self._echo(line)
        return line

    def open_today(self) -> None:
        """Open today's day file now: a log folder that cannot take it fails before the run
        does anything, not halfway."""
        if self.log_dir is not None:
            self._descriptor(f"{self._clock().astimezone(UTC):%Y%m%d}.log")

    def sync(self) -> None:
        if self._fd is not None:
            os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None
            self._file_name = None

    def _descriptor(self, file_name: str) -> int:
        if self._fd is not None and self._file_name == file_name:
            return self._fd
        self.close()
        assert self.log_dir is not None
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        self._fd = os.open(self.log_dir / file_name, flags, 0o644)
        self._file_name = file_name
        return self._fd


def _escape_char(char: str) -> str:
    if char in '"\\':
        return "\\" + char
    if char.isprintable():
        return char
    code = ord(char)
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char)
    if named is not None:
        return named
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _unescape(quoted: str) -> str:
    def replace(match: re.Match[str]) -> str:
        escape = match.group(1)
        if escape[0] in "xuU":
            return chr(int(escape[1:], 16))
        return _SIMPLE_ESCAPES[escape]

    return _ESCAPE.sub(replace, quoted[1:-1])


def _parse_body(body: str, *, ts: datetime | None, source: Source) -> LogEvent | None:
    word, _, rest = body.partition(" ")
    if "=" in word:
        # `[emissions] height=420`: the height line carries no event word.
        event, rest = "height", body
    elif word in EVENTS:
        event = word
    else:
        return None

    fields = _parse_fields(rest, shell=source == "shell")
    if fields is None or (event == "height" and "height" not in fields):
        return None
    run_id = fields.pop("run", None)
    return LogEvent(ts=ts, event=event, fields=fields, run_id=run_id, source=source)


def _parse_fields(text: str, *, shell: bool) -> dict[str, str] | None:
    """`k=v` pairs. The shell runner wrote node answers unquoted (`resp={"error": ...}`), so
    in its lines values are never quoted and a stray word continues the previous value.
    """
    if not shell and '"' not in text and text.isprintable():
        return _parse_plain_fields(text)
    pattern = _SHELL_FIELD if shell else _FIELD
    fields: dict[str, str] = {}
    last_key: str | None = None
    position = 0
    length = len(text)
    while position < length:
        if text[position] == " ":
            position += 1
            continue
        match = pattern.match(text, position)
        if match is not None:
            key, value = match.group(1), match.group(2)
            quoted = not shell and value.startswith('"')
            fields[key] = _unescape(value) if quoted else value
            last_key = key
            position = match.end()
            continue
        if not shell or last_key is None:
            return None
        end = text.find(" ", position)
        end = length if end < 0 else end
        fields[last_key] += " " + text[position:end]
        position = end
    return fields


def _parse_plain_fields(text: str) -> dict[str, str] | None:
    """The common case, no quoted value, read by splitting instead of a regex per field: the
    exporter reads a million lines when it starts. Same result as the general loop.
    """
    fields: dict[str, str] = {}
    for token in text.split(" "):
        if not token:
            continue
        key, equals, value = token.partition("=")
        if not equals or not (key.isascii() and key.isidentifier()):
            return None
        fields[key] = value
    return fields


def _parse_json_line(text: str) -> LogEvent | None:
    """The older runner's record: one claim outcome; `status: ok` is a payment record."""
    try:
        record = json.loads(text)
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get("status") not in ("ok", "error"):
        return None
    key = record.get("key")
    if not isinstance(key, str):
        return None

    fields: dict[str, str] = {"key": key.replace(":", "_")}
    for name in ("height", "pool", "to", "amount_udrt", "remaining"):
        value = record.get(name)
        if isinstance(value, str | int) and not isinstance(value, bool):
            fields[name] = str(value)
    if record["status"] == "ok":
        fields["status"] = "applied"
    else:
        fields["status"] = "error"
        error = record.get("error")
        fields["kind"] = error if isinstance(error, str) else "claim_failed"
    ts = parse_timestamp(record["ts"]) if isinstance(record.get("ts"), str) else None
    return LogEvent(ts=ts, event="apply", fields=fields, run_id=None, source="jsonl")
