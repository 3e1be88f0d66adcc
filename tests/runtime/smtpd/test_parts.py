"""The small parts of smtpd: rate limits, POP-before-SMTP records, the DNS resolver (against a DNS
server on loopback), Dovecot's auth protocol (against a scripted socket), TLS reload, filters."""

from __future__ import annotations

import asyncio
import base64
import tempfile
import threading
import time
from pathlib import Path

import dns.message
import dns.rcode
import dns.rrset
import pytest

from tayori.profiles import dnscheck
from tayori.profiles.dnscheck import DnsTempError
from tayori.runtime.smtpd import filters, popbeforesmtp
from tayori.runtime.smtpd.auth import DovecotAuth
from tayori.runtime.smtpd.dnsresolver import DnsResolver
from tayori.runtime.smtpd.ratelimit import ConnectionCounter, Lockout, SlidingWindow, client_key


# ------------------------------------------------------------------------------------ ratelimit
def test_connection_counter_per_ip_and_total() -> None:
    c = ConnectionCounter(max_total=3, max_per_ip=2)
    assert c.try_open("192.0.2.1") is None
    assert c.try_open("::ffff:192.0.2.1") is None  # the same client over IPv6-mapped
    assert c.try_open("192.0.2.1") == "per-ip"
    assert c.try_open("192.0.2.2") is None
    assert c.try_open("192.0.2.3") == "total"
    c.close("192.0.2.1")
    assert c.try_open("192.0.2.3") is None
    assert client_key("fe80::1%eth0") == "fe80::1"


def test_sliding_window_and_lockout() -> None:
    now = [1000.0]
    w = SlidingWindow(2, 60, clock=lambda: now[0])
    assert w.hit("a") and w.hit("a") and not w.hit("a")
    now[0] += 61
    assert w.allowed("a") and w.count("a") == 0
    lock = Lockout(3, 60, 300, clock=lambda: now[0])
    assert not lock.fail("x") and not lock.fail("x") and lock.fail("x")
    assert lock.locked("x")
    now[0] += 301
    assert not lock.locked("x")
    unlimited = SlidingWindow(None)
    assert all(unlimited.hit("a") for _ in range(1000))


# --------------------------------------------------------------------------------- pop records
def test_pop_before_smtp_records(tmp_path: Path) -> None:
    now = time.time()
    popbeforesmtp.write_login(tmp_path, "192.0.2.7", "alice@example.test", now - 700)
    popbeforesmtp.write_login(tmp_path, "192.0.2.7", "Bob@example.test", now - 10)
    (tmp_path / "192.0.2.7").open("a").write("garbage line\n\tno-login\n")
    got = popbeforesmtp.read_logins(tmp_path, "192.0.2.7", 600, now)
    assert [(p.login, p.ip) for p in got] == [("bob@example.test", "192.0.2.7")]
    assert popbeforesmtp.read_logins(tmp_path, "192.0.2.8", 600, now) == ()
    assert popbeforesmtp.read_logins(tmp_path, "../etc/passwd", 600, now) == ()
    popbeforesmtp.write_login(tmp_path, "2001:db8::7", "carol@example.test", now)
    assert popbeforesmtp.read_logins(tmp_path, "2001:db8:0::7", 600, now)[0].login == "carol@example.test"
    big = tmp_path / "192.0.2.9"
    big.write_text("".join(f"u{i}@example.test\t{int(now) - 5}\n" for i in range(2000)))
    assert popbeforesmtp.read_logins(tmp_path, "192.0.2.9", 600, now)[0].login == "u1999@example.test"
    with pytest.raises(ValueError):
        popbeforesmtp.write_login(tmp_path, "not-an-ip", "x")


