"""Pure parts of outbound delivery: routes, retry schedule, DSNs, DKIM, MX logic, replies, queue CLI."""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import io
from pathlib import Path
from typing import Any

import dkim as dkimpy
import pytest

from tayori.profiles.loader import load_profile_text
from tayori.runtime.outbound import dkim, dsn, mx, retry, routes
from tayori.runtime.outbound.result import Result
from tayori.runtime.paths import StatePaths

PROFILE = """\
profile_version: 1
server: {hostname: mail.example.test, postmaster: pm@example.test}
domains:
  - name: example.test
  - name: gw.example.test
    smart_host: {host: isp.test, port: 587, tls: opportunistic, auth_user: u, password_secret: isp}
  - name: nodkim.test
    dkim: {enabled: false}
  - name: ed.test
    dkim: {selector: ed, algorithm: ed25519-sha256}
accounts:
  - address: alice@example.test
delivery:
  tls: opportunistic
  tls_policies: {bank.test: required, "*.plain.test": none}
  retry_schedule: [10, 20]
  give_up_after: 100
  delay_warning_after: 30
  routes:
    - domains: ["*.partner.test", partner.test]
      host: 192.0.2.7
      tls: opportunistic
  dsn: {include: full, postmaster_copy: false}
"""


@pytest.fixture
def profile() -> Any:
    return load_profile_text(PROFILE).profile


# ------------------------------------------------------------------------------------- routes
def test_routes_first_delivery_routes_then_sender_smart_host_then_mx(profile: Any) -> None:
    secrets = {"smarthosts": {"isp": {"password": "pw"}}}
    r = routes.route_for(profile, secrets, "a.partner.test", "example.test")
    assert (r.kind, r.host, r.tls) == ("relay", "192.0.2.7", "opportunistic")
    r = routes.route_for(profile, secrets, "other.test", "gw.example.test")
    assert (r.kind, r.host, r.port, r.auth_user, r.password) == ("relay", "isp.test", 587, "u", "pw")
    r = routes.route_for(profile, secrets, "other.test", "example.test")
    assert (r.kind, r.tls) == ("mx", "opportunistic")


def test_required_tls_is_never_weakened_by_a_route(profile: Any) -> None:
    assert routes.route_for(profile, {}, "bank.test", "gw.example.test").tls == "required"
    assert routes.route_for(profile, {}, "bank.test", None).tls == "required"
    assert routes.route_for(profile, {}, "x.plain.test", None).tls == "none"


# -------------------------------------------------------------------------------------- retry
def test_retry_schedule_repeats_the_last_wait_and_tries_once_at_the_deadline(profile: Any) -> None:
    d = profile.delivery
    t, attempts, times = 0.0, 0, []
    while True:
        attempts += 1
        times.append(t)
        p = retry.plan(d, received=0.0, attempts=attempts, now=t)
        if p.give_up:
            break
        assert p.next_attempt is not None
        t = p.next_attempt
    assert times == [0, 10, 30, 50, 70, 90, 100]


def test_delay_warning_is_due_once(profile: Any) -> None:
    d = profile.delivery
    due = [
        retry.delay_warning_due(d, received=0, previous_attempt=p, now=n)
        for p, n in [(None, 0), (0, 10), (10, 30), (30, 50), (50, 70)]
    ]
    assert due == [False, False, True, False, False]


# ---------------------------------------------------------------------------------------- DSN
ORIGINAL = (
    b"From: Alice <alice@example.test>\r\nTo: bob@far.test\r\nSubject: =?utf-8?b?44GT44KT?=\r\n"
    b"Message-ID: <m1@example.test>\r\n\r\nbody\r\n"
)


def test_dsn_full_returns_the_message_and_cleans_injected_text(profile: Any) -> None:
    bad = Result.from_reply(550, "5.1.1 no such user\r\nX-Injected: yes", "mx.far.test")
    out = dsn.make_dsn(
        profile,
        envelope_id="abc",
        mail_from="alice@example.test",
        failed=[dsn.RecipientReport("bob@far.test\r\nBcc: evil@x", bad)],
        original=ORIGINAL,
        received=0,
    )
    assert out is not None and out.rcpts == ["alice@example.test"]  # postmaster_copy off
    parsed = email.message_from_bytes(out.data, policy=email.policy.default)
    parts = list(parsed.iter_parts())
    assert parts[2].get_content_type() == "message/rfc822"
    assert b"\r\nX-Injected" not in out.data and b"\r\nBcc: evil" not in out.data
    assert parsed["Auto-Submitted"] == "auto-replied"


def test_dsn_cuts_large_originals_to_headers_and_never_answers_null_sender(profile: Any) -> None:
    big = ORIGINAL + b"x" * 200_000 + b"\r\n"
    bad = Result.failed("too bad", "5.0.0")
    out = dsn.make_dsn(
        profile,
        envelope_id="abc",
        mail_from="a@example.test",
        failed=[dsn.RecipientReport("b@far.test", bad)],
        original=big,
        received=0,
    )
    assert out is not None and len(out.data) < 20_000
    assert b"text/rfc822-headers" in out.data
    assert (
        dsn.make_dsn(
            profile, envelope_id="abc", mail_from="", failed=[dsn.RecipientReport("b@x", bad)], original=big, received=0
        )
        is None
    )


