"""pmail.ini after the key table: typed settings that remember their line and whether they were used.

The mapping code asks for settings by (section, key); whatever it asks for counts as mapped. What
is left at the end is reported: rows the table marks `-` as having no equivalent, rows with a
profile path that this reader version did not use, and keys the table does not know at all. So
the set of keys in the file equals the set of keys mapped or reported, by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tayori.compiler.pmail import keys
from tayori.compiler.pmail.convert import ConvertError, convert
from tayori.compiler.pmail.ini import IniFile, IniItem
from tayori.compiler.report import ReportBuilder


@dataclass
class Setting:
    row: keys.KeyRow
    item: IniItem
    value: Any
    number: int | None = None  # for numbered list keys (Domain1 -> 1)

    @property
    def line(self) -> int:
        return self.item.line


class Settings:
    def __init__(self, rel: str, report: ReportBuilder) -> None:
        self.rel = rel
        self.report = report
        self._single: dict[tuple[str, str], Setting] = {}
        self._lists: dict[tuple[str, str], list[Setting]] = {}
        self._used: set[int] = set()
        self._all: list[Setting] = []

    @staticmethod
    def _k(section: str, key: str) -> tuple[str, str]:
        return section.casefold(), key.casefold()

    def load(self, ini: IniFile) -> None:
        """Convert every key through the table; unknown keys and bad values are reported here."""
        r = self.report
        for n in ini.structure:
            r.mapped(self.rel, n)
        for p in ini.problems:
            r.error(f"ini.syntax.{p.line}", p.message, {}, file=self.rel, line=p.line, raw=p.raw)
        for item in ini.items:
            where = {"section": item.section, "key": item.key}
            if item.duplicate_of is not None:
                r.unmapped(
                    f"ini.duplicate.{item.section}.{item.key}",
                    "pmail.ini.duplicate",
                    {**where, "first": item.duplicate_of},
                    file=self.rel,
                    line=item.line,
                    raw=item.raw,
                )
                continue
            found = keys.lookup(item.section, item.key)
            if found is None:
                r.unmapped(
                    f"ini.unknown.{item.section}.{item.key}",
                    "pmail.ini.unknown_key",
                    {**where, "value": item.value},
                    file=self.rel,
                    line=item.line,
                    raw=item.raw,
                )
                continue
            row, number = found
            if row.path == "secret":
                r.secret(item.value)
                r.unmapped(
                    f"ini.secret.{row.section}.{row.key}",
                    "pmail.ini.secret_dropped",
                    {"label": row.label},
                    file=self.rel,
                    line=item.line,
                    raw=item.raw,
                )
                continue
            try:
                value = convert(row.converter, item.value)
            except ConvertError as exc:
                r.error(
                    f"ini.value.{row.section}.{item.key}",
                    exc.message,
                    {**where, **exc.params, "label": row.label, "value": item.value},
                    file=self.rel,
                    line=item.line,
                    raw=item.raw,
                )
                continue
            s = Setting(row, item, value, number)
            self._all.append(s)
            if number is None:
                self._single[self._k(row.section, row.key)] = s
            else:
                self._lists.setdefault(self._k(row.section, row.key), []).append(s)

    # -- asking ------------------------------------------------------------------------------
    def get(self, section: str, key: str) -> Setting | None:
        s = self._single.get(self._k(section, key))
        if s is not None:
            self._used.add(s.line)
        return s

    def value(self, section: str, key: str, default: Any = None) -> Any:
        s = self.get(section, key)
        return default if s is None else s.value

    def many(self, section: str, key: str) -> list[Setting]:
        """Numbered list rows (`Domain#`), in number order."""
        found = sorted(self._lists.get(self._k(section, key), []), key=lambda s: (s.number or 0, s.line))
        self._used.update(s.line for s in found)
        return found

    def origin(self, s: Setting | None) -> str | None:
        return f"{self.rel}:{s.line}" if s is not None else None

    # -- closing -----------------------------------------------------------------------------
    def finish(self) -> None:
        r = self.report
        for s in self._all:
            if s.line in self._used:
                r.mapped(self.rel, s.line)
                continue
            kind = "pmail.ini.no_equivalent" if not s.row.mapped else "pmail.ini.not_mapped"
            r.unmapped(
                f"ini.setting.{s.row.section}.{s.item.key}",
                kind,
                {"label": s.row.label, "value": s.item.value, "section": s.item.section, "key": s.item.key},
                file=self.rel,
                line=s.line,
                raw=s.item.raw,
            )
