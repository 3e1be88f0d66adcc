"""The profile model, version 1: the only contract between the compiler and the runtime.

Every field has a default that is safe on the internet and a description; `profiles/README.md` and
`profiles/schema.json` are generated from this module (`tayori schema`, `scripts/gen-profile-docs`),
so the model is the one place a setting is defined. Objects a reader compiled carry `origin`
(`effect.dat:12`), so a profile alone can explain itself.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tayori.profiles.units import Duration, Size

PROFILE_VERSION = 1

_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*\.?$", re.IGNORECASE)
_ADDRESS_RE = re.compile(r"^[^@\s]+@[^@\s]+$")
_PATTERN_RE = re.compile(r"^[^\s@]*@?[^\s@]*$")


def _domain(value: str) -> str:
    v = value.strip().lower().rstrip(".")
    try:
        v = v if v.isascii() else v.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f'"{value}" is not a domain name') from exc
    if not _DOMAIN_RE.match(v):
        raise ValueError(f'"{value}" is not a domain name')
    return v


def _address(value: str) -> str:
    v = value.strip()
    if not _ADDRESS_RE.match(v):
        raise ValueError(f'"{value}" is not a mail address (use local@domain)')
    local, _, dom = v.rpartition("@")
    return f"{local}@{_domain(dom)}"


class Strict(BaseModel):
    """Base of every profile object: unknown keys are errors (they are almost always typos)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False, populate_by_name=True)


class Compiled(Strict):
    origin: str | None = Field(
        default=None, description="where a reader found this: legacy file and line, e.g. `effect.dat:12`"
    )


# --------------------------------------------------------------------------------------- server
class Server(Compiled):
    hostname: str = Field(
        default="localhost", description="the host name the server announces (SMTP greeting, Received)"
    )
    helo_name: str | None = Field(default=None, description="name used in EHLO when sending; hostname if unset")
    resolvers: list[str] = Field(
        default_factory=list, description="DNS resolver addresses; empty: the system's resolvers"
    )
    timezone: str = Field(default="Asia/Tokyo", description="time zone for logs, allowed hours and Date headers")
    postmaster: str | None = Field(
        default=None, description="where postmaster@ and abuse@ mail goes; the first account if unset"
    )
    admin_addresses: list[str] = Field(default_factory=list, description="addresses that get alerts and reports")
    ipv4: bool = Field(default=True, description="use IPv4 for listening and delivery")
    ipv6: bool = Field(default=True, description="use IPv6 for listening and delivery")
    hide_version: bool = Field(default=True, description="do not name the software or its version in greetings")

    @field_validator("hostname")
    @classmethod
    def _host(cls, v: str) -> str:
        return _domain(v)

    @field_validator("resolvers")
    @classmethod
    def _resolvers(cls, v: list[str]) -> list[str]:
        for r in v:
            try:
                ipaddress.ip_address(r)
            except ValueError as exc:
                raise ValueError(f'"{r}" is not an IP address') from exc
        return v


# ------------------------------------------------------------------------------------ listeners
TlsMode = Literal["none", "starttls", "implicit"]
AuthMechanism = Literal["PLAIN", "LOGIN", "CRAM-MD5", "APOP"]


class Listener(Compiled):
    enabled: bool = Field(default=True, description="whether the service listens at all")
    bind: list[str] = Field(default_factory=lambda: ["0.0.0.0", "::"], description="addresses to listen on")
    port: int = Field(ge=1, le=65535, description="TCP port")
    max_connections: int = Field(default=100, ge=1, description="concurrent connections in all")
    max_per_ip: int = Field(default=20, ge=1, description="concurrent connections from one client address")
    timeout: Duration = Field(default=300, description="idle time before the server hangs up")
    session_limit: Duration | None = Field(default=None, description="longest session; unlimited if unset")
    tls: TlsMode = Field(default="none", description="none, starttls (offered after connect) or implicit (TLS at once)")
    tls_required: bool = Field(
        default=True, description="with starttls: AUTH/login and (for submission) mail only after STARTTLS"
    )
    auth: bool = Field(default=False, description="offer authentication (SMTP AUTH) on this listener")
    auth_mechanisms: list[AuthMechanism] = Field(
        default_factory=lambda: list[AuthMechanism](["PLAIN", "LOGIN"]),
        description="mechanisms offered; CRAM-MD5 and APOP need plaintext kept in secrets.yaml",
    )
    plaintext_auth_without_tls: bool = Field(
        default=False, description="allow passwords over an unencrypted connection (legacy clients only)"
    )
    relay_with_auth: bool = Field(
        default=False, description="authenticated sessions may relay here (true on submission ports)"
    )

    @field_validator("bind")
    @classmethod
    def _bind(cls, v: list[str]) -> list[str]:
        for a in v:
            try:
                ipaddress.ip_address(a)
            except ValueError as exc:
                raise ValueError(f'"{a}" is not an IP address to bind') from exc
        return v


