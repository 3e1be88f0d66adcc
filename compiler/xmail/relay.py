"""XMail's relay and session rules (§2.8-2.10, 2.13, 2.18-2.19, §5) as the profile's relay policy.

XMail never looks at the envelope sender's class when it decides to relay: a local recipient is
accepted from anyone, an unknown one in a local domain is refused, and a remote one is accepted only
for a session with perm R (AUTH or POP-before-SMTP), a client in smtprelay.tab, or a custdomain. So
the fallback is `receive-any`, smtprelay.tab networks get `trust`, and every client class the IP
tables create (denied, AUTH-only) gets its own rule, computed exactly by `networks.classify`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from tayori.compiler.xmail import password, server_tab
from tayori.compiler.xmail.context import Context, Loaded, at
from tayori.compiler.xmail.networks import FilterError, Network, classify, client_pattern, parse_filter
from tayori.compiler.xmail.server import mark, note
from tayori.compiler.xmail.state import State
from tayori.compiler.xmail.tab import TabLine
from tayori.profiles.model import Account, RelayRule, Services

POP_BEFORE_SMTP_WINDOW = 900  # XMail's -Se default, in seconds
PORT_LISTENERS = {25: "smtp", 587: "submission", 465: "submissions"}


@dataclass(frozen=True)
class ClientClass:
    state: str  # "normal", "deny" (refused at connect), "auth" (nothing without AUTH)
    relay: bool  # listed in smtprelay.tab
    origin: str | None


@dataclass
class IpTables:
    relay: list[tuple[Network, str]]
    ipmap: list[tuple[Network, bool, int, int, str]]  # net, allow, precedence, order, origin
    spammers: list[tuple[Network, int, str]]
    whitelist: list[tuple[Network, bool, str]]  # ipprop: first match decides
    drop_code: int


def _load(ctx: Context, name: str) -> Loaded | None:
    path = ctx.find(name)
    return ctx.load(path) if path else None


def _filter(ctx: Context, loaded: Loaded, rec: TabLine) -> Network | None:
    try:
        return parse_filter(rec.fields)
    except FilterError as exc:
        ctx.report.error(
            f"net.{loaded.rel}:{rec.number}", "xmail.net.invalid", {"problem": str(exc)}, **at(loaded.rel, rec)
        )
        return None


def read_ip_tables(ctx: Context, st: State) -> IpTables:
    drop = server_tab.parse_int(st.setting("SMTP-IpMapDropCode") or "1", 1)
    t = IpTables([], [], [], [], drop)
    loaded = _load(ctx, "smtprelay.tab")
    if loaded is None:
        ctx.report.info("relay.no_smtprelay", "xmail.relay.no_file", {})
    else:
        for rec in loaded.records:
            net = _filter(ctx, loaded, rec)
            if net is None:
                continue
            if net.prefixlen == 0:
                ctx.report.upgraded(
                    f"relay.open.{loaded.rel}:{rec.number}",
                    "xmail.relay.open",
                    {"network": str(net)},
                    **at(loaded.rel, rec),
                    paths=["policy.relay.rules"],
                )
                continue
            t.relay.append((net, ctx.origin(loaded.rel, rec)))
            ctx.mapped(loaded.rel, rec)
    loaded = _load(ctx, "smtp.ipmap.tab")
    if loaded is not None:
        for order, rec in enumerate(loaded.records):
            if len(rec.fields) < 4:
                ctx.bad_fields(loaded.rel, rec, "4")
                continue
            net = _filter(ctx, loaded, rec)
            if net is None:
                continue
            allow = rec.fields[2].upper() == "ALLOW"
            prec = server_tab.parse_int(rec.fields[3], 0)
            t.ipmap.append((net, allow, prec, order, ctx.origin(loaded.rel, rec)))
            if not allow and drop == 0:
                ctx.report.upgraded(
                    f"ipmap.dropcode0.{loaded.rel}:{rec.number}",
                    "xmail.ipmap.dropcode0",
                    {"network": str(net)},
                    **at(loaded.rel, rec),
                    paths=["policy.relay.rules"],
                )
            elif not allow and drop < 0:
                ctx.unmapped("ipmap.delay", "xmail.ipmap.delay", loaded.rel, rec, seconds=-drop)
            else:
                ctx.mapped(loaded.rel, rec)
    loaded = _load(ctx, "spammers.tab")
    if loaded is not None:
        for rec in loaded.records:
            fields = rec.fields
            params = ""
            if "/" in fields[0]:
                params = fields[1] if len(fields) > 1 else ""
            elif len(fields) > 1 and fields[1][:1].isdigit():
                params = fields[2] if len(fields) > 2 else ""
            else:
                ctx.bad_fields(loaded.rel, rec, "ip/bits or ip + mask")
                continue
            net = _filter(ctx, loaded, rec)
            if net is None:
                continue
            code = server_tab.parse_int(server_tab.parse_options(params).get("code", "1"), 1)
            t.spammers.append((net, code, ctx.origin(loaded.rel, rec)))
            if code < 0:
                ctx.unmapped("spammers.delay", "xmail.spammers.delay", loaded.rel, rec, seconds=-code)
            else:
                ctx.mapped(loaded.rel, rec)
    loaded = _load(ctx, "smtp.ipprop.tab")
    if loaded is not None:
        for rec in loaded.records:
            try:
                net = ipaddress.ip_network(rec.fields[0].strip(), strict=False)
            except ValueError:
                ctx.report.error(
                    f"net.{loaded.rel}:{rec.number}",
                    "xmail.net.invalid",
                    {"problem": f'"{rec.fields[0]}" is not an address/bits network'},
                    **at(loaded.rel, rec),
                )
                continue
            props = server_tab.parse_options(",".join(rec.fields[1:]))
            white = server_tab.parse_bool(props.pop("WhiteList", "0"))
            t.whitelist.append((net, white, ctx.origin(loaded.rel, rec)))
            # EaseTLS only lifted WantTLS; Tayori's TLS rules do not depend on it.
            props.pop("EaseTLS", None)
            if props:
                ctx.unmapped("ipprop.vars", "xmail.ipprop.vars", loaded.rel, rec, names=",".join(sorted(props)))
            else:
                ctx.mapped(loaded.rel, rec)
    return t


def _decide(t: IpTables, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ClientClass:
    relay = next((o for n, o in t.relay if ip in n), None)
    white = next(((w, o) for n, w, o in t.whitelist if ip in n), None)
    if white is None or not white[0]:
        best: tuple[int, int, bool, str] | None = None
        for n, allow, prec, order, o in t.ipmap:
            if ip in n and (best is None or (prec, order) >= best[:2]):
                best = (prec, order, allow, o)
        if best is not None and not best[2]:
            if t.drop_code > 0:
                return ClientClass("deny", False, best[3])
            if t.drop_code == 0:
                return ClientClass("auth", relay is not None, best[3])
        spam = next(((c, o) for n, c, o in t.spammers if ip in n), None)
        if spam is not None and spam[0] > 0:
            return ClientClass("deny", False, spam[1])
        if spam is not None and spam[0] == 0:
            return ClientClass("auth", relay is not None, spam[1])
    return ClientClass("normal", relay is not None, relay)


def client_rules(t: IpTables) -> list[RelayRule]:
    nets: list[Network] = [n for n, _ in t.relay]
    nets += [n for n, *_ in t.ipmap] + [n for n, *_ in t.spammers] + [n for n, *_ in t.whitelist]
    blocks = classify(nets, lambda ip: _decide(t, ip))
    rules: list[RelayRule] = []
    for b in blocks:
        c = b.value
        if c.state == "deny":
            rules.append(
                RelayRule(
                    clients=[client_pattern(b.network)],
                    table="refuse",
                    auth="ignore",
                    origin=c.origin,
                    comment="XMail refused this client at connect",
                )
            )
        elif c.state == "auth":
            rules.append(
                _auth_only(
                    [client_pattern(b.network)],
                    c.relay,
                    c.origin,
                    "XMail accepted nothing from this client without AUTH",
                )
            )
        elif c.relay:
            rules.append(
                RelayRule(clients=[client_pattern(b.network)], table="trust", origin=c.origin, comment="smtprelay.tab")
            )
    return _merge(rules)


def _auth_only(clients: list[str], relay: bool, origin: str | None, comment: str) -> RelayRule:
    """Nothing without AUTH; after AUTH, XMail's usual rights: a smtprelay.tab client relays for
    anyone (`trust`, AUTH required), any other relays only with perm R (`refuse` opened by AUTH,
    which the engine limits to accounts with `may_relay`)."""
    if relay:
        return RelayRule(clients=clients, table="trust", auth="required", origin=origin, comment=comment)
    return RelayRule(clients=clients, table="refuse", auth="relay", origin=origin, comment=comment)


def _merge(rules: list[RelayRule]) -> list[RelayRule]:
    """Neighbouring blocks from the same legacy line become one rule with several clients."""
    out: list[RelayRule] = []
    for r in rules:
        last = out[-1] if out else None
        if last is not None and (last.table, last.auth, last.origin) == (r.table, r.auth, r.origin):
            out[-1] = last.model_copy(update={"clients": [*last.clients, *r.clients]})
        else:
            out.append(r)
    return out


# ------------------------------------------------------------------------------ senders
def sender_rules(ctx: Context) -> list[RelayRule]:
    loaded = _load(ctx, "spam-address.tab")
    rules: list[RelayRule] = []
    if loaded is None:
        return rules
    for rec in loaded.records:
        pattern = rec.fields[0].strip().lower()
        if not pattern or any(c in pattern for c in "?[") or " " in pattern:
            ctx.unmapped("spam_address.pattern", "xmail.spam_address.pattern", loaded.rel, rec, pattern=pattern)
            continue
        rules.append(
            RelayRule(
                senders=[pattern],
                table="refuse",
                auth="ignore",
                origin=ctx.origin(loaded.rel, rec),
                comment="spam-address.tab",
            )
        )
        ctx.mapped(loaded.rel, rec)
    return rules


# ------------------------------------------------------------------------------ listeners
def smtp_configs(ctx: Context, st: State) -> dict[str, set[str]]:
    """Listener -> SmtpConfig tokens in force (the most specific variable replaces the others)."""
    out: dict[str, set[str]] = {}
    general: set[str] | None = None
    for name, setting in st.settings.items():
        if name != "SmtpConfig" and not name.startswith(server_tab.SMTP_CONFIG_PREFIX):
            continue
        tokens = {
            k if k != "mail-auth" else "MailAuth"
            for k, v in server_tab.parse_options(setting.value).items()
            if v != "0"
        }
        unknown = tokens - {"MailAuth", "WantTLS"}
        if name == "SmtpConfig":
            general = tokens
            mark(ctx, st, name)
            continue
        where = name[len(server_tab.SMTP_CONFIG_PREFIX) :]
        ip, _, port = where.partition(",")
        listeners = [PORT_LISTENERS.get(server_tab.parse_int(port, 0))] if port else list(PORT_LISTENERS.values())
        if None in listeners:
            note(ctx, st, "unmapped", f"server.smtpconfig.{where}", "xmail.server.smtpconfig_port", name, port=port)
            continue
        for lst in listeners:
            if lst is not None:
                out[lst] = tokens
                st.extra_listeners.add(lst)
        note(
            ctx,
            st,
            "info",
            f"server.smtpconfig.{where}",
            "xmail.server.smtpconfig",
            name,
            ip=ip,
            port=port or "*",
            listeners=",".join(x for x in listeners if x),
            tokens=",".join(sorted(tokens)),
        )
        if unknown:
            note(
                ctx,
                st,
                "unmapped",
                f"server.smtpconfig_tokens.{where}",
                "xmail.server.smtpconfig_tokens",
                name,
                tokens=",".join(sorted(unknown)),
            )
    if general is not None:
        for lst in PORT_LISTENERS.values():
            out.setdefault(lst, general)
    return out


def mailauth_rules(t: IpTables, configs: dict[str, set[str]]) -> list[RelayRule]:
    rules: list[RelayRule] = []
    for lst, tokens in configs.items():
        if "MailAuth" not in tokens:
            continue
        for r in client_rules(t):
            if r.table == "trust" and r.auth is None:
                rules.append(r.model_copy(update={"listeners": [lst], "auth": "required"}))
        rules.append(
            _auth_only(["*"], False, None, "SmtpConfig MailAuth: every MAIL needs AUTH").model_copy(
                update={"listeners": [lst]}
            )
        )
    return rules


# ------------------------------------------------------------------------------ policy
def policy_updates(ctx: Context, st: State) -> dict[str, Any]:
    out: dict[str, Any] = {}
    pop = st.setting("EnableAuthSMTP-POP3")
    enabled = server_tab.parse_bool(pop if pop is not None else "1")
    out["pop_before_smtp"] = {"enabled": enabled, "window": POP_BEFORE_SMTP_WINDOW, "match": "ip+account"}
    if pop is not None:
        mark(ctx, st, "EnableAuthSMTP-POP3")
    elif enabled:
        ctx.report.info(
            "server.pop_before_smtp_default",
            "xmail.server.pop_before_smtp_default",
            {},
            paths=["policy.pop_before_smtp"],
        )
    if (v := st.setting("AllowNullSender")) is not None:
        out["null_sender"] = "accept" if server_tab.parse_bool(v) else "refuse"
        mark(ctx, st, "AllowNullSender")
    if (v := st.setting("CheckMailerDomain")) is not None:
        out["unknown_sender_domain"] = "refuse" if server_tab.parse_bool(v) else "accept"
        mark(ctx, st, "CheckMailerDomain")
    if (v := st.setting("SMTP-RDNSCheck")) is not None:
        n = server_tab.parse_int(v, 0)
        if n >= 0:
            out["rdns"] = "refuse" if n > 0 else "off"
            mark(ctx, st, "SMTP-RDNSCheck")
            if n > 0:
                note(ctx, st, "upgraded", "server.rdns_auth", "xmail.server.rdns_auth", "SMTP-RDNSCheck")
        else:
            note(ctx, st, "unmapped", "server.rdns_delay", "xmail.server.rdns_delay", "SMTP-RDNSCheck", value=v)
    if (v := st.setting("CustMapsList")) is not None:
        zones: list[dict[str, Any]] = []
        lost: list[str] = []
        auth_only: list[str] = []
        for part in filter(None, (p.strip() for p in v.split(","))):
            zone, _, code = part.rpartition(":")
            if not zone:
                zone, code = part, "1"
            n = server_tab.parse_int(code, 1)
            if n < 0:
                lost.append(zone.rstrip("."))
                continue
            if n == 0:
                auth_only.append(zone.rstrip("."))
            zones.append(
                {
                    "zone": zone.rstrip("."),
                    "action": "refuse",
                    "origin": f"{st.server_rel}:{st.settings['CustMapsList'].line}",
                }
            )
        out["dnsbl"] = {"zones": zones}
        if auth_only:
            note(
                ctx,
                st,
                "upgraded",
                "server.dnsbl_auth_only",
                "xmail.server.dnsbl_auth_only",
                "CustMapsList",
                zones=",".join(auth_only),
            )
        if lost:
            note(
                ctx,
                st,
                "unmapped",
                "server.dnsbl_delay",
                "xmail.server.dnsbl_delay",
                "CustMapsList",
                zones=",".join(lost),
            )
        else:
            mark(ctx, st, "CustMapsList")
    if (v := st.setting("SMTP-IpMapDropCode")) is not None:
        mark(ctx, st, "SMTP-IpMapDropCode")
    if st.setting("DefaultSmtpPerms") is not None:
        mark(ctx, st, "DefaultSmtpPerms")
    return out


def listener_updates(ctx: Context, st: State, configs: dict[str, set[str]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    smtp_tls = st.setting("EnableSMTP-TLS")
    if smtp_tls is not None and not server_tab.parse_bool(smtp_tls):
        note(ctx, st, "upgraded", "server.smtp_tls", "xmail.server.smtp_tls_off", "EnableSMTP-TLS")
    else:
        mark(ctx, st, "EnableSMTP-TLS")
    pop_tls = st.setting("EnablePOP3-TLS")
    note(
        ctx,
        st,
        "upgraded",
        "server.pop3_plaintext",
        "xmail.server.pop3_plaintext",
        "EnablePOP3-TLS",
        value=pop_tls if pop_tls is not None else "1",
    )
    no_tls = st.setting("SmtpNoTLSAuths")
    if no_tls is None:
        ctx.report.upgraded(
            "server.auth_without_tls",
            "xmail.server.auth_without_tls",
            {"mechanisms": "PLAIN,LOGIN,CRAM-MD5"},
            paths=["listeners.submission.tls_required"],
        )
    else:
        mechs = {m.strip().upper() for m in no_tls.split(",") if m.strip()}
        plain = sorted(mechs - {"CRAM-MD5"})
        if plain:
            note(
                ctx,
                st,
                "upgraded",
                "server.auth_without_tls",
                "xmail.server.auth_without_tls",
                "SmtpNoTLSAuths",
                mechanisms=",".join(plain),
            )
        else:
            mark(ctx, st, "SmtpNoTLSAuths")
    ctx.report.upgraded(
        "auth.sender_match", "xmail.auth.sender_match", {}, paths=["policy.auth.sender_must_match_login"]
    )
    pop = st.setting("EnableAuthSMTP-POP3")
    if server_tab.parse_bool(pop if pop is not None else "1"):
        # XMail's POP-before-SMTP worked on port 25, where old clients send; the engine lets a
        # POP login relay only on listeners that relay for logins. AUTH itself stays off on 25.
        out.setdefault("smtp", {})["relay_with_auth"] = True
        note(
            ctx,
            st,
            "info",
            "listeners.smtp_pop_before_smtp",
            "xmail.listeners.smtp_pop_before_smtp",
            "EnableAuthSMTP-POP3",
        )
    for lst, tokens in configs.items():
        if "WantTLS" in tokens:
            out.setdefault(lst, {})["tls_required"] = True
    # XMail offered AUTH on every SMTP port. A 587 listener shows the clients had somewhere else to
    # submit, so dropping AUTH on 25 is a plain upgrade; without one it is the admin's call.
    if "submission" in st.extra_listeners:
        ctx.report.upgraded(
            "listeners.smtp_auth", "xmail.listeners.smtp_auth_upgraded", {}, paths=["listeners.smtp.auth"]
        )
    else:
        ctx.report.decide(
            "listeners.smtp_auth",
            "xmail.listeners.smtp_auth_decide",
            {},
            key="listeners.smtp.auth",
            options=["false", "true"],
            value=False,
            paths=["listeners.smtp.auth"],
        )
        if str(ctx.report.answer("listeners.smtp.auth", False)).lower() in ("true", "yes", "1"):
            out.setdefault("smtp", {}).update(auth=True, relay_with_auth=True)
    return out


# ------------------------------------------------------------------------------ other tables
def read_smtpauth(ctx: Context, st: State) -> None:
    loaded = _load(ctx, "smtpauth.tab")
    if loaded is None:
        return
    root = (st.setting("RootDomain") or next(iter(st.domains), "")).lower()
    for rec in loaded.records:
        if len(rec.fields) < 3:
            ctx.bad_fields(loaded.rel, rec, "3")
            continue
        user, plain, perms = rec.fields[:3]
        ctx.report.secret(plain)
        address = user if "@" in user else f"{user}@{root}"
        key = address.lower()
        if not root or st.local_domain(address.rpartition("@")[2]) is None:
            ctx.unmapped("smtpauth.domain", "xmail.smtpauth.domain", loaded.rel, rec, user=user)
            continue
        if key in st.accounts:
            # XMail tried mailusers.tab first: the real account's password already wins for this login.
            ctx.unmapped("smtpauth.shadowed", "xmail.smtpauth.shadowed", loaded.rel, rec, user=user)
            continue
        if st.is_local(key):
            ctx.unmapped("smtpauth.taken", "xmail.smtpauth.taken", loaded.rel, rec, user=user, address=address)
            continue
        try:
            acct = Account(
                address=address,
                origin=ctx.origin(loaded.rel, rec),
                receive=False,
                services=Services(pop3=False, imap=False, smtp_auth=True),
                may_relay="R" in perms.upper(),
                name=f"SMTP AUTH ({user})",
            )
        except ValueError as exc:
            ctx.report.error(
                f"invalid.{loaded.rel}:{rec.number}", "xmail.invalid", {"problem": str(exc)}, **at(loaded.rel, rec)
            )
            continue
        st.accounts[key] = acct
        st.perms[key] = perms
        ctx.passwords[acct.address] = plain
        ctx.report.info(
            f"smtpauth.login.{key}",
            "xmail.smtpauth.login",
            {"user": user, "address": acct.address},
            **at(loaded.rel, rec),
            paths=["accounts"],
        )


def read_unmigrated(ctx: Context, st: State) -> None:
    """Tables for services or checks Tayori does not have: every record is reported."""
    for name, key in (("smtp.hnprop.tab", "hnprop"), ("smtpextauth.tab", "extauth")):
        loaded = _load(ctx, name)
        if loaded is None:
            continue
        for rec in loaded.records:
            ctx.unmapped(f"{key}.line", f"xmail.{key}", loaded.rel, rec)
    loaded = _load(ctx, "pop3.ipmap.tab")
    if loaded is not None:
        denies = [r for r in loaded.records if len(r.fields) >= 3 and r.fields[2].upper() != "ALLOW"]
        for rec in loaded.records:
            if denies:
                ctx.unmapped("pop3_ipmap.line", "xmail.pop3_ipmap", loaded.rel, rec)
            else:
                ctx.mapped(loaded.rel, rec)
    loaded = _load(ctx, "ctrlaccounts.tab")
    if loaded is not None:
        for rec in loaded.records:
            if len(rec.fields) >= 2:
                plain = password.decode(rec.fields[1])
                if plain:
                    ctx.report.secret(plain)
            ctx.unmapped("ctrlaccounts.line", "xmail.ctrlaccounts", loaded.rel, rec, user=rec.fields[0])
