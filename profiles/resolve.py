"""Address resolution: what a recipient address means under a profile.

A pure function of the profile, used by smtpd at RCPT (does this address exist?) and by delivery
to expand (which mailboxes and remote targets get a copy). Local parts compare case-insensitively,
as on the legacy Windows servers. Never raises on any input string.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from tayori.profiles.model import Account, Alias, Domain, MailingList, Profile

Kind = Literal["mailbox", "alias", "list", "unknown", "external"]

MAX_DEPTH = 10  # alias chains longer than this are treated as a loop


@dataclass(frozen=True)
class Resolution:
    address: str
    kind: Kind
    # the canonical address that matched (account, alias pattern, list)
    target: str | None = None
    mailboxes: tuple[str, ...] = ()
    forwards: tuple[str, ...] = ()
    reason: str | None = None
    origin: str | None = None
    path: str | None = None  # profile path of the object that decided
    role: str | None = None  # for a list's special addresses: owner, join or leave

    @property
    def exists(self) -> bool:
        return self.kind in ("mailbox", "alias", "list")


@dataclass(frozen=True)
class Expansion:
    mailboxes: tuple[str, ...]
    forwards: tuple[str, ...]
    lists: tuple[str, ...]
    problems: tuple[str, ...] = ()


def split_address(address: str) -> tuple[str, str] | None:
    """(local, domain) of a plain address; None for anything that is not one."""
    a = address.strip()
    if a.startswith("<") and a.endswith(">"):
        a = a[1:-1]
    if "@" not in a:
        return None
    local, _, domain = a.rpartition("@")
    if not local or not domain or any(c.isspace() for c in a):
        return None
    return local, domain.lower().rstrip(".")


@dataclass
class Directory:
    """Indexes over the profile for fast lookups (built once per profile)."""

    profile: Profile
    domains: dict[str, str] = field(default_factory=dict)  # any local domain → its canonical domain
    accounts: dict[str, tuple[int, Account]] = field(default_factory=dict)
    aliases: dict[str, tuple[int, Alias]] = field(default_factory=dict)
    wild_aliases: list[tuple[int, Alias]] = field(default_factory=list)
    lists: dict[str, tuple[int, MailingList]] = field(default_factory=dict)
    # Verifies and undoes an SRS0 address (the key lives in the state root, not in the profile):
    # bounces to forwarded mail reach the original sender, forged SRS addresses stay unknown.
    reverse_srs: Callable[[str], str | None] | None = None

    @classmethod
    def build(cls, profile: Profile, reverse_srs: Callable[[str], str | None] | None = None) -> Directory:
        d = cls(profile, reverse_srs=reverse_srs)
        for dom in profile.domains:
            d.domains[dom.name] = dom.name
            for alias in dom.aliases:
                d.domains.setdefault(alias, dom.name)
        for i, acct in enumerate(profile.accounts):
            d.accounts.setdefault(acct.address.lower(), (i, acct))
        for i, al in enumerate(profile.aliases):
            if "*" in al.address or "?" in al.address:
                d.wild_aliases.append((i, al))
            else:
                d.aliases.setdefault(al.address.lower(), (i, al))
        for i, ml in enumerate(profile.lists):
            d.lists.setdefault(ml.address.lower(), (i, ml))
        return d

    def is_local_domain(self, domain: str) -> bool:
        return domain.lower().rstrip(".") in self.domains

    def _domain_settings(self, canonical: str) -> Domain | None:
        for dom in self.profile.domains:
            if dom.name == canonical:
                return dom
        return None

    def resolve(self, address: str) -> Resolution:
        parts = split_address(address)
        if parts is None:
            return Resolution(address, "unknown", reason="not a mail address")
        local, domain = parts
        canonical = self.domains.get(domain)
        if canonical is None:
            return Resolution(address, "external", reason="not a local domain")
        found = self._lookup(local, canonical)
        if found is not None:
            return found
        found = self._list_role(local, canonical)
        if found is not None:
            return found
        if local[:5].upper() == "SRS0=":
            original = self.reverse_srs(address) if self.reverse_srs is not None else None
            if original is None:
                return Resolution(address, "unknown", reason="not a valid SRS address")
            return Resolution(
                address, "alias", target=address, forwards=(original,), reason="SRS bounce", path="delivery (SRS)"
            )
        settings = self._domain_settings(canonical)
        sep = settings.subaddress_separator if settings is not None else None
        if sep and sep in local:
            base = local.split(sep, 1)[0]
            if base:
                found = self._lookup(base, canonical)
                if found is not None:
                    return found
        if local.lower() in ("postmaster", "abuse"):
            target = self.profile.server.postmaster or (
                self.profile.accounts[0].address if self.profile.accounts else None
            )
            if target is not None:
                loc, rem = self._split_targets([target])
                return Resolution(
                    address,
                    "alias",
                    target=f"{local.lower()}@{canonical}",
                    mailboxes=loc,
                    forwards=rem,
                    reason="RFC 5321 requires postmaster",
                    path="server.postmaster",
                )
        if settings is not None and settings.catch_all:
            i = self.profile.domains.index(settings)
            loc, rem = self._split_targets([settings.catch_all])
            return Resolution(
                address,
                "alias",
                target=f"*@{canonical}",
                mailboxes=loc,
                forwards=rem,
                origin=settings.origin,
                path=f"domains[{i}].catch_all",
            )
        return Resolution(address, "unknown", reason="no such user", path=f"domains:{canonical}")

    def _lookup(self, local: str, canonical: str) -> Resolution | None:
        key = f"{local.lower()}@{canonical}"
        hit = self.accounts.get(key)
        if hit is not None:
            i, acct = hit
            path = f"accounts[{i}]"
            if not acct.enabled:
                return Resolution(
                    key, "unknown", target=acct.address, reason="account disabled", origin=acct.origin, path=path
                )
            if not acct.receive:
                return Resolution(
                    key,
                    "unknown",
                    target=acct.address,
                    reason="account does not receive mail",
                    origin=acct.origin,
                    path=path,
                )
            return Resolution(
                key, "mailbox", target=acct.address, mailboxes=(acct.address,), origin=acct.origin, path=path
            )
        ml = self.lists.get(key)
        if ml is not None:
            i, lst = ml
            return Resolution(key, "list", target=lst.address, origin=lst.origin, path=f"lists[{i}]")
        al = self.aliases.get(key)
        if al is None:
            for i, wild in self.wild_aliases:
                wl, _, wd = wild.address.rpartition("@")
                if fnmatch.fnmatchcase(canonical, wd.lower()) and fnmatch.fnmatchcase(local.lower(), wl.lower()):
                    al = (i, wild)
                    break
        if al is not None:
            i, alias = al
            local_targets, remote = self._split_targets(alias.targets)
            return Resolution(
                key,
                "alias",
                target=alias.address,
                mailboxes=local_targets,
                forwards=remote,
                origin=alias.origin,
                path=f"aliases[{i}]",
            )
        return None

    def _list_role(self, local: str, canonical: str) -> Resolution | None:
        base, dash, role = local.lower().rpartition("-")
        if not dash or role not in ("owner", "join", "leave"):
            return None
        hit = self.lists.get(f"{base}@{canonical}")
        if hit is None:
            return None
        i, ml = hit
        if (role == "join" and not ml.join_by_mail) or (role == "leave" and not ml.leave_by_mail):
            return None
        return Resolution(
            f"{local.lower()}@{canonical}", "list", target=ml.address, origin=ml.origin, path=f"lists[{i}]", role=role
        )

    def _split_targets(self, targets: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        local: list[str] = []
        remote: list[str] = []
        for t in targets:
            parts = split_address(t)
            if parts is not None and parts[1] in self.domains:
                local.append(t)
            else:
                remote.append(t)
        return tuple(local), tuple(remote)

    def expand(self, address: str) -> Expansion:
        """Follow aliases to the final mailboxes, remote targets and lists (loops cut, reported)."""
        mailboxes: list[str] = []
        forwards: list[str] = []
        lists: list[str] = []
        problems: list[str] = []
        seen: set[str] = set()

        def walk(addr: str, depth: int) -> None:
            key = addr.lower()
            if key in seen:
                return
            seen.add(key)
            if depth > MAX_DEPTH:
                problems.append(f"alias chain too deep at {addr}")
                return
            r = self.resolve(addr)
            if r.kind == "mailbox":
                for m in r.mailboxes:
                    if m not in mailboxes:
                        mailboxes.append(m)
            elif r.kind == "list":
                if r.target and r.target not in lists:
                    lists.append(r.target)
            elif r.kind == "alias":
                for t in r.mailboxes + r.forwards:
                    t_parts = split_address(t)
                    if t_parts is not None and self.is_local_domain(t_parts[1]):
                        walk(t, depth + 1)
                    elif t not in forwards:
                        forwards.append(t)
            elif r.kind == "external":
                if addr not in forwards:
                    forwards.append(addr)
            else:
                problems.append(f"{addr}: {r.reason}")

        walk(address, 0)
        return Expansion(tuple(mailboxes), tuple(forwards), tuple(lists), tuple(problems))

    def owns(self, login: str, sender: str) -> bool:
        """Whether an authenticated login may use `sender` as envelope sender."""
        parts = split_address(sender)
        if parts is None:
            return False
        local, domain = parts
        canonical = self.domains.get(domain, domain)
        sender_key = f"{local.lower()}@{canonical}"
        hit = self.accounts.get(login.lower())
        if hit is None:
            return False
        acct = hit[1]
        if sender_key == acct.address.lower():
            return True
        settings = self._domain_settings(canonical)
        sep = settings.subaddress_separator if settings is not None else None
        if sep and sep in local and f"{local.split(sep, 1)[0].lower()}@{canonical}" == acct.address.lower():
            return True
        return any(sender_key == s.lower() or sender.lower() == s.lower() for s in acct.send_as)
