"""Dytallix addresses: `dyt1` + 20 bytes of account hash + a 4-byte SHA-256 checksum, in hex.

The node credits any string it is given, so a typo pays nobody: every address is
checked here before anything is paid.
"""

from __future__ import annotations

import hashlib
import re

_HEX_FORM = re.compile(r"dyt1([0-9a-f]{48})")


class AddressError(ValueError):
    """An address that is not one of this chain's, with the reason."""


def check_address(text: str) -> None:
    """Raise AddressError unless `text` is a valid `dyt1` address."""
    match = _HEX_FORM.fullmatch(text)
    if match is None:
        raise AddressError("expected 'dyt1' followed by 48 lowercase hex digits")
    raw = bytes.fromhex(match.group(1))
    account, checksum = raw[:20], raw[20:]
    if hashlib.sha256(account).digest()[:4] != checksum:
        raise AddressError("checksum mismatch")


def make_address(account: bytes) -> str:
    """The `dyt1` address of a 20-byte account hash (for tests, demos and the devnode)."""
    if len(account) != 20:
        raise ValueError(f"an account hash is 20 bytes, got {len(account)}")
    return "dyt1" + (account + hashlib.sha256(account).digest()[:4]).hex()
