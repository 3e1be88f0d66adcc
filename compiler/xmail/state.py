"""The profile as the XMail reader builds it, before it becomes one `Profile`.

Objects are keyed by lower-cased address or domain because XMail matches them case-insensitively
(its index uses `stricmp`); the first record in file order wins, as in XMail.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tayori.compiler.xmail.tab import TabLine
from tayori.profiles.model import Account, Alias, Domain, MailingList, RelayRule, Route


@dataclass
class Setting:
    value: str
    line: int


@dataclass
class State:
    server_rel: str = "server.tab"
    settings: dict[str, Setting] = field(default_factory=dict)
    lines: dict[int, TabLine] = field(default_factory=dict)  # server.tab records by line
    domains: dict[str, Domain] = field(default_factory=dict)
    alias_domains: dict[str, str] = field(default_factory=dict)  # alias -> real domain
    accounts: dict[str, Account] = field(default_factory=dict)
    # address -> SMTP permission letters in force after AUTH or POP-before-SMTP
    perms: dict[str, str] = field(default_factory=dict)
    lists: dict[str, MailingList] = field(default_factory=dict)
    aliases: dict[str, Alias] = field(default_factory=dict)
    # addresses XMail knows as a login of a mailing list (never migrated as logins)
    list_logins: set[str] = field(default_factory=set)
    routes: list[Route] = field(default_factory=list)
    rules: list[RelayRule] = field(default_factory=list)
    # custdomains: non-local domains anyone may send to (XMail's implicit relay permission)
    custdomains: dict[str, str] = field(default_factory=dict)  # domain -> origin
    extra_listeners: set[str] = field(default_factory=set)
    used_auth_files: set[str] = field(default_factory=set)
    lost_perms: dict[str, list[str]] = field(default_factory=dict)  # letters -> addresses
    srs: list[tuple[str, str, TabLine]] = field(default_factory=list)  # redirects: address, file, line
    stored_mail: list[int] = field(default_factory=lambda: [0, 0])  # messages, mailboxes

    def setting(self, name: str) -> str | None:
        s = self.settings.get(name)
        return s.value if s is not None else None

    def is_local(self, address: str) -> bool:
        key = address.lower()
        return key in self.accounts or key in self.lists or key in self.aliases

    def local_domain(self, domain: str) -> str | None:
        """The real local domain for `domain` (itself or through an alias domain), else None."""
        d = domain.lower()
        if d in self.domains:
            return d
        return self.alias_domains.get(d)
