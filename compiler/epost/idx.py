"""`<domain>.idx`: the Soft Account database, one Base64 line per account.

Decoded, a line is `account⇥password⇥fullname⇥domain⇥home` in CP932; the password is plain or (since
2019) SPA-obfuscated. Quotas and AUTH flags are not in this file.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from tayori.compiler.epost.passwords import recover
from tayori.compiler.legacy_text import Line
from tayori.compiler.problems import Problem


@dataclass
class IdxAccount:
    line: int
    account: str
    password: str | None  # None when it could not be recovered
    full_name: str
    domain: str
    home: str
    obfuscated: bool


@dataclass
class IdxFile:
    accounts: list[IdxAccount] = field(default_factory=list)
    blank: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _text(raw: bytes) -> str:
    return raw.decode("cp932", errors="replace")


def parse_idx(lines: list[Line]) -> IdxFile:
    out = IdxFile()
    for line in lines:
        text = line.text.strip()
        if text == "":
            out.blank.append(line.number)
            continue
        try:
            record = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            out.problems.append(Problem(line.number, "epost.idx.bad_base64", {}, "base64"))
            continue
        fields = record.split(b"\t")
        if len(fields) < 4 or not fields[0]:
            out.problems.append(Problem(line.number, "epost.idx.bad_record", {"fields": len(fields)}, "record"))
            continue
        fields += [b""] * (5 - len(fields))
        secret = fields[1]
        out.accounts.append(
            IdxAccount(
                line.number,
                _text(fields[0]).strip(),
                recover(secret),
                _text(fields[2]).strip(),
                _text(fields[3]).strip().lower(),
                _text(fields[4]).strip(),
                secret[:1] == b"\xff",
            )
        )
    return out
