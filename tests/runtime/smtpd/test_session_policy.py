"""Every policy knob of the profile, through the real session code over an in-memory transport.

The same session runs behind the sockets (test_live.py); here the client address, DNS answers,
logins and POP-before-SMTP records are whatever each story needs.
"""

from __future__ import annotations

import time

from smtpd_helpers import Harness, make_profile, run

from tayori.profiles.relay import PopLogin
from tayori.runtime.smtp_guard import dot_stuff
from tayori.runtime.smtpd.memory import MemoryClient

MSG = b"From: a@example.org\r\nTo: alice@example.test\r\nSubject: hello\r\n\r\nbody line\r\n"


async def _send(
    c: MemoryClient, mail_from: str, rcpts: list[str], content: bytes = MSG, ehlo: str = "client.example.org"
) -> list[tuple[int, str]]:
    out = [await c.cmd(f"EHLO {ehlo}")]
    out.append(await c.cmd(f"MAIL FROM:<{mail_from}>"))
    for r in rcpts:
        out.append(await c.cmd(f"RCPT TO:<{r}>"))
    if any(code == 250 for code, _ in out[2:]):
        out.append(await c.data(content))
    return out


# --------------------------------------------------------------------------- secure defaults
def test_port_25_accepts_local_mail_and_refuses_relay_for_strangers() -> None:
    async def story() -> None:
        h = Harness(make_profile())
        c = await h.client()
        assert c.greeting[0] == 220
        code, text = await c.cmd("EHLO client.example.org")
        assert code == 250
        assert "PIPELINING" in text and "ENHANCEDSTATUSCODES" in text and "8BITMIME" in text and "SIZE" in text
        assert "AUTH" not in text and "SMTPUTF8" not in text
        assert (await c.cmd("MAIL FROM:<a@example.org>"))[0] == 250
        assert await c.cmd("RCPT TO:<someone@elsewhere.example>") == (554, "5.7.1 Relay access denied")
        assert (await c.cmd("RCPT TO:<nobody@example.test>"))[0] == 550
        assert (await c.cmd("RCPT TO:<alice@example.test>"))[0] == 250
        code, text = await c.data(MSG)
        assert code == 250 and "queued as" in text
        assert (await c.cmd("AUTH PLAIN AGFsaWNlAHNlY3JldA=="))[0] == 502
        env, content = h.queued[0]
        assert env.rcpts[0].address == "alice@example.test"
        assert content.startswith(b"Received: from client.example.org (unknown [203.0.113.5])")
        assert content.endswith(MSG)
        assert any("reject" in line and "Relay access denied" in line for line in h.logs)

    run(story())


def test_submission_wants_starttls_before_mail_and_auth() -> None:
    async def story() -> None:
        h = Harness(make_profile())
        c = await h.client("submission")
        _code, text = await c.cmd("EHLO client.example.org")
        assert "AUTH" not in text  # no TLS in memory: AUTH is not offered
        assert (await c.cmd("AUTH PLAIN AGFsaWNlAHNlY3JldA=="))[0] == 538
        assert (await c.cmd("MAIL FROM:<alice@example.test>"))[0] == 530

    run(story())


def test_auth_relay_needs_a_sender_the_login_owns() -> None:
    async def story() -> None:
        h = Harness(make_profile())
        c = await h.client("submissions", tls=True)
        _code, text = await c.cmd("EHLO client.example.org")
        assert "AUTH PLAIN LOGIN" in text
        assert (await c.cmd("AUTH PLAIN AGJvYgBodW50ZXIy"))[0] == 535  # login "bob": no such account
        assert (await c.cmd("AUTH PLAIN AGJvYkBleGFtcGxlLnRlc3QAaHVudGVyMg=="))[0] == 235
        assert (await c.cmd("MAIL FROM:<alice@example.test>"))[0] == 553  # not owned by bob
        assert (await c.cmd("MAIL FROM:<sales@example.test>"))[0] == 250  # send_as
        assert (await c.cmd("RCPT TO:<x@elsewhere.example>"))[0] == 250
        assert (await c.data(MSG))[0] == 250
        assert h.queued[0][0].auth == "bob@example.test"
        assert b"with ESMTPSA" in h.queued[0][1]

    run(story())


