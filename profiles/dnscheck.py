"""DNS-dependent policy checks (reverse DNS, DNSBL, sender domain, HELO, SPF) as pure functions
over a resolver interface, so tests and `tayori probe --dns-fixture` answer from a fixture and the
runtime answers from dnspython.

A check without a resolver is *skipped* and says so — never silently passed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from tayori.profiles.model import Profile


class DnsTempError(Exception):
    """SERVFAIL or timeout: the answer is unknown (the SMTP reply is a 4xx)."""


class Resolver(Protocol):
    def query(self, name: str, rtype: str) -> list[str]:
        """Answers as text (MX as `pref host`); [] for NXDOMAIN or no data; DnsTempError otherwise."""
        ...


class FixtureResolver:
    """Answers from the probe DNS fixture format:

    ```yaml
    ptr:   {192.0.2.10: [mail.example.net]}
    a:     {mail.example.net: [192.0.2.10]}
    aaaa:  {mail.example.net: ["2001:db8::10"]}
    mx:    {example.net: [[10, mail.example.net]]}
    txt:   {example.net: ["v=spf1 ip4:192.0.2.0/24 -all"]}
    dnsbl: {dnsbl.example.org: [198.51.100.7]}
    fail:  [broken.example]      # names that answer SERVFAIL
    ```
    """

    def __init__(self, data: Mapping[str, Any] | None) -> None:
        data = data or {}
        self.records: dict[tuple[str, str], list[str]] = {}
        for rtype in ("a", "aaaa", "txt", "ptr"):
            for name, values in (data.get(rtype) or {}).items():
                vals = values if isinstance(values, list) else [values]
                key = str(name).lower().rstrip(".")
                if rtype == "ptr":
                    key = _reverse_name(key) or key
                self.records[(key, rtype.upper())] = [str(v) for v in vals]
        for name, values in (data.get("mx") or {}).items():
            self.records[(str(name).lower().rstrip("."), "MX")] = [
                f"{v[0]} {v[1]}" if isinstance(v, (list, tuple)) else str(v) for v in values
            ]
        for zone, ips in (data.get("dnsbl") or {}).items():
            for ip in ips:
                rev = _reverse_ip(str(ip))
                if rev:
                    self.records[(f"{rev}.{str(zone).lower()}", "A")] = ["127.0.0.2"]
        self.failing = {str(n).lower().rstrip(".") for n in (data.get("fail") or [])}

    def query(self, name: str, rtype: str) -> list[str]:
        key = name.lower().rstrip(".")
        if key in self.failing:
            raise DnsTempError(name)
        return list(self.records.get((key, rtype.upper()), []))


def _reverse_ip(ip: str) -> str | None:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv4Address):
        return ".".join(reversed(str(addr).split(".")))
    return ".".join(reversed(addr.exploded.replace(":", "")))


def _reverse_name(ip: str) -> str | None:
    rev = _reverse_ip(ip)
    if rev is None:
        return None
    return rev + (".in-addr.arpa" if "." in ip and ":" not in ip else ".ip6.arpa")


@dataclass(frozen=True)
class CheckResult:
    name: str
    outcome: str  # pass, fail, tempfail, skipped, listed, none, neutral, softfail
    detail: str = ""


# ----------------------------------------------------------------------------------- checks
def rdns(ip: str, resolver: Resolver | None) -> CheckResult:
    if resolver is None:
        return CheckResult("rdns", "skipped", "no DNS answers given")
    rname = _reverse_name(ip)
    if rname is None:
        return CheckResult("rdns", "fail", "not an IP address")
    try:
        names = resolver.query(rname, "PTR")
        for n in names:
            for rtype in ("A", "AAAA"):
                if ip in resolver.query(n, rtype):
                    return CheckResult("rdns", "pass", n)
    except DnsTempError:
        return CheckResult("rdns", "tempfail", "DNS did not answer")
    return CheckResult("rdns", "fail", "no reverse DNS name that resolves back" if names else "no PTR record")


def dnsbl(ip: str, zones: list[str], resolver: Resolver | None) -> list[CheckResult]:
    if resolver is None:
        return [CheckResult(f"dnsbl:{z}", "skipped", "no DNS answers given") for z in zones]
    rev = _reverse_ip(ip)
    out = []
    for zone in zones:
        if rev is None:
            out.append(CheckResult(f"dnsbl:{zone}", "none"))
            continue
        try:
            listed = resolver.query(f"{rev}.{zone}", "A")
        except DnsTempError:
            out.append(CheckResult(f"dnsbl:{zone}", "tempfail"))
            continue
        out.append(CheckResult(f"dnsbl:{zone}", "listed" if listed else "none", ",".join(listed)))
    return out


def sender_domain(sender: str, resolver: Resolver | None) -> CheckResult:
    if sender == "" or "@" not in sender:
        return CheckResult("sender-domain", "pass", "null or local sender")
    if resolver is None:
        return CheckResult("sender-domain", "skipped", "no DNS answers given")
    domain = sender.rpartition("@")[2].strip("[]")
    try:
        ipaddress.ip_address(domain)
        return CheckResult("sender-domain", "pass", "address literal")
    except ValueError:
        pass
    try:
        for rtype in ("MX", "A", "AAAA"):
            if resolver.query(domain, rtype):
                return CheckResult("sender-domain", "pass", rtype)
    except DnsTempError:
        return CheckResult("sender-domain", "tempfail")
    return CheckResult("sender-domain", "fail", f"{domain} has no MX, A or AAAA record")


def helo(name: str | None, ip: str, profile: Profile) -> CheckResult:
    pol = profile.policy.helo
    if not name:
        return CheckResult("helo", "fail" if pol.require else "pass", "no HELO/EHLO")
    if pol.refuse_own_name and name.lower().rstrip(".") == profile.server.hostname:
        try:
            loopback = ipaddress.ip_address(ip).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            return CheckResult("helo", "fail", "client greets with our own name")
    if pol.require_fqdn and "." not in name.strip("[]"):
        return CheckResult("helo", "fail", "HELO name is not a fully qualified domain name")
    return CheckResult("helo", "pass")


# --------------------------------------------------------------------------------------- SPF
_MAX_LOOKUPS = 10


def spf(ip: str, sender: str, helo_name: str | None, resolver: Resolver | None) -> CheckResult:
    """RFC 7208 evaluation without macros (a record that uses them answers permerror)."""
    if resolver is None:
        return CheckResult("spf", "skipped", "no DNS answers given")
    domain = sender.rpartition("@")[2] if "@" in sender else (helo_name or "")
    if not domain:
        return CheckResult("spf", "none", "no domain")
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return CheckResult("spf", "permerror", "bad client address")
    state = {"lookups": 0}
    try:
        result = _spf_check(addr, domain.lower(), resolver, state, 0)
    except DnsTempError:
        return CheckResult("spf", "temperror", "DNS did not answer")
    return CheckResult("spf", result, domain)


def _spf_record(domain: str, resolver: Resolver) -> str | None:
    records = [t.strip('"') for t in resolver.query(domain, "TXT")]
    spf_records = [r for r in records if r.lower() == "v=spf1" or r.lower().startswith("v=spf1 ")]
    if len(spf_records) != 1:
        return None if not spf_records else "permerror"
    return spf_records[0]


def _spf_check(addr: Any, domain: str, resolver: Resolver, state: dict[str, int], depth: int) -> str:
    if depth > _MAX_LOOKUPS:
        return "permerror"
    record = _spf_record(domain, resolver)
    if record is None:
        return "none"
    if record == "permerror" or "%{" in record:
        return "permerror"
    redirect = None
    for term in record.split()[1:]:
        if term.lower().startswith("redirect="):
            redirect = term.split("=", 1)[1]
            continue
        if "=" in term:
            continue  # other modifiers (exp=) do not change the result
        qualifier = "+"
        if term[0] in "+-~?":
            qualifier, term = term[0], term[1:]
        mech, _, arg = term.partition(":")
        mech, _, cidr = mech.partition("/") if not arg else (mech, "", "")
        if arg and "/" in arg:
            arg, _, cidr = arg.partition("/")
        mech = mech.lower()
        if mech in ("a", "mx", "include", "exists", "ptr"):
            state["lookups"] += 1
            if state["lookups"] > _MAX_LOOKUPS:
                return "permerror"
        matched = False
        if mech == "all":
            matched = True
        elif mech in ("ip4", "ip6"):
            try:
                matched = addr in ipaddress.ip_network(arg + (f"/{cidr}" if cidr else ""), strict=False)
            except ValueError:
                return "permerror"
        elif mech == "a":
            matched = _host_matches(addr, arg or domain, cidr, resolver)
        elif mech == "mx":
            for mx in resolver.query(arg or domain, "MX"):
                if _host_matches(addr, mx.split()[-1], cidr, resolver):
                    matched = True
                    break
        elif mech == "include":
            sub = _spf_check(addr, arg.lower(), resolver, state, depth + 1)
            if sub in ("temperror", "permerror"):
                return sub
            if sub == "none":
                return "permerror"
            matched = sub == "pass"
        elif mech == "exists":
            matched = bool(resolver.query(arg, "A"))
        elif mech == "ptr":
            matched = False  # deprecated by RFC 7208; never matching is allowed
        else:
            return "permerror"
        if matched:
            return {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}[qualifier]
    if redirect:
        state["lookups"] += 1
        result = _spf_check(addr, redirect.lower(), resolver, state, depth + 1)
        return "permerror" if result == "none" else result
    return "neutral"


def _host_matches(addr: Any, host: str, cidr: str, resolver: Resolver) -> bool:
    rtype = "A" if addr.version == 4 else "AAAA"
    for ip in resolver.query(host, rtype):
        try:
            net = ipaddress.ip_network(ip + (f"/{cidr}" if cidr else ""), strict=False)
        except ValueError:
            continue
        if addr in net:
            return True
    return False
