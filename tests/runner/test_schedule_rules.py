"""Schedule rules beyond the shared cases: each problem with its entry, line, field and reason."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from runner.address import make_address
from runner.schedule import Entry, ScheduleError, load_schedule

ADDRESS = "dyt1b449d75c065dff86224e707b62732d17f822826701df56c6"
OTHER = "dyt1e9bf71848eb4c50c9acefbfb85e3c27f31edcf49c2250d53"

Found = tuple[int | None, int | None, str | None, str]


def write(tmp_path: Path, text: str | bytes, name: str = "schedule.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def problems(tmp_path: Path, text: str | bytes) -> list[Found]:
    """(line, entry, field, message) of every problem in a file holding `text`."""
    with pytest.raises(ScheduleError) as raised:
        load_schedule(write(tmp_path, text))
    return [(p.line, p.entry, p.field, p.message) for p in raised.value.problems]


def entry_text(**fields: str) -> str:
    """An `entries:` document of one entry; each field's text goes in as written."""
    values = {"height": "10", "pool": "staking_rewards", "to": ADDRESS, "amount_udrt": "1000"}
    values.update(fields)
    body = "\n".join(f"    {k}: {v}" for k, v in values.items() if v != "<absent>")
    return "entries:\n  -" + body[3:] + "\n"


def one_problem(tmp_path: Path, **fields: str) -> Found:
    (found,) = problems(tmp_path, entry_text(**fields))
    return found


def test_a_plain_entry_is_valid(tmp_path: Path) -> None:
    schedule = load_schedule(write(tmp_path, entry_text(id="bonus-2026.12_a")))
    assert schedule.entries == (
        Entry(1, 2, 10, "staking_rewards", ADDRESS, 1000, "bonus-2026.12_a"),
    )
    assert schedule.entries[0].key == "bonus-2026.12_a"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("~", "height must be an integer, got null"),
        ("", "height must be an integer, got null"),
        ("true", "height must be an integer, got a boolean ('true')"),
        ("off", "height must be an integer, got a boolean ('off')"),
        ("'10'", "height must be an integer, got a string ('10': write it without quotes)"),
        ("ten", "height must be an integer, got a string ('ten')"),
        ("10.0", "height must be an integer, got a float ('10.0')"),
        ("1e3", "height must be an integer, got a float ('1e3')"),
        (".inf", "height must be an integer, got a float ('.inf')"),
        ("2026-01-01", "height must be an integer, got a timestamp ('2026-01-01')"),
        ("[10]", "height must be an integer, got a list"),
        ("{a: 1}", "height must be an integer, got a mapping"),
        (
            "0x10",
            "height must be written in plain decimal digits, got '0x10' "
            "(YAML readers disagree on what hex, octal, '_' and ':' forms mean)",
        ),
        ("1_000", "height must be written in plain decimal digits, got '1_000' (YAML"),
        ("010", "height must be written in plain decimal digits, got '010' (YAML"),
        ("+5", "height must be written in plain decimal digits, got '+5' (YAML"),
        ("1:30", "height must be written in plain decimal digits, got '1:30' (YAML"),
        ("-1", "height must be >= 0, got -1"),
        ("18446744073709551616", "height must be below 2**64, got '18446744073709551616'"),
    ],
)
def test_height_types_and_range(tmp_path: Path, text: str, message: str) -> None:
    line, entry, field, found = one_problem(tmp_path, height=text)
    assert (line, entry, field) == (2, 1, "height")
    assert found.startswith(f"entry 1 (line 2): {message}")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", "amount_udrt must be > 0, got 0"),
        ("-3", "amount_udrt must be > 0, got -3"),
        ("false", "amount_udrt must be an integer, got a boolean ('false')"),
        ("null", "amount_udrt must be an integer, got null"),
        ("1.5", "amount_udrt must be an integer number of uDRT, got a float ('1.5')"),
        ("18446744073709551615", None),
        (
            "9" * 5000,
            "amount_udrt must be below 2**64 (the node reads it as an unsigned 64-bit integer)",
        ),
    ],
)
def test_amount_types_and_range(tmp_path: Path, text: str, message: str | None) -> None:
    path = write(tmp_path, entry_text(amount_udrt=text))
    if message is None:
        assert load_schedule(path).entries[0].amount_udrt == 2**64 - 1
        return
    line, entry, field, found = one_problem(tmp_path, amount_udrt=text)
    assert (line, entry, field) == (5, 1, "amount_udrt")
    assert found.startswith(f"entry 1 (line 5): {message}")


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("pool", "yes", "pool must be a string, got a boolean ('yes': write it in quotes)"),
        ("pool", "~", "pool must be a string, got null"),
        ("pool", "[a]", "pool must be a string, got a list"),
        ("pool", "STAKING_REWARDS", "unknown pool 'STAKING_REWARDS' (known: ai_module_"),
        ("to", "12", "to must be a string, got an integer ('12': write it in quotes)"),
        ("to", ADDRESS.upper(), "to is not a valid address: expected 'dyt1' followed by 48"),
        ("to", ADDRESS[:-1] + "7", "to is not a valid address: checksum mismatch"),
        ("to", "|\n      " + ADDRESS, "to is not a valid address: expected 'dyt1'"),
        ("id", "-bad", "id must be 1 to 128 letters, digits, '.', '_' or '-', starting with"),
        ("id", "'a b'", "id must be 1 to 128 letters, digits, '.', '_' or '-', starting with"),
        ("id", "a" * 129, "id must be 1 to 128 letters"),
        ("id", "2026", "id must be a string, got an integer ('2026': write it in quotes)"),
        ("id", "~", "id must be a string, got null"),
    ],
)
def test_string_fields(tmp_path: Path, field: str, text: str, message: str) -> None:
    line = {"pool": 3, "to": 4, "id": 6}[field]
    found = one_problem(tmp_path, **{field: text})
    assert found[:3] == (line, 1, field)
    assert found[3].startswith(f"entry 1 (line {line}): {message}")


