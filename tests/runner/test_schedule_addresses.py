"""Addresses in a schedule: the hex form with its SHA-256 checksum, and bech32m."""

from __future__ import annotations

import hashlib

import pytest

from runner.address import (
    AddressError,
    _bytes_of,
    _expand,
    _polymod,
    check_address,
    make_address,
    make_bech32m_address,
)

ACCOUNT = hashlib.sha256(b"alice").digest()[:20]


def test_made_addresses_verify() -> None:
    for account in (ACCOUNT, bytes(20), b"\xff" * 20):
        check_address(make_address(account))
        check_address(make_bech32m_address(account))


def test_known_hex_address() -> None:
    check_address("dyt1b449d75c065dff86224e707b62732d17f822826701df56c6")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("dyt1b449d75c065dff86224e707b62732d17f822826701df56c0", "checksum mismatch"),
        (
            "dyt1exampleaddress000000000000000000",
            "expected 'dyt1' followed by 48 lowercase hex digits (or a bech32m "
            "'dytallix1...' address), got 'dyt1exampleaddress000000000000000000'",
        ),
        (
            "DYT1B449D75C065DFF86224E707B62732D17F822826701DF56C6",
            "expected 'dyt1' followed by 48 lowercase hex digits",
        ),
        ("", "expected 'dyt1' followed by 48 lowercase hex digits"),
        ("dytallix1", "bech32m checksum mismatch"),
        ("dytallix1bio", "bech32m address holds characters outside its alphabet: ['b', 'i', 'o']"),
        ("DYTALLIX1QQQQQQ", "a bech32m address must be written in lower case"),
        ("dytallix1" + "q" * 90, "a bech32m address has at most 90 characters, got 99"),
    ],
)
def test_bad_addresses_say_why(text: str, reason: str) -> None:
    with pytest.raises(AddressError) as raised:
        check_address(text)
    assert str(raised.value).startswith(reason)


def test_every_single_character_change_of_a_bech32m_address_is_caught() -> None:
    address = make_bech32m_address(ACCOUNT)
    for position in range(len("dytallix1"), len(address)):
        for replacement in "qpzry9x8gf2tvdw0s3jn54khce6mua7l":
            if replacement == address[position]:
                continue
            changed = address[:position] + replacement + address[position + 1 :]
            with pytest.raises(AddressError, match="checksum mismatch"):
                check_address(changed)


def test_bech32m_of_another_length_is_refused() -> None:
    with pytest.raises(AddressError, match="20-byte account hash"):
        check_address(_bech32m_of_groups([0] * 8))


def test_bip350_vectors_verify() -> None:
    # Valid bech32m strings from BIP-350: the checksum constant and generator are right.
    for vector in ("a1lqfn3a", "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx", "?1v759aa"):
        prefix, _, data = vector.rpartition("1")
        groups = ["qpzry9x8gf2tvdw0s3jn54khce6mua7l".index(c) for c in data]
        assert _polymod(_expand(prefix) + groups) == 0x2BC830A3


def test_padding_must_be_short_and_zero() -> None:
    assert _bytes_of([31, 28]) == b"\xff"
    assert _bytes_of([31, 29]) is None  # a padding bit is set
    assert _bytes_of([0, 0, 0]) is None  # 7 padding bits: more than a group


def _bech32m_of_groups(groups: list[int]) -> str:
    charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
    polymod = _polymod(_expand("dytallix") + groups + [0] * 6) ^ 0x2BC830A3
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return "dytallix1" + "".join(charset[g] for g in groups + checksum)
