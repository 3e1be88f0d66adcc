"""account.dat (text / binary / refused), forward.txt and filter.txt parsers."""

from __future__ import annotations

from tayori.compiler.legacy_text import decode_legacy
from tayori.compiler.pmail.accountdat import (
    RECORD_SIZE,
    AccountRecord,
    pack_record,
    parse_binary,
    parse_text,
    sniff,
)
from tayori.compiler.pmail.filters import parse_filters
from tayori.compiler.pmail.forward import parse_forward, sender_pattern


def lines(*text: str):  # type: ignore[no-untyped-def]
    return decode_legacy("".join(t + "\r\n" for t in text).encode("cp932")).lines


def rec(account: str, kind: str = "normal", quota: int = 0) -> AccountRecord:
    return AccountRecord(0, account, account, account, "ja5bga.com", "pw-" + account, kind, quota)


def test_binary_records_round_trip_and_sniff() -> None:
    data = pack_record(rec("shin")) + pack_record(rec("edxg", "list", 30720000), when=42000.5)
    assert RECORD_SIZE == 352 and len(data) == 704
    assert sniff(data) == "binary"
    parsed = parse_binary(data)
    assert parsed.form == "binary" and parsed.count == 2 and not parsed.problems
    second = parsed.records[1]
    assert (second.account, second.type, second.quota, second.where) == ("edxg", "list", 30720000, 2)
    assert second.modified == "2014/12/27 12:00:00"


def test_binary_size_mismatch_is_refused_with_the_sizes() -> None:
    parsed = parse_binary(pack_record(rec("shin")) + b"\x00\x01")
    assert parsed.form == "refused" and not parsed.records
    assert parsed.problems[0].message == "pmail.account.record_size"
    assert parsed.problems[0].params == {"record": 352, "size": 354}


def test_binary_of_the_right_size_but_no_accounts_is_refused() -> None:
    parsed = parse_binary(b"\xff" * RECORD_SIZE * 3)
    assert parsed.form == "refused" and parsed.problems[0].message == "pmail.account.not_records"


def test_text_form_tab_and_comma() -> None:
    assert sniff(b"shin\tshin\tshin\tja5bga.com\tpw\t0\r\n") == "text"
    parsed = parse_text(
        lines(
            "; comment",
            "shin\tshin\tshin\tja5bga.com\tpw\t通常\t0\t30,720,000\t0\t0\t2021/10/19 20:54:59",
            "edxg,edxg,edxg,ja5bga.com,pw2,メーリングリスト,30720000",
            "x\ty",
            "bad\tbad\tbad\tja5bga.com\tpw\t9",
        )
    )
    assert [r.account for r in parsed.records] == ["shin", "edxg"]
    assert parsed.records[0].send_limit == 30720000 and parsed.records[1].type == "list"
    assert parsed.structure == [1]
    assert [(p.where, p.message) for p in parsed.problems] == [
        (4, "pmail.account.field_count"),
        (5, "pmail.account.bad_type"),
    ]


def test_forward_syntax_from_the_vendor_examples() -> None:
    parsed = parse_forward(
        lines(
            "postmaster@xxxx.jp,filterdelete,user@yyyy.jp",
            "akisoftware@xxxx.jp,filterdelete,@yyyy.jp",
            "staff1@xxxx.jp,staff2@xxxx.jp,delete,",
            "staff1@xxxx.jp,staff2@xxxx.jp,none,",
            "a@xxxx.jp,none,,OFF",
            "",
            "no action here",
        )
    )
    r = parsed.rules
    assert (r[0].action, r[0].filters, r[0].keep_copy, r[0].conditional) == (
        "FILTERDELETE",
        ["user@yyyy.jp"],
        False,
        True,
    )
    assert r[2].targets == ["staff1@xxxx.jp", "staff2@xxxx.jp"] and not r[2].conditional
    assert r[3].keep_copy and r[4].disable_flag == "OFF"
    assert parsed.structure == [6]
    assert [(p.line, p.message) for p in parsed.problems] == [(7, "pmail.forward.no_action")]
    assert sender_pattern("@yyyy.jp") == "*@yyyy.jp" and sender_pattern("u@y.jp") == "u@y.jp"


def test_filter_blocks() -> None:
    parsed = parse_filters(
        lines(
            'FILTER1="spam","SUBJECT","0"',
            "FILTERSTART1",
            "未承諾広告",
            "",
            "FILTEREND1",
            "",
            'FILTER20="exe","EXEC","1024"',
            "FILTERSTART20",
            "4D5A",
            "FILTEREND20",
            "stray",
            'FILTER3="open","TEXT",""',
            "FILTERSTART3",
            "x",
        )
    )
    assert [(f.number, f.type, f.lines) for f in parsed.filters] == [
        (1, "SUBJECT", [1, 2, 3, 4, 5]),
        (20, "EXEC", [7, 8, 9, 10]),
    ]
    assert parsed.filters[0].data == [(3, "未承諾広告"), (4, "")]
    probs = [(p.line, p.message) for p in parsed.problems]
    assert (11, "pmail.filter.stray_line") in probs
    assert (12, "pmail.filter.unterminated") in probs
    assert (14, "pmail.filter.orphan_line") in probs