# ------------------------------------------------------------------------------------- DNS
class LoopbackDNS:
    """A tiny authoritative server on 127.0.0.1 (dnspython builds the answers)."""

    def __init__(self, records: dict[tuple[str, str], list[str]], fail: set[str] | None = None) -> None:
        self.records = records
        self.fail = fail or set()
        self.queries = 0

    async def start(self) -> int:
        loop = asyncio.get_running_loop()
        server = self

        class Proto(asyncio.DatagramProtocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                self.transport = transport

            def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
                server.queries += 1
                q = dns.message.from_wire(data)
                r = dns.message.make_response(q)
                question = q.question[0]
                name = question.name.to_text().rstrip(".").lower()
                rtype = dns.rdatatype.to_text(question.rdtype)
                if name in server.fail:
                    r.set_rcode(dns.rcode.SERVFAIL)
                elif (name, rtype) in server.records:
                    r.answer.append(dns.rrset.from_text(question.name, 60, "IN", rtype, *server.records[(name, rtype)]))
                elif not any(k[0] == name for k in server.records):
                    r.set_rcode(dns.rcode.NXDOMAIN)
                self.transport.sendto(r.to_wire(), addr)  # type: ignore[attr-defined]

        self.transport, _ = await loop.create_datagram_endpoint(Proto, local_addr=("127.0.0.1", 0))
        return int(self.transport.get_extra_info("sockname")[1])


@pytest.mark.live  # a server on loopback (DNS over UDP, or a unix socket)
def test_dns_resolver_answers_the_dnscheck_protocol_from_a_thread() -> None:
    records = {
        ("10.2.0.192.in-addr.arpa", "PTR"): ["mail.good.example."],
        ("mail.good.example", "A"): ["192.0.2.10"],
        ("good.example", "MX"): ["10 mail.good.example."],
        ("good.example", "TXT"): ['"v=spf1 ip4:192.0.2.10 " "-all"'],
        ("66.2.0.192.bl.example", "A"): ["127.0.0.2"],
    }

    async def story() -> None:
        server = LoopbackDNS(records, fail={"broken.example"})
        port = await server.start()
        r = DnsResolver(
            ["127.0.0.1"], port=port, timeout=3, dnsbl_zones=["bl.example"], loop=asyncio.get_running_loop()
        )
        assert await r.aquery("good.example", "MX") == ["10 mail.good.example"]
        assert await r.aquery("good.example", "TXT") == ["v=spf1 ip4:192.0.2.10 -all"]
        assert await r.aquery("nothing.example", "A") == []
        with pytest.raises(DnsTempError):
            await r.aquery("broken.example", "A")
        assert (await asyncio.to_thread(dnscheck.rdns, "192.0.2.10", r)).outcome == "pass"
        assert (await asyncio.to_thread(dnscheck.spf, "192.0.2.10", "x@good.example", None, r)).outcome == "pass"
        assert (await asyncio.to_thread(dnscheck.spf, "192.0.2.11", "x@good.example", None, r)).outcome == "fail"
        listed = await asyncio.to_thread(dnscheck.dnsbl, "192.0.2.66", ["bl.example"], r)
        assert listed[0].outcome == "listed"
        before = server.queries
        await asyncio.to_thread(dnscheck.dnsbl, "192.0.2.66", ["bl.example"], r)
        assert server.queries == before and r.hits == 1  # the DNSBL cache answered
        with pytest.raises(RuntimeError):
            r.query("good.example", "MX")  # on the loop thread it would block the loop

    asyncio.run(story())


# ---------------------------------------------------------------------------- Dovecot protocol
@pytest.mark.live  # a server on loopback (DNS over UDP, or a unix socket)
def test_dovecot_auth_protocol_against_a_scripted_server() -> None:
    async def story() -> None:
        sock = Path(tempfile.mkdtemp(prefix="tda", dir="/tmp")) / "auth"
        seen: list[str] = []

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(b"VERSION\t1\t2\nMECH\tPLAIN\tplaintext\nMECH\tCRAM-MD5\nSPID\t1\nCUID\t1\nDONE\n")
            while line := await reader.readline():
                parts = line.decode().rstrip("\n").split("\t")
                if parts[0] == "AUTH":
                    seen.append(parts[0] + " " + " ".join(p for p in parts[3:] if not p.startswith("resp=")))
                if parts[0] == "AUTH" and parts[2] == "PLAIN":
                    resp = dict(p.partition("=")[::2] for p in parts[3:])["resp"]
                    _, user, pw = base64.b64decode(resp).split(b"\0")
                    if pw == b"ok":
                        writer.write(f"OK\t{parts[1]}\tuser={user.decode()}\n".encode())
                    elif pw == b"temp":
                        writer.write(f"FAIL\t{parts[1]}\tuser={user.decode()}\tcode=temp_fail\ttemp\n".encode())
                    else:
                        writer.write(f"FAIL\t{parts[1]}\tuser={user.decode()}\n".encode())
                elif parts[0] == "AUTH" and parts[2] == "CRAM-MD5":
                    writer.write(f"CONT\t{parts[1]}\t{base64.b64encode(b'<1.2@x>').decode()}\n".encode())
                elif parts[0] == "CONT":
                    writer.write(f"OK\t{parts[1]}\tuser=alice@example.test\n".encode())
                await writer.drain()

        server = await asyncio.start_unix_server(handle, path=str(sock))
        auth = DovecotAuth(sock, timeout=5)
        ok = await auth.plain("Alice@example.test", "ok", client_ip="192.0.2.1", secured=True)
        assert ok.ok and ok.login == "Alice@example.test"
        bad = await auth.plain("alice@example.test", "no", client_ip="192.0.2.1", secured=False)
        assert not bad.ok and not bad.temporary
        temp = await auth.plain("alice@example.test", "temp", client_ip="192.0.2.1", secured=True)
        assert temp.temporary

        async def ask(challenge: bytes) -> bytes | None:
            assert challenge == b"<1.2@x>"
            return b"alice@example.test 0123"

        assert (await auth.cram_md5(ask, client_ip="192.0.2.1", secured=True)).ok
        assert auth.mechanisms == {"PLAIN", "CRAM-MD5"}
        assert seen[0] == "AUTH service=smtp nologin secured rip=192.0.2.1"
        assert "secured" not in seen[1]
        await auth.close()
        server.close()
        down = await DovecotAuth(sock.parent / "missing", timeout=1).plain("a", "b", client_ip="x", secured=True)
        assert down.temporary

    asyncio.run(story())


# --------------------------------------------------------------------------------------- TLS
def test_tls_reload_in_place(tmp_path: Path) -> None:
    from tayori.profiles.model import Profile
    from tayori.runtime.paths import StatePaths
    from tayori.runtime.smtpd.tls import ReloadingTLS
    from tayori.runtime.tlscert import make_self_signed

    paths = StatePaths.at(tmp_path)
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    make_self_signed("one.example.test", cert, key)
    profile = Profile.model_validate({"profile_version": 1, "tls": {"cert": str(cert), "key": str(key)}})
    tls = ReloadingTLS(profile, paths, check_interval=0)
    ctx = tls.context()
    assert not tls.check(force=True)
    key.write_text("not a key")  # a half-copied pair: keep serving the old one
    assert not tls.check(force=True) and tls.last_error
    make_self_signed("two.example.test", cert, key)
    assert tls.check(force=True) and tls.context() is ctx and tls.reloads == 1


# ----------------------------------------------------------------------------------- filters
def test_filter_rewrite_keeps_headers_single() -> None:
    out = filters.rewrite(b"Subject: hi\r\nX: y\r\n\r\nbody\r\n", ["[T]\r\nBcc: evil@x"], ["X-A: 1\nX-Injected: 2"])
    head = out.split(b"\r\n\r\n")[0].split(b"\r\n")
    assert head[0] == b"X-A: 1 X-Injected: 2"
    assert head[1] == b"Subject: [T]  Bcc: evil@x hi"
    no_subject = filters.rewrite(b"X: y\r\n\r\nbody\r\n", ["[T]"], [])
    assert b"Subject: [T]\r\n" in no_subject


def test_memory_stays_bounded_for_a_large_message(tmp_path: Path) -> None:
    """A message past the spool's memory limit goes to disk, not RAM (32 MiB never sits in memory)."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from smtpd_helpers import make_profile

    from tayori.runtime.queue import Queue, Spool
    from tayori.runtime.smtpd.memory import MemoryClient
    from tayori.runtime.smtpd.session import ServerContext, SessionFactory

    async def story() -> None:
        q = Queue(tmp_path / "q")
        ctx = ServerContext(make_profile(), q, log_sink=lambda _line: None)
        c = MemoryClient(SessionFactory(ctx), "smtp", "192.0.2.1")
        await c.connect()
        await c.cmd("EHLO c")
        await c.cmd("MAIL FROM:<a@example.org>")
        await c.cmd("RCPT TO:<alice@example.test>")
        spools: list[Spool] = []
        original = q.new_spool

        def tracked(memory_limit: int | None = None) -> Spool:
            spools.append(original(memory_limit))
            return spools[-1]

        q.new_spool = tracked  # type: ignore[method-assign]
        assert (await c.cmd("DATA"))[0] == 354
        line = b"y" * 998 + b"\r\n"
        c.send(b"Subject: big\r\n\r\n")
        for _ in range(3000):  # about 3 MB
            c.send(line)
            if spools and not spools[0].in_memory:
                break
        c.send(line * 10 + b".\r\n")
        code, _ = await c.reply(30)
        assert code == 250
        assert spools and not spools[0].in_memory
        q.close()

    asyncio.run(story())


@pytest.mark.live  # a server on loopback (DNS over UDP, or a unix socket)
def test_thread_safety_of_the_resolver_bridge() -> None:
    async def story() -> None:
        server = LoopbackDNS({("a.example", "A"): ["192.0.2.1"]})
        port = await server.start()
        r = DnsResolver(["127.0.0.1"], port=port, timeout=3, loop=asyncio.get_running_loop())
        results: list[list[str]] = []

        def worker() -> None:
            results.append(r.query("a.example", "A"))

        ts = [threading.Thread(target=worker) for _ in range(8)]
        for t in ts:
            t.start()
        while any(t.is_alive() for t in ts):
            await asyncio.sleep(0.01)
        assert results == [["192.0.2.1"]] * 8

    asyncio.run(story())
