"""E-Post's reversible password encodings.

E-Post keeps passwords so it can answer APOP and CRAM-MD5: plain text, or the "SPA" obfuscation
(byte 0xFF, one mask byte, then the lowercase hex of each password byte XOR the mask), used in
`apop.dat`, `<domain>.idx` (since 2019) and gateway credentials. Recovering them lets the compiler
re-hash every password; nothing here is protection.
"""

from __future__ import annotations

import base64
import binascii

SPA_MARK = 0xFF


def is_spa(data: bytes) -> bool:
    return len(data) >= 2 and data[0] == SPA_MARK


def spa_decode(data: bytes) -> str | None:
    """Decode an SPA-obfuscated password; None when the bytes are not a valid encoding."""
    if not is_spa(data):
        return None
    mask = data[1]
    if not 0x10 <= mask <= 0xFE:
        return None
    digits = data[2:]
    if len(digits) % 2:
        return None
    try:
        clear = bytes(b ^ mask for b in bytes.fromhex(digits.decode("ascii")))
    except (ValueError, UnicodeDecodeError):
        return None
    return _text(clear)


def spa_encode(password: str, mask: int = 0x5A) -> bytes:
    """The inverse, used by tests and fixture generators to build realistic input."""
    raw = password.encode("cp932")
    return bytes([SPA_MARK, mask]) + "".join(f"{b ^ mask:02x}" for b in raw).encode("ascii")


def recover(data: bytes) -> str | None:
    """A stored password (plain CP932 or SPA) as text; None when it is SPA but broken."""
    if is_spa(data):
        return spa_decode(data)
    return _text(data)


def base64_decode(text: str) -> str | None:
    try:
        return _text(base64.b64decode(text.strip(), validate=True))
    except (binascii.Error, ValueError):
        return None


def _text(raw: bytes) -> str | None:
    try:
        return raw.decode("cp932")
    except UnicodeDecodeError:
        return None
