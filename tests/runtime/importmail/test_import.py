"""Whole runs without servers: counts and checksums, idempotence, cut-over, the legacy copy untouched."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tayori.runtime.importmail.importer import Importer, Options
from tayori.runtime.importmail.maildir_writer import LOCK, Uidlist
from tayori.runtime.importmail.state import Journal
from tayori.runtime.importmail.verify import RunReport
from tayori.runtime.paths import StatePaths

from .conftest import DIALECTS, FIXTURES, content, make_writable, profile_of, snapshot

EXPECTED = {  # (address, folder): messages
    "xmail": {("tanaka@example.test", ""): 5, ("suzuki@example.test", ""): 3, ("sato@example.test", ""): 0},
    "pmail": {
        ("tanaka@example.test", ""): 4,
        ("suzuki@example.test", ""): 4,
        ("suzuki@example.test", "Sent"): 1,
        ("sato@example.test", ""): 0,
        ("news@example.test", ""): 1,
    },
    "epost": {("tanaka@example.test", ""): 5, ("suzuki@example.test", ""): 3, ("sato@example.test", ""): 0},
}


def run(legacy: Path, dialect: str, root: Path, **kw: Any) -> RunReport:
    return Importer(legacy, profile_of(dialect), StatePaths.at(root), Options(**kw)).run()


def maildir(root: Path, address: str) -> Path:
    return StatePaths.at(root).maildir_home(address) / "Maildir"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_import_counts_checksums_and_second_run(dialect: str, legacy: Callable[[str], Path], scratch: Path) -> None:
    src = legacy(dialect)
    before = snapshot(src)
    root = scratch / "root"
    report = run(src, dialect, root)
    assert report.ok, report.render("en")
    got = {(m.address, m.folder): m for m in report.mailboxes}
    assert {k: m.legacy_messages for k, m in got.items()} == EXPECTED[dialect]
    for m in got.values():
        assert m.imported_now == m.legacy_messages == m.verified
        assert m.imported_now_bytes == m.legacy_bytes
    # the broken message is stored byte for byte and listed
    tanaka = got[("tanaka@example.test", "")]
    assert len(tanaka.unparseable) == 1
    broken = (src / tanaka.unparseable[0]).read_bytes()
    stored = [p.read_bytes() for p in (maildir(root, "tanaka@example.test") / "cur").iterdir()]
    assert broken in stored
    # every stored message has the legacy bytes (E-Post "Encode" decoded)
    uidlist = Uidlist.parse((maildir(root, "tanaka@example.test") / "dovecot-uidlist").read_text())
    assert [r.uid for r in uidlist.records] == list(range(1, tanaka.legacy_messages + 1))
    assert all(r.get("P") for r in uidlist.records)
    after_first = content(StatePaths.at(root).lib)
    # second run: nothing new
    again = run(src, dialect, root)
    assert again.ok and again.imported_now == 0
    assert all(m.imported_before == m.legacy_messages for m in again.mailboxes)
    assert content(StatePaths.at(root).lib) == after_first
    # the legacy copy is exactly as it was: not one byte, mode or mtime changed
    assert snapshot(src) == before


def test_report_files_in_both_languages(legacy: Callable[[str], Path], scratch: Path) -> None:
    src = legacy("pmail")
    report = run(src, "pmail", scratch / "root")
    js, txt = report.write(StatePaths.at(scratch / "root").reports)
    data = json.loads(js.read_text())
    assert data["report_version"] == 1 and data["totals"]["unparseable"] == 2
    box = next(m for m in data["mailboxes"] if m["address"] == "suzuki@example.test" and m["folder"] == "INBOX")
    assert box["uidl"] == {"recorded": 3, "inferred": 1}
    text = txt.read_text()
    assert "メール取り込みレポート" in text and "Mail import report" in text and "uidl.txt" in text


def test_cut_over_imports_only_new_and_never_resurrects(legacy: Callable[[str], Path], scratch: Path) -> None:
    src = legacy("xmail")
    root = scratch / "root"
    run(src, "xmail", root)
    md = maildir(root, "tanaka@example.test")
    first = Uidlist.parse((md / "dovecot-uidlist").read_text())
    # the owner deletes one message on the new server (POP3 DELE); new mail arrives on the old one
    gone = next(iter(sorted((md / "cur").iterdir())))
    gone.unlink()
    make_writable(src)
    box = src / "MailRoot/domains/example.test/tanaka/mailbox"
    (box / "1615090000123.1a2c.5f4.9.MAILSV01").write_bytes(b"Subject: last one\r\n\r\nafter the DNS switch\r\n")
    report = run(src, "xmail", root)
    m = next(x for x in report.mailboxes if x.address == "tanaka@example.test")
    assert (m.imported_now, m.deleted_since, m.imported_before) == (1, 1, 4)
    assert "deleted_since" in {n.key for n in m.notes}
    second = Uidlist.parse((md / "dovecot-uidlist").read_text())
    # earlier UIDs unchanged, the new message gets the next one with its legacy UIDL
    assert [(r.uid, r.get("P")) for r in second.records[: len(first.records)]] == [
        (r.uid, r.get("P")) for r in first.records
    ]
    assert (second.records[-1].uid, second.records[-1].get("P")) == (6, "1615090000123.1a2c.5f4.9.MAILSV01")
    assert len(list((md / "cur").iterdir())) == 5


def test_existing_dovecot_mailbox_is_extended_not_renumbered(legacy: Callable[[str], Path], scratch: Path) -> None:
    """Dovecot already delivered (and locked and listed) mail before the import: its UIDs stay."""
    root = scratch / "root"
    md = maildir(root, "tanaka@example.test")
    for sub in ("cur", "new", "tmp"):
        (md / sub).mkdir(parents=True)
    (md / "cur" / "1700000000.M1P2.host,S=20,W=21:2,S").write_bytes(b"Subject: lmtp\r\n\r\nx\r\n")
    (md / "dovecot-uidlist").write_text("3 V555 N8 Gabc\n7 W21 :1700000000.M1P2.host,S=20,W=21:2,S\n")
    report = run(legacy("xmail"), "xmail", root)
    assert report.ok
    lst = Uidlist.parse((md / "dovecot-uidlist").read_text())
    assert lst.uidvalidity == 555 and lst.header_rest == ["Gabc"]
    assert [r.uid for r in lst.records] == [7, 8, 9, 10, 11, 12]
    assert lst.records[0].ext == ["W21"]


def test_recreated_maildir_is_imported_again(legacy: Callable[[str], Path], scratch: Path) -> None:
    src, root = legacy("epost"), scratch / "root"
    run(src, "epost", root)
    shutil.rmtree(maildir(root, "tanaka@example.test"))
    report = run(src, "epost", root)
    m = next(x for x in report.mailboxes if x.address == "tanaka@example.test")
    assert m.imported_now == 5 and "mailbox_recreated" in {n.key for n in m.notes}


def test_lock_left_by_a_killed_run_is_cleared(legacy: Callable[[str], Path], scratch: Path) -> None:
    src, root = legacy("xmail"), scratch / "root"
    run(src, "xmail", root)
    paths = StatePaths.at(root)
    md = maildir(root, "tanaka@example.test")
    (md / LOCK).write_text("half written")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    journal = Journal.for_mailbox(paths, "account:tanaka@example.test/")
    journal.lock_note.write_text(
        json.dumps({"pid": int(dead.stdout), "ino": (md / LOCK).stat().st_ino, "path": str(md / LOCK)})
    )
    make_writable(src)
    (src / "MailRoot/domains/example.test/tanaka/mailbox/1615090000123.x.MAILSV01").write_bytes(b"Subject: n\r\n\r\n")
    report = run(src, "xmail", root)
    assert report.imported_now == 1 and not (md / LOCK).exists()


def test_torn_journal_line_is_dropped_and_recovered(legacy: Callable[[str], Path], scratch: Path) -> None:
    src, root = legacy("xmail"), scratch / "root"
    run(src, "xmail", root)
    journal = Journal.for_mailbox(StatePaths.at(root), "account:tanaka@example.test/")
    raw = journal.path.read_bytes()
    journal.path.write_bytes(raw[: raw.rstrip(b"\n").rfind(b"\n") + 1] + b'{"key": "half')
    report = run(src, "xmail", root)
    m = next(x for x in report.mailboxes if x.address == "tanaka@example.test")
    # the message whose line was torn is found in the Maildir by its name: adopted, not copied twice
    assert (m.imported_now, m.imported_before) == (1, 4)
    assert len(list((maildir(root, "tanaka@example.test") / "cur").iterdir())) == 5
    assert journal.path.read_bytes() == raw


def test_cli_errors_are_bilingual_without_traceback(scratch: Path) -> None:
    env = dict(os.environ, TAYORI_ROOT=str(scratch / "root"))
    cmd = [sys.executable, "-m", "tayori.runtime.importmail.cli", "import-mail"]
    r = subprocess.run([*cmd, str(scratch / "nope"), "--profile", "x.yaml"], capture_output=True, text=True, env=env)
    assert r.returncode == 1 and "フォルダ" in r.stderr and "Traceback" not in r.stderr
    bad = scratch / "bad.yaml"
    bad.write_text("profile_version: 1\naccounts: [{address: nope}]\n")
    r = subprocess.run([*cmd, str(FIXTURES / "xmail"), "--profile", str(bad)], capture_output=True, text=True, env=env)
    assert r.returncode == 1 and "bad.yaml:2" in r.stderr and "Traceback" not in r.stderr
    empty = scratch / "empty"
    empty.mkdir()
    good = str(FIXTURES / "xmail.yaml")
    r = subprocess.run([*cmd, str(empty), "--profile", good], capture_output=True, text=True, env=env)
    assert r.returncode == 1 and "--dialect" in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run([*cmd, "--help"], capture_output=True, text=True, env=env)
    assert r.returncode == 0 and "--profile" in r.stdout


def test_cli_progress_and_report(scratch: Path, legacy: Callable[[str], Path]) -> None:
    src = legacy("pmail")
    root = scratch / "root"
    cmd = [sys.executable, "-m", "tayori.runtime.importmail.cli", "import-mail", str(src)]
    r = subprocess.run(
        [*cmd, "--profile", str(FIXTURES / "pmail.yaml"), "--root", str(root)], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    assert "msg/s" in r.stderr and "ETA" in r.stderr
    assert len(list(StatePaths.at(root).reports.glob("import-mail-*.json"))) == 1
    digest = hashlib.sha256((src / "spool/example.test/suzuki/uidl.txt").read_bytes()).hexdigest()
    assert digest == hashlib.sha256((FIXTURES / "pmail/spool/example.test/suzuki/uidl.txt").read_bytes()).hexdigest()


def test_read_only_mount(legacy: Callable[[str], Path], scratch: Path) -> None:
    """On a really read-only mount (as root, file modes alone stop nothing) the import works the same."""
    src = legacy("xmail")
    ro = scratch / "ro"
    ro.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root and mount")
    if subprocess.run(["mount", "--bind", str(src), str(ro)], capture_output=True).returncode != 0:
        pytest.skip("bind mounts are not allowed here")
    try:
        if subprocess.run(["mount", "-o", "remount,ro,bind", str(ro)], capture_output=True).returncode != 0:
            pytest.skip("read-only remount not allowed here")
        with pytest.raises(OSError):
            (ro / "probe").write_bytes(b"x")
        report = run(ro, "xmail", scratch / "root")
        assert report.ok and report.imported_now == 8
    finally:
        subprocess.run(["umount", str(ro)], capture_output=True)


def test_over_quota_is_reported_not_refused(legacy: Callable[[str], Path], scratch: Path) -> None:
    from tayori.profiles.loader import load_profile_text

    text = (
        (FIXTURES / "xmail.yaml")
        .read_text()
        .replace("  - address: tanaka@example.test\n", "  - address: tanaka@example.test\n    quota: 1K\n")
    )
    profile = load_profile_text(text).profile
    report = Importer(legacy("xmail"), profile, StatePaths.at(scratch / "root")).run()
    m = next(x for x in report.mailboxes if x.address == "tanaka@example.test")
    assert m.imported_now == 5 and "over_quota" in {n.key for n in m.notes}
