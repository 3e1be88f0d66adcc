"""What the XMail reader's parts share: the tree, the report, and one way to open a `.tab` file.

`Context.load()` opens a file through the report (so coverage and decoding problems are kept),
parses it with XMail's grammar, marks comments and blank lines as mapped, and reports the lexical
findings every table shares (0x5C hazard, unterminated quotes, text after a closing quote, lines
longer than XMail's buffer, a UTF-8 BOM XMail would have read as data). Records go back to the
caller, which must account for each one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tayori.compiler.legacy_text import DecodedText
from tayori.compiler.legacy_tree import LegacyTree
from tayori.compiler.report import ReportBuilder
from tayori.compiler.xmail import tab
from tayori.compiler.xmail.folders import Folders, Read
from tayori.compiler.xmail.tab import LineKind, TabLine


def at(rel: str, line: TabLine) -> dict[str, Any]:
    """Where a report entry points: the file, the line and its text (`report.error(..., **at(rel, rec))`)."""
    return {"file": rel, "line": line.number, "raw": line.text}


@dataclass
class Loaded:
    rel: str
    records: list[TabLine]
    decoded: DecodedText


@dataclass
class Context:
    tree: LegacyTree
    report: ReportBuilder
    # legacy plaintexts (address -> password) for the compiler to hash
    passwords: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, Any] = field(default_factory=dict)
    folders: Folders = field(default_factory=Folders)

    def find(self, *parts: str) -> Path | None:
        return self.tree.find(*parts)

    def child(self, base: str | os.PathLike[str], name: str, *, directory: bool | None = None) -> str | None:
        """`base/name` matched case-insensitively like Windows (see `Folders.child`)."""
        return self.folders.child(base, name, directory=directory)

    def rel(self, path: str | os.PathLike[str]) -> str:
        return self.tree.rel(path)

    def read(self, path: str | os.PathLike[str]) -> Read | None:
        """Read, decode and parse a file; None when it is not a file (quietly) or cannot be read (reported)."""
        done = self.folders.read(path)
        if done.decoded is not None:
            return done
        if done.too_large:
            rel = self.tree.rel(path)
            self.report.error(f"file.too_large.{rel}", "input.too_large", {"size": done.too_large}, file=rel)
        elif done.problem:
            rel = self.tree.rel(path)
            self.report.error(f"file.unreadable.{rel}", "input.unreadable", {"problem": done.problem}, file=rel)
        return None

    def load(self, path: str | os.PathLike[str], line_max: int | None = None) -> Loaded | None:
        """Open and parse a `.tab` file; None when it cannot be read at all (already reported)."""
        done = self.read(path)
        if done is None or done.decoded is None:
            return None
        rel, decoded = self.report.open_text(path, done.decoded)
        lines = done.lines if line_max is None else list(tab.parse(decoded, line_max))
        records: list[TabLine] = []
        comments: list[int] = []
        for line in lines:
            if line.kind is not LineKind.RECORD:
                comments.append(line.number)
                continue
            if line.number == 1 or line.xmail_fields is not None or line.unterminated or line.dropped or line.overlong:
                self._lexical(rel, line, decoded, first=line.number == 1)
            records.append(line)
        if comments:
            self.report.mapped(rel, *comments)
        return Loaded(rel, records, decoded)

    def _lexical(self, rel: str, line: TabLine, decoded: DecodedText, first: bool) -> None:
        r = self.report
        if first and decoded.bom and decoded.encoding == "utf-8":
            r.info(f"tab.bom.{rel}", "xmail.tab.bom", {}, file=rel, line=line.number, raw=line.text)
        if line.xmail_fields is not None:
            r.info(
                f"tab.backslash.{rel}:{line.number}",
                "xmail.tab.backslash",
                {"tayori": " | ".join(line.fields), "xmail": " | ".join(line.xmail_fields)},
                **at(rel, line),
            )
        if line.unterminated:
            r.error(f"tab.unterminated.{rel}:{line.number}", "xmail.tab.unterminated", {}, **at(rel, line))
        if line.dropped:
            r.error(f"tab.dropped.{rel}:{line.number}", "xmail.tab.dropped", {"text": line.dropped}, **at(rel, line))
        if line.overlong:
            r.error(
                f"tab.overlong.{rel}:{line.number}",
                "xmail.tab.overlong",
                {"size": line.overlong},
                file=rel,
                line=line.number,
                raw=line.text[:200],
            )

    # -- shorthands for per-record outcomes ---------------------------------------------------
    def mapped(self, rel: str, line: TabLine) -> None:
        self.report.mapped(rel, line.number)

    def bad_fields(self, rel: str, line: TabLine, expected: str) -> None:
        """A record XMail skips because of its field count."""
        self.report.error(
            f"tab.fields.{rel}:{line.number}",
            "xmail.tab.fields",
            {"expected": expected, "found": len(line.fields)},
            **at(rel, line),
        )

    def unmapped(self, id: str, message: str, rel: str, line: TabLine, **params: Any) -> None:
        self.report.unmapped(id, message, params, file=rel, line=line.number, raw=line.text)

    def origin(self, rel: str, line: TabLine | int) -> str:
        return f"{rel}:{line if isinstance(line, int) else line.number}"


@dataclass
class Command:
    """One mailproc/cmdaliases/custdomains line: the command (lower-cased) and its arguments."""

    rel: str
    line: TabLine
    name: str
    args: tuple[str, ...]


def commands(loaded: Loaded) -> list[Command]:
    return [Command(loaded.rel, rec, rec.fields[0].lower(), rec.fields[1:]) for rec in loaded.records]