_LISTENER_DEFAULTS: dict[str, dict[str, Any]] = {
    "smtp": {"port": 25, "tls": "starttls", "tls_required": False},
    "submission": {"port": 587, "tls": "starttls", "auth": True, "relay_with_auth": True},
    "submissions": {"port": 465, "tls": "implicit", "auth": True, "relay_with_auth": True},
    "pop3": {"port": 110, "tls": "starttls", "auth": True},
    "pop3s": {"port": 995, "tls": "implicit", "auth": True},
    "imap": {"port": 143, "tls": "starttls", "auth": True},
    "imaps": {"port": 993, "tls": "implicit", "auth": True},
    "apop": {"port": 112, "tls": "none", "auth": True, "auth_mechanisms": ["APOP"]},
}


class Listeners(Strict):
    @model_validator(mode="before")
    @classmethod
    def _fill_defaults(cls, data: Any) -> Any:
        # `smtp: {bind: [127.0.0.1]}` changes the bind only: the rest keeps the listener's own defaults
        if isinstance(data, dict):
            data = dict(data)
            for name, given in data.items():
                if isinstance(given, dict) and name in _LISTENER_DEFAULTS:
                    data[name] = {**_LISTENER_DEFAULTS[name], **given}
        return data

    smtp: Listener = Field(
        default_factory=lambda: Listener(**_LISTENER_DEFAULTS["smtp"]),
        description="SMTP for incoming mail from other servers (port 25); no AUTH unless a profile keeps it",
    )
    submission: Listener = Field(
        default_factory=lambda: Listener(**_LISTENER_DEFAULTS["submission"]),
        description="mail submission by users (port 587, STARTTLS then AUTH)",
    )
    submissions: Listener = Field(
        default_factory=lambda: Listener(**_LISTENER_DEFAULTS["submissions"]),
        description="mail submission over implicit TLS (port 465)",
    )
    pop3: Listener = Field(
        default_factory=lambda: Listener(**_LISTENER_DEFAULTS["pop3"]),
        description="POP3 (port 110, STLS); login only after STLS unless plaintext is kept",
    )
    pop3s: Listener = Field(
        default_factory=lambda: Listener(**_LISTENER_DEFAULTS["pop3s"]), description="POP3 over TLS (995)"
    )
    imap: Listener = Field(
        default_factory=lambda: Listener(**_LISTENER_DEFAULTS["imap"]),
        description="IMAP (port 143, STARTTLS)",
    )
    imaps: Listener = Field(
        default_factory=lambda: Listener(**_LISTENER_DEFAULTS["imaps"]), description="IMAP over TLS (993)"
    )
    apop: Listener | None = Field(
        default=None,
        description="a second POP3 port for APOP-only legacy clients (PMailServer2 used 112); off unless kept",
    )


# ------------------------------------------------------------------------------------------ tls
class Tls(Compiled):
    cert: str | None = Field(default=None, description="certificate chain (PEM); relative to the state root")
    key: str | None = Field(default=None, description="private key (PEM); relative to the state root")
    min_version: Literal["TLSv1.2", "TLSv1.3"] = Field(default="TLSv1.2", description="oldest TLS version accepted")
    self_signed: bool = Field(
        default=True, description="generate a self-signed certificate on first start when none is named"
    )
    ciphers: str | None = Field(default=None, description="OpenSSL cipher list; the library default if unset")


