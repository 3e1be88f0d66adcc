from __future__ import annotations

from tayori.compiler.legacy_text import decode_legacy
from tayori.compiler.pmail.ini import IniFile, parse_ini


def parse(text: str) -> IniFile:
    return parse_ini(decode_legacy(text.replace("\n", "\r\n").encode("cp932")).lines)


def test_sections_keys_and_structure() -> None:
    ini = parse('; comment\n\n[Global]\nSMTPPort = 25 \nServerName="ja5bga.com"\n')
    assert ini.structure == [1, 2, 3]
    assert [(i.section, i.key, i.value, i.line) for i in ini.items] == [
        ("Global", "SMTPPort", "25", 4),
        ("Global", "ServerName", "ja5bga.com", 5),
    ]
    assert ini.get("global", "smtpport").value == "25"  # type: ignore[union-attr]


def test_keys_before_any_section_and_duplicates_first_wins() -> None:
    ini = parse("Orphan=1\n[A]\nK=first\nk=second\n[a]\nK=third\n")
    assert ini.items[0].section == ""
    dups = [i for i in ini.items if i.duplicate_of is not None]
    assert [(i.value, i.duplicate_of) for i in dups] == [("second", 3), ("third", 3)]
    assert ini.get("A", "K").value == "first"  # type: ignore[union-attr]


def test_problems_keep_line_numbers() -> None:
    ini = parse("[Good]\nno equals here\n=value\n[Broken\nX=1\n[ok] ; comment\nY=2\n")
    assert [(p.line, p.message) for p in ini.problems] == [
        (2, "pmail.ini.no_equals"),
        (3, "pmail.ini.empty_key"),
        (4, "pmail.ini.bad_section"),
    ]
    # A key under a broken header is kept apart, never filed under the previous section.
    assert ini.items[0].section.startswith("?")
    assert ini.items[1].section == "ok"


def test_japanese_values_decode_from_cp932() -> None:
    ini = parse("[MTA]\nPriority=通常\n")
    assert ini.items[0].value == "通常"
