"""Registry export files (`.reg`): "Windows Registry Editor Version 5.00" (UTF-16LE with BOM, what
regedit writes) and the older REGEDIT4 (ANSI, CP932 on Japanese Windows).

The decoding of the file itself is done by `legacy_text`; this module parses the decoded lines
into keys and values, each with the physical lines it came from. Hex values continue over lines
ending in a backslash, so a value may span several lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tayori.compiler.legacy_text import Line
from tayori.compiler.problems import Problem

HEADER_V5 = "Windows Registry Editor Version 5.00"
HEADER_V4 = "REGEDIT4"

_ROOTS = {
    "hkey_local_machine": "HKLM",
    "hklm": "HKLM",
    "hkey_current_user": "HKCU",
    "hkcu": "HKCU",
    "hkey_users": "HKU",
    "hkey_classes_root": "HKCR",
    "hkey_current_config": "HKCC",
}

# hex(n) type numbers
REG_SZ, REG_EXPAND_SZ, REG_BINARY, REG_DWORD, REG_MULTI_SZ, REG_QWORD = 1, 2, 3, 4, 7, 11

_VALUE_NAME = re.compile(r'^\s*(@|"(?:[^"\\]|\\.)*")\s*=\s*(.*)$')
_DWORD = re.compile(r"^dword:([0-9a-fA-F]{1,8})$")
_HEX = re.compile(r"^hex(?:\(([0-9a-fA-F]{1,8})\))?:(.*)$", re.IGNORECASE)


@dataclass
class RegValue:
    key: str  # normalised key path, e.g. HKLM\SOFTWARE\EMWAC\IMS
    name: str  # "" for the default value (@)
    kind: str  # sz, expand_sz, multi_sz, dword, qword, binary, delete, other
    data: Any  # str | list[str] | int | bytes | None
    line: int  # first physical line
    last_line: int  # last physical line (continuations)

    @property
    def lines(self) -> range:
        return range(self.line, self.last_line + 1)


@dataclass
class RegKey:
    path: str
    line: int
    delete: bool = False
    values: dict[str, RegValue] = field(default_factory=dict)  # casefolded name -> value


@dataclass
class RegFile:
    dialect: str | None  # "5.00", "4" or None (no header)
    keys: dict[str, RegKey] = field(default_factory=dict)  # casefolded path -> key
    comments: list[int] = field(default_factory=list)  # blank, comment and header lines
    problems: list[Problem] = field(default_factory=list)

    def key(self, path: str) -> RegKey | None:
        return self.keys.get(normalise_key(path).casefold())

    def value(self, path: str, name: str) -> RegValue | None:
        k = self.key(path)
        return None if k is None else k.values.get(name.casefold())

    def subkeys(self, path: str) -> list[RegKey]:
        """Direct children of `path`, in file order."""
        prefix = normalise_key(path).casefold() + "\\"
        return [k for p, k in self.keys.items() if p.startswith(prefix) and "\\" not in p[len(prefix) :]]


def normalise_key(path: str) -> str:
    parts = [p for p in path.strip().split("\\") if p != ""]
    if parts:
        parts[0] = _ROOTS.get(parts[0].casefold(), parts[0])
    return "\\".join(parts)


def _unescape(quoted: str) -> str:
    body = quoted[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def _string_value(text: str) -> tuple[str | None, str]:
    """Parse `"..."` at the start of text; returns (value, rest) or (None, text) if unterminated."""
    m = re.match(r'^"((?:[^"\\]|\\.)*)"(.*)$', text)
    if not m:
        return None, text
    return re.sub(r"\\(.)", r"\1", m.group(1)), m.group(2)


def _hex_bytes(text: str) -> bytes | None:
    cleaned = text.replace(" ", "").replace("\t", "").rstrip(",")
    if cleaned == "":
        return b""
    parts = cleaned.split(",")
    try:
        return bytes(int(p, 16) for p in parts if len(p) <= 2 and p != "")
    except ValueError:
        return None


def _decode_strings(data: bytes, wide: bool) -> str:
    if wide:
        if len(data) % 2:
            data = data[:-1]
        return data.decode("utf-16-le", errors="replace")
    return data.decode("cp932", errors="replace")


def _typed(kind_no: int, data: bytes, wide: bool) -> tuple[str, Any]:
    if kind_no == REG_MULTI_SZ:
        text = _decode_strings(data, wide)
        return "multi_sz", [s for s in text.split("\x00") if s != ""]
    if kind_no in (REG_SZ, REG_EXPAND_SZ):
        text = _decode_strings(data, wide).split("\x00", 1)[0]
        return ("sz" if kind_no == REG_SZ else "expand_sz"), text
    if kind_no == REG_DWORD and len(data) == 4:
        return "dword", int.from_bytes(data, "little")
    if kind_no == REG_QWORD and len(data) == 8:
        return "qword", int.from_bytes(data, "little")
    if kind_no == REG_BINARY:
        return "binary", data
    return "other", data


def parse_reg(lines: list[Line], wide: bool = False) -> RegFile:
    """Parse a decoded .reg file; never raises on content.

    `wide`: the file itself was UTF-16, so hex(2)/hex(7) strings are UTF-16LE even without a header.
    """
    reg = RegFile(dialect=None)
    current: RegKey | None = None
    i = 0
    n = len(lines)
    first_content = True
    while i < n:
        line = lines[i]
        text = line.text.strip()
        i += 1
        if text == "" or text.startswith(";"):
            reg.comments.append(line.number)
            continue
        if (text == HEADER_V5 or text.upper() == HEADER_V4) and reg.dialect is None and not reg.keys:
            reg.dialect = "5.00" if text == HEADER_V5 else "4"
            reg.comments.append(line.number)
            first_content = False
            continue
        if first_content:
            first_content = False
            reg.problems.append(Problem(line.number, "epost.reg.no_header", {}, "header"))
        if text.startswith("["):
            if not text.endswith("]"):
                reg.problems.append(Problem(line.number, "epost.reg.bad_key", {}, "key"))
                current = None
                continue
            path = text[1:-1]
            delete = path.startswith("-")
            path = normalise_key(path[1:] if delete else path)
            if not path:
                reg.problems.append(Problem(line.number, "epost.reg.bad_key", {}, "key"))
                current = None
                continue
            folded = path.casefold()
            existing = reg.keys.get(folded)
            if existing is None or delete:
                current = RegKey(path, line.number, delete)
                reg.keys[folded] = current
            else:
                current = existing  # a key repeated later in the file merges, like regedit does
            continue
        m = _VALUE_NAME.match(line.text)
        if not m:
            reg.problems.append(Problem(line.number, "epost.reg.bad_line", {}, "line"))
            continue
        if current is None:
            reg.problems.append(Problem(line.number, "epost.reg.value_outside_key", {}, "line"))
            continue
        name = "" if m.group(1) == "@" else _unescape(m.group(1))
        rest = m.group(2).strip()
        first_no = line.number
        last_no = line.number
        # hex values continue on the next line after a trailing backslash
        while rest.endswith("\\") and i < n:
            rest = rest[:-1] + lines[i].text.strip()
            last_no = lines[i].number
            i += 1
        value = _parse_data(rest, wide or reg.dialect == "5.00", current.path, name, first_no, last_no)
        if value is None:
            reg.problems.append(Problem(first_no, "epost.reg.bad_value", {"name": name, "value": rest[:40]}, "value"))
            continue
        current.values[name.casefold()] = value
    return reg


def _parse_data(rest: str, wide: bool, key: str, name: str, first: int, last: int) -> RegValue | None:
    if rest == "-":
        return RegValue(key, name, "delete", None, first, last)
    if rest.startswith('"'):
        value, tail = _string_value(rest)
        if value is None or tail.strip() not in ("",):
            return None
        return RegValue(key, name, "sz", value, first, last)
    m = _DWORD.match(rest)
    if m:
        return RegValue(key, name, "dword", int(m.group(1), 16), first, last)
    m = _HEX.match(rest)
    if m:
        kind_no = int(m.group(1), 16) if m.group(1) else REG_BINARY
        data = _hex_bytes(m.group(2))
        if data is None:
            return None
        kind, typed = _typed(kind_no, data, wide)
        return RegValue(key, name, kind, typed, first, last)
    return None
