"""Dytallix addresses: `dyt1` + 20 bytes of account hash + a 4-byte SHA-256 checksum, in hex.

The node credits any string it is given, so a typo pays nobody: every address is
checked here before anything is paid. The node's other form, bech32m with the
human-readable part `dytallix` (BIP-350) over the same 20-byte account hash, is
accepted too, in lower case only (an address is part of an entry's key, so one
account must not have two spellings), once its checksum verifies.
"""

from __future__ import annotations

import hashlib
import re

_HEX_FORM = re.compile(r"dyt1([0-9a-f]{48})")
BECH32M_PREFIX = "dytallix"
_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32M_CONSTANT = 0x2BC830A3
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_ACCOUNT_BYTES = 20


class AddressError(ValueError):
    """An address that is not one of this chain's, with the reason."""


def check_address(text: str) -> None:
    """Raise AddressError unless `text` is a valid `dyt1` (or `dytallix1` bech32m) address."""
    if text[: len(BECH32M_PREFIX) + 1].lower() == BECH32M_PREFIX + "1":
        _check_bech32m(text)
        return
    match = _HEX_FORM.fullmatch(text)
    if match is None:
        raise AddressError(
            "expected 'dyt1' followed by 48 lowercase hex digits "
            f"(or a bech32m '{BECH32M_PREFIX}1...' address), got {_show(text)}"
        )
    raw = bytes.fromhex(match.group(1))
    account, checksum = raw[:20], raw[20:]
    if hashlib.sha256(account).digest()[:4] != checksum:
        raise AddressError("checksum mismatch")


def make_address(account: bytes) -> str:
    """The `dyt1` address of a 20-byte account hash (for tests, demos and the devnode)."""
    if len(account) != _ACCOUNT_BYTES:
        raise ValueError(f"an account hash is 20 bytes, got {len(account)}")
    return "dyt1" + (account + hashlib.sha256(account).digest()[:4]).hex()


def make_bech32m_address(account: bytes) -> str:
    """The `dytallix1` bech32m address of a 20-byte account hash."""
    if len(account) != _ACCOUNT_BYTES:
        raise ValueError(f"an account hash is 20 bytes, got {len(account)}")
    data = _five_bit_groups(account)
    polymod = _polymod(_expand(BECH32M_PREFIX) + data + [0] * 6) ^ _BECH32M_CONSTANT
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return BECH32M_PREFIX + "1" + "".join(_CHARSET[d] for d in data + checksum)


def _check_bech32m(text: str) -> None:
    if text != text.lower():
        raise AddressError("a bech32m address must be written in lower case")
    if len(text) > 90:
        raise AddressError(f"a bech32m address has at most 90 characters, got {len(text)}")
    payload = text[len(BECH32M_PREFIX) + 1 :]
    strange = sorted({c for c in payload if c not in _CHARSET})
    if strange:
        raise AddressError(f"bech32m address holds characters outside its alphabet: {strange}")
    data = [_CHARSET.index(c) for c in payload]
    if len(data) < 6 or _polymod(_expand(BECH32M_PREFIX) + data) != _BECH32M_CONSTANT:
        raise AddressError("bech32m checksum mismatch")
    account = _bytes_of(data[:-6])
    if account is None or len(account) != _ACCOUNT_BYTES:
        raise AddressError("a bech32m address must hold a 20-byte account hash")


def _polymod(values: list[int]) -> int:
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for i, generator in enumerate(_GENERATOR):
            if (top >> i) & 1:
                check ^= generator
    return check


def _expand(prefix: str) -> list[int]:
    return [ord(c) >> 5 for c in prefix] + [0] + [ord(c) & 31 for c in prefix]


def _five_bit_groups(raw: bytes) -> list[int]:
    """Bytes as 5-bit groups, the last one padded with zero bits."""
    number = int.from_bytes(raw, "big")
    count = -(-len(raw) * 8 // 5)
    number <<= count * 5 - len(raw) * 8
    return [(number >> 5 * (count - 1 - i)) & 31 for i in range(count)]


def _bytes_of(groups: list[int]) -> bytes | None:
    """5-bit groups back to bytes; None unless the padding is short and all zero."""
    size, padding = divmod(len(groups) * 5, 8)
    number = 0
    for group in groups:
        number = number << 5 | group
    if padding >= 5 or number & ((1 << padding) - 1):
        return None
    return (number >> padding).to_bytes(size, "big")


def _show(text: str) -> str:
    return repr(text) if len(text) <= 100 else repr(text[:100]) + "..."