# -------------------------------------------------------------------------------------- domains
class Dkim(Compiled):
    enabled: bool = Field(default=True, description="sign mail from this domain")
    selector: str = Field(default="tayori", description="DKIM selector (the DNS name is <selector>._domainkey)")
    key: str | None = Field(
        default=None, description="private key path; var/lib/tayori/dkim/<domain>.<selector>.key if unset"
    )
    algorithm: Literal["rsa-sha256", "ed25519-sha256"] = Field(default="rsa-sha256", description="signing algorithm")
    key_bits: int = Field(default=2048, ge=1024, le=4096, description="RSA key size for generated keys")
    canonicalization: Literal["relaxed/relaxed", "relaxed/simple", "simple/simple", "simple/relaxed"] = Field(
        default="relaxed/relaxed", description="header/body canonicalization"
    )
    headers: list[str] = Field(
        default_factory=lambda: [
            "From",
            "To",
            "Cc",
            "Subject",
            "Date",
            "Message-ID",
            "Reply-To",
            "In-Reply-To",
            "References",
            "MIME-Version",
            "Content-Type",
            "Content-Transfer-Encoding",
        ],
        description="headers to sign",
    )


class SmartHost(Compiled):
    host: str = Field(description="host name or IP address of the relay")
    port: int = Field(default=25, ge=1, le=65535, description="TCP port")
    tls: Literal["none", "opportunistic", "starttls", "implicit"] = Field(
        default="starttls", description="none, opportunistic, starttls (required) or implicit"
    )
    auth_user: str | None = Field(default=None, description="login for SMTP AUTH at the relay")
    password_secret: str | None = Field(
        default=None, description="key of the password in secrets.yaml (`smarthosts:`); never the password"
    )


class Domain(Compiled):
    name: str = Field(description="the domain name")
    aliases: list[str] = Field(default_factory=list, description="domains whose mail goes to the same users")
    catch_all: str | None = Field(default=None, description="where mail for unknown users of the domain goes")
    max_accounts: int | None = Field(default=None, ge=0, description="account limit for the domain")
    subaddress_separator: str | None = Field(
        default="+", description="user+tag@domain reaches user@domain; unset to turn off"
    )
    dkim: Dkim | None = Field(default_factory=Dkim, description="DKIM signing of outgoing mail")
    smart_host: SmartHost | None = Field(
        default=None, description="send this domain's outgoing mail through a relay instead of MX lookup"
    )
    footer: str | None = Field(default=None, description="text appended to outgoing mail from this domain")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _domain(v)

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, v: list[str]) -> list[str]:
        return [_domain(d) for d in v]

    @field_validator("catch_all")
    @classmethod
    def _catch(cls, v: str | None) -> str | None:
        return None if v is None else _address(v)


# ------------------------------------------------------------------------------------- accounts
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_HHMM = re.compile(r"^([01]\d|2[0-4]):[0-5]\d$")


