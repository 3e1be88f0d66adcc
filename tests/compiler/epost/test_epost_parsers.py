"""The pure parsers, one format at a time."""

from __future__ import annotations

import codecs

from tayori.compiler.epost.effect import client_patterns, only_mode_at_end, parse_effect
from tayori.compiler.epost.gateway import parse_gateway
from tayori.compiler.epost.imsctl import parse_imsctl
from tayori.compiler.epost.maildat import parse_level, parse_maildat
from tayori.compiler.epost.passwords import spa_decode, spa_encode
from tayori.compiler.epost.regfile import parse_reg
from tayori.compiler.legacy_text import decode_legacy


def lines(text: str, enc: str = "cp932") -> list:  # type: ignore[type-arg]
    return decode_legacy(text.replace("\n", "\r\n").encode(enc)).lines


def test_effect_keywords_patterns_and_order() -> None:
    f = parse_effect(lines("' c\n#<> default\n192.168.0.* NORELAY,0\nabc.co.jp\n*.*.*.* only\n10.0.0.1 true x y\n"))
    assert [r.type for r in f.rules] == ["default", "norelay", "true", "only", "true"]
    assert f.rules[0].senders == ["class:null"]
    assert f.rules[1].clients == ["192.168.0.*"] and f.rules[1].option == 0
    assert f.rules[2].senders == ["abc.co.jp"] and f.rules[3].catch_all
    assert f.rules[4].ignored_text == "x y"
    assert not only_mode_at_end(f.rules)  # the `true` after `only` resets only mode
    assert f.comments == [1]


def test_string_prefix_wildcard_is_exact() -> None:
    nets, everyone = client_patterns("192.168.1*") or ([], True)
    assert not everyone and "192.168.1.0/24" in nets and "192.168.128.0/18" in nets
    assert client_patterns("*") == (["*"], True)


def test_spa_round_trip_and_sample_bytes() -> None:
    assert spa_decode(bytes.fromhex("ff5a") + b"092f202f31337b0a3b29296d") == "Suzuki!Pass7"
    assert spa_decode(spa_encode("パス", 0x33)) == "パス"
    assert spa_decode(b"\xff\x01zz") is None


def test_reg_both_dialects() -> None:
    v5 = (
        "Windows Registry Editor Version 5.00\n\n"
        '[HKEY_LOCAL_MACHINE\\SOFTWARE\\EMWAC\\IMS]\n"A"=hex(7):61,00,00,00,00,00\n'
    )
    data = codecs.BOM_UTF16_LE + v5.replace("\n", "\r\n").encode("utf-16-le")
    d = decode_legacy(data)
    reg = parse_reg(d.lines, wide=True)
    assert reg.dialect == "5.00"
    assert reg.value(r"HKLM\SOFTWARE\EMWAC\IMS", "a").data == ["a"]  # type: ignore[union-attr]
    v4 = parse_reg(lines('REGEDIT4\n[HKEY_LOCAL_MACHINE\\X]\n"B"=dword:0000001e\n"C"="例\\\\"\n'))
    assert v4.value("HKLM\\X", "b").data == 30  # type: ignore[union-attr]
    assert v4.value("HKLM\\X", "c").data == "例\\"  # type: ignore[union-attr]


def test_imsctl_last_section_wins_and_jis_subject() -> None:
    raw = b"[AutoForward]\r\nForwardTo = a@b.jp\r\n[AutoReply]\r\nSubject=" + "休暇".encode("iso2022_jp") + b"\r\n"
    ctl = parse_imsctl(decode_legacy(raw).lines)
    assert ctl.mode == "reply" and ctl.losing_mode_lines == [1]
    assert ctl.values["ForwardTo"].value == "a@b.jp" and ctl.values["Subject"].value == "休暇"


def test_maildat_blocks_and_levels() -> None:
    m = parse_maildat(lines("-----\nVirus:x\nSubject:#blank\nBody:\nhello\nBodyEnd:\nLevel:111\nVirusEnd:\n"))
    assert len(m.blocks) == 1 and m.blocks[0].closed and m.separators == [1]
    assert m.blocks[0].sections["Body"][0].value == "hello"
    assert parse_level("111") == (1, 1, 1) and parse_level("x") is None


def test_gateway_ports_tls_and_credentials() -> None:
    g = parse_gateway(lines("' c\n*.a.jp,gw.a.jp,465*\nb.jp,gw.b.jp|1PLAIN|u|pw,25\n"))
    assert g.rules[0].gateways[0].implicit_tls and g.rules[0].gateways[0].port == 465
    assert g.rules[1].gateways[0].password == "pw"