def test_auth_login_and_failure_lockout_per_address() -> None:
    async def story() -> None:
        h = Harness(make_profile("policy: {auth: {max_failures: 3}}"))
        c = await h.client("submissions", tls=True)
        await c.cmd("EHLO c.example.org")
        assert (await c.cmd("AUTH LOGIN"))[0] == 334
        assert (await c.cmd("YWxpY2VAZXhhbXBsZS50ZXN0"))[0] == 334
        assert (await c.cmd("c2VjcmV0"))[0] == 235
        bad = await h.client("submissions", ip="198.51.100.9", tls=True)
        await bad.cmd("EHLO c.example.org")
        assert (await bad.cmd("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdAB4"))[0] == 535
        assert (await bad.cmd("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdAB4"))[0] == 535
        code, _ = await bad.cmd("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdAB4")
        assert code == 421 and bad.closed
        again = await h.client("submissions", ip="198.51.100.9", tls=True)
        await again.cmd("EHLO c.example.org")
        # locked: even the right password is refused without asking the backend
        assert (await again.cmd("AUTH PLAIN AGFsaWNlQGV4YW1wbGUudGVzdABzZWNyZXQ="))[0] == 421

    run(story())


def test_cram_md5_only_where_the_listener_keeps_it() -> None:
    import base64
    import hashlib
    import hmac

    async def story() -> None:
        h = Harness(make_profile("listeners: {submissions: {auth_mechanisms: [PLAIN, CRAM-MD5]}}"))
        c = await h.client("submissions", tls=True)
        _, text = await c.cmd("EHLO c.example.org")
        assert "AUTH PLAIN CRAM-MD5" in text
        code, chal = await c.cmd("AUTH CRAM-MD5")
        assert code == 334
        digest = hmac.new(b"secret", base64.b64decode(chal), hashlib.md5).hexdigest()
        assert (await c.cmd(base64.b64encode(f"alice@example.test {digest}".encode()).decode()))[0] == 235
        d = await h.client("submissions", tls=True)
        await d.cmd("EHLO c.example.org")
        assert (await d.cmd("AUTH LOGIN"))[0] == 504  # not offered on this listener

    run(story())


def test_preauthenticated_session_as_tayori_probe_runs_it() -> None:
    async def story() -> None:
        h = Harness(make_profile())
        c = await h.client("submission", ip="192.0.2.1", preauth_login="alice@example.test", tls=True)
        out = await _send(c, "alice@example.test", ["x@elsewhere.example"])
        assert [code for code, _ in out] == [250, 250, 250, 250]

    run(story())


# ---------------------------------------------------------------------------------- relay rules
def test_relay_rules_in_order_and_fallback() -> None:
    extra = """
policy:
  relay:
    rules:
      - {clients: [192.168.1.0/24], table: trust}
      - {senders: [class:null], table: refuse}
    fallback: receive-only
"""

    async def story() -> None:
        h = Harness(make_profile(extra))
        lan = await h.client(ip="192.168.1.20")
        assert [c for c, _ in await _send(lan, "anyone@example.org", ["x@elsewhere.example"])] == [250] * 4
        out = await h.client(ip="203.0.113.7")
        assert [c for c, _ in await _send(out, "anyone@example.org", ["x@elsewhere.example"])][2] == 554
        lan2 = await h.client(ip="192.168.1.21")
        await lan2.cmd("EHLO c")
        assert (await lan2.cmd("MAIL FROM:<>"))[0] == 250  # rule 0 wins for the LAN
        ext = await h.client(ip="203.0.113.8")
        await ext.cmd("EHLO c")
        code, _ = await ext.cmd("MAIL FROM:<>")
        assert code == 550  # rule 1: null sender refused from elsewhere
        assert any("rule=policy.relay.rules[1]" in line for line in h.logs)

    run(story())