class TimeWindow(Compiled):
    days: list[Weekday] = Field(
        default_factory=lambda: list[Weekday](["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
        description="days it applies",
    )
    start: str = Field(default="00:00", description="HH:MM, inclusive")
    end: str = Field(default="24:00", description="HH:MM, exclusive")

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        if not _HHMM.match(v):
            raise ValueError(f'"{v}" is not a time (use HH:MM, e.g. 08:30)')
        return v


class Services(Strict):
    pop3: bool = Field(default=True, description="may read mail with POP3")
    imap: bool = Field(default=True, description="may read mail with IMAP")
    smtp_auth: bool = Field(default=True, description="may send mail with SMTP AUTH")


class Forward(Compiled):
    targets: list[str] = Field(description="addresses the mail is forwarded to")
    keep_copy: bool = Field(default=True, description="also keep the mail in the mailbox")
    senders: list[str] = Field(
        default_factory=list, description="forward only mail from these sender patterns (`*@example.com`); all if empty"
    )
    envelope: Literal["srs", "original", "account"] = Field(
        default="srs",
        description="envelope sender of forwarded mail: srs (rewritten, passes SPF), original, or the account",
    )


class AutoReply(Compiled):
    enabled: bool = Field(default=True, description="send automatic replies")
    subject: str = Field(default="自動応答 / Automatic reply", description="subject of the reply")
    body: str = Field(default="", description="text of the reply (UTF-8 here; encoded for mail when sent)")
    from_address: str | None = Field(default=None, alias="from", description="From of the reply; the account if unset")
    period: Duration = Field(default=86400, description="reply to one sender at most once per this period")
    no_reply: list[str] = Field(default_factory=list, description="sender patterns never answered")
    start: str | None = Field(default=None, description="first day (YYYY-MM-DD) replies are sent")
    end: str | None = Field(default=None, description="last day (YYYY-MM-DD) replies are sent")


class ReceiveRules(Compiled):
    accept_from: list[str] = Field(
        default_factory=list, description="only these sender patterns may write to the account (all if empty)"
    )
    refuse_from: list[str] = Field(default_factory=list, description="sender patterns refused at RCPT")


FilterAction = Literal["reject", "tag_subject", "add_header", "quarantine", "pass", "forward", "discard", "keep"]


class FilterMatch(Strict):
    header: str | None = Field(default=None, description="header name to test (e.g. Subject); unset: see body/size")
    contains: str | None = Field(default=None, description="text the header or body contains (case-insensitive)")
    regex: str | None = Field(default=None, description="regular expression instead of `contains`")
    empty: bool | None = Field(default=None, description="true: the header is missing or empty")
    body: bool = Field(default=False, description="test the decoded body text")
    size_over: Size | None = Field(default=None, description="the message is larger than this")
    attachment: str | None = Field(default=None, description="an attachment file name matches this glob (*.exe)")
    negate: bool = Field(default=False, description="the rule applies when the match fails")

    @field_validator("regex")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f'"{v}" is not a regular expression ({exc})') from exc
        return v


class Filter(Compiled):
    name: str | None = Field(default=None, description="a label for logs and the TUI")
    stage: Literal["data", "delivery"] = Field(
        default="data", description="data: server filter while receiving; delivery: when storing for a user"
    )
    match: list[FilterMatch] = Field(description="conditions, all must hold")
    action: FilterAction = Field(description="what happens to matching mail")
    tag: str | None = Field(default=None, description="for tag_subject: the text put in front of the subject")
    header: str | None = Field(default=None, description="for add_header: `Name: value`")
    forward_to: list[str] = Field(default_factory=list, description="for forward: the targets")
    reply: str | None = Field(default=None, description="for reject: SMTP reply text")

    @model_validator(mode="after")
    def _action_args(self) -> Filter:
        if self.action == "tag_subject" and not self.tag:
            raise ValueError("action tag_subject needs `tag`")
        if self.action == "add_header" and (not self.header or ":" not in self.header):
            raise ValueError('action add_header needs `header: "Name: value"`')
        if self.action == "forward" and not self.forward_to:
            raise ValueError("action forward needs `forward_to`")
        if self.stage == "data" and self.action in ("forward", "discard", "keep"):
            raise ValueError(f"action {self.action} acts at delivery: use stage: delivery")
        if self.stage == "delivery" and self.action in ("reject", "tag_subject", "add_header", "quarantine"):
            raise ValueError(f"action {self.action} acts while receiving: use stage: data")
        return self


class Account(Compiled):
    address: str = Field(description="the mail address, also the login")
    name: str | None = Field(default=None, description="display name")
    password_hash: str | None = Field(
        default=None,
        description="SHA512-CRYPT hash ({SHA512-CRYPT}$6$...); unset: no usable password yet (login refused)",
    )
    legacy_auth: list[Literal["apop", "cram-md5"]] = Field(
        default_factory=list,
        description="legacy mechanisms kept on purpose; they need the plaintext in secrets.yaml",
    )
    enabled: bool = Field(default=True, description="the account may log in and receive")
    receive: bool = Field(default=True, description="mail to the account is accepted")
    services: Services = Field(default_factory=Services, description="which protocols the account may use")
    quota: Size | None = Field(default=None, description="mailbox size limit; unlimited if unset")
    max_send_size: Size | None = Field(default=None, description="largest message the account may send")
    max_receive_size: Size | None = Field(default=None, description="largest message the account accepts")
    may_relay: bool = Field(default=True, description="after AUTH, may send to other domains")
    send_as: list[str] = Field(default_factory=list, description="other sender addresses this login owns")
    allowed_destinations: list[str] = Field(
        default_factory=list, description="recipient patterns the account may send to; any if empty"
    )
    allowed_hours: list[TimeWindow] = Field(
        default_factory=list, description="when the account may send; any time if empty"
    )
    forward: Forward | None = Field(default=None, description="automatic forwarding")
    auto_reply: AutoReply | None = Field(default=None, description="automatic reply (vacation)")
    filters: list[Filter] = Field(default_factory=list, description="per-user filters, applied at delivery")
    receive_rules: ReceiveRules | None = Field(default=None, description="who may write to this account")

    @field_validator("address")
    @classmethod
    def _addr(cls, v: str) -> str:
        return _address(v)


class Alias(Compiled):
    address: str = Field(description="the alias; `*` wildcards allowed in the local part (`sales-*@example.jp`)")
    targets: list[str] = Field(description="addresses (local or remote) the mail goes to")
    rewrite_envelope: bool = Field(default=False, description="send onward with the alias as envelope sender")

    @field_validator("address")
    @classmethod
    def _addr(cls, v: str) -> str:
        if "@" not in v:
            raise ValueError(f'"{v}" is not an alias address (use local@domain, `*` allowed)')
        local, _, dom = v.rpartition("@")
        return f"{local}@{dom.lower()}" if "*" in dom else f"{local}@{_domain(dom)}"


class ListMember(Compiled):
    address: str = Field(description="member address")
    receive: bool = Field(default=True, description="gets list mail")
    post: bool = Field(default=True, description="may post (with poster_policy: members)")
    admin: bool = Field(default=False, description="list administrator")


class MailingList(Compiled):
    address: str = Field(description="the list address")
    name: str | None = Field(default=None, description="display name")
    members: list[ListMember] = Field(default_factory=list, description="members")
    poster_policy: Literal["anyone", "members", "admins"] = Field(default="members", description="who may post")
    subject_tag: str | None = Field(
        default=None, description="prefix for subjects, `{counter}` is the post number: `[edxg:{counter:05d}]`"
    )
    counter_start: int = Field(default=1, ge=0, description="first post number")
    reply_to: Literal["list", "sender", "none"] = Field(default="list", description="Reply-To of list mail")
    footer: str | None = Field(default=None, description="text appended to each post")
    archive: bool = Field(default=False, description="keep every post under var/lib/tayori/lists/")
    admins: list[str] = Field(default_factory=list, description="list administrators (bounces go here)")
    join_by_mail: bool = Field(default=False, description="subscribe by mail to the -join address")
    leave_by_mail: bool = Field(default=False, description="unsubscribe by mail to the -leave address")
    list_sender: str | None = Field(default=None, description="envelope sender of list mail; <list>-owner if unset")
    max_size: Size | None = Field(default=None, description="largest post accepted")

    @field_validator("address")
    @classmethod
    def _addr(cls, v: str) -> str:
        return _address(v)

    @field_validator("subject_tag")
    @classmethod
    def _tag(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                v.format(counter=1, name="list")
            except (KeyError, ValueError, IndexError) as exc:
                raise ValueError(f'"{v}" is not a subject tag ({{counter}} and {{name}} may be used)') from exc
        return v


# --------------------------------------------------------------------------------------- policy
Cell = Literal["accept", "refuse"]
AuthRule = Literal["relay", "ignore", "required"]


class RelayTable(Strict):
    """Rows: the envelope sender's class; each row lists the cells for recipients local, local-unknown,
    external."""

    description: str | None = Field(default=None, description="what the table is for")
    local: list[Cell] = Field(min_length=3, max_length=3, description="sender is an existing local address")
    local_unknown: list[Cell] = Field(
        alias="local-unknown", min_length=3, max_length=3, description="sender is in a local domain but unknown"
    )
    external: list[Cell] = Field(min_length=3, max_length=3, description="sender is in another domain")
    auth: AuthRule = Field(default="relay", description="what a successful AUTH changes")


class RelayRule(Compiled):
    clients: list[str] = Field(
        default_factory=list, description="client addresses: exact, `192.168.0.*`, CIDR, IPv6; `*` for all"
    )
    senders: list[str] = Field(
        default_factory=list,
        description="envelope senders: address, `*.example.jp` domain pattern, or class:null / class:no-domain / "
        "class:numeric / class:dotless",
    )
    listeners: list[str] = Field(default_factory=list, description="only on these listeners; all if empty")
    table: str = Field(description="the relay table that decides (see profiles/README.md)")
    auth: AuthRule | None = Field(default=None, description="override the table's AUTH behaviour")
    comment: str | None = Field(default=None, description="why the rule exists")

    @model_validator(mode="after")
    def _something(self) -> RelayRule:
        if not self.clients and not self.senders:
            raise ValueError("a relay rule needs `clients` or `senders`")
        return self


class RelayPolicy(Strict):
    rules: list[RelayRule] = Field(default_factory=list, description="first match wins")
    fallback: str = Field(default="secure-default", description="the table when no rule matches")
    tables: dict[str, RelayTable] = Field(default_factory=dict, description="extra tables defined by this profile")


class AuthPolicy(Compiled):
    sender_must_match_login: bool = Field(
        default=True, description="an authenticated sender may only use addresses the login owns"
    )
    max_failures: int = Field(default=5, ge=1, description="failed logins per client address before a pause")
    failure_window: Duration = Field(default=600, description="period the failures are counted over")
    lockout: Duration = Field(default=900, description="how long a client is refused after too many failures")


class PopBeforeSmtp(Compiled):
    enabled: bool = Field(default=False, description="a recent POP3/IMAP login lets the client send")
    window: Duration = Field(default=600, description="how long a login counts")
    match: Literal["ip", "ip+account"] = Field(
        default="ip+account", description="ip: the client address; ip+account: also the sender must be that login"
    )


class Limits(Compiled):
    max_recipients: int = Field(default=100, ge=1, description="recipients per message")
    max_message_size: Size = Field(default=50 * 1024 * 1024, description="largest message accepted")
    max_protocol_errors: int = Field(default=10, ge=1, description="bad commands before the server hangs up")
    connections_per_minute_per_ip: int | None = Field(default=60, description="new connections per client per minute")
    messages_per_minute_per_ip: int | None = Field(default=120, description="messages per client per minute")
    greet_pause: Duration = Field(default=0, description="wait before the greeting; early talkers are refused")


class DnsblZone(Compiled):
    zone: str = Field(description="DNSBL zone, e.g. zen.spamhaus.org")
    action: Literal["refuse", "tag"] = Field(default="refuse", description="refuse, or accept with a header")


class Dnsbl(Compiled):
    zones: list[DnsblZone] = Field(default_factory=list, description="zones asked about each client")
    cache_size: int = Field(default=1000, ge=0, description="answers kept")
    cache_time: Duration = Field(default=3600, description="how long an answer is kept")


class HeloPolicy(Compiled):
    require: bool = Field(default=True, description="HELO/EHLO must come before MAIL")
    require_fqdn: bool = Field(default=False, description="refuse HELO names without a dot")
    refuse_own_name: bool = Field(default=True, description="refuse clients that greet with our own host name")


class Policy(Strict):
    relay: RelayPolicy = Field(default_factory=RelayPolicy, description="who may send where")
    auth: AuthPolicy = Field(default_factory=AuthPolicy, description="authentication rules")
    pop_before_smtp: PopBeforeSmtp = Field(default_factory=PopBeforeSmtp, description="POP-before-SMTP")
    limits: Limits = Field(default_factory=Limits, description="sizes, counts and rates")
    null_sender: Literal["accept", "refuse"] = Field(default="accept", description="MAIL FROM:<> (bounces)")
    unknown_sender_domain: Literal["accept", "refuse"] = Field(
        default="accept", description="sender domains that do not exist in DNS"
    )
    rdns: Literal["off", "tag", "refuse"] = Field(default="off", description="clients without reverse DNS")
    spf: Literal["off", "record", "refuse"] = Field(
        default="record", description="record: Authentication-Results header; refuse: reject SPF fail"
    )
    helo: HeloPolicy = Field(default_factory=HeloPolicy, description="HELO checks")
    dnsbl: Dnsbl = Field(default_factory=Dnsbl, description="DNS block lists")
    vrfy: bool = Field(default=False, description="answer VRFY truthfully (off: 252)")
    expn: bool = Field(default=False, description="answer EXPN (off: 502)")
    origin: str | None = Field(default=None, description="legacy source of the policy as a whole")


# ------------------------------------------------------------------------------------- delivery
class Route(Compiled):
    domains: list[str] = Field(description="recipient domain patterns (`*` wildcard) this route serves")
    host: str = Field(description="relay host name or IP address")
    port: int = Field(default=25, ge=1, le=65535, description="TCP port")
    tls: Literal["none", "opportunistic", "starttls", "implicit"] = Field(
        default="starttls", description="TLS towards the relay"
    )
    auth_user: str | None = Field(default=None, description="SMTP AUTH login at the relay")
    password_secret: str | None = Field(default=None, description="key of the password in secrets.yaml")


class Dsn(Strict):
    include: Literal["headers", "full"] = Field(default="headers", description="what of the original a bounce returns")
    postmaster_copy: bool = Field(default=False, description="send the postmaster a copy of each bounce")


class Delivery(Compiled):
    retry_schedule: list[Duration] = Field(
        default_factory=lambda: [300, 600, 1800, 3600, 7200, 14400],
        description="waits between attempts; the last repeats until give_up_after",
    )
    give_up_after: Duration = Field(default=5 * 86400, description="bounce when undelivered this long")
    delay_warning_after: Duration | None = Field(default=4 * 3600, description="warn the sender once; never if unset")
    dsn: Dsn = Field(default_factory=Dsn, description="bounce messages")
    mx_cache_time: Duration | None = Field(default=None, description="cap on cached MX answers; DNS TTL if unset")
    parallelism: int = Field(default=20, ge=1, description="deliveries at once")
    per_destination: int = Field(default=5, ge=1, description="connections at once to one destination")
    tls: Literal["opportunistic", "required", "none"] = Field(default="opportunistic", description="outbound TLS")
    tls_policies: dict[str, Literal["opportunistic", "required", "none"]] = Field(
        default_factory=dict, description="per recipient domain TLS"
    )
    routes: list[Route] = Field(default_factory=list, description="smart hosts per destination, first match")
    bounce_from: str = Field(default="MAILER-DAEMON", description="local part of the bounce sender")
    connect_timeout: Duration = Field(default=30, description="time to wait for a remote server to answer")
    journal_to: str | None = Field(default=None, description="copy every accepted message to this address")


# -------------------------------------------------------------------------------------- logging
LogLevel = Literal["debug", "info", "warning", "error"]


class Logging(Compiled):
    level: LogLevel = Field(default="info", description="default level")
    levels: dict[str, LogLevel] = Field(
        default_factory=dict, description="per service: smtpd, delivery, dovecot, supervisor"
    )
    directory: str = Field(default="var/log/tayori", description="log directory, relative to the state root")
    rotation: Literal["daily", "weekly", "size"] = Field(default="daily", description="when logs rotate")
    keep: int = Field(default=30, ge=1, description="rotated logs kept")


# ------------------------------------------------------------------------------------ decisions
class Decision(Strict):
    value: Any = Field(description="the value in force")
    pending: bool = Field(default=True, description="true until the admin answers")
    options: list[Any] = Field(default_factory=list, description="the possible answers")
    question: str | None = Field(default=None, description="what is asked, for people reading the profile")
    origin: str | None = Field(default=None, description="the legacy setting it comes from")


class Source(Strict):
    dialect: str = Field(description="xmail, epost or pmail")
    folder: str = Field(description="the legacy folder compiled")
    report: str | None = Field(default=None, description="the migration report written beside the profile")


# -------------------------------------------------------------------------------------- profile
class Profile(Strict):
    profile_version: Literal[1] = Field(description="format version of this file; always 1")
    source: Source | None = Field(default=None, description="what a compiled profile was compiled from")
    server: Server = Field(default_factory=Server, description="the host")
    listeners: Listeners = Field(default_factory=Listeners, description="network services")
    tls: Tls = Field(default_factory=Tls, description="certificates and TLS versions")
    domains: list[Domain] = Field(default_factory=list, description="local domains")
    accounts: list[Account] = Field(default_factory=list, description="mailboxes and logins")
    aliases: list[Alias] = Field(default_factory=list, description="addresses that forward to others")
    lists: list[MailingList] = Field(default_factory=list, description="mailing lists")
    policy: Policy = Field(default_factory=Policy, description="relay, authentication and anti-abuse rules")
    filters: list[Filter] = Field(default_factory=list, description="server content filters, in order")
    delivery: Delivery = Field(default_factory=Delivery, description="sending mail on")
    logging: Logging = Field(default_factory=Logging, description="logs")
    decisions: dict[str, Decision] = Field(
        default_factory=dict, description="questions for the admin from the migration, by stable id"
    )
