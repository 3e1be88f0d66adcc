"""Where mail for a domain goes: MX lookup with dnspython's async resolver.

RFC 5321 §5.1: MX records sorted by preference (equal preferences shuffled), each host's AAAA and A
addresses; no MX at all means the domain itself is the mail host (implicit MX); a single MX ``0 .`` is a
null MX (RFC 7505): the domain accepts no mail, which is a permanent failure. Answers are cached for
their TTL, capped by ``delivery.mx_cache_time``.

Errors are split the way delivery needs them: :class:`PermanentDnsError` (the domain does not exist,
null MX, no address at all) bounces; :class:`TemporaryDnsError` (timeouts, SERVFAIL) defers.
"""

from __future__ import annotations

import ipaddress
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import dns.asyncresolver
import dns.exception
import dns.name
import dns.rdatatype
import dns.resolver

# Negative answers (NXDOMAIN, no data) are kept briefly: long enough to spare the DNS server a burst of
# retries for one message's recipients, short enough that a fixed zone is seen soon.
NEGATIVE_TTL = 60.0


class DnsError(Exception):
    """A lookup that did not give addresses; ``status`` is the RFC 3463 enhanced code for a DSN."""

    status = "4.4.3"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TemporaryDnsError(DnsError):
    status = "4.4.3"


class PermanentDnsError(DnsError):
    status = "5.1.2"


class NullMxError(PermanentDnsError):
    status = "5.1.10"


