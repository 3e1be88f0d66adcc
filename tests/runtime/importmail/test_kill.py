"""kill -9 of the importing process at each step of a batch; the restarted run ends where an
uninterrupted run ends: the same files, names, UIDs and UIDLs, and a journal with the same entries."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tayori.runtime.importmail.state import Journal
from tayori.runtime.paths import StatePaths

from .conftest import FIXTURES, content


def _cmd(src: Path, dialect: str, root: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tayori.runtime.importmail.cli",
        "import-mail",
        str(src),
        "--profile",
        str(FIXTURES / f"{dialect}.yaml"),
        "--root",
        str(root),
        "--batch",
        "1",
        "-q",
    ]


def _journal_keys(root: Path) -> dict[str, list[tuple[str, str, int, str, str]]]:
    out = {}
    for p in sorted((StatePaths.at(root).lib / "importmail").glob("*.jsonl")):
        j = Journal(p, "")
        out[p.name] = sorted((e.key, e.base, e.uid, e.uidl, e.sha256) for e in j.entries.values())
    return out


def _killed_run(cmd: list[str], phase: str, count: int) -> None:
    env = dict(os.environ, TAYORI_IMPORT_PAUSE=f"{phase}:{count}")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if b"paused at" in line:
                break
        else:
            pytest.fail(f"the run finished without reaching {phase}:{count}")
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize(
    ("dialect", "phase", "count"),
    [
        ("xmail", "staged", 3),
        ("xmail", "renamed", 2),
        ("pmail", "committed", 4),
        ("epost", "renamed", 6),
    ],
)
def test_killed_and_restarted_equals_uninterrupted(
    dialect: str, phase: str, count: int, legacy: Callable[[str], Path], scratch: Path
) -> None:
    src = legacy(dialect)
    clean, killed = scratch / "clean", scratch / "killed"
    assert subprocess.run(_cmd(src, dialect, clean), capture_output=True).returncode == 0
    _killed_run(_cmd(src, dialect, killed), phase, count)
    # the killed run left something behind, and not everything
    assert 0 < len(content(StatePaths.at(killed).mail)) < len(content(StatePaths.at(clean).mail)) or phase == "staged"
    r = subprocess.run(_cmd(src, dialect, killed), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert content(StatePaths.at(killed).mail) == content(StatePaths.at(clean).mail)
    assert content(StatePaths.at(killed).lists) == content(StatePaths.at(clean).lists)
    assert _journal_keys(killed) == _journal_keys(clean)
    # and a third run adds nothing
    r = subprocess.run(_cmd(src, dialect, killed), capture_output=True, text=True)
    assert r.returncode == 0
    assert content(StatePaths.at(killed).mail) == content(StatePaths.at(clean).mail)
