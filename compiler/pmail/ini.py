"""A tolerant reader for `pmail.ini` (Windows INI as PMMAN writes it, decoded by legacy_text).

Windows' own INI functions are forgiving, so a real file may hold things a strict parser rejects:
keys before any section, duplicate sections (merged) and duplicate keys (the first one wins, as
with GetPrivateProfileString), `;` comments, stray whitespace and quoted values. Nothing here
raises on content: each line ends up as a setting, as structure (blank, comment, section header)
or as a problem with its line number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tayori.compiler.legacy_text import Line


@dataclass(frozen=True)
class IniItem:
    section: str  # as written in the file ("" for keys before any section)
    key: str
    value: str  # stripped, surrounding double quotes removed
    line: int
    raw: str
    duplicate_of: int | None = None  # line of the earlier key this one repeats (and loses to)


@dataclass(frozen=True)
class IniProblem:
    line: int
    message: str  # message key in the catalogue (pmail.ini.*)
    raw: str


@dataclass
class IniFile:
    items: list[IniItem] = field(default_factory=list)
    structure: list[int] = field(default_factory=list)  # blank, comment and section-header lines
    sections: dict[str, int] = field(default_factory=dict)  # casefolded name -> first header line
    problems: list[IniProblem] = field(default_factory=list)

    def effective(self) -> list[IniItem]:
        """The items that count: first occurrence of each (section, key)."""
        return [i for i in self.items if i.duplicate_of is None]

    def get(self, section: str, key: str) -> IniItem | None:
        wanted = (section.casefold(), key.casefold())
        for item in self.items:
            if item.duplicate_of is None and (item.section.casefold(), item.key.casefold()) == wanted:
                return item
        return None


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def parse_ini(lines: Iterable[Line]) -> IniFile:
    out = IniFile()
    section = ""
    seen: dict[tuple[str, str], int] = {}
    for line in lines:
        text = line.text.strip().lstrip("\ufeff")
        if not text or text[0] in ";#":
            out.structure.append(line.number)
            continue
        if text.startswith("["):
            end = text.find("]")
            name = text[1:end].strip() if end > 0 else ""
            rest = text[end + 1 :].strip() if end > 0 else ""
            if end < 0 or not name or (rest and rest[0] not in ";#"):
                out.problems.append(IniProblem(line.number, "pmail.ini.bad_section", line.text))
                # Keys below a broken header would be filed under the wrong section: keep them
                # apart so they are reported as unknown rather than mapped by accident.
                section = "?" + text
                continue
            section = name
            out.sections.setdefault(name.casefold(), line.number)
            out.structure.append(line.number)
            continue
        if "=" not in text:
            out.problems.append(IniProblem(line.number, "pmail.ini.no_equals", line.text))
            continue
        key, _, value = text.partition("=")
        key = key.strip()
        if not key:
            out.problems.append(IniProblem(line.number, "pmail.ini.empty_key", line.text))
            continue
        ident = (section.casefold(), key.casefold())
        first = seen.get(ident)
        if first is None:
            seen[ident] = line.number
        out.items.append(IniItem(section, key, _unquote(value.strip()), line.number, line.text, first))
    return out
