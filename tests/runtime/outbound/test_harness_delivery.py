"""User stories of outbound delivery across hosts: Tayori in one namespace, NSD and Postfix peers in
others (tests/harness/netns/world.py has the map). Each test sends real mail and looks at what the
peers received."""

from __future__ import annotations

import email
import email.policy
import time
from email.message import Message
from typing import Any

import pytest

pytestmark = pytest.mark.live

SENDER = "alice@example.test"


def _one(
    world: Any,
    name: str,
    rcpts: list[str],
    *,
    sender: str = SENDER,
    subject: str | None = None,
    from_addr: str | None = None,
) -> tuple[dict[str, dict[str, Any]], str]:
    subject = subject or f"{name} {time.time_ns()}"
    msg = world.message(name, subject, from_addr=from_addr or sender, to=rcpts[0])
    res = world.deliver([{"id": name, "mail_from": sender, "rcpts": rcpts, "message": str(msg)}])
    return res[name], subject


def _result(d: dict[str, Any]) -> Any:
    from tayori.runtime.outbound.result import Result

    return Result(**d)


def test_delivers_to_the_accepting_mx_over_tls_and_dkim_verifies_there(world: Any) -> None:
    res, subject = _one(world, "accept", ["bob@accept.test"])
    assert res["bob@accept.test"]["status"] == "delivered", res
    got = world.peers["mxaccept"].wait_message(subject.encode())
    assert b"with ESMTPS" in got  # opportunistic STARTTLS was used
    ok, why = world.verify_dkim("mxaccept", got)
    assert ok, why


def test_ed25519_domain_signs_and_verifies(world: Any) -> None:
    pytest.importorskip("nacl")
    res, subject = _one(world, "ed", ["bob@accept.test"], sender="carol@ed.example.test")
    assert res["bob@accept.test"]["status"] == "delivered", res
    got = world.peers["mxaccept"].wait_message(subject.encode())
    assert b"a=ed25519-sha256" in got
    ok, why = world.verify_dkim("mxaccept", got)
    assert ok, why


def test_several_recipients_of_one_domain_share_one_transaction(world: Any) -> None:
    rcpts = ["r1@accept.test", "r2@accept.test", "r3@accept.test"]
    res, subject = _one(world, "multi", rcpts)
    assert {r["status"] for r in res.values()} == {"delivered"}
    # one Postfix queue id for all three: one connection, one transaction
    assert len({r["reply"] for r in res.values()}) == 1
    world.peers["mxaccept"].wait_message(subject.encode())


def test_falls_back_to_the_secondary_mx_when_the_primary_is_down(world: Any) -> None:
    res, subject = _one(world, "backup", ["bob@backup.test"])
    assert res["bob@backup.test"]["status"] == "delivered", res
    assert res["bob@backup.test"]["remote_mta"] == "mxaccept.test"
    world.peers["mxaccept"].wait_message(subject.encode())


def test_implicit_mx_and_ipv6_only_mx(world: Any) -> None:
    res, _ = _one(world, "implicit", ["bob@implicit.test"])
    assert res["bob@implicit.test"]["status"] == "delivered", res
    res, s2 = _one(world, "v6only", ["bob@v6only.test"])
    assert res["bob@v6only.test"]["status"] == "delivered", res
    got = world.peers["mxaccept"].wait_message(s2.encode())
    assert b"IPv6:fd99::10" in got


def test_null_mx_and_unknown_domain_fail_permanently_without_connecting(world: Any) -> None:
    res, _ = _one(world, "nullmx", ["bob@nullmx.test", "bob@nosuch.test"])
    assert res["bob@nullmx.test"]["status"] == "failed"
    assert res["bob@nullmx.test"]["dsn_status"] == "5.1.10"
    assert res["bob@nosuch.test"]["status"] == "failed"
    assert res["bob@nosuch.test"]["dsn_status"] == "5.1.2"


def test_retry_after_4xx_then_success(world: Any) -> None:
    from tayori.runtime.outbound.retry import plan

    msg = world.message("retry", "retry story", to="bob@retry.test")
    job = {"id": "retry", "mail_from": SENDER, "rcpts": ["bob@retry.test"], "message": str(msg)}
    first = world.deliver([job])["retry"]["bob@retry.test"]
    assert first["status"] == "deferred", first
    assert first["code"] == 451 and first["dsn_status"] == "4.7.1"
    p = plan(world.profile.delivery, received=0.0, attempts=1, now=0.0)
    assert not p.give_up and p.next_attempt == 60.0
    world.peers["mxtemp"].set_access("slow.test 451 4.7.1 Service unavailable, try again later\n")
    second = world.deliver([job])["retry"]["bob@retry.test"]
    assert second["status"] == "delivered", second
    world.peers["mxtemp"].wait_message(b"retry story")


