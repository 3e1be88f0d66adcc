"""Address patterns as legacy rules wrote them: `*`, `user@x.jp`, `*@x.jp`, `@x.jp`, `x.jp`, `*.x.jp`."""

from __future__ import annotations

import fnmatch


def address_matches(pattern: str, address: str) -> bool:
    p = pattern.strip().lower()
    a = address.strip().strip("<>").lower()
    if not p:
        return False
    if p == "*":
        return True
    domain = a.rpartition("@")[2]
    if p.startswith("@"):
        return domain == p[1:] or domain.endswith("." + p[1:])
    if "*" in p or "?" in p:
        return fnmatch.fnmatchcase(a, p) or ("@" not in p and fnmatch.fnmatchcase(domain, p))
    if "@" not in p:
        return domain == p
    return a == p


def any_matches(patterns: list[str], address: str) -> bool:
    return any(address_matches(p, address) for p in patterns)
