"""One SMTP session: an aiosmtpd 1.4.6 `SMTP` subclass wired to `smtp_guard` and the policy engine.

aiosmtpd is the transport; every decision comes from elsewhere:
- input hardening (bare CR/LF, line lengths, pipelining, early talkers, smuggling) from
  `tayori.runtime.smtp_guard`; `_handle_client` and `smtp_DATA` are small copies of the 1.4.6 bodies
  with the guard's calls inserted, as its header describes, and DATA streams into a queue spool
  instead of RAM;
- relay, sender and recipient decisions from `tayori.profiles.relay` (the same engine as
  `tayori probe` and the compiler's probe tables), DNS checks from `tayori.profiles.dnscheck`, in the
  same order as `tayori.profiles.probe.run_probe`;
- AUTH from an `AuthBackend` (Dovecot's auth socket in the server);
- the durable queue (`250` only after `Queue.commit` returned).

`SessionFactory` builds sessions for a listener. The same session runs over a real socket (the
server), or over `tayori.runtime.smtpd.memory` with any client address, an optional
pre-authenticated login, a fixture resolver and a null sink (`tayori probe`, tests).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import os
import re
import socket
import ssl
import time
import traceback
from asyncio import sslproto
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import Any, Protocol

from aiosmtpd.smtp import SMTP, TLSSetupException

from tayori.profiles import dnscheck
from tayori.profiles.dnscheck import Resolver
from tayori.profiles.model import Listener, Profile
from tayori.profiles.relay import Decision, Engine, Facts, PopLogin, engine_for
from tayori.runtime import smtp_guard as guard
from tayori.runtime.queue import Envelope, Recipient, Spool, new_queue_id
from tayori.runtime.smtpd import filters as content_filters
from tayori.runtime.smtpd.auth import AuthBackend, AuthLimiter
from tayori.runtime.smtpd.ratelimit import ConnectionCounter, SlidingWindow, client_key

SMTP_LISTENERS = ("smtp", "submission", "submissions")
FORBIDDEN_VERBS = frozenset({"GET", "POST", "HEAD", "PUT", "CONNECT", "OPTIONS", "USER", "PASS"})
PROTOCOL_ERROR_CODES = ("500", "501", "502", "503", "504")
_PRINTABLE = re.compile(r"[^\x21-\x7e]")


class QueueSink(Protocol):
    def new_spool(self, memory_limit: int | None = None) -> Spool: ...

    async def commit(self, spool: Spool, envelope: Envelope) -> Envelope: ...


class NullSink:
    """Accepts and forgets (probes): the session runs exactly as with a queue, nothing is stored."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or Path("/nonexistent-tayori-null-sink")
        self.committed: list[tuple[Envelope, bytes]] = []
        self.keep = False

    def new_spool(self, memory_limit: int | None = None) -> Spool:
        # Never spills: a probe's message is small, and the directory does not exist on purpose.
        return Spool(self.directory, new_queue_id(), memory_limit=1 << 62)

    async def commit(self, spool: Spool, envelope: Envelope) -> Envelope:
        envelope.id, envelope.size, envelope.sha256 = spool.id, spool.size, spool.sha256
        if self.keep:
            self.committed.append((envelope, spool.getvalue()))
        spool.discard()
        return envelope


def default_log(line: str) -> None:
    os.write(2, (line + "\n").encode("utf-8", "replace"))


def _escape(c: str) -> str:
    if c in '"\\':
        return "\\" + c
    return c if c.isprintable() else f"\\x{ord(c):02x}"


def _kv(value: object) -> str:
    s = str(value)
    if s == "" or any(c in s for c in ' "=\t') or not s.isprintable():
        body = "".join(
            c if c.isprintable() and c not in '"\\' else ("\\" + c if c in '"\\' else f"\\x{ord(c):02x}") for c in s
        )
        return f'"{body}"'
    return s


@dataclass
class ServerContext:
    """What every session of one process shares: the profile, services, limits and counters."""

    profile: Profile
    queue: QueueSink
    auth: AuthBackend | None = None
    resolver: Resolver | None = None
    tls: Any = None  # tls.ReloadingTLS, or anything with .context() -> SSLContext
    pop_logins: Callable[[str, float], tuple[PopLogin, ...]] | None = None
    quarantine_dir: Path | None = None
    wakeup_path: Path | None = None
    log_sink: Callable[[str], None] = default_log
    clock: Callable[[], float] = time.time
    # verifies SRS0 addresses (bounces to forwarded mail) at RCPT; unset: they are unknown users
    reverse_srs: Callable[[str], str | None] | None = None
    engine: Engine = field(init=False)
    limiter: AuthLimiter = field(init=False)
    counters: dict[str, ConnectionCounter] = field(init=False)
    conn_rate: SlidingWindow = field(init=False)
    msg_rate: SlidingWindow = field(init=False)
    data_filters: list[Any] = field(init=False)
    stats: dict[str, int] = field(default_factory=lambda: {"queued": 0, "rejected": 0, "connections": 0})

    def __post_init__(self) -> None:
        p = self.profile
        self.engine = Engine(p, self.reverse_srs) if self.reverse_srs is not None else engine_for(p)
        self.limiter = AuthLimiter(p.policy.auth)
        self.counters = {}
        for name in SMTP_LISTENERS:
            lst: Listener = getattr(p.listeners, name)
            self.counters[name] = ConnectionCounter(lst.max_connections, lst.max_per_ip)
        self.conn_rate = SlidingWindow(p.policy.limits.connections_per_minute_per_ip, 60.0)
        self.msg_rate = SlidingWindow(p.policy.limits.messages_per_minute_per_ip, 60.0)
        self.data_filters = content_filters.data_filters(p.filters)
        self._wake_sock: socket.socket | None = None

    def log(self, event: str, **kv: object) -> None:
        parts = [f"smtpd: {event}"] + [f"{k}={_kv(v)}" for k, v in kv.items() if v is not None]
        self.log_sink(" ".join(parts))

    def wake_delivery(self) -> None:
        if self.wakeup_path is None:
            return
        try:
            if self._wake_sock is None:
                self._wake_sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                self._wake_sock.setblocking(False)
            self._wake_sock.sendto(b"1", str(self.wakeup_path))
        except OSError:
            pass  # delivery may not listen; it polls the queue anyway


