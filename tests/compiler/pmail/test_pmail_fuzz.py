"""Random bytes in every file the reader opens never raise, and every line stays accounted for."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from conftest import FIXTURES, run_reader
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tayori.compiler.legacy_text import decode_legacy
from tayori.compiler.pmail.accountdat import RECORD_SIZE, parse_binary, parse_text
from tayori.compiler.pmail.filters import parse_filters
from tayori.compiler.pmail.forward import parse_forward
from tayori.compiler.pmail.ini import parse_ini

FILES = [
    "Data/pmail.ini",
    "Data/account.dat",
    "Data/serverfilter.txt",
    "spool/ja5bga.com/shin-n/forward.txt",
]

# Bytes biased towards the structure these files have, so the parsers get past their first line.
SNIPPETS = [
    b"\r\n",
    b"=",
    b",",
    b"\t",
    b"[",
    b"]",
    b";",
    b"FILTER1=",
    b"FILTERSTART1",
    b"FILTEREND1",
    b'"TEXT"',
    b"none",
    b"@",
    b"\x00",
    b"\x81",
    b"\xff",
    b"[Global]",
    b"SMTPPort",
    b"Domain1=",
]
junk = st.lists(st.one_of(st.binary(max_size=40), st.sampled_from(SNIPPETS)), max_size=30).map(b"".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.sampled_from(FILES), data=junk)
def test_random_bytes_in_any_file(which: str, data: bytes) -> None:
    tmp = Path(tempfile.mkdtemp())
    try:
        root = tmp / "ja5bga"
        shutil.copytree(FIXTURES / "ja5bga", root)
        (root / which).write_bytes(data)
        result, report = run_reader(root)
        assert report.unaccounted() == {}
        for e in report.build(source="x").entries:
            if e.kind.value == "error" and e.file == which:
                assert e.location().startswith(which)
        assert result.profile.profile_version == 1
    finally:
        shutil.rmtree(tmp)


@settings(max_examples=150, deadline=None)
@given(data=junk)
def test_parsers_never_raise(data: bytes) -> None:
    decoded = decode_legacy(data).lines
    parse_ini(decoded)
    parse_text(decoded)
    parse_forward(decoded)
    parse_filters(decoded)
    parse_binary(data)


@settings(max_examples=60, deadline=None)
@given(data=st.binary(min_size=RECORD_SIZE, max_size=RECORD_SIZE * 3))
def test_binary_records_never_raise(data: bytes) -> None:
    parsed = parse_binary(data)
    assert parsed.form in ("binary", "refused")