def test_result_from_reply_classes() -> None:
    assert Result.from_reply(250, "2.0.0 Ok").status == "delivered"
    r = Result.from_reply(451, "4.7.1 later")
    assert (r.status, r.dsn_status) == ("deferred", "4.7.1")
    r = Result.from_reply(554, "no enhanced code")
    assert (r.status, r.dsn_status, r.diagnostic) == ("failed", "5.0.0", "smtp; 554 no enhanced code")


# --------------------------------------------------------------------------------------- DKIM
def _paths(tmp_path: Path) -> StatePaths:
    p = StatePaths.at(tmp_path)
    p.dkim.mkdir(parents=True)
    return p


def _txt_from_record(record: str) -> bytes:
    inner = record.split("(", 1)[1].rsplit(")", 1)[0]
    return "".join(part for part in inner.split('"')[1::2]).encode()


def test_dkim_keys_made_once_signed_and_verified_with_the_printed_record(profile: Any, tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    made = dkim.ensure_keys(profile, paths)
    names = sorted(k.path.name for k in made)
    assert "example.test.tayori.key" in names and not any("nodkim" in n for n in names)
    assert dkim.ensure_keys(profile, paths) == []  # never regenerated
    assert oct((paths.dkim / "example.test.tayori.key").stat().st_mode & 0o777) == "0o600"
    record = dkim.dns_record(profile, paths, "example.test")
    assert record.startswith("tayori._domainkey.example.test. IN TXT")
    signed = dkim.Signer(profile, paths).sign(ORIGINAL, "alice@example.test")
    assert signed.startswith(b"DKIM-Signature:")
    txt = _txt_from_record(record)
    assert dkimpy.verify(signed, dnsfunc=lambda name, timeout=5: txt)


def test_dkim_ed25519(profile: Any, tmp_path: Path) -> None:
    pytest.importorskip("nacl")
    paths = _paths(tmp_path)
    dkim.ensure_keys(profile, paths)
    msg = ORIGINAL.replace(b"alice@example.test", b"carol@ed.test")
    signed = dkim.Signer(profile, paths).sign(msg, "carol@ed.test")
    assert b"a=ed25519-sha256" in signed
    txt = _txt_from_record(dkim.dns_record(profile, paths, "ed.test"))
    assert dkimpy.verify(signed, dnsfunc=lambda name, timeout=5: txt)


def test_dkim_not_for_foreign_or_disabled_domains(profile: Any, tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    dkim.ensure_keys(profile, paths)
    s = dkim.Signer(profile, paths)
    msg = ORIGINAL.replace(b"alice@example.test", b"x@nodkim.test")
    assert s.sign(msg, "x@nodkim.test") == msg
    assert s.sign(ORIGINAL.replace(b"example.test", b"far.test"), "x@far.test").startswith(b"From:")
    with pytest.raises(dkim.DkimError):
        dkim.dns_record(profile, paths, "far.test")


# ----------------------------------------------------------------------------------------- MX
class _FakeResolver(mx.MxResolver):
    def __init__(self, answers: dict[tuple[str, str], list[str] | Exception], **kw: Any) -> None:
        super().__init__(["192.0.2.53"], **kw)
        self.answers = answers

    async def _query(self, name: str, rdtype: str) -> list[str]:  # replaces the network, keeps the logic
        self.queries += 1
        a = self.answers.get((name, rdtype), [])
        if isinstance(a, Exception):
            raise a
        return a


def test_mx_order_implicit_and_null_mx() -> None:
    asyncio.run(_test_mx_order_implicit_and_null_mx())


async def _test_mx_order_implicit_and_null_mx() -> None:
    r = _FakeResolver(
        {
            ("a.test", "MX"): ["20 mx2.a.test.", "10 mx1.a.test."],
            ("mx1.a.test", "A"): ["192.0.2.1"],
            ("mx1.a.test", "AAAA"): ["2001:db8::1"],
            ("mx2.a.test", "A"): ["192.0.2.2"],
            ("b.test", "A"): ["192.0.2.3"],
            ("null.test", "MX"): ["0 ."],
        }
    )
    hops = await r.hops("a.test")
    assert [(h.host, h.address) for h in hops] == [
        ("mx1.a.test", "2001:db8::1"),
        ("mx1.a.test", "192.0.2.1"),
        ("mx2.a.test", "192.0.2.2"),
    ]
    assert [h.address for h in await r.hops("b.test")] == ["192.0.2.3"]
    with pytest.raises(mx.NullMxError):
        await r.hops("null.test")
    r.ipv6 = False
    assert next(h.address for h in await r.hops("a.test")) == "192.0.2.1"


def test_mx_temporary_errors_defer_and_missing_hosts_fail() -> None:
    asyncio.run(_test_mx_temporary_errors_defer_and_missing_hosts_fail())


async def _test_mx_temporary_errors_defer_and_missing_hosts_fail() -> None:
    r = _FakeResolver(
        {
            ("t.test", "MX"): ["10 mx.t.test."],
            ("mx.t.test", "A"): mx.TemporaryDnsError("timeout"),
            ("mx.t.test", "AAAA"): [],
            ("p.test", "MX"): ["10 gone.p.test."],
        }
    )
    with pytest.raises(mx.TemporaryDnsError):
        await r.hops("t.test")
    with pytest.raises(mx.PermanentDnsError):
        await r.hops("p.test")


def test_mx_cache_honours_ttl_capped_by_profile() -> None:
    asyncio.run(_test_mx_cache_honours_ttl_capped_by_profile())


async def _test_mx_cache_honours_ttl_capped_by_profile() -> None:
    import dns.message
    import dns.resolver
    import dns.rrset

    now = [0.0]
    r = mx.MxResolver(["192.0.2.53"], cache_cap=30, clock=lambda: now[0])

    async def resolve(qname: Any, rdtype: Any, **kw: Any) -> Any:
        class A:
            rrset = dns.rrset.from_text(str(qname), 3600, "IN", "MX", "10 mx.c.test.")

        return A()

    r._resolver.resolve = resolve  # type: ignore[method-assign,assignment]
    await r.mx("c.test")
    await r.mx("c.test")
    assert r.queries == 1
    now[0] = 31.0  # past the profile's cap, long before the 3600 s TTL
    await r.mx("c.test")
    assert r.queries == 2


# ------------------------------------------------------------------------------------ queue CLI
def test_queue_cli_list_show_hold_release_retry_delete(tmp_path: Path) -> None:
    from tayori.runtime import queue_cli
    from tayori.runtime.queue import Envelope, Queue

    paths = StatePaths.at(tmp_path)
    q = Queue(paths.queue, fsync=False)
    sp = q.new_spool()
    sp.write(ORIGINAL)
    env = q.commit_sync(sp, Envelope.new("alice@example.test", ["bob@far.test"]))
    q.close()
    out = io.StringIO()
    assert queue_cli.queue_list(tmp_path, out=out) == 0 and env.id in out.getvalue()
    assert queue_cli.queue_show(tmp_path, env.id, out=out) == 0 and "Subject:" in out.getvalue()
    assert queue_cli.queue_hold(tmp_path, env.id, out=out) == 0
    assert queue_cli.queue_retry(tmp_path, env.id, out=out) == 1  # held: release first
    assert queue_cli.queue_release(tmp_path, env.id, out=out) == 0
    assert queue_cli.queue_retry(tmp_path, None, all_=True, out=out) == 0
    assert queue_cli.queue_delete(tmp_path, env.id, out=out) == 0
    assert queue_cli.queue_show(tmp_path, env.id, out=out) == 1
    assert queue_cli.queue_list(tmp_path / "nowhere", out=out) == 1


def test_queue_and_dkim_subcommands_parse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tayori.runtime import queue_cli

    parser = argparse.ArgumentParser(prog="tayori")
    parser.add_argument("--root")
    queue_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["--root", str(tmp_path), "queue", "retry", "--all"])
    assert args.func(args) == 1  # no queue there: an error message, not a traceback
    paths = StatePaths.at(tmp_path)
    paths.etc.mkdir(parents=True)
    paths.profile.write_text(PROFILE)
    args = parser.parse_args(["--root", str(tmp_path), "dkim", "show", "example.test"])
    assert args.func(args) == 0
    assert "tayori._domainkey.example.test. IN TXT" in capsys.readouterr().out
    args = parser.parse_args(["--root", str(tmp_path), "dkim", "show", "far.test"])
    assert args.func(args) == 1
    with pytest.raises(SystemExit):
        parser.parse_args(["queue", "--help"])
    assert "保留" in capsys.readouterr().out


def test_openssl_rsa_signing_gives_dkimpys_exact_bytes() -> None:
    """The OpenSSL signing primitive replaces dkimpy's pure-Python one: same PKCS#1 v1.5 bytes."""
    import hashlib

    import dkim as dkimpy_mod
    from cryptography.hazmat.primitives import serialization as ser
    from cryptography.hazmat.primitives.asymmetric import rsa as rsa_mod

    from tayori.runtime.outbound import dkim as ours

    key = rsa_mod.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.TraditionalOpenSSL, ser.NoEncryption())
    parsed = dkimpy_mod.crypto.parse_pem_private_key(pem)
    for name in ("sha256", "sha1"):
        digest = hashlib.new(name, b"a message")
        assert ours._openssl_rsa_sign(digest.copy(), parsed) == ours._DKIMPY_RSA_SIGN(digest.copy(), parsed)
    assert dkimpy_mod.RSASSA_PKCS1_v1_5_sign is ours._openssl_rsa_sign
