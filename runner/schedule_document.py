"""Reading a schedule's YAML into entries, with every problem of the file located.

The document is walked event by event (see `runner.yaml_events`): only the
current entry's fields are held, each with its line, so a large schedule reads
in about the time the C parser needs, and a hostile one is refused as soon as
its first alias, anchor or tag appears.
"""

from __future__ import annotations

from yaml.events import (
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from runner.schedule_fields import FIELDS, EntryReport, check_entry, show
from runner.schedule_model import Entry, Problem
from runner.yaml_events import Collection, EventStream, Value, YamlRefused, line_of

_SHAPE = "a mapping with the key 'entries' (a list of entries)"


class ScheduleDocument:
    """One schedule file's bytes read into entries and problems (`read()`)."""

    def __init__(self, path: str, data: bytes) -> None:
        self.path = path
        self.data = data
        self.entries: list[Entry] = []
        self.problems: list[Problem] = []

    def read(self) -> tuple[list[Entry], list[Problem]]:
        """Every valid entry and every problem; the file is usable only without problems."""
        events = EventStream(self.data)
        try:
            self._stream(events)
        except YamlRefused as refusal:
            # Broken or hostile YAML: what was read before it may be misread (a bad
            # indent ends an entry early), so this one problem is the whole report.
            return [], [Problem(self.path, refusal.message, line=refusal.line)]
        finally:
            events.close()

        self._check_keys_unique()
        # Entries report their fields in a fixed order, duplicates come last: a
        # person reads a file top to bottom.
        self.problems.sort(key=lambda problem: problem.line or 0)
        return self.entries, self.problems

    def _add(self, line: int | None, message: str, entry: int | None = None) -> None:
        self.problems.append(Problem(self.path, message, line=line, entry=entry))

    def _stream(self, events: EventStream) -> None:
        events.next()  # the stream's start
        event = events.next()
        if isinstance(event, StreamEndEvent):
            self._add(None, f"the file holds no YAML document; expected {_SHAPE}")
            return

        self._root(events, events.next())
        events.next()  # the document's end
        event = events.next()
        if isinstance(event, DocumentStartEvent):
            self._add(
                line_of(event),
                f"a second YAML document starts here; a schedule is one document, {_SHAPE}",
            )

    def _root(self, events: EventStream, event: Event) -> None:
        if not isinstance(event, MappingStartEvent):
            found = events.value(event)
            self._add(found.line, f"the document must be {_SHAPE}, got {found.kind.value}")
            return

        start = line_of(event)
        seen: dict[str, int] = {}
        while not isinstance(event := events.next(), MappingEndEvent):
            key = events.value(event)
            value_event = events.next()
            name = _key_text(key)
            if name in seen:
                self._add(key.line, f"duplicate key {show(name)} (first at line {seen[name]})")
                events.value(value_event)
                continue
            seen[name] = key.line
            if name == "entries":
                self._entries(events, value_event)
            else:
                events.value(value_event)
                self._add(
                    key.line, f"unknown top-level key {show(name)} (expected only 'entries')"
                )
        if "entries" not in seen:
            self._add(start, f"missing key 'entries'; expected {_SHAPE}")

    def _entries(self, events: EventStream, event: Event) -> None:
        if not isinstance(event, SequenceStartEvent):
            found = events.value(event)
            self._add(found.line, f"entries must be a list, got {found.kind.value}")
            return

        index = 0
        while not isinstance(event := events.next(), SequenceEndEvent):
            index += 1
            if isinstance(event, MappingStartEvent):
                self._entry(events, index, line_of(event))
                continue
            found = events.value(event)
            self._add(
                found.line,
                f"entry {index} (line {found.line}): an entry must be a mapping of height, "
                f"pool, to, amount_udrt and optionally id, got {found.kind.value}",
                entry=index,
            )

    def _entry(self, events: EventStream, index: int, line: int) -> None:
        report = EntryReport(self.path, index, self.problems)
        fields: dict[str, Value] = {}
        unknown: dict[str, int] = {}
        first_lines: dict[str, int] = {}
        for name, key_line, value in events.mapping_items():
            if name in first_lines:
                report.add(
                    key_line,
                    name,
                    f"duplicate key {show(name)} (first at line {first_lines[name]})",
                )
                continue
            first_lines[name] = key_line
            if name in FIELDS:
                fields[name] = value
            else:
                unknown[name] = key_line

        entry = check_entry(report, line, fields, unknown)
        if entry is not None:
            self.entries.append(entry)

    def _check_keys_unique(self) -> None:
        """Two entries with one stamp key would be paid once; say so instead."""
        by_key: dict[str, Entry] = {}
        unnamed_by_legacy_key: dict[str, Entry] = {}
        named: list[tuple[Entry, str]] = []
        for entry in self.entries:
            legacy_key = entry.legacy_key
            key = legacy_key if entry.id is None else entry.id
            first = by_key.setdefault(key, entry)
            if first is not entry:
                self._add(entry.line, _same_key(first, entry), entry=entry.index)
            if entry.id is None:
                unnamed_by_legacy_key.setdefault(legacy_key, entry)
            else:
                named.append((entry, legacy_key))

        # An id entry whose legacy key is another entry's key would read as that
        # entry's stamp edited after paying: a conflict forever.
        for entry, legacy_key in named:
            unnamed = unnamed_by_legacy_key.get(legacy_key)
            if unnamed is not None:
                first, second = sorted((unnamed, entry), key=lambda e: e.index)
                self._add(
                    second.line,
                    f"entries {first.index} and {second.index} are identical but only entry "
                    f"{entry.index} has an id; give each an id if both are meant to be paid",
                    entry=second.index,
                )


def _key_text(key: Value) -> str:
    # Keys are compared as written: `height`, 'height' and "height" are one key.
    if isinstance(key, Collection):
        return f"<{key.kind.value}>"
    return key.text


def _same_key(first: Entry, second: Entry) -> str:
    pair = f"entries {first.index} and {second.index}"
    if first.id is None and second.id is None:
        return f"{pair} are identical; give each an id if both are meant to be paid"
    if first.id == second.id:
        return f"{pair} have the same id {show(second.key)}"
    return f"{pair} have the same key {show(second.key)}; an id must differ from other keys"
