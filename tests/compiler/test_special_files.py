"""A FIFO, socket or device where a legacy settings file is expected: a plain open() would wait for a
writer for ever. Every reader must refuse it as not a regular file and go on, never hang."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# (dialect, legacy folder: "shared:" under ../shared, else under the checkout, file to replace)
CASES = [
    ("xmail", "shared:samples/xmail/MailRoot", "server.tab"),
    ("xmail", "shared:samples/xmail/MailRoot", "domains/*/*/user.tab"),
    ("epost", "shared:samples/epost", "ms/mail.dat"),
    ("pmail", "tests/fixtures/pmail/ja5bga", "Data/pmail.ini"),
]


@pytest.mark.parametrize(("dialect", "source", "victim"), CASES, ids=[f"{c[0]}:{c[2]}" for c in CASES])
def test_a_fifo_is_reported_not_waited_for(
    dialect: str, source: str, victim: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if source.startswith("shared:"):
        origin = request.getfixturevalue("shared") / source.removeprefix("shared:")  # skips without ../shared
    else:
        origin = REPO / source
    tree = tmp_path / "legacy"
    shutil.copytree(origin, tree, symlinks=True)
    target = sorted(tree.glob(victim))[0]
    target.unlink()
    os.mkfifo(target)
    out = tmp_path / "office.yaml"
    r = subprocess.run(
        [sys.executable, "-m", "tayori.appliance.cli", "compile", str(tree), "--dialect", dialect, "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,  # the failure mode is a hang: subprocess raises TimeoutExpired
        stdin=subprocess.DEVNULL,
    )
    assert "Traceback" not in r.stderr
    assert r.returncode in (1, 3), r.stderr
    rel = target.relative_to(tree).as_posix()
    entries = json.loads(out.with_name("office.report.json").read_text(encoding="utf-8"))["entries"]
    found = [e for e in entries if e.get("file") == rel and e["kind"] == "error"]
    assert len(found) == 1, f"{rel}: {[e['id'] for e in entries if e['kind'] == 'error']}"
    assert "not a regular file" in json.dumps(found[0]["params"])
