"""XMail's reversible password encoding (`StrCrypt`/`StrDeCrypt`, reference §4.1).

Each byte of the password is XORed with 101 (0x65) and written as two lowercase hex digits. It is
used by mailusers.tab, ctrlaccounts.tab and pop3links.tab; XMail ignores a record whose password
does not decode (odd length or a non-hex pair).
"""

from __future__ import annotations

import re

_KEY = 101
_UNXOR = bytes(b ^ _KEY for b in range(256))
# Pairs of hex digits and nothing else (`bytes.fromhex` alone would also take spaces).
_HEX_PAIRS = re.compile(r"(?:[0-9A-Fa-f]{2})*")


def decode_bytes(encoded: str) -> bytes | None:
    """The stored password bytes, or None where XMail's `StrDeCrypt` fails."""
    if _HEX_PAIRS.fullmatch(encoded) is None:
        return None
    return bytes.fromhex(encoded).translate(_UNXOR)


def decode(encoded: str, encoding: str = "cp932") -> str | None:
    """The password as text. XMail keeps raw bytes; non-ASCII ones came from the Windows code page."""
    raw = decode_bytes(encoded)
    if raw is None:
        return None
    if 0 in raw:
        # `StrDeCrypt` writes into a C string: a NUL ends the password there.
        raw = raw[: raw.index(0)]
    return raw.decode(encoding, errors="replace")


def encode(password: str | bytes, encoding: str = "cp932") -> str:
    raw = password.encode(encoding) if isinstance(password, str) else password
    return "".join(f"{b ^ _KEY:02x}" for b in raw)
