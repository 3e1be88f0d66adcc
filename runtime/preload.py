"""What a service loads while still root, because it would otherwise be imported lazily: after
dropping to the mail user, the interpreter's own library or the installation may be unreadable (a
Python under /root, a checkout under a private folder), and a failed lazy import in the middle of a
session or a delivery ends it."""

from __future__ import annotations

import codecs

# Record types the policy checks (smtpd) and outbound delivery (MX, DANE) ask for.
DNS_TYPES = ("A", "AAAA", "MX", "TXT", "PTR", "CNAME", "NS", "SOA", "TLSA")


def preload_dns() -> None:
    import dns.asyncbackend
    import dns.rdata
    import dns.rdataclass
    import dns.rdatatype

    # the async resolver imports its asyncio backend on the first query
    dns.asyncbackend.get_backend("asyncio")
    for rtype in DNS_TYPES:
        dns.rdata.get_rdata_class(dns.rdataclass.IN, dns.rdatatype.from_text(rtype))  # type: ignore[no-untyped-call]


def preload_codecs(names: tuple[str, ...]) -> None:
    for name in names:
        codecs.lookup(name)
