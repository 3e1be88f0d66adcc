"""The relay policy decision: who may send what to whom, as a pure function of the profile.

`decide(facts, profile)` answers one SMTP step — MAIL FROM (when `facts.rcpt_to` is None) or one
RCPT TO — with the reply to give and the rule or table cell that decided, with its `origin`, so
the same data answers "why was this refused?" in logs, the TUI and `tayori probe`.

Order at RCPT: the first rule that matches the client or the sender names a table (else the
fallback); AUTH `required` refuses the unauthenticated; an unknown local recipient is refused;
the table's cell for (sender class, recipient class) accepts or refuses; a refused cell is
accepted after all for an authenticated session when the table's AUTH rule is `relay` and the
listener lets authenticated sessions relay.
"""

from __future__ import annotations

import fnmatch
import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tayori.profiles.model import Account, Profile, RelayRule, RelayTable
from tayori.profiles.relay_tables import get_table
from tayori.profiles.resolve import Directory, Resolution, split_address

CLASS_INDEX = {"local": 0, "local-unknown": 1, "external": 2}


@dataclass(frozen=True)
class PopLogin:
    """A POP3/IMAP login Dovecot's post-login hook recorded (for POP-before-SMTP)."""

    ip: str
    login: str
    time: float


@dataclass(frozen=True)
class Facts:
    listener: str
    client_ip: str
    helo: str | None = None
    auth_login: str | None = None
    mail_from: str | None = None  # "" is the null sender <>
    rcpt_to: str | None = None
    rcpt_count: int = 0  # recipients already accepted in this transaction
    size: int | None = None  # from MAIL FROM SIZE=
    pop_logins: Sequence[PopLogin] = ()
    now: float | None = None  # UNIX time; needed for POP-before-SMTP and allowed hours


@dataclass(frozen=True)
class Decision:
    accept: bool
    code: int
    status: str
    text: str
    rule: str  # the profile path that decided, e.g. policy.relay.rules[2]
    cell: str | None = None  # e.g. receive-only[external→local]
    origin: str | None = None
    authenticated_as: str | None = None

    @property
    def reply(self) -> str:
        return f"{self.code} {self.status} {self.text}"

    def explain(self) -> str:
        where = self.rule + (f" {self.cell}" if self.cell else "")
        return f"{where}" + (f" ({self.origin})" if self.origin else "")


# ---------------------------------------------------------------------------------- matching
def client_matches(pattern: str, ip: str) -> bool:
    """Exact address, `192.168.0.*` wildcard (the legacy products' prefix match), CIDR, `*`."""
    p = pattern.strip()
    if p in ("*", "*.*.*.*"):
        return True
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    if "*" in p:
        if p.startswith("*"):
            return True
        prefix = p.split("*", 1)[0]
        return str(addr).startswith(prefix) and isinstance(addr, ipaddress.IPv4Address) == ("." in prefix)
    try:
        if "/" in p:
            return addr in ipaddress.ip_network(p, strict=False)
        return addr == ipaddress.ip_address(p)
    except ValueError:
        return False


def sender_class_of(sender: str) -> str | None:
    """The legacy sender classes: null, no-domain, numeric, dotless (None: an ordinary address)."""
    s = sender.strip().strip("<>")
    if s == "":
        return "null"
    if "@" not in s:
        return "no-domain"
    domain = s.rpartition("@")[2].strip("[]")
    if not domain:
        return "no-domain"
    try:
        ipaddress.ip_address(domain.removeprefix("IPv6:").removeprefix("ipv6:"))
        return "numeric"
    except ValueError:
        pass
    if "." not in domain:
        return "dotless"
    return None


def sender_matches(pattern: str, sender: str) -> bool:
    p = pattern.strip().lower()
    s = sender.strip().strip("<>").lower()
    if p.startswith("class:"):
        return sender_class_of(s) == p[6:]
    if "@" in p:
        return fnmatch.fnmatchcase(s, p)
    domain = s.rpartition("@")[2] if "@" in s else ""
    return bool(domain) and fnmatch.fnmatchcase(domain, p)


