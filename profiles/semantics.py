"""Checks that need the whole profile (one field alone cannot tell): names that must exist,
addresses that must be unique, ports that must not clash.

Returns (path, message, severity) so the loader can give each a line and column.
"""

from __future__ import annotations

import ipaddress

from tayori.profiles.model import Profile
from tayori.profiles.relay_tables import get_table, table_names

Found = tuple[tuple[str | int, ...], str, str]

_HASH_PREFIXES = ("{SHA512-CRYPT}$6$", "$6$", "{ARGON2ID}$argon2id$", "{BLF-CRYPT}$2")


def _client_ok(pattern: str) -> bool:
    if pattern == "*" or "*" in pattern:
        return all(part == "*" or part.isdigit() or part == "" for part in pattern.replace(":", ".").split("."))
    try:
        ipaddress.ip_network(pattern, strict=False)
    except ValueError:
        return False
    return True


def _overlap(a: str, b: str) -> bool:
    """Two binds collide on one port when equal, or when one is the wildcard of the other's family
    (the runtime sets IPV6_V6ONLY, so `::` and `0.0.0.0` do not collide)."""
    if a == b:
        return True
    same_family = (":" in a) == (":" in b)
    return same_family and (a in ("0.0.0.0", "::") or b in ("0.0.0.0", "::"))


def semantic_problems(p: Profile) -> list[Found]:
    out: list[Found] = []
    err = "error"
    local: dict[str, int] = {}
    for i, d in enumerate(p.domains):
        if d.name in local:
            out.append((("domains", i, "name"), f'domain "{d.name}" is listed twice', err))
        local[d.name] = i
    alias_domains: dict[str, int] = {}
    for i, d in enumerate(p.domains):
        for j, a in enumerate(d.aliases):
            if a in local or a in alias_domains:
                out.append((("domains", i, "aliases", j), f'"{a}" is already a local domain', err))
            alias_domains[a] = i
    all_local = set(local) | set(alias_domains)

    owners: dict[str, tuple[str | int, ...]] = {}

    def claim(addr: str, where: tuple[str | int, ...]) -> None:
        key = addr.lower()
        if key in owners:
            first = "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in owners[key]).lstrip(".")
            out.append((where, f'"{addr}" is already defined ({first})', err))
        else:
            owners[key] = where

    for i, acct in enumerate(p.accounts):
        where = ("accounts", i, "address")
        dom = acct.address.rpartition("@")[2]
        if dom not in local:
            out.append((where, f'domain "{dom}" is not one of the local domains', err))
        claim(acct.address, where)
        if acct.password_hash is not None and not acct.password_hash.startswith(_HASH_PREFIXES):
            out.append((("accounts", i, "password_hash"), "not a password hash (use `tayori passwd` to make one)", err))
        if acct.password_hash is None and acct.enabled:
            out.append((where, "has no usable password yet: logins are refused until one is set", "warning"))
    for i, al in enumerate(p.aliases):
        where = ("aliases", i, "address")
        dom = al.address.rpartition("@")[2]
        if "*" not in dom and dom not in all_local:
            out.append((where, f'domain "{dom}" is not one of the local domains', err))
        claim(al.address, where)
        if not al.targets:
            out.append((("aliases", i, "targets"), "an alias needs at least one target", err))
    for i, ml in enumerate(p.lists):
        where = ("lists", i, "address")
        if ml.address.rpartition("@")[2] not in local:
            out.append((where, f'domain "{ml.address.rpartition("@")[2]}" is not one of the local domains', err))
        claim(ml.address, where)

    tables = p.policy.relay.tables
    known = table_names(tables)
    for i, rule in enumerate(p.policy.relay.rules):
        if get_table(rule.table, tables) is None:
            out.append(
                (
                    ("policy", "relay", "rules", i, "table"),
                    f'unknown table "{rule.table}" (use {", ".join(known)})',
                    err,
                )
            )
        for j, c in enumerate(rule.clients):
            if not _client_ok(c):
                out.append(
                    (
                        ("policy", "relay", "rules", i, "clients", j),
                        f'"{c}" is not a client address, wildcard (192.168.0.*) or network (10.0.0.0/8)',
                        err,
                    )
                )
        for j, name in enumerate(rule.listeners):
            if name not in type(p.listeners).model_fields:
                out.append((("policy", "relay", "rules", i, "listeners", j), f'unknown listener "{name}"', err))
    if get_table(p.policy.relay.fallback, tables) is None:
        out.append(
            (
                ("policy", "relay", "fallback"),
                f'unknown table "{p.policy.relay.fallback}" (use {", ".join(known)})',
                err,
            )
        )

    taken: dict[int, list[tuple[str, str]]] = {}
    for name in type(p.listeners).model_fields:
        lst = getattr(p.listeners, name)
        if lst is None or not lst.enabled:
            continue
        for b in lst.bind:
            clash = next((o for ob, o in taken.get(lst.port, []) if o != name and _overlap(b, ob)), None)
            if clash is not None and not any(f[0] == ("listeners", name, "port") for f in out):
                out.append((("listeners", name, "port"), f"port {lst.port} is also used by listeners.{clash}", err))
            taken.setdefault(lst.port, []).append((b, name))
        if "CRAM-MD5" in lst.auth_mechanisms or "APOP" in lst.auth_mechanisms:
            kept = any(a.legacy_auth for a in p.accounts)
            if not kept:
                out.append(
                    (
                        ("listeners", name, "auth_mechanisms"),
                        "CRAM-MD5/APOP need a plaintext password kept for some account (accounts[].legacy_auth)",
                        "warning",
                    )
                )

    for key, decision in p.decisions.items():
        if decision.pending:
            out.append((("decisions", key), "decision pending: the value in force is the safe one", "warning"))
    return out