@dataclass(frozen=True)
class Hop:
    """One address to try: the MX host name (for logs and TLS SNI), its preference and an address."""

    host: str
    preference: int
    address: str


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class MxResolver:
    """Async MX/A/AAAA resolution with a TTL cache; one per delivery process.

    ``nameservers`` empty means the system's resolvers (/etc/resolv.conf). ``port`` exists for tests that
    run a DNS server on a loopback high port.
    """

    def __init__(
        self,
        nameservers: list[str] | None = None,
        *,
        port: int = 53,
        cache_cap: float | None = None,
        timeout: float = 10.0,
        ipv4: bool = True,
        ipv6: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if nameservers:
            self._resolver = dns.asyncresolver.Resolver(configure=False)
            self._resolver.nameservers = list(nameservers)
        else:
            try:
                self._resolver = dns.asyncresolver.Resolver()
            except dns.resolver.NoResolverConfiguration:
                self._resolver = dns.asyncresolver.Resolver(configure=False)
                self._resolver.nameservers = ["127.0.0.1"]
        self._resolver.port = port
        self._resolver.lifetime = timeout
        self.cache_cap = cache_cap
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self._clock = clock
        self._cache: dict[tuple[str, str], tuple[float, list[str] | DnsError]] = {}
        self.queries = 0  # DNS queries actually sent, for tests of the cache

    @classmethod
    def from_profile(cls, profile: object, **kw: object) -> MxResolver:
        server = profile.server  # type: ignore[attr-defined]
        delivery = profile.delivery  # type: ignore[attr-defined]
        return cls(
            list(server.resolvers),
            cache_cap=delivery.mx_cache_time,
            ipv4=server.ipv4,
            ipv6=server.ipv6,
            **kw,  # type: ignore[arg-type]
        )

    # -- raw lookups with the cache ----------------------------------------------------------------

    def _ttl(self, ttl: float) -> float:
        return ttl if self.cache_cap is None else min(ttl, float(self.cache_cap))

    async def _query(self, name: str, rdtype: str) -> list[str]:
        """Records of one type as text; [] for 'no such data'; raises DnsError otherwise."""
        key = (name.lower().rstrip("."), rdtype)
        now = self._clock()
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            if isinstance(hit[1], DnsError):
                raise hit[1]
            return hit[1]
        self.queries += 1
        try:
            answer = await self._resolver.resolve(dns.name.from_text(key[0]), rdtype, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            err = PermanentDnsError(f"{key[0]}: no such domain / ドメインが存在しません")
            self._cache[key] = (now + self._ttl(NEGATIVE_TTL), err)
            raise err from None
        except (dns.resolver.NoNameservers, dns.exception.Timeout, dns.resolver.LifetimeTimeout) as exc:
            raise TemporaryDnsError(f"{key[0]} {rdtype}: DNS lookup failed / DNS 照会に失敗: {exc}") from None
        except dns.exception.DNSException as exc:
            raise TemporaryDnsError(f"{key[0]} {rdtype}: DNS error / DNS エラー: {exc}") from None
        if answer.rrset is None:
            records: list[str] = []
            ttl = NEGATIVE_TTL
        else:
            records = [r.to_text() for r in answer.rrset]
            ttl = float(answer.rrset.ttl)
        self._cache[key] = (now + self._ttl(ttl), records)
        return records

    # -- what delivery uses ------------------------------------------------------------------------

    async def mx(self, domain: str) -> list[tuple[int, str]]:
        """(preference, host) in the order to try; ``[(0, domain)]`` for an implicit MX.

        Raises NullMxError for RFC 7505 null MX, PermanentDnsError for a domain that does not exist.
        """
        domain = domain.lower().rstrip(".")
        records = await self._query(domain, "MX")
        if not records:
            return [(0, domain)]
        parsed: list[tuple[int, str]] = []
        for text in records:
            pref, _, host = text.partition(" ")
            try:
                parsed.append((int(pref), host.rstrip(".").lower()))
            except ValueError:
                continue
        if any(h in ("", ".") for _, h in parsed) and len(parsed) == 1:
            raise NullMxError(f"{domain}: accepts no mail (null MX, RFC 7505) / このドメインはメールを受け付けません")
        parsed = [(p, h) for p, h in parsed if h not in ("", ".")]
        if not parsed:
            raise NullMxError(f"{domain}: accepts no mail (null MX, RFC 7505) / このドメインはメールを受け付けません")
        random.shuffle(parsed)  # equal preferences in random order (RFC 5321 §5.1); sort is stable
        parsed.sort(key=lambda ph: ph[0])
        return parsed

    async def addresses(self, host: str) -> list[str]:
        """IPv6 and IPv4 addresses of a host (per the profile's ipv4/ipv6), interleaved, v6 first."""
        host = host.strip("[]")
        if is_ip(host):
            return [host]
        v6: list[str] = []
        v4: list[str] = []
        errors: list[DnsError] = []
        if self.ipv6:
            try:
                v6 = await self._query(host, "AAAA")
            except DnsError as exc:
                errors.append(exc)
        if self.ipv4:
            try:
                v4 = await self._query(host, "A")
            except DnsError as exc:
                errors.append(exc)
        out: list[str] = []
        for i in range(max(len(v6), len(v4))):
            out.extend(x[i] for x in (v6, v4) if i < len(x))
        if not out and errors:
            # Any temporary error may hide an address: only a clean "does not exist" is permanent.
            temp = [e for e in errors if isinstance(e, TemporaryDnsError)]
            raise temp[0] if temp else errors[0]
        return out

    async def hops(self, domain: str) -> list[Hop]:
        """Every (MX host, address) to try, in order. Raises DnsError when there is none."""
        mx = await self.mx(domain)
        implicit = mx == [(0, domain.lower().rstrip("."))]
        hops: list[Hop] = []
        temp: TemporaryDnsError | None = None
        for pref, host in mx:
            try:
                addrs = await self.addresses(host)
            except TemporaryDnsError as exc:
                temp = exc
                continue
            except PermanentDnsError:
                if implicit:
                    raise PermanentDnsError(f"{domain}: no MX and no address / MX もアドレスもありません") from None
                continue
            hops.extend(Hop(host, pref, a) for a in addrs)
        if hops:
            return hops
        if temp is not None:
            raise temp
        raise PermanentDnsError(f"{domain}: no usable mail server address / 送信先サーバーのアドレスがありません")
