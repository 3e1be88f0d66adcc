"""Helpers for the E-Post reader tests: compile a folder with the reader alone (no hashing)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tayori.compiler.epost.reader import READER
from tayori.compiler.legacy_tree import LegacyTree
from tayori.compiler.registry import ReaderResult
from tayori.compiler.report import Report, ReportBuilder

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "epost"
TABLES = Path(__file__).resolve().parent / "tables"


@dataclass
class Run:
    result: ReaderResult
    builder: ReportBuilder
    report: Report


def compile_folder(folder: Path, answers: dict[str, Any] | None = None) -> Run:
    tree = LegacyTree(folder)
    builder = ReportBuilder("epost", tree)
    builder.answers = dict(answers or {})
    result = READER.read(tree, builder)
    return Run(result, builder, builder.build(str(folder)))
