"""`filter.txt` / `serverfilter.txt` — the SMTP content filter file, documented by the vendor:

    FILTERxxxx="<filter name>","<filter type>","<max bytes to inspect>"
    FILTERSTARTxxxx
    <filter data>
    FILTERENDxxxx

`xxxx` is 1-9999 and the same on the three lines of one filter. TEXT and SUBJECT carry keywords
(one per data line); EXEC, ZIPSHA1, MULTI and POINT carry binary signatures or scores whose syntax
is not public, so their data is kept only to be reported.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from tayori.compiler.legacy_text import Line
from tayori.compiler.problems import Problem

TYPES = ("TEXT", "SUBJECT", "EXEC", "ZIPSHA1", "MULTI", "POINT")
_HEADER = re.compile(r"^FILTER(\d{1,4})\s*=(.*)$", re.IGNORECASE)
_START = re.compile(r"^FILTERSTART(\d{1,4})$", re.IGNORECASE)
_END = re.compile(r"^FILTEREND(\d{1,4})$", re.IGNORECASE)


@dataclass
class FilterDef:
    number: int
    name: str
    type: str
    max_bytes: int | None
    header_line: int
    start_line: int | None = None
    end_line: int | None = None
    data: list[tuple[int, str]] = field(default_factory=list)

    @property
    def lines(self) -> list[int]:
        out = [self.header_line]
        if self.start_line is not None:
            out.append(self.start_line)
        out.extend(n for n, _ in self.data)
        if self.end_line is not None:
            out.append(self.end_line)
        return out


@dataclass
class FilterFile:
    filters: list[FilterDef] = field(default_factory=list)
    structure: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _header_fields(text: str) -> list[str] | None:
    try:
        rows = list(csv.reader([text.strip()], skipinitialspace=True))
    except csv.Error:
        return None
    return [f.strip() for f in rows[0]] if rows else None


def parse_filters(lines: Iterable[Line]) -> FilterFile:
    out = FilterFile()
    current: FilterDef | None = None  # header seen, waiting for or inside its block
    inside = False
    numbers: set[int] = set()

    def close_unterminated(at_line: int) -> None:
        nonlocal current, inside
        if current is not None:
            key = "pmail.filter.unterminated" if inside else "pmail.filter.no_block"
            out.problems.append(Problem(current.header_line, key, {"number": current.number}))
            # The block's own lines are reported through the header's entry; keep them out of
            # the mapped filters.
            for n in current.lines[1:]:
                out.problems.append(Problem(n, "pmail.filter.orphan_line", {"number": current.number}))
        current, inside = None, False

    for line in lines:
        text = line.text.strip()
        if inside and current is not None:
            m = _END.match(text)
            if m:
                if int(m.group(1)) != current.number:
                    out.problems.append(
                        Problem(line.number, "pmail.filter.number_mismatch", {"number": current.number})
                    )
                current.end_line = line.number
                out.filters.append(current)
                current, inside = None, False
                continue
            if _HEADER.match(text) or _START.match(text):
                close_unterminated(line.number)
            else:
                current.data.append((line.number, line.text))
                continue
        if not text:
            out.structure.append(line.number)
            continue
        m = _HEADER.match(text)
        if m:
            if current is not None:
                close_unterminated(line.number)
            number = int(m.group(1))
            fields = _header_fields(m.group(2))
            if not fields or len(fields) < 2 or number == 0:
                out.problems.append(Problem(line.number, "pmail.filter.bad_header", {}))
                continue
            ftype = fields[1].upper()
            max_bytes: int | None = None
            if len(fields) > 2 and fields[2]:
                max_bytes = int(fields[2]) if re.fullmatch(r"\d{1,12}", fields[2]) else -1
            if ftype not in TYPES or max_bytes == -1:
                out.problems.append(Problem(line.number, "pmail.filter.bad_header", {"type": fields[1]}))
                continue
            if number in numbers:
                out.problems.append(Problem(line.number, "pmail.filter.duplicate", {"number": number}))
            numbers.add(number)
            current = FilterDef(number, fields[0], ftype, max_bytes, line.number)
            continue
        m = _START.match(text)
        if m and current is not None and not inside:
            if int(m.group(1)) != current.number:
                out.problems.append(Problem(line.number, "pmail.filter.number_mismatch", {"number": current.number}))
            current.start_line = line.number
            inside = True
            continue
        out.problems.append(Problem(line.number, "pmail.filter.stray_line", {}))
    if current is not None:
        close_unterminated(0)
    return out
