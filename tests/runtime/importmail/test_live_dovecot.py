"""Real clients against a real Dovecot serving the imported Maildirs: POP3 UIDL shows the legacy
UIDLs, IMAP shows the flags, and the cut-over (import, mail arrives, import again) changes nothing
a client already knows."""

from __future__ import annotations

import imaplib
import poplib
import re
import smtplib
from collections.abc import Callable
from pathlib import Path

import pytest

from tayori.runtime.importmail.importer import Importer, Options
from tayori.runtime.importmail.verify import RunReport
from tayori.runtime.paths import StatePaths

from .conftest import make_writable, profile_of
from .dovecot_peer import PASSWORD, available, dovecot, nobody

pytestmark = [pytest.mark.live, pytest.mark.skipif(not available(), reason="dovecot is not installed")]
USERS = ("tanaka@example.test", "suzuki@example.test", "sato@example.test")

TANAKA_UIDLS = {
    "xmail": [
        "1615000000123.1a2c.5f4.0.MAILSV01",
        "1615000100123.1a2c.5f4.1.MAILSV01",
        "1615000200123.1a2c.5f4.2.MAILSV01",
        "1615000300123.1a2c.5f4.3.MAILSV01",
        "1615009999000copy.MAILSV01",  # the legacy name has a space: a stable UIDL, reported
    ],
    "pmail": [
        "s450SeVCDybn76u21RySA66Bb29kXvO5",
        "t551TfWDEzco87v32SzTB77Cc30lYwP6",
        "u662UgXEFadp98w43TaUC88Dd41mZxQ7",
        "v773VhYFGbeq09x54UbVD99Ee52nAyR8",
    ],
    "epost": ["8a7f3c2e1d0b9a8f", "B1000000002", "B1000000003", "B1000000004", "B1000000009"],
}
SUZUKI_FLAGS = {
    "xmail": ["()", r"(\Seen)", "()"],
    "pmail": [r"(\Seen)", r"(\Answered \Seen)", "()", "()"],
    "epost": ["()", "()", "()"],
}


def _import(src: Path, dialect: str, root: Path) -> RunReport:
    return Importer(src, profile_of(dialect), StatePaths.at(root), Options(owner=nobody())).run()


def _pop(port: int, user: str) -> poplib.POP3:
    p = poplib.POP3("127.0.0.1", port, timeout=10)
    p.user(user)
    p.pass_(PASSWORD)
    return p


def _uidls(port: int, user: str) -> list[str]:
    p = _pop(port, user)
    try:
        return [line.decode().split(" ", 1)[1] for line in p.uidl()[1]]
    finally:
        p.quit()


def _imap_state(port: int, user: str, folder: str = "INBOX") -> list[tuple[int, str]]:
    m = imaplib.IMAP4("127.0.0.1", port, timeout=10)
    try:
        m.login(user, PASSWORD)
        typ, data = m.select(folder, readonly=True)
        assert typ == "OK", data
        if data[0] == b"0":
            return []
        typ, rows = m.fetch("1:*", "(UID FLAGS)")
        out = []
        for row in rows:
            text = row.decode() if isinstance(row, bytes) else ""
            uid = re.search(r"UID (\d+)", text)
            flags = re.search(r"FLAGS (\([^)]*\))", text)
            if uid and flags:
                out.append((int(uid.group(1)), flags.group(1)))
        return out
    finally:
        m.logout()


@pytest.mark.parametrize("dialect", ["xmail", "pmail", "epost"])
def test_pop3_uidls_and_imap_flags(dialect: str, legacy: Callable[[str], Path], scratch: Path) -> None:
    src, root = legacy(dialect), scratch / "root"
    report = _import(src, dialect, root)
    assert report.ok
    paths = StatePaths.at(root)
    with dovecot({u: paths.maildir_home(u) for u in USERS}) as peer:
        assert _uidls(peer.pop3, "tanaka@example.test") == TANAKA_UIDLS[dialect], peer.log()
        # the messages come back as the legacy server stored them (compared as a whole: which file is
        # message 1 depends on arrival times, and a fresh checkout gives every fixture the same mtime)
        p = _pop(peer.pop3, "tanaka@example.test")
        try:
            count = len(p.list()[1])
            served = sorted(b"\r\n".join(p.retr(i)[1]) + b"\r\n" for i in range(1, count + 1))
        finally:
            p.quit()
        stored = [f.read_bytes() for f in (paths.maildir_home("tanaka@example.test") / "Maildir" / "cur").iterdir()]
        # POP3 may alter what is not mail (NUL bytes, a missing final CRLF): those are compared elsewhere
        clean = [m for m in stored if b"\x00" not in m and m.endswith(b"\r\n")]
        assert clean and all(m in served for m in clean)
        flags = [f for _, f in _imap_state(peer.imap, "suzuki@example.test")]
        assert flags == SUZUKI_FLAGS[dialect]
        assert _uidls(peer.pop3, "sato@example.test") == []  # the empty mailbox
        if dialect == "pmail":
            assert len(_imap_state(peer.imap, "suzuki@example.test", "Sent")) == 1
        before = _imap_state(peer.imap, "tanaka@example.test")
        # a second run while Dovecot serves (it has rewritten the uidlist by now): nothing changes
        again = _import(src, dialect, root)
        assert again.imported_now == 0
        assert _uidls(peer.pop3, "tanaka@example.test") == TANAKA_UIDLS[dialect]
        assert _imap_state(peer.imap, "tanaka@example.test") == before


def test_cut_over_with_dovecot_running(legacy: Callable[[str], Path], scratch: Path) -> None:
    """Import; the DNS switch brings new mail through LMTP; a client deletes one message over POP3;
    the old server got one more message meanwhile; import again. Clients see no re-download."""
    src, root = legacy("xmail"), scratch / "root"
    _import(src, "xmail", root)
    paths = StatePaths.at(root)
    user = "tanaka@example.test"
    with dovecot({u: paths.maildir_home(u) for u in USERS}) as peer:
        old = _uidls(peer.pop3, user)
        uids_before = _imap_state(peer.imap, user)
        with smtplib.LMTP(str(peer.lmtp)) as lmtp:
            lmtp.sendmail("a@partner.test", [user], b"Subject: via LMTP after the switch\r\n\r\nhello\r\n")
        p = _pop(peer.pop3, user)
        try:
            p.dele(2)
        finally:
            p.quit()
        make_writable(src)
        late = "1615090000123.1a2c.5f4.9.MAILSV01"
        (src / "MailRoot/domains/example.test/tanaka/mailbox" / late).write_bytes(
            b"Subject: the last one on the old server\r\n\r\nx\r\n"
        )
        report = _import(src, "xmail", root)
        box = next(m for m in report.mailboxes if m.address == user)
        assert (box.imported_now, box.deleted_since) == (1, 1)
        now = _uidls(peer.pop3, user)
        lmtp_uidl = now[-2]
        assert now == [*[u for i, u in enumerate(old) if i != 1], lmtp_uidl, late], peer.log()
        assert re.fullmatch(r"[0-9a-fA-F]{16}", lmtp_uidl)  # pop3_uidl_format for mail delivered by Dovecot
        after = dict(_imap_state(peer.imap, user))
        for uid, _flags in uids_before:
            if uid != uids_before[1][0]:
                assert uid in after  # UIDs of imported mail never change
        assert max(after) == max(uid for uid, _ in uids_before) + 2
        assert "Error" not in peer.log(), peer.log()