def test_id_of_128_characters_and_quoted_digits_are_valid(tmp_path: Path) -> None:
    schedule = load_schedule(write(tmp_path, entry_text(id="a" * 128)))
    assert schedule.entries[0].id == "a" * 128
    schedule = load_schedule(write(tmp_path, entry_text(id="'2026'")))
    assert schedule.entries[0].key == "2026"


def test_unknown_and_missing_keys(tmp_path: Path) -> None:
    text = entry_text(amount_udrt="<absent>") + "    amount: 1000\n    memo: x\n"
    assert problems(tmp_path, text) == [
        (2, 1, "amount_udrt", "entry 1 (line 2): missing key 'amount_udrt'"),
        (
            5,
            1,
            "amount",
            "entry 1 (line 5): unknown key 'amount' (did you mean 'amount_udrt'? "
            "expected height, pool, to, amount_udrt and optionally id)",
        ),
        (
            6,
            1,
            "memo",
            "entry 1 (line 6): unknown key 'memo' "
            "(expected height, pool, to, amount_udrt and optionally id)",
        ),
    ]


def test_duplicate_key_in_an_entry(tmp_path: Path) -> None:
    text = entry_text() + "    height: 11\n"
    assert problems(tmp_path, text) == [
        (6, 1, "height", "entry 1 (line 6): duplicate key 'height' (first at line 2)")
    ]


def test_duplicate_and_unknown_top_level_keys(tmp_path: Path) -> None:
    text = entry_text() + "version: 2\nentries: []\n"
    assert problems(tmp_path, text) == [
        (6, None, None, "unknown top-level key 'version' (expected only 'entries')"),
        (7, None, None, "duplicate key 'entries' (first at line 1)"),
    ]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("", (None, "empty file; expected a mapping with the key 'entries'")),
        (" \n\n", (None, "empty file; expected a mapping with the key 'entries'")),
        (
            "# only a comment\n",
            (
                None,
                "the file holds no YAML document; expected a mapping with the key "
                "'entries' (a list of entries)",
            ),
        ),
        (
            "- 1\n",
            (
                1,
                "the document must be a mapping with the key 'entries' (a list of "
                "entries), got a list",
            ),
        ),
        ("entries:\n", (1, "entries must be a list, got null")),
        (
            "entries: []\n---\nentries: []\n",
            (
                2,
                "a second YAML document starts here; a schedule is one document, a "
                "mapping with the key 'entries' (a list of entries)",
            ),
        ),
        (
            b"entries: []\n# caf\xe9\n",
            (2, "not UTF-8 text: byte 0xe9 at offset 17 cannot be decoded"),
        ),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00",
            (1, "not UTF-8 text: byte 0x89 at offset 0 cannot be decoded"),
        ),
        (b"entries: [\x00]\n", (1, "unreadable character: control characters are not allowed")),
        (
            "entries:\n  - height: 1\n   pool: x\n",
            (
                3,
                "YAML syntax error: did not find expected '-' indicator (while parsing a "
                "block collection that starts at line 2)",
            ),
        ),
        (
            "entries: [\n",
            (
                2,
                "YAML syntax error: did not find expected node content (while parsing a "
                "flow node that starts at line 2)",
            ),
        ),
        ("entries: !!seq []\n", (1, "YAML tags are not allowed in a schedule (found the tag")),
        (
            "entries: &e []\n",
            (1, "anchors and aliases are not allowed in a schedule (found the anchor &e)"),
        ),
        (
            "entries: *nowhere\n",
            (1, "aliases are not allowed in a schedule (found the alias *nowhere)"),
        ),
        (
            "entries: " + "[" * 40 + "]" * 40 + "\n",
            (1, "nesting deeper than 32 levels is not allowed"),
        ),
    ],
)
def test_whole_file_problems(
    tmp_path: Path, text: str | bytes, found: tuple[int | None, str]
) -> None:
    ((line, entry, field, message),) = problems(tmp_path, text)
    assert (line, entry, field) == (found[0], None, None)
    assert message.startswith(found[1])


