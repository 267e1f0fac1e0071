"""A YAML reader that walks PyYAML's C event stream and never builds a document.

Composing node trees costs seconds on a large schedule, and constructing them
is what an alias bomb feeds on. Reading events instead keeps both away: anchors,
aliases and tags are refused when their event arrives, before anything is
expanded, and a caller builds only the values it wants, each with its line.

Scalars are typed the way `yaml.safe_load` would type them (PyYAML's own
`Resolver`, YAML 1.1: `yes` is a boolean, `0x10` an integer), with one
addition: `1.5e6` and `1e6`, which YAML 1.2 readers such as yq take for floats
and PyYAML for strings, are typed as floats, so no reader mistakes them for text.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
)

# Deeper than any schedule needs (three levels), shallow enough that a file of
# nested brackets cannot grow the parser's stacks without bound.
MAX_DEPTH = 32

_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)")
_EXPONENT_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+")


class Kind(enum.Enum):
    """What a YAML value is, worded for a message that says what was found."""

    STRING = "a string"
    INTEGER = "an integer"
    FLOAT = "a float"
    BOOLEAN = "a boolean"
    NULL = "null"
    TIMESTAMP = "a timestamp"
    LIST = "a list"
    MAPPING = "a mapping"


_KIND_OF_TAG = {
    "tag:yaml.org,2002:str": Kind.STRING,
    "tag:yaml.org,2002:int": Kind.INTEGER,
    "tag:yaml.org,2002:float": Kind.FLOAT,
    "tag:yaml.org,2002:bool": Kind.BOOLEAN,
    "tag:yaml.org,2002:null": Kind.NULL,
    "tag:yaml.org,2002:timestamp": Kind.TIMESTAMP,
    # `<<` and `=` only mean something to a constructor; as values they are text.
    "tag:yaml.org,2002:merge": Kind.STRING,
    "tag:yaml.org,2002:value": Kind.STRING,
}

# An instance of the safe loader's resolver class: it reads the class's table and
# changes nothing global.
_RESOLVER = yaml.resolver.Resolver()


class YamlRefused(Exception):
    """YAML that is broken or hostile: nothing after it can be trusted."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


# Not frozen: a frozen dataclass's __init__ is several times slower, and a large
# schedule makes hundreds of thousands of these.
@dataclass(slots=True)
class Scalar:
    """A scalar's text as written, what YAML makes of it, and its 1-based line."""

    text: str
    kind: Kind
    line: int


@dataclass(frozen=True, slots=True)
class Collection:
    """A list or mapping where a scalar was wanted: its content was skipped."""

    kind: Kind
    line: int


Value = Scalar | Collection


def is_decimal(text: str) -> bool:
    """True for an integer written plainly in base 10: `0`, `42`, `-5`, not `010` or `1_000`."""
    return _DECIMAL.fullmatch(text) is not None


def plain_scalar_kind(text: str) -> Kind:
    """What `yaml.safe_load` makes of an unquoted, untagged scalar (`1e6`: a float)."""
    if is_decimal(text):
        return Kind.INTEGER
    tag: str = _RESOLVER.resolve(  # type: ignore[no-untyped-call]
        yaml.ScalarNode, text, (True, False)
    )
    kind = _KIND_OF_TAG.get(tag, Kind.STRING)
    if kind is Kind.STRING and _EXPONENT_FLOAT.fullmatch(text):
        return Kind.FLOAT
    return kind


