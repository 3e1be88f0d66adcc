"""Which way mail for one recipient domain leaves: MX lookup, or a smart host (gateway).

Order, first match wins:
1. ``delivery.routes``: per destination, the recipient domain matched against ``domains`` patterns
   (``*`` wildcard, as XMail ``smtpgw.tab`` and PMailServer2's 転送 settings express it);
2. ``domains[].smart_host`` of the *sending* domain (E-Post ``gateway.dat``: "send this domain's mail
   through the ISP");
3. MX lookup.

TLS: the route's own mode, made stricter (never weaker) by ``delivery.tls_policies[recipient domain]``
and ``delivery.tls``. The profile's "required" therefore always wins over a route's "opportunistic".
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any, Literal

from tayori.runtime.secrets import smarthost_password

TlsPolicy = Literal["none", "opportunistic", "required", "implicit"]
_STRENGTH = {"none": 0, "opportunistic": 1, "required": 2, "implicit": 3}


@dataclass(frozen=True)
class Route:
    kind: Literal["mx", "relay"]
    tls: TlsPolicy
    host: str | None = None  # relay only
    port: int = 25
    auth_user: str | None = None
    password: str | None = None
    origin: str | None = None  # the profile setting that chose this route, for logs

    @property
    def key(self) -> str:
        """What per-destination concurrency limits count: the relay, or the recipient domain."""
        return f"relay:{self.host}:{self.port}" if self.kind == "relay" else "mx"


def _norm_tls(mode: str) -> TlsPolicy:
    # Route/SmartHost say "starttls" for "STARTTLS, and nothing else"; the delivery policy calls it required.
    if mode == "starttls":
        return "required"
    if mode in _STRENGTH:
        return mode  # type: ignore[return-value]
    return "opportunistic"


def _stricter(a: TlsPolicy, b: TlsPolicy) -> TlsPolicy:
    if a == "implicit":
        return a  # implicit TLS is already encrypted from the first byte
    return a if _STRENGTH[a] >= _STRENGTH[b] else b


def domain_matches(pattern: str, domain: str) -> bool:
    p = pattern.lower().rstrip(".")
    d = domain.lower().rstrip(".")
    if p.startswith("@"):
        p = p[1:]
    if p == d:
        return True
    if p.startswith("."):  # ".example.jp" = any subdomain (Postfix transport style)
        return d.endswith(p)
    return fnmatch.fnmatchcase(d, p)


def destination_tls(profile: Any, rcpt_domain: str) -> TlsPolicy:
    delivery = profile.delivery
    for pattern, mode in (delivery.tls_policies or {}).items():
        if domain_matches(pattern, rcpt_domain):
            return _norm_tls(mode)
    return _norm_tls(delivery.tls)


def route_for(profile: Any, secrets: dict[str, Any] | None, rcpt_domain: str, sender_domain: str | None) -> Route:
    secrets = secrets or {}
    policy = destination_tls(profile, rcpt_domain)
    for i, r in enumerate(profile.delivery.routes):
        if any(domain_matches(p, rcpt_domain) for p in r.domains):
            return Route(
                "relay",
                _stricter(_norm_tls(r.tls), policy),
                host=r.host,
                port=r.port,
                auth_user=r.auth_user,
                password=smarthost_password(secrets, r.password_secret),
                origin=r.origin or f"delivery.routes[{i}]",
            )
    if sender_domain:
        sd = sender_domain.lower().rstrip(".")
        for i, d in enumerate(profile.domains):
            if d.smart_host is not None and (d.name == sd or sd in (a.lower() for a in d.aliases)):
                s = d.smart_host
                return Route(
                    "relay",
                    _stricter(_norm_tls(s.tls), policy),
                    host=s.host,
                    port=s.port,
                    auth_user=s.auth_user,
                    password=smarthost_password(secrets, s.password_secret),
                    origin=s.origin or f"domains[{i}].smart_host",
                )
    return Route("mx", policy, origin="mx")