# ----------------------------------------------------------------------------------- engine
class Engine:
    """The profile, indexed for decisions. Build once per profile (`engine_for`)."""

    def __init__(self, profile: Profile, reverse_srs: Callable[[str], str | None] | None = None) -> None:
        self.profile = profile
        self.directory = Directory.build(profile, reverse_srs)
        try:
            self.tz: ZoneInfo | None = ZoneInfo(profile.server.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            self.tz = None

    # -- classes ---------------------------------------------------------------------------
    def sender_class(self, sender: str) -> str:
        parts = split_address(sender)
        if parts is None or not self.directory.is_local_domain(parts[1]):
            return "external"
        return "local" if self.directory.resolve(sender).exists else "local-unknown"

    def recipient(self, rcpt: str) -> tuple[str, Resolution]:
        r = self.directory.resolve(rcpt)
        if r.kind == "external":
            return "external", r
        return ("local" if r.exists else "local-unknown"), r

    # -- rules -----------------------------------------------------------------------------
    def match_rule(self, facts: Facts) -> tuple[str, RelayRule | None, RelayTable]:
        relay = self.profile.policy.relay
        sender = facts.mail_from
        for i, rule in enumerate(relay.rules):
            if rule.listeners and facts.listener not in rule.listeners:
                continue
            hit = any(client_matches(c, facts.client_ip) for c in rule.clients)
            if not hit and sender is not None:
                hit = any(sender_matches(s, sender) for s in rule.senders)
            if hit:
                table = get_table(rule.table, relay.tables)
                if table is None:  # the loader refuses this; stay safe if called directly
                    table = get_table("refuse")
                assert table is not None
                return f"policy.relay.rules[{i}]", rule, table
        table = get_table(relay.fallback, relay.tables) or get_table("secure-default")
        assert table is not None
        return "policy.relay.fallback", None, table

    def table_name(self, rule: RelayRule | None) -> str:
        return rule.table if rule is not None else self.profile.policy.relay.fallback

    # -- authentication --------------------------------------------------------------------
    def login_account(self, login: str | None) -> Account | None:
        if login is None:
            return None
        hit = self.directory.accounts.get(login.lower())
        return hit[1] if hit is not None else None

    def pop_before_smtp_login(self, facts: Facts) -> str | None:
        pbs = self.profile.policy.pop_before_smtp
        if not pbs.enabled or facts.now is None:
            return None
        for rec in sorted(facts.pop_logins, key=lambda r: -r.time):
            if facts.now - rec.time > pbs.window or rec.time > facts.now + 5:
                continue
            if not client_matches(rec.ip, facts.client_ip):
                continue
            if pbs.match == "ip+account" and (
                facts.mail_from is None or not self.directory.owns(rec.login, facts.mail_from)
            ):
                continue
            return rec.login
        return None

    def authenticated(self, facts: Facts) -> tuple[str | None, str | None]:
        """(login, how) — AUTH first, then POP-before-SMTP."""
        if facts.auth_login is not None:
            return facts.auth_login, "auth"
        login = self.pop_before_smtp_login(facts)
        if login is not None:
            return login, "pop-before-smtp"
        return None, None

    def _within_hours(self, acct: Account, now: float | None) -> bool:
        if not acct.allowed_hours or now is None:
            return True
        t = datetime.fromtimestamp(now, self.tz)
        day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[t.weekday()]
        hhmm = f"{t.hour:02d}:{t.minute:02d}"
        return any(day in w.days and w.start <= hhmm < w.end for w in acct.allowed_hours)

    # -- decisions -------------------------------------------------------------------------
    def decide(self, facts: Facts) -> Decision:
        if facts.mail_from is None:
            return Decision(False, 503, "5.5.1", "MAIL FROM first", "smtp")
        if facts.rcpt_to is None:
            return self.decide_mail(facts)
        return self.decide_rcpt(facts)

    def decide_mail(self, facts: Facts) -> Decision:
        policy = self.profile.policy
        sender = facts.mail_from or ""
        limits = policy.limits
        if facts.size is not None and facts.size > limits.max_message_size:
            return Decision(
                False,
                552,
                "5.3.4",
                "Message size exceeds fixed limit",
                "policy.limits.max_message_size",
                origin=limits.origin,
            )
        if sender == "" and policy.null_sender == "refuse":
            return Decision(False, 550, "5.7.1", "Null sender not accepted", "policy.null_sender")
        path, rule, table = self.match_rule(facts)
        auth_rule = (rule.auth if rule is not None and rule.auth else None) or table.auth
        login, how = self.authenticated(facts)
        origin = rule.origin if rule is not None else None
        name = self.table_name(rule)
        if auth_rule == "required" and login is None:
            return Decision(False, 530, "5.7.0", "Authentication required", path, cell=f"{name}[auth]", origin=origin)
        if login is not None and how == "auth":
            acct = self.login_account(login)
            if acct is not None:
                if policy.auth.sender_must_match_login and sender != "" and not self.directory.owns(login, sender):
                    return Decision(
                        False,
                        553,
                        "5.7.1",
                        f"Sender address not owned by {login}",
                        "policy.auth.sender_must_match_login",
                        origin=policy.auth.origin,
                    )
                if not self._within_hours(acct, facts.now):
                    i = self.directory.accounts[login.lower()][0]
                    return Decision(
                        False,
                        550,
                        "5.7.1",
                        "Sending is not allowed at this time",
                        f"accounts[{i}].allowed_hours",
                        origin=acct.origin,
                    )
                if acct.max_send_size is not None and facts.size is not None and facts.size > acct.max_send_size:
                    i = self.directory.accounts[login.lower()][0]
                    return Decision(
                        False,
                        552,
                        "5.3.4",
                        "Message too large for this account",
                        f"accounts[{i}].max_send_size",
                        origin=acct.origin,
                    )
        # A row that refuses every recipient, and that AUTH cannot open, refuses at MAIL already,
        # as the legacy products did (E-Post: 550 at MAIL FROM for `false` rules).
        sclass = self.sender_class(sender) if sender else "external"
        row = _row(table, sclass)
        can_auth = auth_rule == "relay" and login is not None and self._listener_relays(facts.listener)
        if all(c == "refuse" for c in row) and not can_auth:
            return Decision(
                False,
                550,
                "5.7.1",
                "Sender or client not accepted here",
                path,
                cell=f"{name}[{sclass}→*]",
                origin=origin,
            )
        return Decision(
            True, 250, "2.1.0", "Sender OK", path, cell=f"{name}[{sclass}]", origin=origin, authenticated_as=login
        )

    def _listener_relays(self, listener: str) -> bool:
        lst = getattr(self.profile.listeners, listener, None)
        return bool(lst is not None and lst.relay_with_auth)

    def decide_rcpt(self, facts: Facts) -> Decision:
        policy = self.profile.policy
        sender = facts.mail_from or ""
        rcpt = facts.rcpt_to or ""
        if facts.rcpt_count >= policy.limits.max_recipients:
            return Decision(
                False, 452, "4.5.3", "Too many recipients", "policy.limits.max_recipients", origin=policy.limits.origin
            )
        if split_address(rcpt) is None or _is_source_route_or_hack(rcpt):
            return Decision(False, 550, "5.1.3", "Bad recipient address syntax", "smtp.address")
        path, rule, table = self.match_rule(facts)
        name = self.table_name(rule)
        origin = rule.origin if rule is not None else None
        auth_rule = (rule.auth if rule is not None and rule.auth else None) or table.auth
        login, how = self.authenticated(facts)
        if auth_rule == "required" and login is None:
            return Decision(False, 530, "5.7.0", "Authentication required", path, cell=f"{name}[auth]", origin=origin)
        sclass = self.sender_class(sender) if sender else "external"
        rclass, res = self.recipient(rcpt)
        if rclass == "local-unknown":
            return Decision(
                False,
                550,
                "5.1.1",
                f"Recipient address rejected: {res.reason or 'no such user'}",
                res.path or "domains",
                origin=res.origin,
            )
        if rclass == "local":
            refused = self._receive_rules(res, sender)
            if refused is not None:
                return refused
        cell = table_cell(table, sclass, rclass)
        cell_name = f"{name}[{sclass}→{rclass}]"
        acct = self.login_account(login)
        if (
            login is not None
            and acct is not None
            and acct.allowed_destinations
            and how == "auth"
            and not any(
                sender_matches(p, rcpt) or fnmatch.fnmatchcase(rcpt.lower(), p.lower())
                for p in acct.allowed_destinations
            )
        ):
            i = self.directory.accounts[login.lower()][0]
            return Decision(
                False,
                550,
                "5.7.1",
                "Recipient not allowed for this account",
                f"accounts[{i}].allowed_destinations",
                origin=acct.origin,
            )
        if cell == "accept":
            return Decision(
                True, 250, "2.1.5", "Recipient OK", path, cell=cell_name, origin=origin, authenticated_as=login
            )
        if login is not None and auth_rule == "relay" and self._listener_relays(facts.listener):
            if acct is not None and not acct.may_relay and rclass == "external":
                i = self.directory.accounts[login.lower()][0]
                return Decision(
                    False,
                    554,
                    "5.7.1",
                    "Relay access denied for this account",
                    f"accounts[{i}].may_relay",
                    origin=acct.origin,
                )
            if how == "auth" and acct is not None and not acct.services.smtp_auth:
                i = self.directory.accounts[login.lower()][0]
                return Decision(
                    False,
                    554,
                    "5.7.1",
                    "SMTP AUTH not enabled for this account",
                    f"accounts[{i}].services.smtp_auth",
                    origin=acct.origin,
                )
            return Decision(
                True,
                250,
                "2.1.5",
                "Recipient OK (authenticated)",
                path,
                cell=f"{cell_name}+{how}",
                origin=origin,
                authenticated_as=login,
            )
        if rclass == "external":
            return Decision(False, 554, "5.7.1", "Relay access denied", path, cell=cell_name, origin=origin)
        return Decision(
            False, 550, "5.7.1", "Sender or client not accepted for this recipient", path, cell=cell_name, origin=origin
        )

    def _receive_rules(self, res: Resolution, sender: str) -> Decision | None:
        if res.kind != "mailbox" or res.target is None:
            return None
        hit = self.directory.accounts.get(res.target.lower())
        if hit is None:
            return None
        i, acct = hit
        rules = acct.receive_rules
        if rules is None:
            return None
        path = f"accounts[{i}].receive_rules"
        if any(sender_matches(p, sender) for p in rules.refuse_from):
            return Decision(
                False, 550, "5.7.1", "Sender refused by the recipient", path + ".refuse_from", origin=rules.origin
            )
        if rules.accept_from and not any(sender_matches(p, sender) for p in rules.accept_from):
            return Decision(
                False, 550, "5.7.1", "Sender not accepted by the recipient", path + ".accept_from", origin=rules.origin
            )
        return None


def _row(table: RelayTable, sender_class: str) -> Sequence[str]:
    return {"local": table.local, "local-unknown": table.local_unknown, "external": table.external}[sender_class]


def table_cell(table: RelayTable, sender_class: str, recipient_class: str) -> str:
    return _row(table, sender_class)[CLASS_INDEX[recipient_class]]


def _is_source_route_or_hack(rcpt: str) -> bool:
    """Forms that classic open-relay probes use to sneak a remote address past a local-domain check:
    source routes (@a:b@c), percent hack (a%b@c), bang paths (b!a@c), quoted local parts holding @."""
    a = rcpt.strip().strip("<>")
    if a.startswith("@") or ":" in a.partition("@")[0]:
        return True
    local = a.rpartition("@")[0]
    if "%" in local or "!" in local:
        return True
    return '"' in local and "@" in local


# A few recent engines by profile identity: the runtime and the probe runner ask many questions
# of the same profile object; the profile is kept alive by the cache so the id cannot be reused.
_ENGINES: dict[int, tuple[Profile, Engine]] = {}


def engine_for(profile: Profile) -> Engine:
    hit = _ENGINES.get(id(profile))
    if hit is not None and hit[0] is profile:
        return hit[1]
    eng = Engine(profile)
    if len(_ENGINES) >= 8:
        _ENGINES.pop(next(iter(_ENGINES)))
    _ENGINES[id(profile)] = (profile, eng)
    return eng


def decide(facts: Facts, profile: Profile) -> Decision:
    return engine_for(profile).decide(facts)