def test_a_document_without_entries(tmp_path: Path) -> None:
    assert problems(tmp_path, "other: 1\n") == [
        (1, None, None, "unknown top-level key 'other' (expected only 'entries')"),
        (
            1,
            None,
            None,
            "missing key 'entries'; expected a mapping with the key 'entries' "
            "(a list of entries)",
        ),
    ]


def entries(*rows: tuple[str, str]) -> str:
    """An `entries:` document of flow entries at height 10: (address, extra fields)."""
    return "entries:\n" + "".join(
        f"  - {{height: 10, pool: staking_rewards, to: {to}, amount_udrt: 1000{extra}}}\n"
        for to, extra in rows
    )


def test_two_entries_with_one_id(tmp_path: Path) -> None:
    text = entries((ADDRESS, ", id: a"), (OTHER, ", id: a"))
    assert problems(tmp_path, text) == [(3, 2, None, "entries 1 and 2 have the same id 'a'")]


def test_identical_entries_of_which_one_has_an_id(tmp_path: Path) -> None:
    text = entries((ADDRESS, ", id: b"), (OTHER, ""), (ADDRESS, ""))
    assert problems(tmp_path, text) == [
        (
            4,
            3,
            None,
            "entries 1 and 3 are identical but only entry 1 has an id; give each an id "
            "if both are meant to be paid",
        ),
    ]


def test_an_id_that_is_another_entrys_key(tmp_path: Path) -> None:
    key = f"10_staking_rewards_{OTHER}_1000"
    text = entries((ADDRESS, f", id: {key}"), (OTHER, ""))
    assert problems(tmp_path, text) == [
        (
            3,
            2,
            None,
            f"entries 1 and 2 have the same key '{key}'; an id must differ from other keys",
        ),
    ]


def test_entries_that_differ_only_by_id_are_both_valid(tmp_path: Path) -> None:
    text = entries((ADDRESS, ", id: first"), (ADDRESS, ", id: second"))
    assert [e.key for e in load_schedule(write(tmp_path, text)).entries] == ["first", "second"]


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = f"""\
        entries:
          - height: -1
            pool: staking_rewards
            to: dyt1nope
            amount_udrt: 1.5
          - 42
          - height: 5
            pool: block_rewards
            to: {ADDRESS}
            amount_udrt: 7
          - {{height: yes, pool: nowhere, to: {ADDRESS}, amount_udrt: "9", id: ok}}
        """
    found = problems(tmp_path, text)
    assert [(line, entry, field) for line, entry, field, _ in found] == [
        (2, 1, "height"),
        (4, 1, "to"),
        (5, 1, "amount_udrt"),
        (6, 2, None),
        (11, 4, "height"),
        (11, 4, "amount_udrt"),
        (11, 4, "pool"),
    ]
    assert found[3][3] == (
        "entry 2 (line 6): an entry must be a mapping of height, pool, to, amount_udrt and "
        "optionally id, got an integer"
    )


def test_yaml_styles_that_mean_the_same_are_accepted(tmp_path: Path) -> None:
    text = f"""\
        \ufeff%YAML 1.1
        ---
        "entries":
        - {{'height': 0, pool: "block_rewards", to: '{ADDRESS}', amount_udrt: 1}}
        -   height: 7  # comment
            ? pool
            : bridge_operations
            to: "{OTHER}"
            amount_udrt: 18446744073709551615
        ...
        """
    schedule = load_schedule(write(tmp_path, text))
    assert schedule.entries == (
        Entry(1, 4, 0, "block_rewards", ADDRESS, 1, None),
        Entry(2, 5, 7, "bridge_operations", OTHER, 2**64 - 1, None),
    )


def test_an_empty_list_is_a_valid_schedule(tmp_path: Path) -> None:
    assert load_schedule(write(tmp_path, "entries: []\n")).entries == ()


def test_unreadable_paths(tmp_path: Path) -> None:
    for path, message in [
        (tmp_path / "missing.yaml", "no such file"),
        (tmp_path, "a directory, not a schedule file"),
    ]:
        with pytest.raises(ScheduleError) as raised:
            load_schedule(path)
        (problem,) = raised.value.problems
        assert str(problem) == f"{path}: {message}"


def test_a_file_over_the_size_cap_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as file:
        file.truncate(64 * 1024 * 1024 + 1)
    with pytest.raises(ScheduleError) as raised:
        load_schedule(path)
    assert str(raised.value) == f"{path}: larger than 64 MiB; refused unread"


def test_digest_is_the_sha256_of_the_bytes(tmp_path: Path) -> None:
    import hashlib

    path = write(tmp_path, entry_text())
    assert load_schedule(path).digest == hashlib.sha256(path.read_bytes()).hexdigest()


def test_made_addresses_are_accepted(tmp_path: Path) -> None:
    address = make_address(bytes(range(20)))
    assert load_schedule(write(tmp_path, entry_text(to=address))).entries[0].to == address
