from __future__ import annotations

import pytest

from tayori.compiler.pmail import keys
from tayori.compiler.pmail.convert import ConvertError, convert, converter


def test_table_rows_are_well_formed() -> None:
    seen = set()
    for row in keys.ROWS:
        assert (row.section.casefold(), row.key.casefold()) not in seen, row
        seen.add((row.section.casefold(), row.key.casefold()))
        assert converter(row.converter) is not None
        assert row.label and row.path
    assert len(keys.ROWS) > 300


def test_lookup_is_case_insensitive_and_handles_numbered_keys() -> None:
    row, n = keys.lookup("GLOBAL", "smtpport")  # type: ignore[misc]
    assert (row.key, n) == ("SMTPPort", None)
    row, n = keys.lookup("Domain", "Domain12")  # type: ignore[misc]
    assert (row.key, n) == ("Domain#", 12)
    assert keys.lookup("Domain", "DomainX") is None
    assert keys.lookup("Nope", "SMTPPort") is None


@pytest.mark.parametrize(
    ("name", "raw", "value"),
    [
        ("bool", "1", True),
        ("bool", "False", False),
        ("port", "25", 25),
        ("count", "30,720,000", 30720000),
        ("tz", "+9:00", "+09:00"),
        ("intlist", "300, 900", [300, 900]),
        ("network", "192.168.1.0,255.255.255.0", "192.168.1.0/24"),
        ("network", "127.0.0.1", "127.0.0.1/32"),
        ("hours", "0-23", (0, 23)),
        ("choice:accept|tag|reject", "2", "reject"),
        ("choice:accept|tag|reject", "TAG", "tag"),
        ("ip", "", None),
    ],
)
def test_converters(name: str, raw: str, value: object) -> None:
    assert convert(name, raw) == value


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("bool", "maybe"),
        ("port", "0"),
        ("port", "70000"),
        ("count", "-1"),
        ("tz", "JST"),
        ("ip", "1.2.3"),
        ("intlist", "1,,2"),
        ("loglevel", "4"),
        ("network", "999.0.0.1,255.0.0.0"),
        ("choice:a|b", "5"),
    ],
)
def test_converters_refuse_with_a_message_key(name: str, raw: str) -> None:
    with pytest.raises(ConvertError) as err:
        convert(name, raw)
    assert err.value.message.startswith("pmail.value.")