def test_null_sender_policy() -> None:
    async def story() -> None:
        h = Harness(make_profile("policy: {null_sender: refuse}"))
        c = await h.client()
        await c.cmd("EHLO c")
        assert (await c.cmd("MAIL FROM:<>"))[0] == 550
        h2 = Harness(make_profile())
        c2 = await h2.client()
        assert [x for x, _ in await _send(c2, "", ["alice@example.test"])] == [250, 250, 250, 250]
        assert h2.queued[0][0].mail_from == ""

    run(story())


def test_pop_before_smtp_by_ip_and_account() -> None:
    async def story() -> None:
        now = time.time()
        pops = [PopLogin("198.51.100.20", "alice@example.test", now - 30)]
        profile = make_profile(
            "listeners: {smtp: {relay_with_auth: true}}\n"
            "policy: {pop_before_smtp: {enabled: true, window: 600, match: ip+account}}"
        )
        h = Harness(profile, pop=pops)
        ok = await h.client(ip="198.51.100.20")
        assert [x for x, _ in await _send(ok, "alice@example.test", ["x@elsewhere.example"])] == [250] * 4
        wrong_sender = await h.client(ip="198.51.100.20")
        assert (await _send(wrong_sender, "bob@example.test", ["x@elsewhere.example"]))[2][0] == 554
        other_ip = await h.client(ip="198.51.100.21")
        assert (await _send(other_ip, "alice@example.test", ["x@elsewhere.example"]))[2][0] == 554
        old = Harness(profile, pop=[PopLogin("198.51.100.20", "alice@example.test", now - 3600)])
        late = await old.client(ip="198.51.100.20")
        assert (await _send(late, "alice@example.test", ["x@elsewhere.example"]))[2][0] == 554

    run(story())


# -------------------------------------------------------------------------------------- limits
def test_max_recipients_and_size() -> None:
    async def story() -> None:
        h = Harness(make_profile("policy: {limits: {max_recipients: 2, max_message_size: 1K}}"))
        c = await h.client()
        await c.cmd("EHLO c")
        assert (await c.cmd("MAIL FROM:<a@example.org> SIZE=5000"))[0] == 552
        assert (await c.cmd("MAIL FROM:<a@example.org> SIZE=100"))[0] == 250
        assert (await c.cmd("RCPT TO:<alice@example.test>"))[0] == 250
        assert (await c.cmd("RCPT TO:<bob@example.test>"))[0] == 250
        assert (await c.cmd("RCPT TO:<postmaster@example.test>"))[0] == 452
        code, _ = await c.data(MSG + b"x" * 70 + b"\r\n" * 1 + (b"y" * 70 + b"\r\n") * 20)
        assert code == 552
        assert not h.queued

    run(story())


def test_protocol_errors_disconnect() -> None:
    async def story() -> None:
        h = Harness(make_profile("policy: {limits: {max_protocol_errors: 3}}"))
        c = await h.client()
        assert (await c.cmd("BOGUS"))[0] == 500
        assert (await c.cmd("RCPT TO:<a@b>"))[0] == 503
        code, _ = await c.cmd("ALSOBOGUS")
        assert code == 500
        assert (await c.reply())[0] == 421
        assert c.closed

    run(story())


def test_connection_caps_and_rates() -> None:
    async def story() -> None:
        h = Harness(
            make_profile(
                "listeners: {smtp: {max_per_ip: 2, max_connections: 3}}\n"
                "policy: {limits: {connections_per_minute_per_ip: 100, messages_per_minute_per_ip: 1}}"
            )
        )
        a = await h.client(ip="192.0.2.1")
        b = await h.client(ip="192.0.2.1")
        third = await h.client(ip="192.0.2.1")
        assert third.greeting[0] == 421 and third.closed
        assert (await h.client(ip="192.0.2.2")).greeting[0] == 220
        assert (await h.client(ip="192.0.2.3")).greeting[0] == 421  # 3 in all
        assert [x for x, _ in await _send(a, "a@example.org", ["alice@example.test"])][-1] == 250
        await b.cmd("EHLO c")
        assert (await b.cmd("MAIL FROM:<a@example.org>"))[0] == 450  # one message per minute
        h2 = Harness(make_profile("policy: {limits: {connections_per_minute_per_ip: 2}}"))
        for _ in range(2):
            c = await h2.client(ip="192.0.2.9")
            c.close()
        assert (await h2.client(ip="192.0.2.9")).greeting[0] == 421

    run(story())


