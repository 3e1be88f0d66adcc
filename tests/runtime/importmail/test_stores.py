"""What each dialect's store finds: messages, legacy UIDLs, read state, and what it reports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tayori.runtime.importmail import epost_store, pmail_store, xmail_store
from tayori.runtime.importmail.legacy import (
    LegacyMailbox,
    Scan,
    Targets,
    parse_problem,
    stable_uidl,
    valid_uidl,
)
from tayori.runtime.importmail.maildir_writer import Uidlist, imap_utf7

from .conftest import profile_of


def _boxes(scan: Scan) -> dict[tuple[str, str], LegacyMailbox]:
    return {(b.address, b.folder): b for b in scan.mailboxes}


def _keys(scan: Scan) -> list[str]:
    return [n.key for n in scan.notes]


def test_xmail_file_names_are_the_uidls(legacy: Callable[[str], Path]) -> None:
    root = legacy("xmail")
    scan = xmail_store.scan(root, Targets.of(profile_of("xmail")))
    boxes = _boxes(scan)
    tanaka = boxes[("tanaka@example.test", "")]
    names = [m.path.name for m in tanaka.messages]
    assert ".gitkeep" not in names
    recorded = [m.uidl for m in tanaka.messages if m.uidl_source == "recorded"]
    assert recorded == sorted(n for n in names if " " not in n)
    spaced = next(m for m in tanaka.messages if " " in m.path.name)
    assert spaced.uidl_source == "inferred" and valid_uidl(spaced.uidl)
    assert any(n.key == "uidl_unusable" for n in tanaka.notes)
    assert any(n.key == "flags_unknown" for n in tanaka.notes)
    # Maildir mode: new/ and cur/ in arrival order, the cur/ file's seen flag kept, UIDL without ":2,S"
    suzuki = boxes[("suzuki@example.test", "")]
    assert [m.uidl for m in suzuki.messages] == [
        "1615100000123.2b.6.0.MAILSV01",
        "1615100100123.2b.6.1.MAILSV01",
        "1615100200123.2b.6.2.MAILSV01",
    ]
    assert [m.flags for m in suzuki.messages] == ["", "S", ""]
    assert boxes[("sato@example.test", "")].messages == []
    assert "no_account" in _keys(scan)  # ghost


def test_pmail_uidl_txt_both_forms(legacy: Callable[[str], Path]) -> None:
    scan = pmail_store.scan(legacy("pmail"), Targets.of(profile_of("pmail")))
    boxes = _boxes(scan)
    tanaka = boxes[("tanaka@example.test", "")]
    assert [m.uidl for m in tanaka.messages][:2] == [
        "s450SeVCDybn76u21RySA66Bb29kXvO5",
        "t551TfWDEzco87v32SzTB77Cc30lYwP6",
    ]
    assert all(m.uidl_source == "recorded" for m in tanaka.messages)
    assert [n.params.get("line") for n in tanaka.notes if n.key == "pmail_uidl_orphan"] == [5]
    suzuki = boxes[("suzuki@example.test", "")]
    assert [(m.flags, m.uidl_source) for m in suzuki.messages] == [
        ("S", "recorded"),
        ("RS", "recorded"),
        ("", "recorded"),
        ("", "inferred"),
    ]
    assert suzuki.flags_known
    unread = [n for n in suzuki.notes if n.key == "pmail_uidl_unread_fields"]
    assert unread and unread[0].params["line"] == 3
    sent = boxes[("suzuki@example.test", "Sent")]
    assert len(sent.messages) == 1
    news = boxes[("news@example.test", "")]
    assert news.kind == "list"
    assert boxes[("sato@example.test", "")].messages == []


def test_pmail_odd_uidl_lines_are_reported(tmp_path: Path) -> None:
    box = tmp_path / "spool" / "example.test" / "tanaka"
    box.mkdir(parents=True)
    (box / "abc.eml").write_bytes(b"Subject: x\r\n\r\ny\r\n")
    (box / "uidl.txt").write_bytes("\ufeffabc.eml,2021/01/01 10:00\r\n???  何か ???\r\n".encode("utf-8-sig"))
    scan = pmail_store.scan(tmp_path, Targets.of(profile_of("pmail")))
    b = _boxes(scan)[("tanaka@example.test", "")]
    assert b.messages[0].uidl == "abc" and b.messages[0].uidl_source == "recorded"
    assert {n.key for n in b.notes} >= {"pmail_uidl_unread_fields", "pmail_uidl_unreadable"}


def test_epost_uidls_encode_and_folder(legacy: Callable[[str], Path]) -> None:
    scan = epost_store.scan(legacy("epost"), Targets.of(profile_of("epost")))
    boxes = _boxes(scan)
    tanaka = boxes[("tanaka@example.test", "")]
    assert tanaka.messages[0].uidl == "8a7f3c2e1d0b9a8f"  # the X-UIDL header
    assert [m.uidl for m in tanaka.messages[1:]] == ["B1000000002", "B1000000003", "B1000000004", "B1000000009"]
    assert all(m.uidl_source == "inferred" for m in tanaka.messages)
    encoded = tanaka.messages[-1]
    assert encoded.decode is not None
    clear = encoded.decode(encoded.path.read_bytes())
    assert clear is not None and clear.startswith(b"From: ") and parse_problem(clear) is None
    suzuki = boxes[("suzuki@example.test", "")]
    assert suzuki.messages[0].uidl == "B2000000001_1630001000"
    assert "epost_encoded" in _keys(scan) and "no_account" in _keys(scan)


def test_epost_decode_refuses_garbage() -> None:
    assert epost_store.decode_inbox(b"\xff\x5azz\r\n") is None
    assert epost_store.decode_inbox(b"plain") is None
    assert epost_store.decode_inbox(bytes([0xFF, 0x5A]) + b"1b\r\n") == b"A\r\n"


@pytest.mark.parametrize(
    ("data", "ok"),
    [
        (b"Subject: a\r\n\r\nbody", True),
        (b"Subject: a\r\n folded\r\nX-A: b\n\nbody", True),
        (b"", False),
        (b"\x00\x01", False),
        (b"From someone Mon Jan 1\r\nSubject: a\r\n\r\n", False),
        (b" continuation\r\n\r\n", False),
        (b"just text\r\n", False),
    ],
)
def test_parse_problem(data: bytes, ok: bool) -> None:
    assert (parse_problem(data) is None) is ok


def test_uidlist_round_trip_keeps_dovecot_fields() -> None:
    text = "3 V123 N4 G9f0dc1147149046b8a10000083ecc375\n1 P111 W825 :a,S=825:2,S\n3 :b,S=10\n"
    lst = Uidlist.parse(text)
    assert (lst.uidvalidity, lst.next_uid, [r.uid for r in lst.records]) == (123, 4, [1, 3])
    assert lst.records[0].get("P") == "111" and lst.records[0].base == "a,S=825"
    assert lst.render() == text


def test_names() -> None:
    assert imap_utf7("ゴミ箱") == "&MLQw33ux-"
    assert imap_utf7("A&B") == "A&-B"
    assert stable_uidl("a b\tc") == "abc"
