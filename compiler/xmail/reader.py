"""The XMail reader: a whole `MailRoot` to one profile and a migration report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

import tayori.compiler.xmail.messages  # noqa: F401  (registers the report texts)
from tayori.compiler.legacy_tree import LegacyTree
from tayori.compiler.registry import Progress, ReaderResult
from tayori.compiler.report import ReportBuilder
from tayori.compiler.xmail import accounts, extras, probes, relay, routing, server
from tayori.compiler.xmail.context import Context
from tayori.compiler.xmail.detect import detect
from tayori.compiler.xmail.state import State
from tayori.profiles.model import (
    Delivery,
    Dnsbl,
    DnsblZone,
    Dsn,
    Limits,
    Listener,
    Listeners,
    Policy,
    PopBeforeSmtp,
    Profile,
    RelayPolicy,
    Server,
    Source,
)

LEGACY_AUTH_OPTIONS = ["none", "apop", "cram-md5", "apop+cram-md5"]


@dataclass
class Options:
    # The admin's answer to `accounts.legacy_auth` (the safe default keeps no plaintext).
    legacy_auth: str = "none"


class XMailReader:
    name = "xmail"
    title = "XMail 1.27 (MailRoot)"

    def detect(self, tree: LegacyTree) -> int:
        return detect(tree)

    def read(self, tree: LegacyTree, report: ReportBuilder, progress: Progress | None = None) -> ReaderResult:
        return read_mailroot(tree, report, progress)


def read_mailroot(
    tree: LegacyTree, report: ReportBuilder, progress: Progress | None = None, options: Options | None = None
) -> ReaderResult:
    opts = options or Options(legacy_auth=str(report.answer("accounts.legacy_auth", "none")).lower())
    ctx = Context(tree, report)
    st = State()
    server.read_server(ctx, st)
    accounts.read_domains(ctx, st)
    accounts.read_alias_domains(ctx, st)
    accounts.read_mailusers(ctx, st, progress)
    accounts.report_summaries(ctx, st)
    accounts.read_aliases(ctx, st)
    accounts.read_extaliases(ctx, st)
    accounts.read_cmdaliases(ctx, st)
    accounts.read_custdomains(ctx, st)
    relay.read_smtpauth(ctx, st)
    routing.read_routing(ctx, st)
    routing.read_pop3links(ctx, st)
    relay.read_unmigrated(ctx, st)
    extras.read_filters(ctx)
    extras.read_userauth_pop3(ctx)
    extras.note_files(ctx)

    sections = server.map_server(ctx, st)
    ip_tables = relay.read_ip_tables(ctx, st)
    senders = relay.sender_rules(ctx)
    configs = relay.smtp_configs(ctx, st)
    clients = relay.client_rules(ip_tables)
    denies = [r for r in clients if r.table == "refuse"]
    rest = [r for r in clients if r.table != "refuse"]
    rules = [*senders, *denies, *relay.mailauth_rules(ip_tables, configs), *rest]
    policy_kw = relay.policy_updates(ctx, st)
    listener_kw = relay.listener_updates(ctx, st, configs)
    _mailauth_perms(ctx, st, configs)

    profile = _assemble(ctx, st, tree, sections, rules, policy_kw, listener_kw, opts)
    mailauth = {name for name, tokens in configs.items() if "MailAuth" in tokens}
    legacy = probes.generate(st, ip_tables, [s for r in senders for s in r.senders], mailauth)
    return ReaderResult(profile=profile, secrets=ctx.secrets, passwords=ctx.passwords, legacy_probes=legacy)


def _mailauth_perms(ctx: Context, st: State, configs: dict[str, set[str]]) -> None:
    if not any("MailAuth" in t for t in configs.values()):
        return
    for key, perms in st.perms.items():
        if "M" not in perms.upper():
            ctx.report.info(f"perms.no_m.{key}", "xmail.user.no_mailauth", {"address": st.accounts[key].address})


def _legacy_auth(ctx: Context, st: State, opts: Options, listeners: dict[str, Any]) -> None:
    line = st.settings.get("SmtpNoTLSAuths")
    ctx.report.decide(
        "auth.legacy",
        "xmail.auth.legacy_decide",
        {"accounts": len(st.accounts)},
        key="accounts.legacy_auth",
        options=LEGACY_AUTH_OPTIONS,
        value="none",
        file=st.server_rel if line else None,
        line=line.line if line else None,
        paths=["accounts[].legacy_auth", "listeners.pop3.auth_mechanisms"],
    )
    if opts.legacy_auth == "none":
        return
    kept: list[str] = []
    if "apop" in opts.legacy_auth:
        kept.append("apop")
        for name in ("pop3", "pop3s"):
            listeners.setdefault(name, {})["auth_mechanisms"] = ["PLAIN", "LOGIN", "APOP"]
    if "cram-md5" in opts.legacy_auth:
        kept.append("cram-md5")
        for name in ("submission", "submissions"):
            listeners.setdefault(name, {})["auth_mechanisms"] = ["PLAIN", "LOGIN", "CRAM-MD5"]
    plain = ctx.secrets.setdefault("accounts", {})
    for key, acct in st.accounts.items():
        if acct.address in ctx.passwords and acct.services.pop3 | acct.services.smtp_auth:
            st.accounts[key] = acct.model_copy(update={"legacy_auth": kept})
            plain[acct.address] = ctx.passwords[acct.address]


def _assemble(
    ctx: Context,
    st: State,
    tree: LegacyTree,
    sections: dict[str, dict[str, Any]],
    rules: list[Any],
    policy_kw: dict[str, Any],
    listener_kw: dict[str, dict[str, Any]],
    opts: Options,
) -> Profile:
    _legacy_auth(ctx, st, opts, listener_kw)
    rel = st.server_rel
    try:
        srv = Server(origin=rel, **sections["server"])
    except ValidationError as exc:
        ctx.report.error(
            "server.invalid", "xmail.invalid", {"problem": "; ".join(e["msg"] for e in exc.errors())}, file=rel
        )
        srv = Server(origin=rel)
    listeners = Listeners()
    for name, upd in listener_kw.items():
        current: Listener = getattr(listeners, name)
        setattr(listeners, name, current.model_copy(update=upd))
    pbs = policy_kw.pop("pop_before_smtp")
    dnsbl = policy_kw.pop("dnsbl", None)
    policy = Policy(
        relay=RelayPolicy(rules=rules, fallback="receive-any"),
        pop_before_smtp=PopBeforeSmtp(origin=rel, **pbs),
        limits=Limits(origin=rel, **sections["limits"]),
        dnsbl=Dnsbl(zones=[DnsblZone(**z) for z in dnsbl["zones"]]) if dnsbl else Dnsbl(),
        origin=rel,
        **policy_kw,
        **sections["policy"],
    )
    delivery = Delivery(routes=st.routes, dsn=Dsn(**sections["dsn"]), origin=rel, **sections["delivery"])
    root = (st.setting("RootDomain") or "").lower()
    domains = sorted(st.domains.values(), key=lambda d: (d.name != root,))
    try:
        return Profile(
            profile_version=1,
            source=Source(dialect="xmail", folder=str(tree.root)),
            server=srv,
            listeners=listeners,
            domains=domains,
            accounts=list(st.accounts.values()),
            aliases=list(st.aliases.values()),
            lists=list(st.lists.values()),
            policy=policy,
            delivery=delivery,
        )
    except ValidationError as exc:
        ctx.report.error("profile.invalid", "xmail.invalid", {"problem": "; ".join(e["msg"] for e in exc.errors())})
        return Profile(profile_version=1, source=Source(dialect="xmail", folder=str(tree.root)))


READER = XMailReader()
