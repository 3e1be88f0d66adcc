"""The small per-mailbox control files beside `IMS.CTL`.

- `NOREPLY.TXT`, `PERMITFROM.TXT`, `REPLIED.TXT` and `file:` forward lists: one address or `*`
  pattern per line (`REPLIED.TXT` may add a date after the address).
- `sender.dat`: allowed recipients, one pattern per line, `,0` allow / `,-1` forbid, `file=` includes.
- `usetime.dat`: `Www HH:MM-HH:MM` or `Www` for the whole day.
- `apop.dat`: line 1 the SMTP-AUTH/APOP password (plain or SPA), optional line 2 a digit 0–2.
- `AUTORPLY.TXT`: the reply text, ISO-2022-JP or CP932; a line `.` ends it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tayori.compiler.epost.passwords import is_spa, recover
from tayori.compiler.legacy_text import DecodedText, Line, decode_jis_or_cp932, decode_legacy
from tayori.compiler.problems import Problem

_ADDRESS_PATTERN = re.compile(r"^[^@\s<>\"]*@?[^@\s<>\"]*$")
_MEMBER = re.compile(r"^(?:(.*?)\s*)?<([^<>\s]+@[^<>\s]+)>\s*$")
WEEKDAYS = {"sun": "sun", "mon": "mon", "tue": "tue", "wed": "wed", "thu": "thu", "fri": "fri", "sat": "sat"}
_USETIME = re.compile(r"^([A-Za-z]{3})(?:\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2}))?\s*$")


@dataclass
class Pattern:
    line: int
    value: str
    extra: str = ""


@dataclass
class PatternFile:
    patterns: list[Pattern] = field(default_factory=list)
    comments: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def parse_patterns(lines: list[Line], *, allow_extra: bool = False) -> PatternFile:
    """Address lists. Lines starting with a blank or a full-width space are skipped, as E-Post does."""
    out = PatternFile()
    for line in lines:
        text = line.text
        if text.strip() == "" or text[0] in " \t\u3000'#":
            out.comments.append(line.number)
            continue
        value, _, extra = text.strip().partition(" ")
        if extra and not allow_extra:
            out.problems.append(Problem(line.number, "epost.list.bad_address", {"value": text.strip()}, "address"))
            continue
        if not _ADDRESS_PATTERN.match(value) or (value.strip("*@") == "" and value != "*"):
            out.problems.append(Problem(line.number, "epost.list.bad_address", {"value": value}, "address"))
            continue
        out.patterns.append(Pattern(line.number, value.lower(), extra.strip()))
    return out


@dataclass
class SenderRule:
    line: int
    pattern: str
    allow: bool


@dataclass
class SenderDat:
    rules: list[SenderRule] = field(default_factory=list)
    includes: list[Pattern] = field(default_factory=list)  # `file=` lines
    comments: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def parse_sender(lines: list[Line]) -> SenderDat:
    out = SenderDat()
    for line in lines:
        text = line.text.strip()
        if text == "" or line.text[0] in " \t\u3000'":
            out.comments.append(line.number)
            continue
        if text.lower().startswith("file="):
            out.includes.append(Pattern(line.number, text[5:].strip()))
            continue
        pattern, sep, opt = text.partition(",")
        allow = True
        if sep:
            if opt.strip() == "0":
                allow = True
            elif opt.strip() == "-1":
                allow = False
            else:
                # other values are the BossCheck approval workflow
                out.problems.append(Problem(line.number, "epost.sender.option", {"option": opt.strip()}, "option"))
                continue
        if not _ADDRESS_PATTERN.match(pattern) or pattern == "":
            out.problems.append(Problem(line.number, "epost.list.bad_address", {"value": pattern}, "address"))
            continue
        out.rules.append(SenderRule(line.number, pattern.lower(), allow))
    return out


@dataclass
class UseTime:
    line: int
    day: str
    start: str
    end: str


@dataclass
class UseTimeFile:
    windows: list[UseTime] = field(default_factory=list)
    comments: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def parse_usetime(lines: list[Line]) -> UseTimeFile:
    out = UseTimeFile()
    for line in lines:
        text = line.text.strip()
        if text == "" or text.startswith("'"):
            out.comments.append(line.number)
            continue
        m = _USETIME.match(text)
        day = WEEKDAYS.get(m.group(1).lower()) if m else None
        if m is None or day is None:
            out.problems.append(Problem(line.number, "epost.usetime.bad_line", {}, "syntax"))
            continue
        if m.group(2) is None:
            out.windows.append(UseTime(line.number, day, "00:00", "24:00"))
            continue
        sh, sm, eh, em = (int(g) for g in m.group(2, 3, 4, 5))
        start, end = sh * 60 + sm, eh * 60 + em
        if sm > 59 or em > 59 or end > 24 * 60 or start >= end:
            out.problems.append(Problem(line.number, "epost.usetime.bad_line", {}, "syntax"))
            continue
        out.windows.append(UseTime(line.number, day, f"{sh:02d}:{sm:02d}", f"{eh:02d}:{em:02d}"))
    return out


@dataclass
class ApopDat:
    password: str | None = None
    password_line: int | None = None
    obfuscated: bool = False
    level: int | None = None
    level_line: int | None = None
    blank: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def decode_apop(data: bytes) -> tuple[DecodedText, bytes | None]:
    """Decode apop.dat for coverage without tripping on the SPA bytes (0xFF is not CP932).

    Returns the decoded text with line 1 replaced by a placeholder when it is SPA, and line 1's bytes.
    """
    first, sep, rest = data.partition(b"\n")
    first = first.rstrip(b"\r")
    if is_spa(first):
        decoded = decode_legacy(b"-" + sep + rest if sep else b"-")
        return decoded, first
    decoded = decode_legacy(data)
    return decoded, decoded.lines[0].raw if decoded.lines else None


def parse_apop(decoded: DecodedText, first: bytes | None) -> ApopDat:
    out = ApopDat()
    for line in decoded.lines:
        if line.number == 1:
            out.password_line = 1
            out.obfuscated = first is not None and is_spa(first)
            out.password = recover(first) if first is not None else None
            if out.password is None or out.password == "":
                out.problems.append(Problem(1, "epost.apop.bad_password", {}, "password"))
                out.password = None
            continue
        text = line.text.strip()
        if line.number == 2 and text in ("0", "1", "2"):
            out.level, out.level_line = int(text), 2
        elif text == "":
            out.blank.append(line.number)
        else:
            out.problems.append(Problem(line.number, "epost.apop.extra_line", {}, "extra"))
    return out


def autoreply_text(data: bytes) -> tuple[list[str], str, int | None]:
    """AUTORPLY.TXT as lines (JIS or CP932), the encoding used, and the line of a terminating `.`."""
    text, encoding = decode_jis_or_cp932(data)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for i, line in enumerate(lines):
        if line == ".":
            return lines[:i], encoding, i + 1
    return lines, encoding, None


def parse_member(text: str) -> tuple[str | None, str] | None:
    """`Name <addr>`, `<addr>` or `addr`: (display name, address); None when there is no address."""
    t = text.strip()
    m = _MEMBER.match(t)
    if m:
        return (m.group(1) or None), m.group(2)
    if re.fullmatch(r"[^@\s<>]+@[^@\s<>]+", t):
        return None, t
    return None
