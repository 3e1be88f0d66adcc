"""Reading account folders ahead in worker processes must not change anything but the time taken:
the same profile, the same report, the same coverage, also when a worker fails."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import compile_root

from tayori.compiler.xmail import folders
from tayori.compiler.xmail.folders import Folders, read_ahead

REPO = Path(__file__).resolve().parents[3]
USERS = 600  # above READ_AHEAD_MIN: the pool is used


@pytest.fixture(scope="module")
def big_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = importlib.util.spec_from_file_location("gen_xmail", REPO / "bench" / "gen_xmail.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    out = tmp_path_factory.mktemp("big")
    root: Path = gen.generate(out, users=USERS, domains=3, seed=7)
    # odd cases inside the batches: a folder with a mailproc.tab and an ipmap, an unreadable user.tab
    home = next(p for p in sorted((root / "domains").glob("*/*")) if (p / "user.tab").exists())
    (home / "pop3.ipmap.tab").write_bytes(b'"0.0.0.0/0"\t"DENY"\t"1"\r\n')
    (home / "mailproc.tab").write_bytes(b'"redirect"\t"other@example.org"\r\n"mailbox"\r\n')
    return root


DOOMED = ""
_REAL_WARM_BATCH = folders._warm_batch


def _flaky_batch(homes: list[str]) -> Any:
    """Runs in a forked worker (module level, so the pool can name it): the batch holding DOOMED dies."""
    if DOOMED in homes:
        raise MemoryError("worker ran out of memory")
    return _REAL_WARM_BATCH(homes)


def _snapshot(root: Path) -> tuple[Any, ...]:
    run = compile_root(root)
    report = run.report.model_dump()
    return run.result.profile.model_dump(), report["entries"], report["coverage"], run.unaccounted


def _sequential(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, ...]:
    with monkeypatch.context() as m:
        m.setattr(folders, "READ_AHEAD_MIN", 10**9)
        return _snapshot(root)


def _count_merges(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    merged: list[int] = []
    original = Folders.merge

    def spy(self: Folders, wire: Any) -> None:
        merged.append(len(wire[1]))
        original(self, wire)

    monkeypatch.setattr(Folders, "merge", spy)
    return merged


def test_read_ahead_gives_the_same_profile_and_report(big_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _sequential(big_root, monkeypatch)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    merged = _count_merges(monkeypatch)
    assert _snapshot(big_root) == expected
    # not vacuous: the batches really came from the workers, every account folder's files with them
    assert len(merged) == -(-USERS // folders.BATCH)
    assert sum(merged) >= USERS
    assert len(expected[0]["accounts"]) > 500


def test_a_failing_worker_costs_time_not_results(big_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _sequential(big_root, monkeypatch)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    doomed = sorted(str(p) for p in (big_root / "domains").glob("*/*") if p.is_dir())[300]
    monkeypatch.setattr(sys.modules[__name__], "DOOMED", doomed)
    monkeypatch.setattr(folders, "_warm_batch", _flaky_batch)
    merged = _count_merges(monkeypatch)
    assert _snapshot(big_root) == expected
    assert len(merged) == -(-USERS // folders.BATCH) - 1  # that batch was read here instead


def test_no_pool_for_few_folders_one_core_or_threads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    homes: list[str | None] = [str(tmp_path)] * 500 + [None]
    monkeypatch.setattr(folders, "ProcessPoolExecutor", None)  # any use of the pool would fail
    f = Folders()
    assert len(list(read_ahead(f, homes[:10], workers=4))) == 10  # too few
    assert len(list(read_ahead(f, homes, workers=1))) == len(homes)  # one core
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert len(list(read_ahead(f, homes, workers=4))) == len(homes)  # fork beside a thread: no
    finally:
        stop.set()
        t.join()
    assert f.reads == {}


def test_case_insensitive_children_and_kinds(tmp_path: Path) -> None:
    (tmp_path / "User.TAB").write_bytes(b'"RealName"\t"x"\r\n')
    (tmp_path / "MailBox").mkdir()
    (tmp_path / "MailBox" / "1.eml").write_bytes(b"x")
    (tmp_path / "MailBox" / ".gitkeep").write_bytes(b"")
    f = Folders()
    assert f.child(tmp_path, "user.tab") == f"{tmp_path}/User.TAB"
    assert f.child(tmp_path, "user.tab", directory=True) is None
    assert f.child(tmp_path, "mailbox", directory=False) is None
    assert f.child(tmp_path, "missing") is None
    assert f.count_mail(str(tmp_path)) == 1
    read = f.read(f"{tmp_path}/User.TAB")
    assert read.decoded is not None and [r.fields for r in read.lines] == [("RealName", "x")]
    assert f.read(str(tmp_path)).decoded is None  # a folder is not a file


def test_detection_imports_only_the_reader_it_needs(sample_root: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from tayori.compiler.legacy_tree import LegacyTree\n"
        "from tayori.compiler.registry import detect\n"
        f"found = detect(LegacyTree(Path({str(sample_root)!r})))\n"
        "print(found[0][1].name, sorted(m for m in sys.modules if m.endswith('.reader')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "xmail ['tayori.compiler.xmail.reader']"


def test_stopping_early_leaves_no_worker_behind(big_root: Path) -> None:
    import multiprocessing

    homes = [str(p) for p in sorted((big_root / "domains").glob("*/*")) if p.is_dir()]
    ahead = read_ahead(Folders(), homes, workers=2)
    next(ahead)
    ahead.close()  # what an exception in the reader does to the generator
    assert multiprocessing.active_children() == []
