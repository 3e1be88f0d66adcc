"""Legacy fixture trees copied to a scratch folder and made read-only, and helpers to compare trees."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tayori.profiles.loader import load_profile
from tayori.profiles.model import Profile

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "importmail"
DIALECTS = ("xmail", "pmail", "epost")


def snapshot(tree: Path) -> dict[str, tuple[int, str, int]]:
    """Every file and folder under `tree`: (mode, sha256 or 'dir', mtime in ns)."""
    out = {}
    for p in sorted(tree.rglob("*")):
        st = p.lstat()
        digest = "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
        out[p.relative_to(tree).as_posix()] = (st.st_mode, digest, st.st_mtime_ns)
    return out


def content(tree: Path) -> dict[str, str]:
    """Files under `tree` (relative name → sha256 or text for uidlists), ignoring Dovecot's own indexes."""
    out = {}
    for p in sorted(tree.rglob("*")):
        if p.is_dir() or p.name.startswith("dovecot."):
            continue
        rel = p.relative_to(tree).as_posix()
        out[rel] = p.read_text() if p.name == "dovecot-uidlist" else hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def make_read_only(tree: Path) -> None:
    for p in [tree, *tree.rglob("*")]:
        mode = p.stat().st_mode
        os.chmod(p, mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def make_writable(tree: Path) -> None:
    for p in [tree, *tree.rglob("*")]:
        os.chmod(p, p.stat().st_mode | stat.S_IWUSR)


@pytest.fixture
def scratch() -> Iterator[Path]:
    base = Path(tempfile.mkdtemp(prefix="tim-", dir="/tmp"))
    base.chmod(0o755)
    try:
        yield base
    finally:
        if base.exists():
            make_writable(base)
            shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def legacy(scratch: Path) -> Callable[[str], Path]:
    """legacy("xmail") → a read-only copy of that fixture tree (mtimes kept)."""

    def copy(dialect: str) -> Path:
        target = scratch / "legacy" / dialect
        shutil.copytree(FIXTURES / dialect, target)
        make_read_only(target)
        return target

    return copy


def profile_of(dialect: str) -> Profile:
    return load_profile(FIXTURES / f"{dialect}.yaml").profile
