"""XMail's .tab grammar: unit cases from the reference (§2.1) and property tests."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tayori.compiler.legacy_text import decode_legacy
from tayori.compiler.xmail import tab
from tayori.compiler.xmail.tab import LineKind


def fields(text: str) -> tuple[str, ...]:
    return tab.parse_text(text)[0].fields


def test_quoted_fields_and_tab_runs() -> None:
    assert fields('"a"\t\t\t"b"') == ("a", "b")
    assert fields('\t"a"\t"b"\t') == ("a", "b")
    assert fields('""\t"x"') == ("", "x")


def test_unquoted_taken_verbatim() -> None:
    assert fields('"d"\t"u"\t"1d08"\t1\t"u"\t"U"') == ("d", "u", "1d08", "1", "u", "U")
    assert fields(' "a"') == (' "a"',)


def test_escapes_and_backslashes() -> None:
    assert fields(r'"say \"hi\""') == ('say "hi"',)
    assert fields(r'"C:\usr\x.bat"') == (r"C:\usr\x.bat",)


def test_text_after_closing_quote_is_dropped() -> None:
    line = tab.parse_text('"ab"cd\t"b" # c')[0]
    assert line.fields == ("ab", "b")
    assert line.dropped == "cd # c"


def test_unterminated_quote_takes_the_rest() -> None:
    line = tab.parse_text('"abc')[0]
    assert line.fields == ("abc",)
    assert line.unterminated


def test_comments_are_first_byte_only() -> None:
    lines = tab.parse_text('# c\n  #x\n\n\t\n"a"\t# not a comment')
    assert [x.kind for x in lines] == [
        LineKind.COMMENT,
        LineKind.RECORD,
        LineKind.BLANK,
        LineKind.BLANK,
        LineKind.RECORD,
    ]
    assert lines[1].fields == ("  #x",)
    assert lines[4].fields == ("a", "# not a comment")


def test_cp932_trail_byte_hazard() -> None:
    raw = '"RealName"\t"営業部 代表"\r\n'.encode("cp932")
    line = next(tab.parse(decode_legacy(raw)))
    assert line.fields == ("RealName", "営業部 代表")
    assert line.xmail_fields == ("RealName", '営業部 代\\x95"')


def test_trail_byte_mid_value_is_harmless() -> None:
    raw = '"Address"\t"表町ビル"\r\n'.encode("cp932")
    assert next(tab.parse(decode_legacy(raw))).xmail_fields is None


def test_overlong_lines_are_flagged() -> None:
    raw = ('"' + "x" * 600 + '"').encode()
    assert next(tab.parse(decode_legacy(raw), 512)).overlong == 602
    assert next(tab.parse(decode_legacy(raw), 2048)).overlong == 0


# Values XMail can write and read back: no TAB/CR/LF/NUL (no way to store them) and no trailing
# backslash (StrQuote does not escape it, so the closing quote reads as escaped).
values = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\t\r\n\x00"), max_size=30
).filter(tab.round_trips)


@given(st.lists(st.lists(values, min_size=1, max_size=6), max_size=8))
def test_any_table_round_trips(rows: list[list[str]]) -> None:
    text = "\r\n".join(tab.format_line(r) for r in rows)
    data = text.encode("utf-8")
    parsed = list(tab.parse(decode_legacy(b"\xef\xbb\xbf" + data)))
    assert [p.fields for p in parsed if p.kind == LineKind.RECORD] == [tuple(r) for r in rows]


cp932_values = st.text(
    alphabet=st.characters(codec="cp932", blacklist_categories=["Cs"], blacklist_characters="\t\r\n\x00\x1a¢£¬‖−〜"),
    max_size=20,
).filter(tab.round_trips)


@given(st.lists(st.lists(cp932_values, min_size=1, max_size=5), max_size=6))
def test_cp932_tables_round_trip_after_decoding(rows: list[list[str]]) -> None:
    try:
        data = "\r\n".join(tab.format_line(r) for r in rows).encode("cp932")
    except UnicodeEncodeError:
        return
    parsed = [p for p in tab.parse(decode_legacy(data)) if p.kind == LineKind.RECORD]
    assert [p.fields for p in parsed] == [tuple(r) for r in rows]


@settings(max_examples=300)
@given(st.binary(max_size=400))
def test_random_bytes_never_raise(data: bytes) -> None:
    for line in tab.parse(decode_legacy(data)):
        assert line.number >= 1
    for enc in ("cp932", "utf-8"):
        decoded = decode_legacy(data, enc)
        list(tab.parse(decoded))


@given(st.text(max_size=200))
def test_random_text_never_raises(text: str) -> None:
    tab.parse_text(text)