def test_greet_pause_refuses_early_talkers() -> None:
    async def story() -> None:
        from tayori.runtime.smtpd.memory import MemoryClient

        h = Harness(make_profile("policy: {limits: {greet_pause: 1}}"))
        c = MemoryClient(h.factory, "smtp", "192.0.2.4")
        c.protocol.connection_made(c.transport)
        c.send(b"EHLO early\r\n")
        code, text = await c.reply(5)
        assert code == 554 and "synchronization" in text
        patient = await h.client(ip="192.0.2.5")
        assert patient.greeting[0] == 220

    run(story())


# ------------------------------------------------------------------------------------ DNS checks
DNS = {
    "ptr": {"192.0.2.10": ["mail.good.example"]},
    "a": {"mail.good.example": ["192.0.2.10"], "good.example": ["192.0.2.10"]},
    "mx": {"good.example": [[10, "mail.good.example"]]},
    "txt": {"good.example": ["v=spf1 ip4:192.0.2.10 -all"]},
    "dnsbl": {"bl.example": ["192.0.2.66"]},
}


def test_reverse_dns_refuse_and_tag() -> None:
    async def story() -> None:
        h = Harness(make_profile("policy: {rdns: refuse, spf: 'off'}"), dns=DNS)
        assert (await h.client(ip="192.0.2.11")).greeting[0] == 550
        good = await h.client(ip="192.0.2.10")
        assert good.greeting[0] == 220
        await _send(good, "x@good.example", ["alice@example.test"])
        assert b"(mail.good.example [192.0.2.10])" in h.queued[0][1]
        t = Harness(make_profile("policy: {rdns: tag, spf: 'off'}"), dns=DNS)
        c = await t.client(ip="192.0.2.11")
        await _send(c, "x@good.example", ["alice@example.test"])
        assert t.queued[0][1].startswith(b"X-Tayori-RDNS: none for 192.0.2.11\r\n")

    run(story())


def test_dnsbl_refuse_and_tag() -> None:
    async def story() -> None:
        h = Harness(make_profile("policy: {spf: 'off', dnsbl: {zones: [{zone: bl.example}]}}"), dns=DNS)
        c = await h.client(ip="192.0.2.66")
        assert c.greeting[0] == 554 and "bl.example" in c.greeting[1]
        assert (await h.client(ip="192.0.2.67")).greeting[0] == 220
        t = Harness(make_profile("policy: {spf: 'off', dnsbl: {zones: [{zone: bl.example, action: tag}]}}"), dns=DNS)
        c = await t.client(ip="192.0.2.66")
        await _send(c, "x@good.example", ["alice@example.test"])
        assert b"X-Tayori-DNSBL: 192.0.2.66 listed at bl.example" in t.queued[0][1]

    run(story())


def test_unknown_sender_domain_and_spf() -> None:
    async def story() -> None:
        h = Harness(make_profile("policy: {unknown_sender_domain: refuse, spf: refuse}"), dns=DNS)
        c = await h.client(ip="192.0.2.10")
        await c.cmd("EHLO mail.good.example")
        assert (await c.cmd("MAIL FROM:<x@nowhere.example>"))[0] == 550
        assert (await c.cmd("MAIL FROM:<x@good.example>"))[0] == 250
        bad = await h.client(ip="192.0.2.99")
        await bad.cmd("EHLO c")
        assert await bad.cmd("MAIL FROM:<x@good.example>") == (550, "5.7.23 SPF check failed")
        r = Harness(make_profile(), dns=DNS)  # spf: record (the default)
        c = await r.client(ip="192.0.2.99")
        await _send(c, "x@good.example", ["alice@example.test"])
        assert b"Authentication-Results: mx.example.test; spf=fail smtp.mailfrom=good.example" in r.queued[0][1]

    run(story())


