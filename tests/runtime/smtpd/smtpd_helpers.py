"""Helpers for smtpd tests: profiles from YAML text, in-memory sessions (imported by the tests)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from tayori.profiles.dnscheck import FixtureResolver
from tayori.profiles.model import Profile
from tayori.profiles.relay import PopLogin
from tayori.runtime.smtpd.auth import StaticAuth
from tayori.runtime.smtpd.memory import MemoryClient
from tayori.runtime.smtpd.session import NullSink, ServerContext, SessionFactory

BASE = """
profile_version: 1
server: {hostname: mx.example.test}
listeners:
  smtp: {bind: [127.0.0.1], port: 2525}
  submission: {bind: [127.0.0.1], port: 2587}
  submissions: {bind: [127.0.0.1], port: 2465}
domains:
  - name: example.test
accounts:
  - address: alice@example.test
  - address: bob@example.test
    send_as: [sales@example.test]
aliases:
  - address: postmaster@example.test
    targets: [alice@example.test]
"""


def make_profile(extra: str = "", **override: Any) -> Profile:
    data = yaml.safe_load(BASE)
    if extra:
        more = yaml.safe_load(extra)
        for k, v in more.items():
            if isinstance(v, dict) and isinstance(data.get(k), dict):
                data[k] = {**data[k], **v}
            else:
                data[k] = v
    data.update(override)
    return Profile.model_validate(data)


class FakeTLS:
    """Enough TLS for in-memory sessions: STARTTLS is advertised, the handshake never runs here."""

    def __init__(self) -> None:
        import ssl

        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)

    def context(self) -> Any:
        return self.ctx


class Harness:
    def __init__(
        self,
        profile: Profile,
        *,
        dns: dict[str, Any] | None = None,
        passwords: dict[str, str] | None = None,
        pop: list[PopLogin] | None = None,
        quarantine: Path | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.sink = NullSink()
        self.sink.keep = True
        self.logs: list[str] = []
        pops = pop or []
        self.ctx = ServerContext(
            profile,
            self.sink,
            auth=StaticAuth(passwords or {"alice@example.test": "secret", "bob@example.test": "hunter2"}),
            resolver=FixtureResolver(dns) if dns is not None else None,
            pop_logins=(lambda ip, window: tuple(p for p in pops if p.ip == ip)),
            quarantine_dir=quarantine,
            tls=FakeTLS(),
            log_sink=self.logs.append,
            clock=clock or time.time,
        )
        self.factory = SessionFactory(self.ctx)

    async def client(self, listener: str = "smtp", ip: str = "203.0.113.5", **kw: Any) -> MemoryClient:
        c = MemoryClient(self.factory, listener, ip, **kw)
        await c.connect()
        return c

    @property
    def queued(self) -> list[Any]:
        return self.sink.committed


def run(coro: Any) -> Any:
    return asyncio.run(coro)