class _NoHooks:
    """aiosmtpd wants a handler object; every decision is made in the subclass."""


_NO_HOOKS = _NoHooks()
_COMMAND_TABLES: dict[type, tuple[tuple[str, str], ...]] = {}


def _command_table(cls: type) -> tuple[tuple[str, str], ...]:
    table = _COMMAND_TABLES.get(cls)
    if table is None:
        table = _COMMAND_TABLES[cls] = tuple((n[5:], n) for n in dir(cls) if n.startswith("smtp_"))
    return table


def _parse_path(arg: str, keyword: str) -> tuple[str | None, list[str]]:
    """`FROM:<a@b> PARAM=..` → ("a@b", ["PARAM=.."]); None for bad syntax. Source routes are kept
    in the address (the policy engine refuses them); `<>` gives ""."""
    if arg[: len(keyword)].upper() != keyword:
        return None, []
    rest = arg[len(keyword) :].strip()
    if rest.startswith("<"):
        end = rest.find(">")
        if end < 0:
            return None, []
        address, params = rest[1:end], rest[end + 1 :].split()
        if address.count('"') % 2:
            return None, []
    else:
        # RFC 5321 wants the brackets; old clients omit them (legacy servers took it)
        address, *params = rest.split() or [""]
    if any(c.isspace() or ord(c) < 32 for c in address):
        return None, []
    return address, params


