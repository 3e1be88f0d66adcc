"""Fixtures for the PMailServer2 reader tests: the generated sample installations and a runner."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tayori.compiler.legacy_tree import LegacyTree
from tayori.compiler.pmail.reader import READER
from tayori.compiler.registry import ReaderResult
from tayori.compiler.report import ReportBuilder

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "pmail"


def run_reader(folder: Path) -> tuple[ReaderResult, ReportBuilder]:
    tree = LegacyTree(folder)
    report = ReportBuilder("pmail", tree)
    return READER.read(tree, report), report


@pytest.fixture
def ja5bga() -> Path:
    return FIXTURES / "ja5bga"


@pytest.fixture
def hostile() -> Path:
    return FIXTURES / "hostile"


@pytest.fixture
def install(tmp_path: Path) -> Callable[[dict[str, bytes]], Path]:
    """A minimal installation from {relative path: bytes}."""

    def make(files: dict[str, bytes]) -> Path:
        root = tmp_path / "pmsrv"
        if root.exists():
            shutil.rmtree(root)
        for rel, data in files.items():
            p = root / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        return root

    return make


def crlf(*lines: str) -> bytes:
    return "".join(line + "\r\n" for line in lines).encode("cp932")
