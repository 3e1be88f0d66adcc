"""Decoding of legacy Windows text files, keeping physical line numbers.

Every reader decodes through here so that encoding rules are applied once: a BOM wins (UTF-8,
UTF-16LE/BE), otherwise CP932 with CRLF. Bytes that do not decode never raise: the line is kept
with replacement characters and the problem is listed with its line number, so the reader can
report it as `file:line` and go on.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from typing import NamedTuple


class Line(NamedTuple):
    # a tuple, not a frozen dataclass: a 10,000-account install decodes some 70,000 lines, and a
    # frozen dataclass costs four times as much to build
    number: int  # physical line number, 1-based, after decoding
    text: str  # without the line terminator
    raw: bytes  # the line's bytes as on disk, without the terminator


@dataclass
class DecodedText:
    encoding: str
    lines: list[Line]
    # (line number, message) for bytes that did not decode in the chosen encoding
    problems: list[tuple[int, str]] = field(default_factory=list)
    bom: bool = False
    line_endings: str = "crlf"  # crlf, lf, cr, mixed or none

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.lines)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _split_bytes(data: bytes, unit: int = 1, little: bool = True) -> tuple[list[bytes], str]:
    """Split on CRLF, LF or lone CR (Windows text-mode readers accept all three)."""
    if unit == 2:
        # UTF-16: split on code units so a 0x0A byte inside a character is not a newline.
        text = data.decode("utf-16-le" if little else "utf-16-be", errors="surrogatepass")
        parts, endings = _split_str(text)
        enc = "utf-16-le" if little else "utf-16-be"
        return [p.encode(enc, errors="surrogatepass") for p in parts], endings
    # bytes.splitlines splits on exactly CRLF, LF and lone CR (unlike str.splitlines): what Windows
    # text-mode readers accept.
    return data.splitlines(), _endings(data.count(b"\r\n"), data.count(b"\r"), data.count(b"\n"))


_NEWLINE = re.compile("\r\n|\r|\n")


def _split_str(text: str) -> tuple[list[str], str]:
    lines = _NEWLINE.split(text)
    if lines[-1] == "":
        lines.pop()  # a final terminator ends the last line; it does not start another
    return lines, _endings(text.count("\r\n"), text.count("\r"), text.count("\n"))


def _endings(crlf: int, cr: int, lf: int) -> str:
    """crlf, lf, cr, mixed or none, from the counts of CRLF pairs and of all CRs and LFs."""
    kinds = {k for k, n in (("crlf", crlf), ("cr", cr - crlf), ("lf", lf - crlf)) if n}
    return _kind_name(kinds)


def _kind_name(kinds: set[str]) -> str:
    if not kinds:
        return "none"
    if len(kinds) == 1:
        return next(iter(kinds))
    return "mixed"


def decode_legacy(data: bytes, default: str = "cp932") -> DecodedText:
    """Decode a legacy text file; never raises on content."""
    encoding = default
    bom = False
    body = data
    for mark, name in _BOMS:
        if data.startswith(mark):
            encoding, body, bom = name, data[len(mark) :], True
            break
    if encoding.startswith("utf-16"):
        # An odd trailing byte cannot be UTF-16; drop it and say so rather than fail.
        problems: list[tuple[int, str]] = []
        if len(body) % 2:
            body = body[:-1]
            problems.append((0, "odd number of bytes in a UTF-16 file; the last byte was ignored"))
        raw_lines, endings = _split_bytes(body, unit=2, little=encoding.endswith("le"))
        lines = []
        for no, raw in enumerate(raw_lines, 1):
            text = raw.decode(encoding, errors="replace")
            if "\ufffd" in text:
                problems.append((no, f"bytes that are not valid {encoding}"))
            lines.append(Line(no, text, raw))
        return DecodedText(encoding, lines, problems, bom, endings)
    raw_lines, endings = _split_bytes(body)
    lines = []
    problems = []
    for no, raw in enumerate(raw_lines, 1):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            text = raw.decode(encoding, errors="replace")
            problems.append((no, f"bytes that are not {encoding.upper()} at column {exc.start + 1}"))
        if "\x00" in text:
            problems.append((no, "NUL bytes (binary data in a text file)"))
            text = text.replace("\x00", "\ufffd")
        lines.append(Line(no, text, raw))
    return DecodedText(encoding, lines, problems, bom, endings)


def decode_jis_or_cp932(data: bytes) -> tuple[str, str]:
    """Decode auto-reply and footer texts: ISO-2022-JP when escape sequences are present, else CP932.

    Returns (text, encoding used). Never raises.
    """
    if b"\x1b$B" in data or b"\x1b$@" in data or b"\x1b(J" in data or b"\x1b(B" in data:
        try:
            return data.decode("iso2022_jp_ext"), "iso-2022-jp"
        except UnicodeDecodeError:
            return data.decode("iso2022_jp_ext", errors="replace"), "iso-2022-jp"
    return data.decode("cp932", errors="replace"), "cp932"
