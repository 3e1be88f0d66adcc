"""The mailbox features as plain functions: lists, auto-reply rules and memory, SRS, patterns, filters."""

from __future__ import annotations

import email
from datetime import UTC, date, datetime
from email.header import decode_header, make_header
from pathlib import Path

from tayori.profiles.model import Account, Filter, MailingList
from tayori.runtime.delivery import autoreply, mime
from tayori.runtime.delivery.forward import Srs
from tayori.runtime.delivery.lists import Lists
from tayori.runtime.delivery.patterns import address_matches
from tayori.runtime.delivery.userfilters import apply_filters, next_allowed


def _list(**kw: object) -> MailingList:
    base = {
        "address": "edxg@example.jp",
        "subject_tag": "[edxg:{counter:05d}]",
        "counter_start": 123,
        "members": [{"address": "a@example.jp"}, {"address": "b@example.jp", "post": False}],
    }
    return MailingList.model_validate({**base, **kw})


def _subject(raw: bytes) -> str:
    return str(make_header(decode_header(email.message_from_bytes(raw)["Subject"])))


def test_subject_tag_counter_survives_a_new_process_and_old_tags_are_replaced(tmp_path: Path) -> None:
    ml = _list()
    post = Lists(tmp_path, [ml], "h").post(ml, "a@example.jp", b"Subject: Re: [edxg:00100] hello\r\n\r\nx\r\n")
    assert _subject(post.posts[0].message) == "[edxg:00123] Re: hello"
    again = Lists(tmp_path, [ml], "h").post(ml, "a@example.jp", b"Subject: hi\r\n\r\nx\r\n")
    assert _subject(again.posts[0].message) == "[edxg:00124] hi"


def test_poster_policy_and_join_leave(tmp_path: Path) -> None:
    ml = _list(join_by_mail=True, leave_by_mail=True)
    lists = Lists(tmp_path, [ml], "h")
    assert lists.post(ml, "b@example.jp", b"Subject: x\r\n\r\nx\r\n").refused is not None
    assert lists.post(ml, "x@other.jp", b"Subject: x\r\n\r\nx\r\n").refused is not None
    assert lists.role_of("edxg-join@example.jp") == (ml, "join")
    lists.handle(ml, "join", "x@other.jp", b"")
    lists.handle(ml, "leave", "a@example.jp", b"")
    receivers, _ = lists.members(ml)
    assert "x@other.jp" in receivers and "a@example.jp" not in receivers
    out = lists.post(ml, "x@other.jp", b"Subject: x\r\n\r\nx\r\n")
    headers = email.message_from_bytes(out.posts[0].message)
    assert headers["List-Unsubscribe"] == "<mailto:edxg-leave@example.jp>"
    assert out.posts[0].sender == "edxg-owner@example.jp"


def test_footer_in_the_message_charset(tmp_path: Path) -> None:
    ml = _list(footer="配信停止は管理者へ")
    utf8 = "本文".encode()
    raw = (
        b"Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + __import__("base64").b64encode(utf8) + b"\r\n"
    )
    msg = email.message_from_bytes(Lists(tmp_path, [ml], "h").post(ml, "a@example.jp", raw).posts[0].message)
    assert msg.get_content_charset() == "utf-8"
    assert msg.get_payload(decode=True).decode("utf-8").endswith("本文\r\n配信停止は管理者へ\r\n")
    plain = Lists(tmp_path, [ml], "h").post(ml, "a@example.jp", b"Subject: x\r\n\r\nhello\r\n").posts[0].message
    pm = email.message_from_bytes(plain)
    assert pm.get_content_charset() == "iso-2022-jp"
    assert "配信停止は管理者へ" in pm.get_payload(decode=True).decode("iso-2022-jp")


def test_auto_reply_rules() -> None:
    acct = Account.model_validate(
        {"address": "u@example.jp", "auto_reply": {"body": "不在", "no_reply": ["*@spam.jp"]}}
    )
    ar = acct.auto_reply
    assert ar is not None
    today = date(2025, 1, 1)
    ok = mime.parse(b"Subject: hi\r\n\r\nx")
    assert autoreply.refusal(ar, acct, "x@a.jp", ok, today) is None
    assert autoreply.refusal(ar, acct, "", ok, today) == "null sender"
    assert autoreply.refusal(ar, acct, "x@spam.jp", ok, today)
    assert autoreply.refusal(ar, acct, "owner-ml@a.jp", ok, today)
    for h in (b"Auto-Submitted: auto-replied", b"Precedence: bulk", b"List-Id: <x.a.jp>"):
        assert autoreply.refusal(ar, acct, "x@a.jp", mime.parse(h + b"\r\n\r\nx"), today)


def test_auto_reply_memory_once_per_period(tmp_path: Path) -> None:
    mem = autoreply.Memory(tmp_path)
    assert mem.claim("u@x", "s@y", 3600, now=1000)
    assert not autoreply.Memory(tmp_path).claim("u@x", "S@Y", 3600, now=2000)
    assert mem.claim("u@x", "s@y", 3600, now=5000)


def test_srs_round_trip_and_forgery(tmp_path: Path) -> None:
    srs = Srs(tmp_path / "k")
    fwd = srs.forward("alice@origin.jp", "example.jp")
    assert fwd.startswith("SRS0=") and fwd.endswith("@example.jp")
    assert srs.reverse(fwd) == "alice@origin.jp"
    assert srs.reverse(fwd.replace("SRS0=", "SRS0=x")) is None
    assert srs.forward("", "example.jp") == ""


def test_patterns() -> None:
    assert address_matches("*", "a@b.jp")
    assert address_matches("@b.jp", "a@x.b.jp")
    assert address_matches("*@b.jp", "A@B.JP")
    assert address_matches("b.jp", "a@b.jp")
    assert not address_matches("c@b.jp", "a@b.jp")


def test_delivery_filters() -> None:
    fs = [
        Filter.model_validate(
            {"stage": "delivery", "match": [{"header": "Subject", "contains": "spam"}], "action": "discard"}
        ),
        Filter.model_validate(
            {
                "stage": "delivery",
                "match": [{"header": "From", "contains": "boss"}],
                "action": "forward",
                "forward_to": ["me@mobile.jp"],
            }
        ),
    ]
    assert not apply_filters(fs, mime.parse(b"Subject: SPAM offer\r\n\r\nx"), 10).keep
    out = apply_filters(fs, mime.parse(b"From: boss@x.jp\r\nSubject: hi\r\n\r\nx"), 10)
    assert out.keep and out.forward_to == ["me@mobile.jp"]


def test_allowed_hours() -> None:
    acct = Account.model_validate(
        {"address": "u@example.jp", "allowed_hours": [{"days": ["mon"], "start": "09:00", "end": "17:00"}]}
    )
    monday_noon = datetime(2025, 1, 6, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo
    assert next_allowed(acct, monday_noon, "Asia/Tokyo") is None
    later = next_allowed(acct, datetime(2025, 1, 6, 9, 0, tzinfo=UTC), "Asia/Tokyo")
    assert later is not None and later.strftime("%a %H:%M") == "Mon 09:00"
