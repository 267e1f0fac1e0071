"""The shared schedule cases: every invalid file says what EXPECTED.json says it must."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from runner.schedule import Problem, ScheduleError, load_schedule

CASES = Path(__file__).resolve().parents[2] / ".." / "shared" / "cases" / "schedules"
EXPECTED: dict[str, str] = json.loads((CASES / "invalid" / "EXPECTED.json").read_text())
_ENTRY_FACT = re.compile(r"entry (\d+) \(line (\d+)\): (.*)")


def expected_fact(name: str) -> tuple[int | None, int | None, str]:
    """(entry, line, words) that EXPECTED.json promises for a case."""
    text = EXPECTED[name]
    match = _ENTRY_FACT.fullmatch(text)
    if match is not None:
        return int(match.group(1)), int(match.group(2)), match.group(3)
    # "rejected quickly (...): aliases are not allowed" names its fact after the colon.
    return None, None, text.rsplit(": ", 1)[-1]


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(ScheduleError) as raised:
        load_schedule(path)
    assert raised.value.path == str(path)
    return raised.value.problems


def test_every_invalid_case_has_an_expectation() -> None:
    files = sorted(p.name for p in (CASES / "invalid").glob("*.yaml"))
    assert files == sorted(EXPECTED)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_case_reports_its_fact(name: str) -> None:
    entry, line, words = expected_fact(name)
    problems = problems_of(CASES / "invalid" / name)

    matching = [p for p in problems if words in p.message]
    assert len(matching) == 1, [str(p) for p in problems]
    problem = matching[0]
    if entry is not None:
        assert (problem.entry, problem.line) == (entry, line)
        assert problem.message.startswith(f"entry {entry} (line {line}): ")
        assert problem.field is not None and problem.field in words
        assert EXPECTED[name] in str(problem)


def test_each_single_fault_case_has_one_problem() -> None:
    for name in sorted(EXPECTED):
        assert len(problems_of(CASES / "invalid" / name)) == 1, name


def test_duplicate_case_names_the_second_entry_and_its_line() -> None:
    (problem,) = problems_of(CASES / "invalid" / "duplicate.yaml")
    assert (problem.entry, problem.line) == (2, 6)
    assert problem.message == (
        "entries 1 and 2 are identical; give each an id if both are meant to be paid"
    )


def test_not_a_list_case_says_what_was_found() -> None:
    (problem,) = problems_of(CASES / "invalid" / "not-a-list.yaml")
    assert (problem.line, problem.message) == (2, "entries must be a list, got a mapping")


@pytest.mark.timeout(30)
def test_alias_bomb_is_refused_at_its_first_anchor() -> None:
    (problem,) = problems_of(CASES / "invalid" / "alias-bomb.yaml")
    assert problem.line == 1
    assert problem.message == (
        "anchors and aliases are not allowed in a schedule (found the anchor &a)"
    )


def test_small_schedule_loads_every_entry_in_order() -> None:
    path = CASES / "small.yaml"
    schedule = load_schedule(path)

    assert schedule.path == str(path)
    assert schedule.digest == "d6740f6a14f9a78de33242b04e247a34e355c40f738f3eabbd008a3ffb7bca25"
    assert [(e.index, e.line, e.height, e.pool, e.amount_udrt) for e in schedule.entries] == [
        (1, 3, 100, "staking_rewards", 1000000),
        (2, 7, 100, "block_rewards", 2500000),
        (3, 11, 250, "staking_rewards", 750000),
        (4, 15, 400, "ai_module_incentives", 300000),
        (5, 19, 400, "bridge_operations", 100000),
        (6, 23, 900, "staking_rewards", 1000000),
        (7, 27, 5000, "block_rewards", 9000000),
        (8, 31, 100000, "staking_rewards", 1000000),
    ]
    first = schedule.entries[0]
    assert first.to == "dyt1b449d75c065dff86224e707b62732d17f822826701df56c6"
    assert first.id is None
    assert (
        first.key
        == first.legacy_key
        == ("100_staking_rewards_dyt1b449d75c065dff86224e707b62732d17f822826701df56c6_1000000")
    )