def test_bounce_after_5xx_with_a_dsn_that_the_email_package_reads(world: Any) -> None:
    from tayori.runtime.outbound.dsn import RecipientReport, make_dsn

    msg = world.message("refuse", "refuse story", to="bob@refuse.test")
    res = world.deliver(
        [{"id": "refuse", "mail_from": SENDER, "rcpts": ["bob@refuse.test", "ok@accept.test"], "message": str(msg)}]
    )["refuse"]
    assert res["ok@accept.test"]["status"] == "delivered"
    bad = _result(res["bob@refuse.test"])
    assert bad.status == "failed" and bad.code == 550 and bad.dsn_status == "5.1.1", bad
    dsn = make_dsn(
        world.profile,
        envelope_id="0" * 20,
        mail_from=SENDER,
        failed=[RecipientReport("bob@refuse.test", bad)],
        original=msg,
        received=time.time() - 5,
    )
    assert dsn is not None
    assert dsn.mail_from == "" and dsn.rcpts == [SENDER, "postmaster@example.test"]
    parsed = email.message_from_bytes(dsn.data, policy=email.policy.default)
    assert parsed.get_content_type() == "multipart/report"
    assert parsed.get_param("report-type") == "delivery-status"
    parts = list(parsed.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "message/delivery-status", "text/rfc822-headers"]
    assert "配信できませんでした" in parts[0].get_content()
    blocks: list[Message] = parts[1].get_payload()  # type: ignore[assignment]
    assert blocks[0]["Reporting-MTA"] == "dns; tayori.example.test"
    assert blocks[1]["Final-Recipient"] == "rfc822; bob@refuse.test"
    assert blocks[1]["Action"] == "failed" and blocks[1]["Status"] == "5.1.1"
    assert blocks[1]["Remote-MTA"] == "dns; mxrefuse.test"
    assert blocks[1]["Diagnostic-Code"].startswith("smtp; 550 5.1.1")
    assert "Subject: refuse story" in parts[2].get_content()
    # Tayori can send the bounce itself: delivered to the sender's MX would be local; here check it parses
    # and that it never goes to a null sender
    assert (
        make_dsn(
            world.profile,
            envelope_id="0" * 20,
            mail_from="",
            failed=[RecipientReport("x@y", bad)],
            original=msg,
            received=0,
        )
        is None
    )


def test_gives_up_after_the_schedule_with_a_delay_warning_then_a_dsn(world: Any) -> None:
    from tayori.runtime.outbound.dsn import RecipientReport, make_delay_warning, make_dsn
    from tayori.runtime.outbound.retry import delay_warning_due, plan

    d = world.profile.delivery  # retry_schedule [60, 120], give_up_after 300, delay_warning_after 100
    msg = world.message("slow", "slow story", to="bob@slow.test")
    job = {"id": "slow", "mail_from": SENDER, "rcpts": ["bob@slow.test"], "message": str(msg)}
    received, now, prev, attempts, warnings = 1_000_000.0, 1_000_000.0, None, 0, []
    times = []
    while True:
        r = _result(world.deliver([job])["slow"]["bob@slow.test"])
        assert r.status == "deferred", r
        attempts += 1
        times.append(now - received)
        if delay_warning_due(d, received=received, previous_attempt=prev, now=now):
            warnings.append(
                make_delay_warning(
                    world.profile,
                    envelope_id="1" * 20,
                    mail_from=SENDER,
                    delayed=[RecipientReport("bob@slow.test", r)],
                    original=msg,
                    received=received,
                    now=now,
                )
            )
        p = plan(d, received=received, attempts=attempts, now=now)
        if p.give_up:
            break
        assert p.next_attempt is not None
        prev, now = now, p.next_attempt
    assert times == [0.0, 60.0, 180.0, 300.0]
    assert len(warnings) == 1 and warnings[0] is not None
    w = email.message_from_bytes(warnings[0].data, policy=email.policy.default)
    wblocks = list(w.iter_parts())[1].get_payload()
    assert wblocks[1]["Action"] == "delayed" and wblocks[1]["Will-Retry-Until"]  # type: ignore[index]
    dsn = make_dsn(
        world.profile,
        envelope_id="1" * 20,
        mail_from=SENDER,
        failed=[RecipientReport("bob@slow.test", r)],
        original=msg,
        received=received,
        now=now,
    )
    assert dsn is not None
    parsed = email.message_from_bytes(dsn.data, policy=email.policy.default)
    blocks: list[Message] = list(parsed.iter_parts())[1].get_payload()  # type: ignore[assignment]
    assert blocks[1]["Action"] == "failed"
    assert blocks[1]["Status"] == "5.7.1"  # given up after 4.7.1: the class becomes permanent
    assert "451 4.7.1" in blocks[1]["Diagnostic-Code"]


def test_starttls_required_and_absent_is_deferred_never_sent_in_clear(world: Any) -> None:
    res, subject = _one(world, "tlsreq", ["bob@tlsreq.test"])
    r = res["bob@tlsreq.test"]
    assert r["status"] == "deferred" and r["dsn_status"] == "4.7.4", r
    res2, subject2 = _one(world, "notls", ["bob@notls.test"])  # opportunistic: clear text is allowed
    assert res2["bob@notls.test"]["status"] == "delivered"
    world.peers["mxnotls"].wait_message(subject2.encode())
    assert all(subject.encode() not in m for m in world.peers["mxnotls"].messages())


def test_smart_host_with_auth(world: Any) -> None:
    res, subject = _one(world, "relayed", ["bob@relayed.test"])
    r = res["bob@relayed.test"]
    assert r["status"] == "delivered", r
    assert r["remote_mta"] == "relay.test"
    got = world.peers["mxaccept"].wait_message(subject.encode())  # relay → mxaccept (relayed.test's MX is down)
    assert b"Authenticated sender" in got or b"by relay.test" in got
    ok, why = world.verify_dkim("mxaccept", got)
    assert ok, why