class EventStream:
    """The events of one YAML byte string, one at a time, with hostile ones refused.

    `next()` raises YamlRefused for a syntax error, an anchor, an alias, a tag or
    nesting deeper than MAX_DEPTH; the file is then not read any further.
    """

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._loader = yaml.CSafeLoader(data)
        self._get_event = self._loader.get_event
        self._depth = 0
        # Keys, pool names and addresses repeat; resolving each text once is enough.
        self._kinds: dict[str, Kind] = {}

    def close(self) -> None:
        self._loader.dispose()

    def next(self) -> Event:
        try:
            event = self._get_event()
        except yaml.MarkedYAMLError as error:
            raise YamlRefused(_line_of(error), f"YAML syntax error: {_describe(error)}") from None
        except yaml.reader.ReaderError as error:
            line = self._data.count(b"\n", 0, error.position) + 1
            raise YamlRefused(line, f"unreadable character: {error.reason}") from None
        except yaml.YAMLError as error:
            raise YamlRefused(None, f"YAML syntax error: {error}") from None

        # Most events of a schedule are plain scalars: their check is kept short.
        if isinstance(event, ScalarEvent):
            if event.anchor is not None or event.tag is not None:
                self._refuse_hostile(event)
            return event
        if event is None:
            raise YamlRefused(None, "YAML syntax error: the event stream ended early")
        if isinstance(event, NodeEvent):
            self._refuse_hostile(event)
        if isinstance(event, CollectionStartEvent):
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise YamlRefused(
                    line_of(event),
                    f"nesting deeper than {MAX_DEPTH} levels is not allowed in a schedule",
                )
        elif isinstance(event, CollectionEndEvent):
            self._depth -= 1
        return event

    def mapping_items(self) -> Iterator[tuple[str, int, Value]]:
        """The (key, key's line, value) pairs of the mapping whose start was just read.

        Keys are compared as written (`height`, 'height' and "height" are one key);
        a key that is itself a list or mapping comes as `<a list>` or `<a mapping>`.
        """
        while True:
            event = self.next()
            if isinstance(event, ScalarEvent):
                key, line = event.value, line_of(event)
            elif isinstance(event, MappingEndEvent):
                return
            else:
                found = self.value(event)
                key, line = f"<{found.kind.value}>", found.line
            event = self.next()
            value = self.scalar(event) if isinstance(event, ScalarEvent) else self.value(event)
            yield key, line, value

    def value(self, event: Event) -> Value:
        """The value that starts with `event`; a list or mapping is skipped to its end."""
        if isinstance(event, ScalarEvent):
            return self.scalar(event)
        line = line_of(event)
        if not isinstance(event, CollectionStartEvent):
            raise YamlRefused(line, f"YAML structure error: unexpected {type(event).__name__}")

        kind = Kind.MAPPING if isinstance(event, MappingStartEvent) else Kind.LIST
        depth = self._depth
        while self._depth >= depth:
            self.next()
        return Collection(kind, line)

    def scalar(self, event: ScalarEvent) -> Scalar:
        """The scalar of a ScalarEvent, typed as `yaml.safe_load` would type it."""
        text = event.value
        mark = event.start_mark
        line = 0 if mark is None else mark.line + 1
        if not event.implicit[0]:
            return Scalar(text, Kind.STRING, line)  # quoted or a block scalar: text

        kind = self._kinds.get(text)
        if kind is None:
            kind = plain_scalar_kind(text)
            # Numbers are typed by a quick pattern and rarely repeat: keep the room
            # for names and addresses.
            if kind is not Kind.INTEGER and len(self._kinds) < 4096:
                self._kinds[text] = kind
        return Scalar(text, kind, line)

    @staticmethod
    def _refuse_hostile(event: NodeEvent) -> None:
        line = line_of(event)
        if isinstance(event, AliasEvent):
            raise YamlRefused(
                line, f"aliases are not allowed in a schedule (found the alias *{event.anchor})"
            )
        if event.anchor is not None:
            raise YamlRefused(
                line,
                "anchors and aliases are not allowed in a schedule "
                f"(found the anchor &{event.anchor})",
            )
        tag = getattr(event, "tag", None)
        if tag is not None:
            raise YamlRefused(
                line, f"YAML tags are not allowed in a schedule (found the tag {tag})"
            )


def line_of(event: Event) -> int:
    """The 1-based line where an event starts (0 if the parser gave no position)."""
    return 0 if event.start_mark is None else event.start_mark.line + 1


def _line_of(error: yaml.MarkedYAMLError) -> int | None:
    mark = error.problem_mark or error.context_mark
    return None if mark is None else mark.line + 1


def _describe(error: yaml.MarkedYAMLError) -> str:
    problem = error.problem or "unreadable YAML"
    if not error.context:
        return problem
    if error.context_mark is None:
        return f"{problem} ({error.context})"
    return f"{problem} ({error.context} that starts at line {error.context_mark.line + 1})"
