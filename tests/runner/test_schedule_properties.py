"""Property tests: no input makes the schedule reader fail other than with ScheduleError,
and what it accepts is exactly what `yaml.safe_load` reads, under the documented rules."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from runner.address import make_address, make_bech32m_address
from runner.schedule import POOLS, Schedule, ScheduleError, load_schedule

ADDRESSES = [make_address(hashlib.sha256(s).digest()[:20]) for s in (b"a", b"b")] + [
    make_bech32m_address(hashlib.sha256(b"c").digest()[:20])
]
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
EXPONENT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+")
ABSENT = object()

FRAGMENTS = [
    "entries:", "\n", "  ", "- ", "height: ", "pool: ", "to: ", "amount_udrt: ", "id: ",
    "10", "-1", "0x1f", "1.5e6", "yes", "~", "null", "'10'", '"x"', "[", "]", "{", "}",
    ", ", ": ", "&a ", "*a", "!!int ", "? ", "---\n", "...\n", "# c", "|\n", ">-\n", "\t",
    "staking_rewards", ADDRESSES[0], ADDRESSES[2], "18446744073709551616", "\\", "%YAML 1.1\n",
    "\ufeff", "é", "\x00", "<<: ", "2026-01-01",
]  # fmt: skip

SETTINGS = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def file(tmp_path: Path) -> Path:
    return tmp_path / "schedule.yaml"


def load_or_problems(path: Path, data: bytes) -> Schedule | ScheduleError:
    path.write_bytes(data)
    try:
        schedule = load_schedule(path)
        event("valid")
        return schedule
    except ScheduleError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.path == str(path)
            assert problem.message
            assert problem.line is None or problem.line >= 1
        return error


@SETTINGS
@given(data=st.binary(max_size=400))
def test_any_bytes(file: Path, data: bytes) -> None:
    load_or_problems(file, data)


@SETTINGS
@given(pieces=st.lists(st.sampled_from(FRAGMENTS), max_size=60))
def test_yaml_like_text(file: Path, pieces: list[str]) -> None:
    load_or_problems(file, "".join(pieces).encode("utf-8", "surrogatepass"))


@SETTINGS
@given(text=st.text(max_size=300))
def test_any_text(file: Path, text: str) -> None:
    load_or_problems(file, text.encode("utf-8", "surrogatepass"))


wrong = st.one_of(
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
    st.text(max_size=6),
    st.lists(st.integers(), max_size=2),
    st.integers(min_value=-3, max_value=0),
    st.sampled_from([2**64, 10**30, "1e3", "2026", "yes", "", "-x"]),
)
# Small heights and amounts make entries that clash with each other.
valid_entry = st.fixed_dictionaries(
    {
        "height": st.one_of(st.integers(0, 2), st.integers(0, 2**64 - 1)),
        "pool": st.sampled_from(POOLS),
        "to": st.sampled_from(ADDRESSES),
        "amount_udrt": st.one_of(st.integers(1, 2), st.integers(1, 2**64 - 1)),
    },
    optional={"id": st.one_of(st.sampled_from(["a", "b-1"]), st.from_regex(ID, fullmatch=True))},
)
# At most one field per entry changed: to a wrong value, or removed, or a new key.
change = st.one_of(
    st.none(),
    st.tuples(st.sampled_from(["height", "pool", "to", "amount_udrt", "id", "memo"]), wrong),
    st.tuples(st.sampled_from(["height", "pool", "to", "amount_udrt"]), st.just(ABSENT)),
)


@st.composite
def entry_strategy(draw: st.DrawFn) -> dict[str, Any]:
    entry = draw(valid_entry)
    changed = draw(change)
    if changed is not None:
        name, value = changed
        entry[name] = value
    return {name: value for name, value in entry.items() if value is not ABSENT}


def valid_entry_document(document: dict[str, Any]) -> bool:
    """The rules of docs/formats.md for one entry, stated independently of the reader."""
    required = {"height", "pool", "to", "amount_udrt"}
    return required <= document.keys() and all(valid_value(n, v) for n, v in document.items())


def valid_value(name: str, value: Any) -> bool:
    if name in ("height", "amount_udrt"):
        low = 0 if name == "height" else 1
        return type(value) is int and low <= value < 2**64
    if name == "pool":
        return value in POOLS
    if name == "to":
        return value in ADDRESSES
    # safe_dump leaves 1e3 unquoted (PyYAML reads it as text); this project reads it
    # as the float it is in YAML 1.2.
    return (
        name == "id"
        and isinstance(value, str)
        and bool(ID.fullmatch(value))
        and not EXPONENT.fullmatch(value)
    )


def expected_keys_clash(entries: list[dict[str, Any]]) -> bool:
    keys: list[str] = []
    legacy: list[tuple[str, bool]] = []
    for entry in entries:
        legacy_key = f"{entry['height']}_{entry['pool']}_{entry['to']}_{entry['amount_udrt']}"
        keys.append(entry.get("id", legacy_key))
        legacy.append((legacy_key, "id" in entry))
    unnamed = {key for key, named in legacy if not named}
    return len(set(keys)) < len(keys) or any(named and k in unnamed for k, named in legacy)


@settings(max_examples=400, deadline=None, database=None)
@given(
    documents=st.lists(entry_strategy(), max_size=5),
    flow=st.sampled_from([False, True, None]),
)
def test_generated_schedules_match_safe_load(
    tmp_path_factory: pytest.TempPathFactory, documents: list[dict[str, Any]], flow: bool | None
) -> None:
    text = yaml.safe_dump({"entries": documents}, default_flow_style=flow)
    path = tmp_path_factory.mktemp("generated") / "schedule.yaml"
    outcome = load_or_problems(path, text.encode())

    invalid = {
        index
        for index, document in enumerate(documents, start=1)
        if not valid_entry_document(document)
    }
    if not invalid and not expected_keys_clash(documents):
        assert isinstance(outcome, Schedule), str(outcome)
        event(f"valid, {len(outcome.entries)} entries")
        read = yaml.safe_load(text)["entries"]
        assert [
            {"height": e.height, "pool": e.pool, "to": e.to, "amount_udrt": e.amount_udrt}
            | ({} if e.id is None else {"id": e.id})
            for e in outcome.entries
        ] == read
        return

    assert isinstance(outcome, ScheduleError)
    event("invalid")
    reported = {problem.entry for problem in outcome.problems}
    assert invalid <= reported
