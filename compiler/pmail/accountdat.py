"""`account.dat`: PMailServer2's account table — layout RECONSTRUCTED, not published by the vendor.

Two forms are accepted, chosen by sniffing, never by guessing:

* text: CP932 lines, one account per line, fields separated by TAB (or, in a line without a TAB,
  by commas) in the order of `TEXT_FIELDS`; `;` starts a comment line;
* binary: a Delphi `file of record` of fixed `RECORD_SIZE`-byte records (`BINARY_LAYOUT`): Pascal
  short strings (`String[64]` = 1 length byte + 64 bytes) and little-endian integers, the same
  conventions as the vendor's documented `.imd` queue file.

A file that contains control bytes but whose size is not a multiple of the record size is refused
with `account.dat: record size N does not divide file size M`. Nothing here raises on content.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tayori.compiler.legacy_text import Line

TEXT_FIELDS = (
    "account",  # login ID, unique on the server
    "alias",  # local part of the address
    "box",  # mailbox folder under spool\<domain>\
    "domain",
    "password",
    "type",  # 0 / 通常 = normal, 1 / メーリングリスト = mailing list
    "quota",  # 最大容量, bytes, 0 = unlimited
    "send_limit",  # 送信制限, bytes
    "send_other",  # the column PMMAN shows truncated as 送信…; meaning unknown, kept and reported
    "receive_limit",  # 受信制限, bytes
    "modified",  # 最終変更日, YYYY/MM/DD HH:MM:SS
)
MIN_TEXT_FIELDS = 6  # through `type`; the numeric columns default to 0 when absent

# Offsets of the binary record; "S" = String[64], "B" = byte, "i" = int32, "d" = Delphi TDateTime,
# "H" = WORD flags.
BINARY_LAYOUT = "<65s65s65s65s65sBiiiidH"
_RECORD = struct.Struct(BINARY_LAYOUT)
RECORD_SIZE = _RECORD.size  # 352
STRING_MAX = 64

TYPE_NAMES = {"0": "normal", "1": "list", "通常": "normal", "メーリングリスト": "list"}


@dataclass
class AccountRecord:
    where: int  # line number (text) or record number (binary), 1-based
    account: str
    alias: str
    box: str
    domain: str
    password: str
    type: str  # normal | list
    quota: int = 0
    send_limit: int = 0
    send_other: int = 0
    receive_limit: int = 0
    modified: str | None = None
    flags: int = 0


@dataclass(frozen=True)
class AccountProblem:
    where: int  # line or record; 0 = the whole file
    message: str  # message key (pmail.account.*)
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class AccountFile:
    form: str  # text | binary | empty | refused
    records: list[AccountRecord] = field(default_factory=list)
    problems: list[AccountProblem] = field(default_factory=list)
    structure: list[int] = field(default_factory=list)  # comment and blank lines (text form)
    count: int = 0  # records in a binary file


def sniff(data: bytes) -> str:
    """`empty`, `text` or `binary`: control bytes other than TAB/CR/LF mean records."""
    if not data.strip():
        return "empty"
    if re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", data):
        return "binary"
    return "text"


def _int_field(name: str, raw: str) -> int | None:
    v = raw.strip().replace(",", "")
    if v == "":
        return 0
    if re.fullmatch(r"\d{1,12}", v):
        return int(v)
    return None


def _valid_name(value: str) -> bool:
    return bool(value) and not re.search(r"[\x00-\x20\x7f\ufffd@]", value)


def parse_text(lines: Iterable[Line]) -> AccountFile:
    out = AccountFile("text")
    for line in lines:
        text = line.text.strip()
        if not text or text.startswith(";"):
            out.structure.append(line.number)
            continue
        sep = "\t" if "\t" in text else ","
        fields = [f.strip() for f in line.text.split(sep)]
        if len(fields) < MIN_TEXT_FIELDS or len(fields) > len(TEXT_FIELDS):
            out.problems.append(
                AccountProblem(
                    line.number, "pmail.account.field_count", {"count": len(fields), "expected": len(TEXT_FIELDS)}
                )
            )
            continue
        values = dict(zip(TEXT_FIELDS, fields, strict=False))
        rec = _record(line.number, values, out.problems)
        if rec is not None:
            out.records.append(rec)
    return out


def _record(where: int, v: dict[str, str], problems: list[AccountProblem]) -> AccountRecord | None:
    for name in ("account", "alias", "box", "domain"):
        if not _valid_name(v.get(name, "")):
            problems.append(AccountProblem(where, "pmail.account.bad_name", {"field": name}))
            return None
    kind = TYPE_NAMES.get(v.get("type", "").strip())
    if kind is None:
        # The reference knows only two types; an unknown one must stop this account, loudly.
        problems.append(AccountProblem(where, "pmail.account.bad_type", {"account": v["account"]}))
        return None
    numbers: dict[str, int] = {}
    for name in ("quota", "send_limit", "send_other", "receive_limit"):
        n = _int_field(name, v.get(name, ""))
        if n is None:
            problems.append(AccountProblem(where, "pmail.account.bad_number", {"account": v["account"], "field": name}))
            return None
        numbers[name] = n
    modified = v.get("modified") or None
    return AccountRecord(
        where,
        v["account"],
        v["alias"],
        v["box"],
        v["domain"],
        v.get("password", ""),
        kind,
        modified=modified,
        **numbers,
    )


def _pascal(raw: bytes) -> str | None:
    length = raw[0]
    if length > STRING_MAX:
        return None
    try:
        return raw[1 : 1 + length].decode("cp932")
    except UnicodeDecodeError:
        return None


def _tdatetime(days: float) -> str | None:
    # Delphi TDateTime: days since 1899-12-30, fraction = time of day.
    if not math.isfinite(days) or not 0 <= days < 2958466:
        return None
    moment = _dt.datetime(1899, 12, 30) + _dt.timedelta(days=days)
    return moment.strftime("%Y/%m/%d %H:%M:%S")


def parse_binary(data: bytes) -> AccountFile:
    if len(data) % RECORD_SIZE:
        out = AccountFile("refused")
        out.problems.append(AccountProblem(0, "pmail.account.record_size", {"record": RECORD_SIZE, "size": len(data)}))
        return out
    out = AccountFile("binary", count=len(data) // RECORD_SIZE)
    for index in range(out.count):
        no = index + 1
        chunk = data[index * RECORD_SIZE : (index + 1) * RECORD_SIZE]
        account, alias, box, domain, password, kind, quota, send, other, receive, when, flags = _RECORD.unpack(chunk)
        strings = [_pascal(s) for s in (account, alias, box, domain, password)]
        if any(s is None for s in strings):
            out.problems.append(AccountProblem(no, "pmail.account.bad_record", {}))
            continue
        if kind not in (0, 1):
            out.problems.append(AccountProblem(no, "pmail.account.bad_type", {"account": strings[0] or "?"}))
            continue
        if min(quota, send, other, receive) < 0:
            out.problems.append(AccountProblem(no, "pmail.account.bad_record", {}))
            continue
        values = dict(zip(("account", "alias", "box", "domain", "password"), (s or "" for s in strings), strict=True))
        values["type"] = str(kind)
        rec = _record(no, values, out.problems)
        if rec is None:
            continue
        rec.quota, rec.send_limit, rec.send_other, rec.receive_limit = quota, send, other, receive
        rec.modified = _tdatetime(when)
        rec.flags = flags
        out.records.append(rec)
    if out.count and not out.records:
        # Not one record looks like an account: the file is not in this layout at all.
        out.form = "refused"
        out.problems = [AccountProblem(0, "pmail.account.not_records", {"record": RECORD_SIZE, "size": len(data)})]
    return out


def pack_record(rec: AccountRecord, when: float = 0.0) -> bytes:
    """One binary record; used by the fixture generator and tests (never by the reader)."""

    def s(value: str) -> bytes:
        raw = value.encode("cp932")[:STRING_MAX]
        return bytes([len(raw)]) + raw.ljust(STRING_MAX, b"\0")

    return _RECORD.pack(
        s(rec.account),
        s(rec.alias),
        s(rec.box),
        s(rec.domain),
        s(rec.password),
        1 if rec.type == "list" else 0,
        rec.quota,
        rec.send_limit,
        rec.send_other,
        rec.receive_limit,
        when,
        rec.flags,
    )


def tdatetime(moment: _dt.datetime) -> float:
    """Delphi TDateTime for a moment (fixture generator helper)."""
    return (moment - _dt.datetime(1899, 12, 30)) / _dt.timedelta(days=1)
