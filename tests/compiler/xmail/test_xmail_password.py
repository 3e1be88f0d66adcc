"""XMail's reversible password encoding (reference §4.1)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tayori.compiler.xmail import password


def test_template_and_sample_passwords() -> None:
    assert password.decode("1d08040c09") == "xmail"
    assert password.decode("36040e10170446545c5053") == "Sakura#1956"
    assert password.decode("26111709463504161657555450") == "Ctrl#Pass2015"
    assert password.decode("0c161548150a154815041616") == "isp-pop-pass"


def test_undecodable_like_xmail() -> None:
    assert password.decode("abc") is None  # odd length
    assert password.decode("zz") is None  # not hex
    assert password.decode("0c 16") is None  # bytes.fromhex would skip the space; XMail does not
    assert password.decode("0C16") == password.decode("0c16")
    assert password.decode("") == ""


@given(st.binary(max_size=40).filter(lambda b: 0 not in b))
def test_round_trip(raw: bytes) -> None:
    assert password.decode_bytes(password.encode(raw)) == raw


@given(st.text(max_size=40))
def test_decode_never_raises(text: str) -> None:
    password.decode(text)
