"""The `tayori.profiles.dnscheck.Resolver` protocol answered by dnspython's asyncio resolver.

The checks in `dnscheck` are plain synchronous functions (so the same code runs from a fixture in
`tayori probe`). smtpd runs them in a worker thread; this resolver's `query` hands each lookup to
dnspython's async resolver on the server's event loop and waits for it there, so DNS never blocks
the loop and no second resolver implementation exists. DNSBL answers are cached (size and time from
`policy.dnsbl`), because the same client addresses come back all day.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Sequence

import dns.asyncresolver
import dns.exception
import dns.resolver

from tayori.profiles.dnscheck import DnsTempError

DEFAULT_TIMEOUT = 5.0


def _text(rtype: str, rdata: object) -> str:
    if rtype == "MX":
        return f"{rdata.preference} {str(rdata.exchange).rstrip('.')}"  # type: ignore[attr-defined]
    if rtype == "TXT":
        return b"".join(rdata.strings).decode("utf-8", "replace")  # type: ignore[attr-defined]
    if rtype in ("PTR", "CNAME", "NS"):
        return str(rdata.target).rstrip(".")  # type: ignore[attr-defined]
    return str(rdata)


class DnsResolver:
    def __init__(
        self,
        nameservers: Sequence[str] = (),
        *,
        port: int = 53,
        timeout: float = DEFAULT_TIMEOUT,
        dnsbl_zones: Sequence[str] = (),
        cache_size: int = 1000,
        cache_time: float = 3600,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        if nameservers:
            self.resolver = dns.asyncresolver.Resolver(configure=False)
            self.resolver.nameservers = list(nameservers)
            self.resolver.port = port
        else:
            try:
                self.resolver = dns.asyncresolver.Resolver()
            except dns.resolver.NoResolverConfiguration:
                self.resolver = dns.asyncresolver.Resolver(configure=False)
                self.resolver.nameservers = ["127.0.0.1"]
        self.resolver.lifetime = timeout
        self.resolver.timeout = min(timeout, 2.0)
        self.timeout = timeout
        self.zones = tuple(z.lower().rstrip(".") for z in dnsbl_zones)
        self.cache_size = cache_size
        self.cache_time = cache_time
        self.cache: collections.OrderedDict[tuple[str, str], tuple[float, list[str]]] = collections.OrderedDict()
        self.loop = loop
        self.hits = 0

    def _cacheable(self, name: str) -> bool:
        return self.cache_size > 0 and any(name == z or name.endswith("." + z) for z in self.zones)

    async def aquery(self, name: str, rtype: str) -> list[str]:
        key = (name.lower().rstrip("."), rtype.upper())
        cacheable = self._cacheable(key[0])
        if cacheable:
            hit = self.cache.get(key)
            if hit is not None and time.monotonic() - hit[0] < self.cache_time:
                self.hits += 1
                self.cache.move_to_end(key)
                return list(hit[1])
        try:
            answer = await self.resolver.resolve(key[0], key[1], search=False, raise_on_no_answer=False)
            out = [_text(key[1], r) for r in answer] if answer.rrset is not None else []
        except dns.resolver.NXDOMAIN:
            out = []
        except (dns.exception.Timeout, dns.resolver.NoNameservers, dns.resolver.YXDOMAIN) as exc:
            raise DnsTempError(f"{name} {rtype}: {exc}") from None
        except dns.exception.DNSException as exc:
            raise DnsTempError(f"{name} {rtype}: {exc}") from None
        if cacheable:
            self.cache[key] = (time.monotonic(), out)
            while len(self.cache) > self.cache_size:
                self.cache.popitem(last=False)
        return list(out)

    def query(self, name: str, rtype: str) -> list[str]:
        """The synchronous protocol: call from a worker thread while the loop runs."""
        loop = self.loop
        if loop is None:
            raise RuntimeError("DnsResolver.query needs the event loop (set .loop)")
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            raise RuntimeError("DnsResolver.query would block the event loop: run the check in a thread")
        fut = asyncio.run_coroutine_threadsafe(self.aquery(name, rtype), loop)
        try:
            return fut.result(self.timeout + 1)
        except TimeoutError:
            fut.cancel()
            raise DnsTempError(f"{name} {rtype}: timeout") from None
