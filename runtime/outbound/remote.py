"""The one entry point the delivery process calls for remote recipients: :func:`deliver_remote`.

Per call: read the queued message, DKIM-sign it once (when a local domain's key applies), group the
recipients by domain, and for each domain (concurrently) pick the route (smart host or MX), then try
its addresses in order until one server gives every recipient an answer. One transaction carries all
recipients of a domain. Limits shared by all calls of a process: ``delivery.parallelism`` sessions at
once, ``delivery.per_destination`` sessions per domain or relay. Idle sessions are kept for a moment
and reused by the next message to the same server (as Postfix's connection cache).

It never raises for delivery problems: every recipient gets a :class:`Result` (delivered, deferred
with a 4xx-class reason, failed with a 5xx-class reason for the DSN). It never touches the queue.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tayori.runtime.outbound.dkim import DkimError, Signer
from tayori.runtime.outbound.mx import DnsError, Hop, MxResolver, is_ip
from tayori.runtime.outbound.result import Result, clean
from tayori.runtime.outbound.routes import Route, route_for
from tayori.runtime.outbound.smtp_client import Session, SessionError, SessionOptions, open_session
from tayori.runtime.paths import StatePaths

__all__ = ["Outbound", "Result", "deliver_remote"]

log = logging.getLogger("tayori.delivery.remote")

IDLE_SESSION_TIME = 2.0  # seconds an idle connection is kept for the next message (Postfix: 2 s)
MAX_SESSION_REUSE = 100


@dataclass
class _Idle:
    session: Session
    since: float
    uses: int


@dataclass
class Outbound:
    """Per-process outbound state: resolver, signer, limits, connection cache.

    ``deliver_remote`` keeps one per profile; tests and the benchmark may build their own (e.g. with a
    resolver on a high port, or ``mx_port`` for peers on loopback).
    """

    profile: Any
    secrets: dict[str, Any]
    paths: StatePaths
    resolver: MxResolver | None = None
    mx_port: int = 25
    dkim: bool = True
    _pool: ThreadPoolExecutor | None = None
    _global: asyncio.Semaphore | None = None
    _per_dest: dict[str, asyncio.Semaphore] = field(default_factory=dict)
    _idle: dict[tuple[Any, ...], list[_Idle]] = field(default_factory=dict)
    _signer: Signer | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    def __post_init__(self) -> None:
        d = self.profile.delivery
        if self.resolver is None:
            self.resolver = MxResolver.from_profile(self.profile, timeout=float(d.connect_timeout))
        self._pool = ThreadPoolExecutor(max_workers=d.parallelism + 2, thread_name_prefix="tayori-smtp")
        self._signer = Signer(self.profile, self.paths) if self.dkim else None

    # -- limits ------------------------------------------------------------------------------------

    def _sem_global(self) -> asyncio.Semaphore:
        if self._global is None:
            self._global = asyncio.Semaphore(self.profile.delivery.parallelism)
        return self._global

    def _sem_dest(self, key: str) -> asyncio.Semaphore:
        sem = self._per_dest.get(key)
        if sem is None:
            sem = self._per_dest[key] = asyncio.Semaphore(self.profile.delivery.per_destination)
        return sem

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    # -- the entry point ---------------------------------------------------------------------------

    async def deliver(
        self,
        envelope_id: str,
        mail_from: str,
        rcpts: list[str],
        message_path: str | os.PathLike[str],
        *,
        mail_params: list[str] | None = None,
    ) -> dict[str, Result]:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            # asyncio primitives belong to one loop; a new loop (tests, a restarted worker) gets new ones.
            self._loop, self._global, self._per_dest = loop, None, {}
        results: dict[str, Result] = {}
        by_domain: dict[str, list[str]] = OrderedDict()
        for r in dict.fromkeys(rcpts):
            local, at, dom = r.rpartition("@")
            if not at or not local or not dom or any(c in r for c in "\r\n <>"):
                results[r] = Result.failed(f"bad recipient address <{clean(r)}> / 宛先アドレスが不正です", "5.1.3")
                continue
            by_domain.setdefault(dom.lower().rstrip("."), []).append(r)
        if not by_domain:
            return results
        try:
            data = await self._run(Path(message_path).read_bytes)
        except OSError as exc:
            reason = f"cannot read queued message / キューのメッセージを読めません: {exc}"
            return results | {r: Result.deferred(reason, "4.3.0") for rs in by_domain.values() for r in rs}
        if self._signer is not None:
            try:
                data = await self._run(self._signer.sign, data, mail_from)
            except DkimError as exc:
                log.warning(
                    "delivery: dkim-failed id=%s error=%r (sent unsigned / 署名なしで送信)", envelope_id, str(exc)
                )
        sender_domain = mail_from.rpartition("@")[2] if "@" in mail_from else None
        params = list(mail_params or [])
        done = await asyncio.gather(
            *(
                self._deliver_domain(envelope_id, dom, rs, mail_from, sender_domain, data, params)
                for dom, rs in by_domain.items()
            )
        )
        for part in done:
            results.update(part)
        return results

    async def _deliver_domain(
        self,
        qid: str,
        domain: str,
        rcpts: list[str],
        mail_from: str,
        sender_domain: str | None,
        data: bytes,
        params: list[str],
    ) -> dict[str, Result]:
        route = route_for(self.profile, self.secrets, domain, sender_domain)
        assert self.resolver is not None
        try:
            if route.kind == "relay":
                host = route.host or ""
                addrs = [host.strip("[]")] if is_ip(host) else await self.resolver.addresses(host)
                hops = [Hop(host, 0, a) for a in addrs]
                port = route.port
            else:
                hops = await self.resolver.hops(domain)
                port = self.mx_port
        except DnsError as exc:
            make = Result.failed if exc.status.startswith("5") else Result.deferred
            res = make(exc.message, exc.status)
            self._log(qid, rcpts, route, None, res)
            return dict.fromkeys(rcpts, res)
        key = route.key if route.kind == "relay" else f"mx:{domain}"
        async with self._sem_dest(key), self._sem_global():
            return await self._try_hops(qid, route, hops, port, rcpts, mail_from, data, params)

    async def _try_hops(
        self,
        qid: str,
        route: Route,
        hops: list[Hop],
        port: int,
        rcpts: list[str],
        mail_from: str,
        data: bytes,
        params: list[str],
    ) -> dict[str, Result]:
        last: Result | None = None
        for hop in hops:
            try:
                session, uses = await self._session(route, hop, port)
            except SessionError as exc:
                last = exc.result
                log.info(
                    "delivery: connect-failed id=%s relay=%s[%s]:%d reply=%r",
                    qid,
                    hop.host,
                    hop.address,
                    port,
                    exc.result.reply,
                )
                continue
            try:
                res: dict[str, Result] = await self._run(session.send, mail_from, rcpts, data, params)
            except SessionError as exc:
                last = exc.result
                session.close()
                if not exc.try_next:
                    self._log(qid, rcpts, route, hop, exc.result)
                    return dict.fromkeys(rcpts, exc.result)
                continue
            self._keep(route, hop, port, session, uses)
            for r, x in res.items():
                self._log(qid, [r], route, hop, x, session.encrypted)
            return res
        if last is None:
            last = Result.deferred("no server to try / 接続先がありません", "4.4.1")
        elif last.status == "failed":
            # Every server refused the session itself (e.g. 554 greeting): the domain refuses us.
            pass
        else:
            last = Result(
                "deferred",
                last.reply,
                last.code,
                last.dsn_status if last.dsn_status.startswith("4") else "4.4.1",
                last.remote_mta,
            )
        self._log(qid, rcpts, route, None, last)
        return dict.fromkeys(rcpts, last)

    # -- connection cache --------------------------------------------------------------------------

    def _cache_key(self, route: Route, hop: Hop, port: int) -> tuple[Any, ...]:
        return (hop.address, port, route.tls, route.auth_user)

    async def _session(self, route: Route, hop: Hop, port: int) -> tuple[Session, int]:
        key = self._cache_key(route, hop, port)
        now = time.monotonic()
        idle = self._idle.get(key) or []
        while idle:
            item = idle.pop()
            if now - item.since <= IDLE_SESSION_TIME and await self._run(_reset_ok, item.session):
                return item.session, item.uses
            await self._run(item.session.close)
        opts = SessionOptions(
            helo=self.profile.server.helo_name or self.profile.server.hostname,
            tls=route.tls,
            timeout=float(self.profile.delivery.connect_timeout),
            auth_user=route.auth_user,
            password=route.password,
            server_name=hop.host,
        )
        return await self._run(open_session, hop.address, port, opts), 0

    def _keep(self, route: Route, hop: Hop, port: int, session: Session, uses: int) -> None:
        if session.smtp is None or uses + 1 >= MAX_SESSION_REUSE:
            session.close()
            return
        now = time.monotonic()
        for k, items in list(self._idle.items()):
            for it in [i for i in items if now - i.since > IDLE_SESSION_TIME]:
                items.remove(it)
                self._pool.submit(it.session.close) if self._pool else it.session.close()
            if not items:
                del self._idle[k]
        self._idle.setdefault(self._cache_key(route, hop, port), []).append(_Idle(session, now, uses + 1))

    async def close(self) -> None:
        for items in self._idle.values():
            for it in items:
                await self._run(it.session.close)
        self._idle.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=False)

    # -- logging -----------------------------------------------------------------------------------

    def _log(self, qid: str, rcpts: list[str], route: Route, hop: Hop | None, res: Result, tls: bool = False) -> None:
        relay = f"{hop.host}[{hop.address}]" if hop else (route.host or "-")
        for r in rcpts:
            log.info(
                'delivery: remote id=%s to=<%s> relay=%s route=%s tls=%s status=%s reply="%s"',
                qid,
                clean(r),
                relay,
                route.origin,
                "yes" if tls else "no",
                res.status,
                res.reply,
            )


def _reset_ok(session: Session) -> bool:
    if session.smtp is None:
        return False
    try:
        return session.smtp.rset()[0] == 250
    except Exception:  # any failure means the cached connection is dead
        session.close()
        return False


_instances: OrderedDict[int, tuple[Any, Outbound]] = OrderedDict()


async def deliver_remote(
    profile: Any,
    secrets: dict[str, Any] | None,
    paths: StatePaths,
    envelope_id: str,
    mail_from: str,
    rcpts: list[str],
    message_path: str | os.PathLike[str],
    *,
    mail_params: list[str] | None = None,
) -> dict[str, Result]:
    """Deliver one queued message to its remote recipients; one :class:`Result` per recipient.

    - ``delivered``: the remote server answered 250 after DATA;
    - ``deferred``: try again later (4xx, no answer, DNS trouble, TLS required but not offered);
      ``reply`` says why, ``dsn_status`` is 4.x.x;
    - ``failed``: permanent (5xx, domain does not exist, null MX): bounce with
      :func:`tayori.runtime.outbound.dsn.make_dsn`, using ``reply``/``dsn_status``/``remote_mta``.

    ``mail_params`` are the envelope's MAIL FROM parameters (``BODY=8BITMIME``, ``SMTPUTF8``…), passed on
    when the remote server supports them. State (resolver cache, connection cache, limits) is kept per
    profile object for the life of the process.
    """
    key = id(profile)
    entry = _instances.get(key)
    if entry is None or entry[0] is not profile:
        entry = (profile, Outbound(profile, dict(secrets or {}), paths))
        _instances[key] = entry
        while len(_instances) > 4:
            _, (_, old) = _instances.popitem(last=False)
            await old.close()
    return await entry[1].deliver(envelope_id, mail_from, rcpts, message_path, mail_params=mail_params)
