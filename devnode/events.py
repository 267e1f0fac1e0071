"""The devnode's log: one event per line on stderr, `key=value`, UTC timestamps."""

from __future__ import annotations

import json
import sys
import threading
from datetime import UTC, datetime
from typing import TextIO

PLAIN_VALUE_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:/,+@[]"
)


def format_value(value: object) -> str:
    """A value as it appears after `key=`: bare when plain, else double-quoted with escapes."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if text and set(text) <= PLAIN_VALUE_CHARS:
        return text
    return json.dumps(text)


class EventLog:
    """Writes `ts=... level=... event=... key=value ...` lines; safe from any thread."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def info(self, event: str, /, **fields: object) -> None:
        self._write("info", event, fields)

    def warning(self, event: str, /, **fields: object) -> None:
        self._write("warning", event, fields)

    def error(self, event: str, /, **fields: object) -> None:
        self._write("error", event, fields)

    def _write(self, level: str, event: str, fields: dict[str, object]) -> None:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        pairs = "".join(f" {key}={format_value(value)}" for key, value in fields.items())
        line = f"ts={now} level={level} event={event}{pairs}\n"
        stream = self._stream or sys.stderr
        with self._lock:
            stream.write(line)
            stream.flush()
