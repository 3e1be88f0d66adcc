"""The migration report: what every legacy line became.

One entry per finding, each a message key with parameters (rendered in Japanese and English by
`tayori.compiler.messages`), so the JSON form stays stable and the text form stays translatable.
Readers never build entries by hand: they call `ReportBuilder`, which also keeps the coverage of
every file it opened and masks every registered secret, so a password cannot reach a report by
accident.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tayori.compiler.legacy_text import DecodedText, decode_legacy
from tayori.compiler.legacy_tree import NOT_REGULAR, LegacyTree

REPORT_VERSION = 1


class Kind(StrEnum):
    MAPPED = "mapped"
    UPGRADED = "upgraded"
    UNMAPPED = "unmapped"
    DECIDE = "decide"
    ERROR = "error"


class Decide(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(description="the key under the profile's `decisions:` section")
    options: list[str] = Field(description="the answers the admin may give")
    value: Any = Field(description="the value in force until the admin answers (the safe one)")
    pending: bool = Field(default=True, description="false once the admin has answered (the answer is `value`)")


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="stable id: the same input gives the same id on every compile")
    kind: Kind
    message: str = Field(description="message key in the catalogue")
    params: dict[str, Any] = Field(default_factory=dict)
    file: str | None = Field(default=None, description="relative to the legacy folder, as on disk")
    line: int | None = Field(default=None, description="physical line after decoding")
    record: int | None = Field(default=None, description="record number, for binary files")
    raw: str | None = Field(default=None, description="the legacy text, secrets masked")
    paths: list[str] = Field(default_factory=list, description="profile paths this entry concerns")
    decide: Decide | None = None

    def location(self) -> str:
        if self.file is None:
            return ""
        if self.record is not None:
            return f"{self.file}: record {self.record}"
        if self.line is not None:
            return f"{self.file}:{self.line}"
        return self.file


class FileCoverage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: int = Field(description="physical lines (or records) in the file")
    unit: str = Field(default="line", description="line or record")
    encoding: str | None = None
    mapped: str = Field(default="", description="compact ranges of mapped lines, e.g. 1-4,7")


class Report(BaseModel):
    model_config = ConfigDict(extra="forbid")
    report_version: int = REPORT_VERSION
    dialect: str
    source: str
    profile: str | None = None
    entries: list[Entry] = Field(default_factory=list)
    coverage: dict[str, FileCoverage] = Field(default_factory=dict)

    def by_kind(self, kind: Kind) -> list[Entry]:
        return [e for e in self.entries if e.kind == kind]

    @property
    def pending_decisions(self) -> list[Entry]:
        return [e for e in self.by_kind(Kind.DECIDE) if e.decide is not None and e.decide.pending]

    @property
    def errors(self) -> list[Entry]:
        return self.by_kind(Kind.ERROR)


def compact_ranges(numbers: Iterable[int]) -> str:
    nums = sorted(set(numbers))
    out: list[str] = []
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out.append(str(nums[i]) if i == j else f"{nums[i]}-{nums[j]}")
        i = j + 1
    return ",".join(out)


def expand_ranges(text: str) -> set[int]:
    out: set[int] = set()
    for part in filter(None, text.split(",")):
        if "-" in part:
            a, b = part.split("-", 1)
            out.update(range(int(a), int(b) + 1))
        else:
            out.add(int(part))
    return out


# Values after these words are secrets wherever they appear in raw legacy text.
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)(\b(?:pass(?:word|wd)?|pwd|secret|authpass|smtpauthpass|ldapadminpw)\s*[=:]\s*)"
    r"(\"[^\"]*\"|'[^']*'|\S+)"
)
MASK = "********"


@dataclass
class _OpenFile:
    lines: int
    unit: str
    encoding: str | None
    mapped: set[int] = field(default_factory=set)
    reported: set[int] = field(default_factory=set)


class ReportBuilder:
    """Collects entries and coverage while a reader walks a legacy folder."""

    def __init__(self, dialect: str, tree: LegacyTree) -> None:
        self.dialect = dialect
        self.tree = tree
        self._entries: list[Entry] = []
        self._ids: dict[str, int] = {}
        self._files: dict[str, _OpenFile] = {}
        self._secrets: set[str] = set()
        self._sorted_secrets: list[str] | None = None
        # decisions key -> answer, from the profile being re-compiled into (answers survive)
        self.answers: dict[str, Any] = {}

    # -- secrets ---------------------------------------------------------------------------
    def secret(self, value: str | None) -> None:
        """Register a secret: it is masked in every raw text and parameter from now on."""
        if value and value not in self._secrets:
            self._secrets.add(value)
            self._sorted_secrets = None

    def mask(self, text: str) -> str:
        masked = _SECRET_ASSIGNMENT.sub(lambda m: m.group(1) + MASK, text)
        if not self._secrets:
            return masked
        if self._sorted_secrets is None:
            # longest first, so a secret that contains another is masked whole
            self._sorted_secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in self._sorted_secrets:
            if secret not in masked:
                continue
            if len(secret) >= 3:
                masked = masked.replace(secret, MASK)
            else:
                # a secret of one or two characters is masked only as a whole word: masking every "a"
                # would ruin the text and tell nothing about the password anyway
                masked = re.sub(rf"(?<!\S){re.escape(secret)}(?!\S)", MASK, masked)
        return masked

    def _mask_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, list):
            return [self._mask_value(v) for v in value]
        if isinstance(value, dict):
            return {k: self._mask_value(v) for k, v in value.items()}
        return value

    # -- files and coverage ----------------------------------------------------------------
    def open_text(self, path: str | os.PathLike[str], decoded: DecodedText | None = None) -> tuple[str, DecodedText]:
        """Read and decode a legacy text file; decoding problems become `error` entries."""
        rel = self.tree.rel(path)
        if decoded is None:
            decoded = decode_legacy(self.tree.read_bytes(path))
        self._files[rel] = _OpenFile(len(decoded.lines), "line", decoded.encoding)
        for line_no, problem in decoded.problems:
            self.add(
                Kind.ERROR,
                f"decode:{rel}:{line_no}",
                "input.decode",
                {"problem": problem},
                file=rel,
                line=line_no or None,
                raw=decoded.lines[line_no - 1].text if 0 < line_no <= len(decoded.lines) else None,
            )
        return rel, decoded

    def not_regular(self, path: str | os.PathLike[str]) -> None:
        """A legacy name that is a FIFO, socket or device: reported, never opened (it could block)."""
        rel = self.tree.rel(path)
        self.error(f"input.unreadable.{rel}", "input.unreadable", {"problem": NOT_REGULAR}, file=rel)

    def open_records(self, rel: str, records: int) -> None:
        self._files[rel] = _OpenFile(records, "record", None)

    def mapped(self, rel: str, *lines: int) -> None:
        f = self._files.get(rel)
        if f is not None:
            f.mapped.update(lines)

    def mapped_range(self, rel: str, first: int, last: int) -> None:
        f = self._files.get(rel)
        if f is not None:
            f.mapped.update(range(first, last + 1))

    def unaccounted(self) -> dict[str, list[int]]:
        """Lines (or records) of opened files that are neither mapped nor reported."""
        out: dict[str, list[int]] = {}
        for rel, f in self._files.items():
            missing = [n for n in range(1, f.lines + 1) if n not in f.mapped and n not in f.reported]
            if missing:
                out[rel] = missing
        return out

    def decision_keys(self) -> set[str]:
        """The decisions asked so far (readers use it to describe the legacy behaviour they replaced)."""
        return {e.decide.key for e in self._entries if e.decide is not None}

    @property
    def files(self) -> list[str]:
        return list(self._files)

    # -- entries ---------------------------------------------------------------------------
    def add(
        self,
        kind: Kind,
        id: str,
        message: str,
        params: dict[str, Any] | None = None,
        *,
        file: str | None = None,
        line: int | None = None,
        record: int | None = None,
        raw: str | None = None,
        paths: list[str] | None = None,
        decide: Decide | None = None,
    ) -> Entry:
        if kind == Kind.DECIDE and decide is None:
            raise ValueError("a decide entry needs its options, value in force and key")
        stable = id if id.startswith(self.dialect + ".") else f"{self.dialect}.{id}"
        count = self._ids.get(stable, 0) + 1
        self._ids[stable] = count
        if count > 1:
            stable = f"{stable}#{count}"
        entry = Entry(
            id=stable,
            kind=kind,
            message=message,
            params=self._mask_value(params or {}),
            file=file,
            line=line,
            record=record,
            raw=self.mask(raw) if raw is not None else None,
            paths=paths or [],
            decide=decide,
        )
        self._entries.append(entry)
        if file is not None and file in self._files:
            n = record if record is not None else line
            if n is not None:
                self._files[file].reported.add(n)
        return entry

    def upgraded(self, id: str, message: str, params: dict[str, Any] | None = None, **kw: Any) -> Entry:
        return self.add(Kind.UPGRADED, id, message, params, **kw)

    def unmapped(self, id: str, message: str, params: dict[str, Any] | None = None, **kw: Any) -> Entry:
        return self.add(Kind.UNMAPPED, id, message, params, **kw)

    def error(self, id: str, message: str, params: dict[str, Any] | None = None, **kw: Any) -> Entry:
        return self.add(Kind.ERROR, id, message, params, **kw)

    def decide(
        self,
        id: str,
        message: str,
        params: dict[str, Any] | None = None,
        *,
        key: str,
        options: list[str],
        value: Any,
        **kw: Any,
    ) -> Entry:
        """Ask the admin. The entry's `decide.value` is what is in force: the admin's earlier answer
        when re-compiling into a profile that has one, else `value` (which must be the safe choice)."""
        if key in self.answers:
            d = Decide(key=key, options=options, value=self.answers[key], pending=False)
        else:
            d = Decide(key=key, options=options, value=value)
        return self.add(Kind.DECIDE, id, message, params, decide=d, **kw)

    def answer(self, key: str, default: Any) -> Any:
        """The value in force for a decision key (the admin's answer, else the safe default)."""
        return self.answers.get(key, default)

    def info(self, id: str, message: str, params: dict[str, Any] | None = None, **kw: Any) -> Entry:
        """A `mapped` entry worth telling the admin about (most mapped lines are coverage only)."""
        return self.add(Kind.MAPPED, id, message, params, **kw)

    def build(self, source: str, profile: str | None = None) -> Report:
        coverage = {
            rel: FileCoverage(lines=f.lines, unit=f.unit, encoding=f.encoding, mapped=compact_ranges(f.mapped))
            for rel, f in self._files.items()
        }
        return Report(
            dialect=self.dialect,
            source=source,
            profile=profile,
            entries=list(self._entries),
            coverage=coverage,
        )