def test_helo_checks() -> None:
    async def story() -> None:
        h = Harness(make_profile("policy: {helo: {require_fqdn: true}}"))
        c = await h.client()
        assert (await c.cmd("EHLO localhostname"))[0] == 550
        assert (await c.cmd("EHLO mx.example.test"))[0] == 550  # our own name from outside
        assert (await c.cmd("EHLO client.example.org"))[0] == 250
        n = await h.client()
        assert (await n.cmd("MAIL FROM:<a@example.org>"))[0] == 503  # HELO required
        lax = Harness(make_profile("policy: {helo: {require: false}}"))
        c = await lax.client()
        assert (await c.cmd("MAIL FROM:<a@example.org>"))[0] == 250

    run(story())


def test_vrfy_expn_smtputf8() -> None:
    async def story() -> None:
        h = Harness(make_profile())
        c = await h.client()
        await c.cmd("EHLO c")
        assert (await c.cmd("VRFY alice@example.test"))[0] == 252
        assert (await c.cmd("EXPN staff"))[0] == 502
        code, text = await c.cmd("MAIL FROM:<a@example.org> SMTPUTF8")
        assert code == 555 and "SMTPUTF8" in text
        code, text = await c.cmd("MAIL FROM:<ü@example.org>".encode())
        assert code == 553 and "SMTPUTF8" in text
        v = Harness(make_profile("policy: {vrfy: true}"))
        c = await v.client()
        assert (await c.cmd("VRFY alice@example.test"))[0] == 250
        assert (await c.cmd("VRFY nobody@example.test"))[0] == 550

    run(story())


# ------------------------------------------------------------------------------ content filters
def test_content_filters_at_data(tmp_path) -> None:  # type: ignore[no-untyped-def]
    extra = """
filters:
  - {name: no-exe, match: [{attachment: "*.exe"}], action: reject, reply: "Executables are not accepted"}
  - {name: spam, match: [{header: Subject, contains: "WIN MONEY"}], action: quarantine}
  - {name: tag, match: [{header: Subject, regex: "^offer"}], action: tag_subject, tag: "[AD]"}
  - {name: mark, match: [{body: true, contains: "confidential"}], action: add_header, header: "X-Class: internal"}
"""

    async def story() -> None:
        h = Harness(make_profile(extra), quarantine=tmp_path / "q")
        exe = (
            b"Subject: file\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
            b"Content-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/octet-stream\r\n"
            b'Content-Disposition: attachment; filename="run.exe"\r\n\r\nAAAA\r\n--b--\r\n'
        )
        c = await h.client()
        out = await _send(c, "a@example.org", ["alice@example.test"], exe)
        assert out[-1] == (550, "5.7.1 Executables are not accepted")
        c = await h.client()
        out = await _send(c, "a@example.org", ["alice@example.test"], b"Subject: WIN MONEY now\r\n\r\nx\r\n")
        assert out[-1][0] == 250
        assert not h.queued and len(list((tmp_path / "q").glob("*.eml"))) == 1
        c = await h.client()
        await _send(c, "a@example.org", ["alice@example.test"], b"Subject: offer\r\n\r\nthis is confidential\r\n")
        content = h.queued[0][1]
        assert b"Subject: [AD] offer\r\n" in content and content.startswith(b"X-Class: internal\r\n")

    run(story())


# ------------------------------------------------------------------------------ hardening
def test_bare_lf_in_data_is_refused_and_nothing_queued() -> None:
    async def story() -> None:
        h = Harness(make_profile())
        c = await h.client()
        await c.cmd("EHLO c")
        await c.cmd("MAIL FROM:<a@example.org>")
        await c.cmd("RCPT TO:<alice@example.test>")
        assert (await c.cmd("DATA"))[0] == 354
        c.send(b"Subject: x\r\n\r\nbody\n.\nMAIL FROM:<evil@example.org>\r\n.\r\n")
        code, _ = await c.reply()
        assert code == 550
        assert not h.queued

    run(story())


