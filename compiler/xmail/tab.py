"""XMail's `.tab` grammar, exactly as XMail 1.27 reads it (reference §2.1).

Tayori decodes CP932 first and tokenises characters, which recovers what the admin typed. XMail
tokenises bytes, so a CP932 character whose trail byte is 0x5C (`\\`) right before a closing quote
reads as an escaped quote there. Both readings are computed; where they differ the line carries
XMail's value so the reader can report it. Nothing here raises on content.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from tayori.compiler.legacy_text import DecodedText

# fgets buffer sizes of the 1.27 readers (`*_LINE_MAX`); a longer line is read in pieces.
LINE_MAX: dict[str, int] = {
    "server.tab": 2048,
    "mailusers.tab": 2048,
    "domains.tab": 2048,
    "aliasdomain.tab": 2048,
    "extaliases.tab": 2048,
    "aliases.tab": 2048,
    "pop3links.tab": 2048,
    "smtpgw.tab": 1024,
    "smtpfwd.tab": 1024,
    "smtp.ipprop.tab": 1024,
    "smtp.hnprop.tab": 1024,
    "custdomain": 1024,
    "filter": 1024,
}
DEFAULT_LINE_MAX = 512


class LineKind(StrEnum):
    RECORD = "record"
    COMMENT = "comment"
    BLANK = "blank"


class TabLine(NamedTuple):
    # a tuple for the same reason as `Line`: tens of thousands per install
    number: int
    text: str
    kind: LineKind
    fields: tuple[str, ...] = ()
    # XMail's own reading of the fields when it differs from the decode-first one (0x5C hazard).
    xmail_fields: tuple[str, ...] | None = None
    # A quoted field without its closing quote (XMail takes the rest of the field).
    unterminated: bool = False
    # Text after a closing quote, which XMail drops (`"ab"cd` reads as `ab`).
    dropped: str = ""
    # Bytes on disk when longer than XMail's line buffer: XMail read the line in pieces.
    overlong: int = 0


@dataclass(frozen=True, slots=True)
class Dequoted:
    value: str
    unterminated: bool = False
    dropped: str = ""


def dequote(field: str) -> Dequoted:
    """`StrDeQuote`: a leading `"` starts a quoted value; `\\"` is the only escape."""
    if not field.startswith('"'):
        return Dequoted(field)
    if "\\" not in field:
        end = field.find('"', 1)
        if end < 0:
            return Dequoted(field[1:], unterminated=True)
        return Dequoted(field[1:end], dropped=field[end + 1 :])
    out: list[str] = []
    i, n = 1, len(field)
    while i < n and field[i] != '"':
        if field[i] == "\\" and i + 1 < n and field[i + 1] == '"':
            i += 1
        out.append(field[i])
        i += 1
    if i >= n:
        return Dequoted("".join(out), unterminated=True)
    return Dequoted("".join(out), dropped=field[i + 1 :])


def split_fields(text: str) -> list[Dequoted]:
    """`strtok(line, "\\t")` then dequote: TAB runs collapse, empty fields vanish."""
    return [dequote(part) for part in text.split("\t") if part]


def dequote_bytes(field: bytes) -> bytes:
    if not field.startswith(b'"'):
        return field
    out = bytearray()
    i, n = 1, len(field)
    while i < n and field[i] != 0x22:
        if field[i] == 0x5C and i + 1 < n and field[i + 1] == 0x22:
            i += 1
        out.append(field[i])
        i += 1
    return bytes(out)


def split_fields_bytes(raw: bytes) -> list[bytes]:
    """XMail's byte-level reading of one line (no charset knowledge)."""
    return [dequote_bytes(part) for part in raw.split(b"\t") if part]


def quote(value: str) -> str:
    """`StrQuote`: wrap in quotes and escape `"` only (a trailing backslash does not round-trip)."""
    return '"' + value.replace('"', '\\"') + '"'


def format_line(values: Iterable[str]) -> str:
    return "\t".join(quote(v) for v in values)


def round_trips(value: str) -> bool:
    """Whether XMail can store the value in a quoted field and read it back unchanged."""
    return not value.endswith("\\") and not any(c in value for c in "\t\r\n\x00")


def _xmail_reading(raw: bytes, encoding: str) -> tuple[str, ...]:
    return tuple(f.decode(encoding, errors="backslashreplace") for f in split_fields_bytes(raw))


def parse_line(number: int, text: str, raw: bytes, encoding: str, line_max: int) -> TabLine:
    if not text.strip("\t"):
        return TabLine(number, text, LineKind.BLANK)
    if text.startswith("#"):
        return TabLine(number, text, LineKind.COMMENT)
    values: list[str] = []
    unterminated = False
    dropped: list[str] = []
    for part in text.split("\t"):
        if not part:
            continue
        # Fast path for the usual `"value"`: nothing to unescape, nothing after the quote.
        if part[0] != '"':
            values.append(part)
            continue
        if len(part) > 1 and part[-1] == '"' and '"' not in part[1:-1] and part[-2] != "\\":
            values.append(part[1:-1])
            continue
        d = dequote(part)
        values.append(d.value)
        unterminated = unterminated or d.unterminated
        if d.dropped:
            dropped.append(d.dropped)
    fields = tuple(values)
    xmail: tuple[str, ...] | None = None
    # Only a 0x5C byte can make the byte-level reading differ; UTF-16 files are not byte-comparable.
    # A line with undecodable bytes is already an error; comparing readings would only add noise.
    if b"\\" in raw and not encoding.startswith("utf-16") and "\ufffd" not in text:
        theirs = _xmail_reading(raw, encoding)
        if theirs != fields:
            xmail = theirs
    return TabLine(
        number,
        text,
        LineKind.RECORD,
        fields,
        xmail,
        unterminated=unterminated,
        dropped="".join(dropped),
        overlong=len(raw) if len(raw) >= line_max else 0,
    )


def parse(decoded: DecodedText, line_max: int = DEFAULT_LINE_MAX) -> Iterator[TabLine]:
    for line in decoded.lines:
        yield parse_line(line.number, line.text, line.raw, decoded.encoding, line_max)


def parse_text(text: str, line_max: int = DEFAULT_LINE_MAX) -> list[TabLine]:
    """Parse already-decoded text (tests and generators); no byte-level comparison is possible."""
    out = []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, 1):
        out.append(parse_line(number, line.rstrip("\r"), b"", "cp932", line_max))
    return out
