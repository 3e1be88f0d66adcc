"""State shared by the E-Post mapping steps while one installation is read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from tayori.compiler.legacy_text import DecodedText
from tayori.compiler.legacy_tree import MAX_SETTINGS_FILE, LegacyTree
from tayori.compiler.problems import Problem
from tayori.compiler.report import ReportBuilder

M = TypeVar("M", bound=BaseModel)


def first_error(exc: ValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return str(exc)
    e = errors[0]
    where = ".".join(str(p) for p in e.get("loc", ()))
    return f"{where}: {e.get('msg', '')}" if where else str(e.get("msg", ""))


@dataclass
class Ctx:
    tree: LegacyTree
    report: ReportBuilder
    program: Path | None = None
    settings: dict[str, Any] = field(default_factory=dict)  # registry-derived values the steps share
    domains: list[str] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, Any] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=dict)  # sections built so far (validated objects)

    # -- files -------------------------------------------------------------------------------------
    def open(self, path: Path, decoded: DecodedText | None = None) -> tuple[str, DecodedText] | None:
        """Open a legacy text file for coverage; None (reported) when it cannot be read."""
        if decoded is None:
            data = self.read_bytes(path)
            if data is None:
                return None
            from tayori.compiler.legacy_text import decode_legacy

            decoded = decode_legacy(data)
        return self.report.open_text(path, decoded)

    def read_bytes(self, path: Path) -> bytes | None:
        rel = self.tree.rel(path)
        try:
            data = self.tree.read_bytes(path)
        except OSError as exc:
            self.report.error(f"input.unreadable.{rel}", "input.unreadable", {"problem": exc.strerror}, file=rel)
            return None
        if len(data) > MAX_SETTINGS_FILE:
            self.report.error(f"input.too_large.{rel}", "input.too_large", {"size": len(data)}, file=rel)
            return None
        return data

    def problems(self, rel: str, area: str, problems: list[Problem], raw: dict[int, str] | None = None) -> None:
        for p in problems:
            self.report.error(
                f"{area}.{p.what}",
                p.message,
                p.params,
                file=rel,
                line=p.line or None,
                raw=(raw or {}).get(p.line),
            )

    # -- models ------------------------------------------------------------------------------------
    def build(self, cls: type[M], data: dict[str, Any], *, file: str | None, line: int | None, area: str) -> M | None:
        """Validate one profile object; a value the model refuses becomes an error entry, not a crash."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            self.report.error(
                f"{area}.invalid",
                "epost.invalid",
                {"what": cls.__name__, "problem": first_error(exc)},
                file=file,
                line=line,
            )
            return None

    def origin(self, rel: str, line: int | None) -> str:
        return f"{rel}:{line}" if line is not None else rel


def raw_lines(decoded: DecodedText) -> dict[int, str]:
    return {line.number: line.text for line in decoded.lines}