def test_pipelining_before_ehlo_is_a_synchronization_error() -> None:
    async def story() -> None:
        h = Harness(make_profile())
        c = await h.client()
        c.send(b"HELO c\r\nMAIL FROM:<a@example.org>\r\n")
        assert (await c.reply())[0] == 554
        assert c.closed
        ok = await h.client()
        await ok.cmd("EHLO c")
        ok.send(b"MAIL FROM:<a@example.org>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n")
        assert [(await ok.reply())[0] for _ in range(3)] == [250, 250, 354]
        ok.send(dot_stuff(MSG))
        assert (await ok.reply())[0] == 250

    run(story())


# ----------------------------------------------------------------------- timeouts and agreement
def test_idle_timeout_says_421_and_hangs_up() -> None:
    async def story() -> None:
        h = Harness(make_profile("listeners: {smtp: {timeout: 1}}"))
        c = await h.client()
        await c.cmd("EHLO c")
        code, text = await c.reply(5)
        assert code == 421 and "timeout" in text
        assert c.closed

    run(story())


PROBE_PROFILE = """
policy:
  relay:
    rules:
      - {clients: [192.168.10.0/24], table: trust}
      - {senders: ["*.spam.example"], table: refuse}
    fallback: secure-default
  null_sender: refuse
  limits: {max_recipients: 2}
"""

PROBES = [
    ("smtp", "203.0.113.5", None, "a@example.org", ["alice@example.test"]),
    ("smtp", "203.0.113.5", None, "a@example.org", ["x@elsewhere.example"]),
    ("smtp", "203.0.113.5", None, "a@example.org", ["nobody@example.test"]),
    ("smtp", "203.0.113.5", None, "", ["alice@example.test"]),
    ("smtp", "203.0.113.5", None, "a@mx.spam.example", ["alice@example.test"]),
    ("smtp", "192.168.10.4", None, "a@example.org", ["x@elsewhere.example"]),
    ("smtp", "203.0.113.5", None, "a@example.org", ["alice@example.test", "bob@example.test", "x@example.test"]),
    ("submission", "198.51.100.1", "alice@example.test", "alice@example.test", ["x@elsewhere.example"]),
    ("submission", "198.51.100.1", "alice@example.test", "bob@example.test", ["x@elsewhere.example"]),
    ("submission", "198.51.100.1", None, "alice@example.test", ["x@elsewhere.example"]),
    ("smtp", "203.0.113.5", None, "a@example.org", ["x%y@example.test", "@example.test:x@elsewhere.example"]),
]


def test_session_and_pure_probe_runner_agree() -> None:
    """`tayori probe` runs the session; `compile --probe` runs the pure runner: same answers."""
    from tayori.profiles.probe import Probe, run_probe
    from tayori.runtime.smtpd.memory import probe_steps

    profile = make_profile(PROBE_PROFILE)

    async def story() -> None:
        h = Harness(profile)
        for listener, ip, login, sender, rcpts in PROBES:
            probe = Probe(
                listener=listener, client=ip, helo="c.example.org", auth=login, mail_from=sender, rcpt_to=rcpts
            )
            pure = run_probe(profile, probe)
            live = await probe_steps(
                h.factory, listener, ip, helo="c.example.org", auth_login=login, mail_from=sender, rcpt_to=rcpts
            )
            assert [(s.command, s.code) for s in live] == [(s.command, s.code) for s in pure.steps], probe

    run(story())


def test_line_length_limits() -> None:
    async def story() -> None:
        h = Harness(make_profile())
        c = await h.client()
        assert (await c.cmd("HELO " + "a" * 600))[0] == 500  # > 512 octets
        await c.cmd("EHLO c")
        assert (await c.cmd("MAIL FROM:<" + "a" * 700 + "@example.org>"))[0] != 500  # MAIL may use 1000 after EHLO
        await c.cmd("RSET")
        await c.cmd("MAIL FROM:<a@example.org>")
        await c.cmd("RCPT TO:<alice@example.test>")
        code, _ = await c.data(b"Subject: x\r\n\r\n" + b"z" * 5000 + b"\r\n")
        assert code == 500  # a text line over 1000 octets refuses the message
        assert not h.queued
        c.send(b"NOOP " + b"n" * 20000 + b"\r\n")  # beyond every limit: dropped up to its end
        assert (await c.reply())[0] == 500
        assert (await c.cmd("NOOP"))[0] == 250

    run(story())