class TayoriSMTP(SMTP):
    """The session. Create it through `SessionFactory`."""

    # aiosmtpd's own length checks must never fire before the guard's: the guard knows per-verb limits.
    command_size_limit = guard.MAX_AUTH_LINE + 2
    line_length_limit = guard.MAX_AUTH_LINE + 2

    def __init__(
        self,
        ctx: ServerContext,
        listener: str,
        *,
        implicit_tls: bool = False,
        client_ip: str | None = None,
        preauth_login: str | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self.ctx = ctx
        self.listener_name = listener
        self.lst: Listener = getattr(ctx.profile.listeners, listener)
        pol = ctx.profile.policy
        starttls = self.lst.tls == "starttls" and ctx.tls is not None and not implicit_tls
        self._init_aiosmtpd(
            hostname=ctx.profile.server.hostname,
            ident="ESMTP" if ctx.profile.server.hide_version else "ESMTP Tayori",
            tls_context=ctx.tls.context() if starttls else None,
            timeout=float(self.lst.timeout),
            data_size_limit=pol.limits.max_message_size,
            loop=loop or asyncio.get_event_loop(),
        )
        self.implicit_tls = implicit_tls
        self.client_override = client_ip
        self.preauth_login = preauth_login
        self.client_ip = client_ip or ""
        self.guard = guard.PipeliningGuard(advertise_pipelining=True)
        self.errors = 0
        self.counted = False
        self.closing = False
        self.tls_active = implicit_tls
        self._session_timer: asyncio.TimerHandle | None = None
        self.conn_headers: list[str] = []
        self.client_name: str | None = None
        self._reset_session_state()

    def _init_aiosmtpd(
        self,
        *,
        hostname: str,
        ident: str,
        tls_context: ssl.SSLContext | None,
        timeout: float,
        data_size_limit: int,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        """`SMTP.__init__` of aiosmtpd 1.4.6 without its per-connection reflection (`inspect.getmembers`
        over the class and the handler, about a millisecond per connection): the command table is
        built once per class. Only the attributes the inherited methods read are set."""
        self.__ident__ = ident
        self.loop = loop
        asyncio.StreamReaderProtocol.__init__(
            self,
            asyncio.StreamReader(loop=loop, limit=self.line_length_limit),
            client_connected_cb=self._cb_client_connected,
            loop=loop,
        )
        self.event_handler = _NO_HOOKS
        self.data_size_limit = data_size_limit
        self.enable_SMTPUTF8 = False
        self._decode_data = False
        self.hostname = hostname
        self.tls_context = tls_context
        self.require_starttls = False
        self._timeout_duration = timeout
        self._timeout_handle = None
        self._tls_handshake_okay = True
        self._tls_protocol = None
        self._original_transport = None
        self.session = None
        self.envelope = None
        self.transport = None
        self._handler_coroutine = None
        self._auth_require_tls = True
        self._proxy_timeout = None
        self._authenticator = None
        self._auth_callback = None
        self._auth_required = False
        self._auth_methods = {}
        self._handle_hooks = {}
        self._ehlo_hook_ver = None
        self._enforce_call_limit = False
        self._smtp_methods = {verb: getattr(self, name) for verb, name in _command_table(type(self))}

    # -- state ---------------------------------------------------------------------------------------
    def _reset_session_state(self) -> None:
        self.helo_name: str | None = None
        self.esmtp = False
        self.auth_login: str | None = self.preauth_login
        self.auth_how: str | None = "auth" if self.preauth_login else None
        self._reset_txn()

    def _reset_txn(self) -> None:
        self.mail_from: str | None = None
        self.mail_params: list[str] = []
        self.size_hint: int | None = None
        self.rcpts: list[str] = []
        self.mail_decision: Decision | None = None
        self.trace_headers: list[str] = []
        self.pop: tuple[PopLogin, ...] = ()

    @property
    def secure(self) -> bool:
        return self.tls_active

    def _facts(self, rcpt: str | None = None) -> Facts:
        return Facts(
            self.listener_name,
            self.client_ip,
            self.helo_name,
            self.auth_login,
            self.mail_from,
            rcpt,
            len(self.rcpts),
            self.size_hint,
            self.pop,
            self.ctx.clock(),
        )

    # -- connection ----------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        first = self.transport is None
        super().connection_made(transport)
        if first:
            peer = self.session.peer if self.session is not None else None
            if self.client_override is None:
                self.client_ip = client_key(peer[0]) if isinstance(peer, tuple) and peer else "unknown"
        elif self.session is not None:
            # STARTTLS finished: RFC 3207 4.2 — forget everything learned before the handshake.
            self.tls_active = True
            self._reset_session_state()

    def connection_lost(self, error: Exception | None) -> None:
        if self.counted:
            self.counted = False
            self.ctx.counters[self.listener_name].close(self.client_ip)
        if self._session_timer is not None:
            self._session_timer.cancel()
        super().connection_lost(error)

    def _timeout_cb(self) -> None:
        if isinstance(self.transport, asyncio.WriteTransport) and not self.transport.is_closing():
            with contextlib.suppress(Exception):
                self.transport.write(f"421 4.4.2 {self.hostname} Error: timeout exceeded\r\n".encode())
        self.ctx.log("timeout", client=self.client_ip, listener=self.listener_name)
        super()._timeout_cb()  # type: ignore[no-untyped-call]

    def _session_limit_cb(self) -> None:
        self.ctx.log("session-limit", client=self.client_ip, listener=self.listener_name)
        self._timeout_cb()

    async def push(self, status: str) -> None:  # type: ignore[override]
        if status[:3] in PROTOCOL_ERROR_CODES:
            self.errors += 1
        await super().push(status)

    async def _close(self, reply: str | None = None) -> None:
        self.closing = True
        if reply is not None:
            with contextlib.suppress(Exception):
                await super().push(reply)
        if self.transport is not None:
            self.transport.close()

    def _reject(self, stage: str, reply: str, d: Decision | None = None, **kv: object) -> None:
        self.ctx.stats["rejected"] += 1
        fields: dict[str, object] = {
            "stage": stage,
            "client": self.client_ip,
            "listener": self.listener_name,
            "helo": self.helo_name,
            "login": self.auth_login,
            "from": None if self.mail_from is None else f"<{self.mail_from}>",
        }
        fields.update(kv)
        fields["reply"] = reply
        if d is not None:
            fields.update(rule=d.rule, cell=d.cell, origin=d.origin)
        self.ctx.log("reject", **fields)

    async def _connect_checks(self) -> str | None:
        """Limits, DNSBL and reverse DNS at connect; returns the refusal reply or None."""
        ctx, ip = self.ctx, self.client_ip
        why = ctx.counters[self.listener_name].try_open(ip)
        if why is not None:
            self._reject("connect", "421 4.7.0 Too many connections", limit=f"max_connections:{why}")
            where = " from your address" if why == "per-ip" else ""
            return f"421 4.7.0 {self.hostname} Error: too many connections{where}"
        self.counted = True
        ctx.stats["connections"] += 1
        if not ctx.conn_rate.hit(ip):
            self._reject("connect", "421 4.7.0 connection rate", rule="policy.limits.connections_per_minute_per_ip")
            return f"421 4.7.0 {self.hostname} Error: too many connections per minute from your address"
        pol = ctx.profile.policy
        if pol.dnsbl.zones and ctx.resolver is not None:
            zones = [z.zone for z in pol.dnsbl.zones]
            for r in await asyncio.to_thread(dnscheck.dnsbl, ip, zones, ctx.resolver):
                if r.outcome != "listed":
                    continue
                zone = next(z for z in pol.dnsbl.zones if f"dnsbl:{z.zone}" == r.name)
                if zone.action == "refuse":
                    reply = f"554 5.7.1 Client host [{ip}] listed at {zone.zone}"
                    self._reject("connect", reply, rule="policy.dnsbl", origin=zone.origin)
                    return reply
                self.conn_headers.append(f"X-Tayori-DNSBL: {ip} listed at {zone.zone}")
        if pol.rdns != "off" and ctx.resolver is not None:
            r = await asyncio.to_thread(dnscheck.rdns, ip, ctx.resolver)
            if r.outcome == "pass":
                self.client_name = r.detail
            elif r.outcome == "fail" and pol.rdns == "refuse":
                reply = "550 5.7.25 Client host rejected: no valid reverse DNS name"
                self._reject("connect", reply, rule="policy.rdns")
                return reply
            elif r.outcome == "fail":
                self.conn_headers.append(f"X-Tayori-RDNS: none for {ip}")
            elif r.outcome == "tempfail" and pol.rdns == "refuse":
                reply = "450 4.7.25 Client host rejected: reverse DNS lookup failed, try later"
                self._reject("connect", reply, rule="policy.rdns")
                return reply
        return None

    # -- the command loop (aiosmtpd 1.4.6 _handle_client, with the guard inserted) -------------------
    async def _handle_client(self) -> None:
        try:
            await self._serve_client()
        except (asyncio.CancelledError, ConnectionError):
            raise
        except Exception as exc:  # never a silent death: say what happened, then drop the client
            where = " < ".join(f"{f.name}:{f.lineno}" for f in reversed(traceback.extract_tb(exc.__traceback__)))
            self.ctx.log("error", client=self.client_ip, error=repr(exc)[:300], where=where[:500])
            if self.transport is not None:
                self.transport.close()

    async def _serve_client(self) -> None:
        assert self.session is not None
        limit = self.lst.session_limit
        if limit:
            self._session_timer = self.loop.call_later(float(limit), self._session_limit_cb)
        try:
            refusal = await self._connect_checks()
        except Exception as exc:  # a resolver bug must not kill the listener
            self.ctx.log("error", stage="connect", client=self.client_ip, error=repr(exc))
            refusal = f"421 4.3.0 {self.hostname} Error: temporary failure"
        if refusal is not None:
            await self._close(refusal)
            return
        pause = float(self.ctx.profile.policy.limits.greet_pause)
        if pause > 0:
            await asyncio.sleep(pause)
        p = self.guard.before_greeting(len(self._reader._buffer))  # type: ignore[attr-defined]
        if p is not None:
            self._reject("greeting", p.reply, rule="policy.limits.greet_pause", problem=p.key)
            await self._close(p.reply)
            return
        await self.push(f"220 {self.hostname} {self.__ident__}")
        self.guard.greeting_sent()
        max_errors = self.ctx.profile.policy.limits.max_protocol_errors
        while self.transport is not None and not self.closing:
            try:
                try:
                    line: bytes = await self._reader.readuntil(b"\n")
                except asyncio.LimitOverrunError as error:
                    await self._reader.read(error.consumed)
                    while True:
                        try:
                            await self._reader.readuntil(b"\n")
                            break
                        except asyncio.LimitOverrunError as e:
                            await self._reader.read(e.consumed)
                    await self.push(guard.Problem.LINE_TOO_LONG.reply)
                    await self._after_error(max_errors)
                    continue
                except asyncio.IncompleteReadError:
                    break
                problem = guard.check_command_line(line, esmtp=self.esmtp)
                if problem is not None:
                    self._reject("command", problem.reply, problem=problem.key)
                    await self.push(problem.reply)
                    await self._after_error(max_errors)
                    continue
                line = line[:-2]
                if not line:
                    await self.push("500 5.5.2 Error: bad syntax")
                    await self._after_error(max_errors)
                    continue
                command_bytes, _, arg_bytes = line.partition(b" ")
                try:
                    command = command_bytes.upper().decode("ascii")
                except UnicodeDecodeError:
                    await self.push("500 5.5.2 Error: bad syntax")
                    await self._after_error(max_errors)
                    continue
                p = self.guard.on_command(command, pending=bool(self._reader._buffer))  # type: ignore[attr-defined]
                if p is not None:
                    self._reject("command", p.reply, problem=p.key, command=command)
                    await self._close(p.reply)
                    break
                if command in FORBIDDEN_VERBS or command.endswith(":"):
                    self._reject("command", "221 2.7.0 protocol confusion", command=command[:20])
                    await self._close("221 2.7.0 Error: I can break rules, too. Goodbye.")
                    break
                arg: str | None = None
                if arg_bytes:
                    try:
                        arg = arg_bytes.strip().decode("ascii")
                    except UnicodeDecodeError:
                        await self.push(
                            "553 5.6.7 Error: non-ASCII in a command; this server does not offer SMTPUTF8 "
                            "(send the address in ASCII)"
                        )
                        await self._after_error(max_errors)
                        continue
                method = self._smtp_methods.get(command)
                if method is None:
                    await self.push(f'500 5.5.2 Error: command "{command[:32]}" not recognized')
                    await self._after_error(max_errors)
                    continue
                self._reset_timeout()
                await method(arg)
                await self._after_error(max_errors)
            except asyncio.CancelledError:
                self._writer.close()
                raise
            except ConnectionError:
                self._writer.close()
                raise
            except Exception as error:
                if isinstance(error, OSError) and self.transport is None:
                    break
                if isinstance(error, TLSSetupException):
                    cause = error.__cause__
                    self.ctx.log("tls-failed", client=self.client_ip, listener=self.listener_name, error=repr(cause))
                    if self.transport is not None:
                        self.transport.close()
                    break
                self.ctx.log("error", client=self.client_ip, error=repr(error)[:300])
                with contextlib.suppress(Exception):
                    await self.push("451 4.3.0 Error: internal problem, try again later")

    async def _after_error(self, max_errors: int) -> None:
        if self.errors >= max_errors and not self.closing:
            self._reject("command", "421 too many errors", rule="policy.limits.max_protocol_errors")
            await self._close(f"421 4.7.0 {self.hostname} Error: too many errors")

    # -- greetings -----------------------------------------------------------------------------------
    async def _check_helo(self, name: str) -> bool:
        h = dnscheck.helo(name, self.client_ip, self.ctx.profile)
        if h.outcome == "fail":
            reply = f"550 5.7.1 HELO refused: {h.detail}"
            self._reject("helo", reply, rule="policy.helo", helo_arg=name[:80])
            await self.push(reply)
            return False
        return True

    async def smtp_HELO(self, hostname: str | None) -> None:
        if not hostname:
            await self.push("501 5.5.4 Syntax: HELO hostname")
            return
        if not await self._check_helo(hostname):
            return
        self._reset_txn()
        self.helo_name, self.esmtp = hostname, False
        assert self.session is not None
        self.session.host_name, self.session.extended_smtp = hostname, False
        await self.push(f"250 {self.hostname}")

    def _offered_mechanisms(self) -> list[str]:
        if not self.lst.auth or self.ctx.auth is None or self.auth_login is not None:
            return []
        if not (self.secure or self.lst.plaintext_auth_without_tls):
            return []
        return [m for m in self.lst.auth_mechanisms if m in ("PLAIN", "LOGIN", "CRAM-MD5")]

    async def smtp_EHLO(self, hostname: str | None) -> None:
        if not hostname:
            await self.push("501 5.5.4 Syntax: EHLO hostname")
            return
        if not await self._check_helo(hostname):
            return
        self._reset_txn()
        self.helo_name, self.esmtp = hostname, True
        assert self.session is not None
        self.session.host_name, self.session.extended_smtp = hostname, True
        lines = [
            self.hostname,
            "PIPELINING",
            f"SIZE {self.ctx.profile.policy.limits.max_message_size}",
            "8BITMIME",
            "ENHANCEDSTATUSCODES",
        ]
        if self.tls_context is not None and not self.secure:
            lines.append("STARTTLS")
        mechs = self._offered_mechanisms()
        if mechs:
            lines.append("AUTH " + " ".join(mechs))
        for i, text in enumerate(lines):
            await self.push(("250 " if i == len(lines) - 1 else "250-") + text)

    async def smtp_NOOP(self, arg: str | None) -> None:
        await self.push("250 2.0.0 OK")

    async def smtp_QUIT(self, arg: str | None) -> None:
        await self._close("221 2.0.0 Bye")

    async def smtp_RSET(self, arg: str | None) -> None:
        if arg:
            await self.push("501 5.5.4 Syntax: RSET")
            return
        self._reset_txn()
        await self.push("250 2.0.0 OK")

    async def smtp_HELP(self, arg: str | None) -> None:
        await self.push("214 2.0.0 See RFC 5321")

    async def smtp_VRFY(self, arg: str | None) -> None:
        if not arg:
            await self.push("501 5.5.4 Syntax: VRFY <address>")
            return
        if not self.ctx.profile.policy.vrfy:
            await self.push("252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery")
            return
        kind, _res = self.ctx.engine.recipient(arg.strip("<> "))
        if kind == "local":
            await self.push(f"250 2.1.5 <{arg.strip('<> ')}>")
        elif kind == "external":
            await self.push("252 2.5.0 Not a local address")
        else:
            await self.push("550 5.1.1 User unknown")

    async def smtp_EXPN(self, arg: str | None) -> None:
        await self.push("502 5.5.1 EXPN not available")

    async def smtp_STARTTLS(self, arg: str | None) -> None:
        if self.tls_context is None or self.secure:
            await self.push("502 5.5.1 STARTTLS not available" if self.tls_context is None else "503 5.5.1 Already TLS")
            return
        if arg:
            await self.push("501 5.5.4 Syntax: STARTTLS")
            return
        self.tls_context = self.ctx.tls.context()
        # aiosmtpd 1.4.6 smtp_STARTTLS, with an enhanced status code in the 220 (ENHANCEDSTATUSCODES
        # is advertised). connection_made() clears the reader buffer after the handshake, so plaintext
        # sent along with STARTTLS is never executed (CVE-2011-0411 class).
        await self.push("220 2.0.0 Ready to start TLS")
        waiter = self.loop.create_future()
        self._tls_protocol = sslproto.SSLProtocol(self.loop, self, self.tls_context, waiter, server_side=True)
        self._original_transport = self.transport
        assert self._original_transport is not None
        self._original_transport.set_protocol(self._tls_protocol)
        self.transport = self._tls_protocol._app_transport
        self._tls_protocol.connection_made(self._original_transport)
        try:
            await waiter
        except asyncio.CancelledError:
            raise
        except Exception as error:
            raise TLSSetupException() from error

    # -- AUTH ----------------------------------------------------------------------------------------
    async def _ask(self, challenge: bytes) -> bytes | None:
        await super().push("334 " + base64.b64encode(challenge).decode("ascii"))
        try:
            line = await self._reader.readuntil(b"\n")
        except asyncio.LimitOverrunError:
            await self._close(guard.Problem.LINE_TOO_LONG.reply)
            return None
        problem = guard.check_command_line(line, auth=True)
        if problem is not None:
            await self.push(problem.reply)
            return None
        blob = line.strip()
        if blob == b"*":
            await self.push("501 5.7.0 Authentication aborted")
            return None
        try:
            return base64.b64decode(blob, validate=True)
        except binascii.Error:
            await self.push("501 5.5.2 Cannot decode response")
            return None

    async def smtp_AUTH(self, arg: str | None) -> None:
        if not self.esmtp:
            await self.push("503 5.5.1 Error: send EHLO first")
            return
        if not self.lst.auth or self.ctx.auth is None:
            await self.push("502 5.5.1 Error: authentication not offered on this port")
            return
        if not (self.secure or self.lst.plaintext_auth_without_tls):
            await self.push("538 5.7.11 Encryption required for requested authentication mechanism")
            return
        if self.auth_login is not None:
            await self.push("503 5.5.1 Error: already authenticated")
            return
        if self.mail_from is not None:
            await self.push("503 5.5.1 Error: MAIL transaction in progress")
            return
        args = (arg or "").split()
        if not args or len(args) > 2:
            await self.push("501 5.5.4 Syntax: AUTH mechanism [initial-response]")
            return
        mech = args[0].upper()
        if mech not in self._offered_mechanisms():
            await self.push("504 5.5.4 Unrecognized authentication type")
            return
        ctx, ip = self.ctx, self.client_ip
        if ctx.limiter.locked(ip, None):
            self._reject("auth", "421 auth lockout", rule="policy.auth.max_failures")
            await self._close(f"421 4.7.0 {self.hostname} Error: too many failed logins, try again later")
            return
        login: str | None = None
        assert ctx.auth is not None
        if mech == "CRAM-MD5":
            seen: list[bytes] = []

            async def ask(challenge: bytes) -> bytes | None:
                answer = await self._ask(challenge)
                if answer is not None:
                    seen.append(answer)
                return answer

            outcome = await ctx.auth.cram_md5(ask, client_ip=ip, secured=True)
            if seen:
                login = seen[0].decode("utf-8", "surrogateescape").rpartition(" ")[0]
        else:
            if mech == "PLAIN":
                if len(args) == 2:
                    try:
                        raw: bytes | None = base64.b64decode(args[1], validate=True)
                    except binascii.Error:
                        await self.push("501 5.5.2 Cannot decode response")
                        return
                else:
                    raw = await self._ask(b"")
                if raw is None:
                    return
                parts = raw.split(b"\x00")
                if len(parts) != 3 or (parts[0] and parts[0] != parts[1]):
                    await self.push("501 5.5.2 Cannot split the PLAIN response")
                    return
                user_b, pass_b = parts[1], parts[2]
            else:  # LOGIN
                if len(args) == 2:
                    try:
                        first: bytes | None = base64.b64decode(args[1], validate=True)
                    except binascii.Error:
                        await self.push("501 5.5.2 Cannot decode response")
                        return
                else:
                    first = await self._ask(b"Username:")
                if first is None:
                    return
                second = await self._ask(b"Password:")
                if second is None:
                    return
                user_b, pass_b = first, second
            login = user_b.decode("utf-8", "surrogateescape")
            if ctx.limiter.locked(ip, login):
                outcome = None
            else:
                outcome = await ctx.auth.plain(
                    login, pass_b.decode("utf-8", "surrogateescape"), client_ip=ip, secured=True
                )
        if outcome is not None and outcome.temporary:
            self._reject("auth", "454 temporary", login_tried=login, error=outcome.reason)
            await self.push("454 4.7.0 Temporary authentication failure")
            return
        if outcome is None or not outcome.ok:
            locked = ctx.limiter.failed(ip, login)
            self._reject("auth", "535 5.7.8", login_tried=(login or "")[:64], mechanism=mech)
            if locked and ctx.limiter.locked(ip, None):
                await self._close(f"421 4.7.0 {self.hostname} Error: too many failed logins, try again later")
                return
            await self.push("535 5.7.8 Authentication credentials invalid")
            return
        ctx.limiter.succeeded(ip, outcome.login or login or "")
        self.auth_login = (outcome.login or login or "").lower()
        self.auth_how = "auth"
        if self.session is not None:
            self.session.authenticated = True
        ctx.log("auth", client=ip, listener=self.listener_name, login=self.auth_login, mechanism=mech)
        await self.push("235 2.7.0 Authentication successful")

    # -- transaction ---------------------------------------------------------------------------------
    async def _mail_dns_checks(self, d: Decision) -> Decision:
        """Sender domain and SPF, as `probe.run_probe` orders them; records SPF for the header."""
        pol, ctx = self.ctx.profile.policy, self.ctx
        sender = self.mail_from or ""
        if not sender or d.authenticated_as is not None or ctx.resolver is None:
            return d
        if pol.unknown_sender_domain == "refuse":
            r = await asyncio.to_thread(dnscheck.sender_domain, sender, ctx.resolver)
            if r.outcome == "fail":
                return Decision(False, 550, "5.1.8", "Sender domain does not exist", "policy.unknown_sender_domain")
            if r.outcome == "tempfail":
                return Decision(False, 451, "4.1.8", "Sender domain not resolvable now", "policy.unknown_sender_domain")
        if pol.spf != "off":
            r = await asyncio.to_thread(dnscheck.spf, self.client_ip, sender, self.helo_name, ctx.resolver)
            if r.outcome == "fail" and pol.spf == "refuse":
                return Decision(False, 550, "5.7.23", "SPF check failed", "policy.spf")
            if r.outcome != "skipped":
                domain = sender.rpartition("@")[2]
                self.trace_headers.append(
                    f"Authentication-Results: {self.hostname}; spf={r.outcome} "
                    f"smtp.mailfrom={_PRINTABLE.sub('', domain)[:255]}"
                )
        return d

    async def smtp_MAIL(self, arg: str | None) -> None:
        pol = self.ctx.profile.policy
        if self.helo_name is None and pol.helo.require:
            await self.push("503 5.5.1 Error: send HELO/EHLO first")
            return
        if self.listener_name == "submission" and self.lst.tls_required and self.tls_context and not self.secure:
            await self.push("530 5.7.0 Must issue a STARTTLS command first")
            return
        if self.mail_from is not None:
            await self.push("503 5.5.1 Error: nested MAIL command")
            return
        address, params = _parse_path(arg or "", "FROM:")
        if address is None:
            await self.push("501 5.5.4 Syntax: MAIL FROM:<address>")
            return
        if params and not self.esmtp:
            await self.push("501 5.5.4 Syntax: MAIL FROM:<address> (parameters need EHLO)")
            return
        size: int | None = None
        kept: list[str] = []
        for prm in params:
            key, _, value = prm.partition("=")
            key = key.upper()
            if key == "SIZE" and value.isdigit():
                size = int(value)
            elif key == "BODY" and value.upper() in ("7BIT", "8BITMIME"):
                kept.append(f"BODY={value.upper()}")
            elif key == "SMTPUTF8":
                await self.push(
                    "555 5.6.7 SMTPUTF8 is not offered: this server cannot carry internationalized addresses"
                )
                return
            else:
                await self.push(f"555 5.5.4 MAIL parameter {key[:20]} not recognized")
                return
        if not self.ctx.msg_rate.allowed(self.client_ip):
            reply = "450 4.7.1 Error: too many messages from your address, slow down"
            self._reject("mail", reply, rule="policy.limits.messages_per_minute_per_ip")
            await self.push(reply)
            return
        self.mail_from, self.size_hint = address, size
        if pol.pop_before_smtp.enabled and self.ctx.pop_logins is not None and self.auth_login is None:
            self.pop = self.ctx.pop_logins(self.client_ip, float(pol.pop_before_smtp.window))
        try:
            d = self.ctx.engine.decide(self._facts())
            if d.accept:
                d = await self._mail_dns_checks(d)
        except Exception as exc:
            self.ctx.log("error", stage="mail", client=self.client_ip, error=repr(exc)[:300])
            d = Decision(False, 451, "4.3.0", "Temporary problem, try again later", "smtpd")
        if not d.accept:
            self._reject("mail", d.reply, d)
            self._reset_txn()
            await self.push(d.reply)
            return
        self.mail_decision = d
        self.mail_params = kept
        if size is not None:
            self.mail_params.append(f"SIZE={size}")
        if d.authenticated_as is not None and self.auth_login is None:
            self.auth_how = "pop-before-smtp"
        await self.push("250 2.1.0 Sender OK")

    async def smtp_RCPT(self, arg: str | None) -> None:
        if self.mail_from is None:
            await self.push("503 5.5.1 Error: need MAIL command")
            return
        address, params = _parse_path(arg or "", "TO:")
        if address is None or address == "":
            await self.push("501 5.5.4 Syntax: RCPT TO:<address>")
            return
        if params:
            await self.push(f"555 5.5.4 RCPT parameter {params[0].partition('=')[0][:20]} not recognized")
            return
        try:
            d = self.ctx.engine.decide(self._facts(address))
        except Exception as exc:
            self.ctx.log("error", stage="rcpt", client=self.client_ip, error=repr(exc)[:300])
            d = Decision(False, 451, "4.3.0", "Temporary problem, try again later", "smtpd")
        if not d.accept:
            self._reject("rcpt", d.reply, d, to=f"<{address}>")
            await self.push(d.reply)
            return
        self.rcpts.append(address)
        await self.push(f"{d.code} {d.status} {d.text}")

    def _received(self, qid: str) -> str:
        helo = _PRINTABLE.sub("", self.helo_name or "unknown")[:100] or "unknown"
        name = self.client_name or "unknown"
        proto = "ESMTP" if self.esmtp else "SMTP"
        if self.esmtp:
            proto += ("S" if self.secure else "") + ("A" if self.auth_login else "")
        tls = ""
        if self.secure and self.transport is not None:
            ssl_obj = self.transport.get_extra_info("ssl_object")
            if ssl_obj is not None:
                tls = f"\r\n\t(using {ssl_obj.version()} with cipher {ssl_obj.cipher()[0]})"
        rcpt = f"\r\n\tfor <{_PRINTABLE.sub('', self.rcpts[0])[:256]}>" if len(self.rcpts) == 1 else ""
        date = formatdate(self.ctx.clock(), localtime=False)
        return (
            f"Received: from {helo} ({name} [{self.client_ip}]){tls}\r\n\tby {self.hostname} with {proto} "
            f"id {qid}{rcpt};\r\n\t{date}\r\n"
        )

    async def smtp_DATA(self, arg: str | None) -> None:
        if self.mail_from is None:
            await self.push("503 5.5.1 Error: need MAIL command")
            return
        if not self.rcpts:
            await self.push("554 5.5.1 Error: no valid recipients")
            return
        if arg:
            await self.push("501 5.5.4 Syntax: DATA")
            return
        ctx = self.ctx
        spool = ctx.queue.new_spool()
        try:
            head = "".join(h + "\r\n" for h in [*self.conn_headers, *self.trace_headers]) + self._received(spool.id)
            spool.write(head.encode("ascii", "replace"))
            reader = guard.DataReader(max_size=ctx.profile.policy.limits.max_message_size, sink=spool.write)
            await self.push("354 End data with <CR><LF>.<CR><LF>")
            res = None
            while res is None:
                chunk = await self._reader.read(65536)
                if not chunk:
                    spool.discard()
                    return
                self._reset_timeout()
                res = reader.feed(chunk)
            if res.unconsumed:
                self._reader._buffer[:0] = res.unconsumed  # type: ignore[attr-defined]
            p = self.guard.on_data_end(pending=bool(self._reader._buffer))  # type: ignore[attr-defined]
            if p is not None:
                spool.discard()
                self._reject("data", p.reply, problem=p.key)
                self._reset_txn()
                await self._close(p.reply)
                return
            if res.problem is not None:
                spool.discard()
                self._reject("data", res.problem.reply, problem=res.problem.key, size=res.size)
                self._reset_txn()
                await self.push(res.problem.reply)
                return
            ctx.msg_rate.hit(self.client_ip)
            if ctx.data_filters:
                spool, verdict = await self._apply_filters(spool)
                if verdict is not None:
                    self._reset_txn()
                    await self.push(verdict)
                    return
            env = Envelope.new(
                self.mail_from,
                [Recipient(r) for r in self.rcpts],
                client_ip=self.client_ip,
                client_name=self.client_name,
                helo=self.helo_name,
                auth=self.auth_login,
                listener=self.listener_name,
                mail_params=list(self.mail_params),
            )
            try:
                env = await ctx.queue.commit(spool, env)
            except OSError as exc:
                ctx.log("error", stage="queue", client=self.client_ip, error=str(exc))
                self._reset_txn()
                await self.push("452 4.3.1 Error: insufficient system storage, try again later")
                return
        except BaseException:
            spool.discard()
            raise
        ctx.stats["queued"] += 1
        ctx.log(
            "queued",
            id=env.id,
            client=self.client_ip,
            listener=self.listener_name,
            login=self.auth_login,
            **{"from": f"<{env.mail_from}>"},
            rcpts=len(env.rcpts),
            size=env.size,
        )
        ctx.wake_delivery()
        self._reset_txn()
        await self.push(f"250 2.0.0 Ok: queued as {env.id}")

    async def _apply_filters(self, spool: Spool) -> tuple[Spool, str | None]:
        """Run DATA filters; returns the spool to queue (maybe rewritten) or the reply that ends it."""
        ctx = self.ctx
        content = spool.getvalue()
        out = await asyncio.to_thread(content_filters.evaluate, ctx.data_filters, content)
        if out.action == "reject":
            spool.discard()
            reply = f"550 5.7.1 {_PRINTABLE.sub(' ', out.reply or 'Message content rejected').strip()[:200]}"
            self._reject("data", reply, rule=",".join(out.matched))
            return spool, reply
        if out.action == "quarantine":
            spool.discard()
            qid = spool.id
            if ctx.quarantine_dir is not None:
                await asyncio.to_thread(_quarantine, ctx.quarantine_dir, qid, content, self)
            ctx.log("quarantined", id=qid, client=self.client_ip, rule=",".join(out.matched))
            return spool, f"250 2.0.0 Ok: queued as {qid}"
        if out.tags or out.headers:
            new = content_filters.rewrite(content, out.tags, out.headers)
            directory, qid, limit = spool.path.parent, spool.id, spool.memory_limit
            spool.discard()
            spool = Spool(directory, qid, limit)
            spool.write(new)
            ctx.log("filtered", id=qid, client=self.client_ip, rule=",".join(out.matched))
        return spool, None


def _quarantine(directory: Path, qid: str, content: bytes, s: TayoriSMTP) -> None:
    """Quarantined mail is kept durably too: the client was told 250."""
    directory.mkdir(parents=True, exist_ok=True)
    meta = {"id": qid, "mail_from": s.mail_from, "rcpts": s.rcpts, "client_ip": s.client_ip, "received": time.time()}
    for name, data in ((f"{qid}.eml", content), (f"{qid}.json", json.dumps(meta).encode())):
        tmp = directory / f".{name}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(tmp, directory / name)
    dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


class SessionFactory:
    """Builds sessions of one process: `factory.protocol("smtp")` for `loop.create_server`."""

    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx

    def protocol(
        self,
        listener: str,
        *,
        implicit_tls: bool = False,
        client_ip: str | None = None,
        preauth_login: str | None = None,
    ) -> TayoriSMTP:
        return TayoriSMTP(
            self.ctx, listener, implicit_tls=implicit_tls, client_ip=client_ip, preauth_login=preauth_login
        )

    def factory_for(self, listener: str, *, implicit_tls: bool = False) -> Callable[[], TayoriSMTP]:
        return lambda: self.protocol(listener, implicit_tls=implicit_tls)
