"""The migration report model: coverage, secrets masking, decisions, both renderings."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from tayori.compiler.legacy_text import decode_jis_or_cp932, decode_legacy
from tayori.compiler.legacy_tree import LegacyTree
from tayori.compiler.render import render_json, render_text, report_schema
from tayori.compiler.report import MASK, Kind, Report, ReportBuilder, compact_ranges, expand_ranges


def tree_with(tmp_path: Path, files: dict[str, bytes]) -> LegacyTree:
    for name, data in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return LegacyTree(tmp_path)


def test_coverage_lists_lines_neither_mapped_nor_reported(tmp_path: Path) -> None:
    tree = tree_with(tmp_path, {"MS/Effect.DAT": "a\r\nb\r\n' comment\r\nd\r\n".encode("cp932")})
    b = ReportBuilder("epost", tree)
    path = tree.find("ms/effect.dat")
    assert path is not None
    rel, _ = b.open_text(path)
    assert rel == "MS/Effect.DAT"  # as on disk, found case-insensitively
    b.mapped(rel, 1, 3)
    b.unmapped("effect.x", "input.unreadable", {"problem": "x"}, file=rel, line=2)
    assert b.unaccounted() == {rel: [4]}
    b.mapped(rel, 4)
    assert b.unaccounted() == {}
    report = b.build("src")
    assert report.coverage[rel].mapped == "1,3-4"


def test_undecodable_bytes_are_error_entries_with_line(tmp_path: Path) -> None:
    tree = tree_with(tmp_path, {"server.tab": b'"A"\t"1"\r\n"B"\t"\x81\x20"\r\n'})
    b = ReportBuilder("xmail", tree)
    rel, _ = b.open_text(tmp_path / "server.tab")
    (e,) = b.build("src").errors
    assert (e.file, e.line, e.kind) == ("server.tab", 2, Kind.ERROR)
    assert b.unaccounted() == {rel: [1]}


def test_secrets_cannot_reach_the_report(tmp_path: Path) -> None:
    b = ReportBuilder("xmail", LegacyTree(tmp_path))
    b.secret("hunter2-secret")
    e = b.unmapped(
        "x",
        "input.unreadable",
        {"problem": "login failed for hunter2-secret", "nested": ["hunter2-secret"]},
        raw='"yamada"\t"hunter2-secret"\t1',
    )
    dumped = e.model_dump_json()
    assert "hunter2-secret" not in dumped
    assert MASK in (e.raw or "")
    # password-looking assignments are masked even when the reader forgot to register the secret
    e2 = b.unmapped("y", "input.unreadable", raw="SMTPAUTHPass=abc123 Password: xyz")
    assert "abc123" not in (e2.raw or "") and "xyz" not in (e2.raw or "")


def test_ids_are_stable_and_unique(tmp_path: Path) -> None:
    b = ReportBuilder("xmail", LegacyTree(tmp_path))
    a = b.unmapped("server.x", "input.unreadable")
    c = b.unmapped("server.x", "input.unreadable")
    assert (a.id, c.id) == ("xmail.server.x", "xmail.server.x#2")


def test_decide_uses_the_admins_earlier_answer(tmp_path: Path) -> None:
    b = ReportBuilder("epost", LegacyTree(tmp_path))
    e = b.decide("relay.local", "input.unreadable", key="epost.relay.local", options=["refuse", "keep"], value="refuse")
    assert e.decide is not None and e.decide.pending and e.decide.value == "refuse"
    b2 = ReportBuilder("epost", LegacyTree(tmp_path))
    b2.answers = {"epost.relay.local": "keep"}
    e2 = b2.decide(
        "relay.local", "input.unreadable", key="epost.relay.local", options=["refuse", "keep"], value="refuse"
    )
    assert e2.decide is not None and not e2.decide.pending and e2.decide.value == "keep"
    assert b2.build("s").pending_decisions == []


def test_renderings(tmp_path: Path) -> None:
    tree = tree_with(tmp_path, {"effect.dat": b"x\r\n"})
    b = ReportBuilder("epost", tree)
    b.open_text(tmp_path / "effect.dat")
    b.decide(
        "relay.local",
        "input.unreadable",
        {"problem": "p"},
        key="k",
        options=["a", "b"],
        value="a",
        file="effect.dat",
        line=1,
    )
    report = b.build("src", "office.yaml")
    text = render_text(report)
    assert text.index("判断が必要な項目") < text.index("件数") or "Decisions for the admin" in text
    assert "effect.dat:1" in text and "ja: " in text and "en: " in text
    data = json.loads(render_json(report))
    jsonschema.validate(data, report_schema())
    assert Report.model_validate(data) == report.model_copy(update={})


def test_ranges_round_trip() -> None:
    nums = {1, 2, 3, 7, 9, 10}
    assert compact_ranges(nums) == "1-3,7,9-10"
    assert expand_ranges("1-3,7,9-10") == nums


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_decoding_never_raises_and_keeps_line_count(data: bytes) -> None:
    text = decode_legacy(data)
    for line in text.lines:
        assert "\r" not in line.text and "\n" not in line.text
    decode_jis_or_cp932(data)


def test_decoding_rules() -> None:
    assert decode_legacy("日本\r\n語".encode("cp932")).lines[1].text == "語"
    u16 = decode_legacy("\ufeffキー=値\r\n".encode("utf-16-le"))
    assert u16.encoding == "utf-16-le" and u16.lines[0].text == "キー=値"
    assert decode_legacy(b"a\nb\rc\r\n").line_endings == "mixed"
    assert decode_jis_or_cp932("休暇中".encode("iso2022_jp")) == ("休暇中", "iso-2022-jp")


def test_json_report_writes_one_coverage_file_per_line(tmp_path: Path) -> None:
    tree = tree_with(tmp_path, {"a.tab": b"x\r\ny\r\n", "sub/b.tab": b"z\r\n"})
    b = ReportBuilder("xmail", tree)
    for name in ("a.tab", "sub/b.tab"):
        rel, _ = b.open_text(tree.root / name)
        b.mapped(rel, 1)
    report = b.build("src")
    text = render_json(report)
    data = json.loads(text)
    assert Report.model_validate(data) == report
    lines = text.splitlines()
    start = lines.index(' "coverage": {')
    assert [json.loads("{" + line.rstrip(",") + "}") for line in lines[start + 1 : start + 3]] == [
        {"a.tab": data["coverage"]["a.tab"]},
        {"sub/b.tab": data["coverage"]["sub/b.tab"]},
    ]
    assert lines[start + 3 :] == [" }", "}"]
    # nothing opened: the key is still there, empty
    assert json.loads(render_json(ReportBuilder("xmail", tree).build("src")))["coverage"] == {}
