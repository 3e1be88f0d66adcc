"""Connection accounting and sliding-window rate limits, per client address and in all.

aiosmtpd has no connection caps at all (aio-libs/aiosmtpd#282, wontfix), so the listeners count
connections themselves. Everything here is in-process and keyed by the client address as text;
IPv4-mapped IPv6 addresses count as their IPv4 form so one client cannot double its share.
"""

from __future__ import annotations

import collections
import functools
import ipaddress
import time
from collections.abc import Callable
from dataclasses import dataclass


@functools.lru_cache(maxsize=4096)
def client_key(ip: str) -> str:
    """The address a limit is kept for: IPv4-mapped IPv6 folded to IPv4, zone ids dropped."""
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return ip
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return str(addr.ipv4_mapped)
    return str(addr)


class ConnectionCounter:
    """Open connections of one listener: in all, and per client address."""

    def __init__(self, max_total: int, max_per_ip: int) -> None:
        self.max_total = max_total
        self.max_per_ip = max_per_ip
        self.total = 0
        self.per_ip: collections.Counter[str] = collections.Counter()

    def try_open(self, ip: str) -> str | None:
        """Count a new connection; returns None, or why it is refused ("total" / "per-ip")."""
        key = client_key(ip)
        if self.total >= self.max_total:
            return "total"
        if self.per_ip[key] >= self.max_per_ip:
            return "per-ip"
        self.total += 1
        self.per_ip[key] += 1
        return None

    def close(self, ip: str) -> None:
        key = client_key(ip)
        self.total = max(0, self.total - 1)
        self.per_ip[key] -= 1
        if self.per_ip[key] <= 0:
            del self.per_ip[key]


class SlidingWindow:
    """At most ``limit`` events per ``window`` seconds per key (a deque of timestamps per key).

    Memory is bounded: keys whose events have all expired are dropped, and at most ``max_keys`` keys
    are kept (the oldest are forgotten first, which can only make the limit more lenient)."""

    def __init__(
        self, limit: int | None, window: float = 60.0, max_keys: int = 100_000, clock: Callable[[], float] | None = None
    ) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self.clock = clock or time.monotonic
        self.events: collections.OrderedDict[str, collections.deque[float]] = collections.OrderedDict()

    def _prune(self, key: str, now: float) -> collections.deque[float] | None:
        q = self.events.get(key)
        if q is None:
            return None
        while q and now - q[0] >= self.window:
            q.popleft()
        if not q:
            del self.events[key]
            return None
        return q

    def allowed(self, key: str) -> bool:
        """Whether one more event is within the limit (does not record it)."""
        if self.limit is None:
            return True
        q = self._prune(client_key(key), self.clock())
        return q is None or len(q) < self.limit

    def hit(self, key: str) -> bool:
        """Record an event; returns whether it was within the limit."""
        if self.limit is None:
            return True
        key = client_key(key)
        now = self.clock()
        q = self._prune(key, now)
        if q is None:
            q = self.events[key] = collections.deque()
            while len(self.events) > self.max_keys:
                self.events.popitem(last=False)
        else:
            self.events.move_to_end(key)
        ok = len(q) < self.limit
        q.append(now)
        return ok

    def count(self, key: str) -> int:
        q = self._prune(client_key(key), self.clock())
        return 0 if q is None else len(q)

    def clear(self, key: str) -> None:
        self.events.pop(client_key(key), None)


@dataclass
class Lockout:
    """Failures per key within ``window``; after ``max_failures`` the key is locked for ``lockout`` s."""

    max_failures: int
    window: float
    lockout: float
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self.failures = SlidingWindow(self.max_failures, self.window, clock=self.clock)
        self.locked_until: dict[str, float] = {}

    def locked(self, key: str) -> bool:
        until = self.locked_until.get(key)
        if until is None:
            return False
        if self.clock() >= until:
            del self.locked_until[key]
            self.failures.clear(key)
            return False
        return True

    def fail(self, key: str) -> bool:
        """Record a failure; returns True when this failure locks the key."""
        self.failures.hit(key)
        if self.failures.count(key) >= self.max_failures:
            self.locked_until[key] = self.clock() + self.lockout
            if len(self.locked_until) > 100_000:
                now = self.clock()
                self.locked_until = {k: v for k, v in self.locked_until.items() if v > now}
            return True
        return False

    def succeed(self, key: str) -> None:
        self.failures.clear(key)
