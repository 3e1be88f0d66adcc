"""Helpers for the XMail reader tests: compile a MailRoot in-process, as `tayori compile` does."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tayori.compiler.legacy_tree import LegacyTree
from tayori.compiler.registry import ReaderResult
from tayori.compiler.report import Kind, Report, ReportBuilder
from tayori.compiler.xmail.reader import READER

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parents[1] / "fixtures" / "xmail"


@dataclass
class Run:
    result: ReaderResult
    report: Report
    unaccounted: dict[str, list[int]]

    def kinds(self, kind: Kind) -> list[str]:
        return [e.id for e in self.report.entries if e.kind == kind]

    def entry(self, id: str):  # type: ignore[no-untyped-def]
        return next(e for e in self.report.entries if e.id == id)


def compile_root(root: Path, answers: dict[str, object] | None = None) -> Run:
    tree = LegacyTree(root)
    rb = ReportBuilder("xmail", tree)
    if answers:
        rb.answers = dict(answers)
    result = READER.read(tree, rb)
    return Run(result, rb.build(str(root)), rb.unaccounted())


@pytest.fixture
def sample_root(shared: Path) -> Path:
    return shared / "samples" / "xmail" / "MailRoot"


@pytest.fixture(scope="session")
def hostile_maker():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("xmail_make_hostile", FIXTURES / "make_hostile.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
