"""READER for E-Post SMTP Server: a copy of its folders in, a profile and a report out.

Expected layout (the program folder alone also works): the program folder with `effect.dat`,
`mail.dat`, `<domain>.idx` …, its `backup/epst-ms.reg`, and the mailbox root with one folder per user.
"""

from __future__ import annotations

from pathlib import Path, PureWindowsPath
from typing import Any

import tayori.compiler.epost.messages  # noqa: F401  (registers the report messages)
from tayori.compiler.epost import legacy_probes
from tayori.compiler.epost.context import Ctx, raw_lines
from tayori.compiler.epost.detect import detect, find_program, tree_rel
from tayori.compiler.epost.effect import parse_effect
from tayori.compiler.epost.filters import compile_maildat
from tayori.compiler.epost.gateway import parse_gateway
from tayori.compiler.epost.iplist import parse_iplist, parse_zones
from tayori.compiler.epost.mailbox import parse_member
from tayori.compiler.epost.maildat import parse_maildat
from tayori.compiler.epost.regfile import parse_reg
from tayori.compiler.epost.relay import (
    DECISION_ID,
    DECISION_KEY,
    LEGACY_DEFAULT,
    SAFE_DEFAULT,
    plan_relay,
    rule_dict,
)
from tayori.compiler.epost.settings import RegistryMapper, map_alias
from tayori.compiler.epost.users import User, mailbox_root, read_accounts_tsv, read_idx, read_mailbox
from tayori.compiler.legacy_text import DecodedText
from tayori.compiler.legacy_tree import LegacyTree, is_special
from tayori.compiler.registry import Progress, ReaderResult
from tayori.compiler.report import ReportBuilder
from tayori.profiles.model import (
    Account,
    DnsblZone,
    Domain,
    ListMember,
    MailingList,
    Profile,
    RelayRule,
    Route,
    Source,
)

# IP tables whose meaning Tayori has no place for: file -> message key
IP_TABLES = {
    "hiddensmtpip.dat": "epost.iplist.hidden",
    "hiddenimapip.dat": "epost.iplist.hidden",
    "passdb.dat": "epost.iplist.passdb",
    "passfilter.dat": "epost.iplist.passfilter",
    "pass3rd.dat": "epost.iplist.pass3rd",
    "ccdisableip.dat": "epost.iplist.ccdisable",
    "rejectpopip.dat": "epost.iplist.reject_other",
    "rejectimapip.dat": "epost.iplist.reject_other",
}
DEAD_ZONES = ("ordb.org",)


class EpostReader:
    name = "epost"
    title = "E-Post SMTP Server"

    def detect(self, tree: LegacyTree) -> int:
        return detect(tree)

    def read(self, tree: LegacyTree, report: ReportBuilder, progress: Progress | None = None) -> ReaderResult:
        ctx = Ctx(tree, report)
        ctx.program = find_program(tree)
        steps = 6
        _progress(progress, 0, steps, "registry")
        read_registry(ctx)
        _progress(progress, 1, steps, "accounts")
        users = read_accounts(ctx)
        _progress(progress, 2, steps, "mailboxes")
        read_mailboxes(ctx, users)
        _progress(progress, 3, steps, "relay")
        read_relay(ctx)
        _progress(progress, 4, steps, "filters")
        read_global_files(ctx)
        _progress(progress, 5, steps, "profile")
        profile = assemble(ctx, users)
        _progress(progress, 6, steps, "done")
        return ReaderResult(
            profile=profile, secrets=ctx.secrets, passwords=ctx.passwords, legacy_probes=relay_probes(ctx, profile)
        )


def relay_probes(ctx: Ctx, profile: Profile) -> list[dict[str, Any]]:
    """effect.dat's documented behaviour for this install, for `tayori compile --probe`."""
    rules, plan, upgrade_ids = ctx.settings.get("relay_plan", ([], None, {}))
    local = next((a.address for a in profile.accounts if a.enabled and a.receive), None)
    if plan is None or local is None:
        return []
    return legacy_probes.generate(rules, plan, local, local.rpartition("@")[2], upgrade_ids)


READER = EpostReader()


def _progress(progress: Progress | None, done: int, total: int, what: str) -> None:
    if progress is not None:
        progress(done, total, what)


def _open_program_file(ctx: Ctx, *names: str) -> tuple[str, DecodedText] | None:
    """The first of `names` in the program folder, opened through the report; None when absent or
    unreadable (reported)."""
    path = _program_file(ctx, *names)
    return ctx.open(path) if path is not None else None


def _program_file(ctx: Ctx, *names: str) -> Path | None:
    if ctx.program is None:
        return None
    rel = tree_rel(ctx.tree, ctx.program)
    for name in names:
        p = ctx.tree.find(rel, name) if rel else ctx.tree.find(name)
        if p is not None and p.is_file():
            return p
        if p is not None and is_special(p):
            ctx.report.not_regular(p)
    return None


# ------------------------------------------------------------------------------------- registry
def read_registry(ctx: Ctx) -> None:
    path = _program_file(ctx, "backup/epst-ms.reg", "epst-ms.reg")
    if path is None:
        regs = [p for p in ctx.tree.children(dirs=False) if p.name.lower().endswith(".reg")]
        path = regs[0] if regs else None
    if path is None:
        ctx.report.unmapped("reg.missing", "epost.reg.missing", {})
        return
    opened = ctx.open(path)
    if opened is None:
        return
    rel, decoded = opened
    reg = parse_reg(decoded.lines, wide=decoded.encoding.startswith("utf-16"))
    ctx.problems(rel, "reg", reg.problems, raw_lines(decoded))
    RegistryMapper(ctx, rel, reg).run()


# ------------------------------------------------------------------------------------- accounts
def read_accounts(ctx: Ctx) -> dict[str, User]:
    users: dict[str, User] = {}
    idx_dirs: list[Path] = []
    membership = str(ctx.settings.get("membership") or "")
    if membership and ctx.settings.get("user_manager", 0) == 0:
        parts = [p for p in PureWindowsPath(membership).parts if not p.endswith(":\\") and p != "\\"]
        for start in range(len(parts)):
            found = ctx.tree.find(*parts[start:])
            if found is not None and found.is_dir():
                idx_dirs.append(found)
                break
    if ctx.program is not None and ctx.program not in idx_dirs:
        idx_dirs.append(ctx.program)
    for d in idx_dirs:
        for p in ctx.tree.children(tree_rel(ctx.tree, d), dirs=False):
            if p.name.lower().endswith(".idx"):
                read_idx(ctx, p, users)
    export = ctx.tree.find("export")
    if export is not None and export.is_dir():
        read_exports(ctx, export, users)
    if not users and ctx.settings.get("user_manager", 0) == 0:
        ctx.report.unmapped("accounts.none", "epost.accounts.none", {})
    return users


def read_exports(ctx: Ctx, folder: Path, users: dict[str, User]) -> None:
    """Account Manager exports an admin may have left beside the install (TSV)."""
    for p in ctx.tree.children(ctx.tree.rel(folder), dirs=False):
        name = p.name.lower()
        if not name.endswith(".txt"):
            continue
        if name.startswith("account"):
            read_accounts_tsv(ctx, p, users)
        elif name.startswith("alias"):
            _aliases_tsv(ctx, p)
        elif name.endswith("-members.txt"):
            _members_file(ctx, p, name[: -len("-members.txt")])
        else:
            ctx.report.unmapped("export.unknown", "epost.export.unknown", {"name": p.name}, file=ctx.tree.rel(p))


def _aliases_tsv(ctx: Ctx, path: Path) -> None:
    opened = ctx.open(path)
    if opened is None:
        return
    rel, decoded = opened
    existing = {a.address for a in ctx.profile.setdefault("aliases", [])}
    for line in decoded.lines:
        if not line.text.strip():
            ctx.report.mapped(rel, line.number)
            continue
        alias, tab, target = line.text.partition("\t")
        if not tab:
            ctx.report.error("alias_tsv.bad", "epost.tsv.bad_line", {"columns": 1}, file=rel, line=line.number)
            continue
        if alias.strip().lower() in existing:
            ctx.report.mapped(rel, line.number)  # the registry already has it
            continue
        a = map_alias(ctx, alias, target, rel, line.number)
        if a is not None:
            ctx.profile["aliases"].append(a)
            existing.add(a.address)
            ctx.report.mapped(rel, line.number)


def _members_file(ctx: Ctx, path: Path, list_name: str) -> None:
    opened = ctx.open(path)
    if opened is None:
        return
    rel, decoded = opened
    lists: list[MailingList] = ctx.profile.setdefault("lists", [])
    target = next((ml for ml in lists if ml.address.split("@")[0] == list_name.lower()), None)
    members: list[ListMember] = []
    for line in decoded.lines:
        text = line.text.strip()
        if not text or text.startswith("#"):
            ctx.report.mapped(rel, line.number)
            continue
        parsed = parse_member(text)
        if parsed is None:
            ctx.report.error("members.bad", "epost.list.bad_member", {"value": text}, file=rel, line=line.number)
            continue
        members.append(ListMember(address=parsed[1], origin=f"{rel}:{line.number}"))
        ctx.report.mapped(rel, line.number)
    if target is None:
        ctx.report.unmapped("members.no_list", "epost.members.no_list", {"name": list_name}, file=rel)
        return
    known = {m.address.lower() for m in target.members}
    extra = [m for m in members if m.address.lower() not in known]
    target.members.extend(extra)
    if extra:
        ctx.report.info("members.added", "epost.members.added", {"count": len(extra), "list": target.address}, file=rel)


def read_mailboxes(ctx: Ctx, users: dict[str, User]) -> None:
    root = mailbox_root(ctx)
    if root is None:
        if users:
            ctx.report.unmapped("mailbox.root", "epost.mailbox.no_root", {})
        return
    folders = {p.name.casefold(): p for p in ctx.tree.children(ctx.tree.rel(root), dirs=True)}
    domain_folders: dict[str, str] = ctx.settings.get("domain_folders", {})
    seen: set[str] = set()
    for user in users.values():
        folder: Path | None = None
        sub = domain_folders.get(user.domain)
        if sub and sub.casefold() in folders:
            inner = {p.name.casefold(): p for p in ctx.tree.children(ctx.tree.rel(folders[sub.casefold()]), dirs=True)}
            folder = inner.get(user.account.casefold())
        else:
            folder = folders.get(user.account.casefold())
        if folder is None:
            continue
        seen.add(folder.name.casefold())
        read_mailbox(ctx, folder, user)
    for name, p in folders.items():
        if name not in seen and name not in {s.casefold() for s in domain_folders.values()}:
            ctx.report.unmapped("mailbox.orphan", "epost.mailbox.orphan", {"name": p.name}, file=ctx.tree.rel(p))


# ---------------------------------------------------------------------------------------- relay
def read_relay(ctx: Ctx) -> None:
    report = ctx.report
    path = _program_file(ctx, "effect.dat")
    effect = None
    rel = "effect.dat"
    raw: dict[int, str] = {}
    if path is not None:
        opened = ctx.open(path)
        if opened is not None:
            rel, decoded = opened
            raw = raw_lines(decoded)
            effect = parse_effect(decoded.lines)
            ctx.problems(rel, "effect", effect.problems, raw)
            report.mapped(rel, *effect.comments)
    answer = report.answer(DECISION_KEY, SAFE_DEFAULT)
    default_table = answer if answer in (SAFE_DEFAULT, LEGACY_DEFAULT) else SAFE_DEFAULT
    plan = plan_relay(effect, default_table)
    rules: list[RelayRule] = []
    upgrade_ids: dict[int, str] = {}
    ctx.settings["relay_plan"] = (effect.rules if effect is not None else [], plan, upgrade_ids)
    for c in plan.rules:
        r = c.rule
        rule = ctx.build(RelayRule, rule_dict(c, f"{rel}:{r.line}"), file=rel, line=r.line, area="effect")
        if rule is None:
            continue
        rules.append(rule)
        if c.upgraded:
            upgrade_ids[r.line] = report.upgraded(
                "effect.sender_relay",
                c.upgraded,
                {"pattern": r.pattern, "table": c.table},
                file=rel,
                line=r.line,
                raw=r.raw,
                paths=["policy.relay.rules"],
            ).id
        elif r.type == "true" and r.clients:
            report.info(
                "effect.trusted",
                "epost.relay.trusted",
                {"clients": ", ".join(r.clients)},
                file=rel,
                line=r.line,
                raw=r.raw,
            )
        else:
            report.mapped(rel, r.line)
        if r.ignored_text:
            report.info(
                "effect.ignored_text",
                "epost.effect.ignored_text",
                {"text": r.ignored_text},
                file=rel,
                line=r.line,
                raw=r.raw,
            )
    for r in plan.blank_rules:
        if r.type == "false":
            report.info("effect.blank", "epost.effect.blank_false", {}, file=rel, line=r.line, raw=r.raw)
        else:
            report.unmapped("effect.blank", "epost.effect.blank", {"type": r.type}, file=rel, line=r.line, raw=r.raw)
    for r in plan.after_only:
        report.info("effect.after_only", "epost.effect.after_only", {"type": r.type}, file=rel, line=r.line, raw=r.raw)
    policy = ctx.profile.setdefault("relay", {})
    policy["rules"] = rules
    policy["fallback"] = plan.fallback
    if plan.decision_needed:
        level = ctx.settings.get("auth_level", 0)
        report.decide(
            DECISION_ID,
            "epost.relay.decide_default",
            {"auth_level": level, "safe": SAFE_DEFAULT, "legacy": LEGACY_DEFAULT},
            key=DECISION_KEY,
            options=[SAFE_DEFAULT, LEGACY_DEFAULT],
            value=SAFE_DEFAULT,
            file=rel if path is not None else None,
            paths=["policy.relay.fallback", "policy.relay.rules"],
        )
    else:
        report.info("relay.only_mode", "epost.relay.only_mode", {}, file=rel if path is not None else None)


# ----------------------------------------------------------------------------- the other global files
def read_global_files(ctx: Ctx) -> None:
    report = ctx.report
    filters = ctx.profile.setdefault("filters", [])
    opened = _open_program_file(ctx, "mail.dat")
    if opened is not None:
        rel, decoded = opened
        blocks = parse_maildat(decoded.lines)
        ctx.problems(rel, "maildat", blocks.problems, raw_lines(decoded))
        if ctx.settings.get("filters_on", True):
            filters.extend(compile_maildat(ctx, rel, blocks, per_user=False))
        else:
            compile_maildat(ctx, rel, blocks, per_user=False)
            report.unmapped("maildat.off", "epost.maildat.off", {}, file=rel)
    opened = _open_program_file(ctx, "virus.dat")
    if opened is not None:
        rel, decoded = opened
        report.upgraded("virusdat", "epost.virusdat", {}, file=rel)
        report.mapped_range(rel, 1, len(decoded.lines))
    _gateways(ctx)
    _header(ctx)
    _ordb(ctx)
    for name, key in IP_TABLES.items():
        opened = _open_program_file(ctx, name)
        if opened is None:
            continue
        rel, decoded = opened
        parsed = parse_iplist(decoded.lines)
        ctx.problems(rel, "iplist", parsed.problems, raw_lines(decoded))
        report.mapped(rel, *parsed.comments)
        for e in parsed.entries:
            report.unmapped(f"iplist.{name}", key, {"pattern": e.pattern}, file=rel, line=e.line)
    _reject_ips(ctx)
    opened = _open_program_file(ctx, "sender.dat")
    if opened is not None:
        rel, decoded = opened
        for line in decoded.lines:
            if line.text.strip() and not line.text.startswith("'"):
                report.unmapped("sender.global", "epost.sender.global", {}, file=rel, line=line.number)
            else:
                report.mapped(rel, line.number)
    if ctx.program is not None:
        prel = tree_rel(ctx.tree, ctx.program)
        for p in ctx.tree.children(prel, dirs=False) if prel else ctx.tree.children(dirs=False):
            if p.name.lower() in ("oauth2.dat", "ipwatch.dat", "sslbyip.dat") and ctx.tree.rel(p) not in report.files:
                report.unmapped("program.unread", "epost.program.unread", {"name": p.name}, file=ctx.tree.rel(p))


def _gateways(ctx: Ctx) -> None:
    report = ctx.report
    routes: list[Route] = ctx.profile.setdefault("routes", [])
    opened = _open_program_file(ctx, "gateway.dat")
    if opened is not None:
        rel, decoded = opened
        parsed = parse_gateway(decoded.lines)
        ctx.problems(rel, "gateway", parsed.problems, raw_lines(decoded))
        report.mapped(rel, *parsed.comments)
        for rule in parsed.rules:
            gw = rule.gateways[0]
            if gw.password:
                report.secret(gw.password)
            if rule.sender or len(rule.gateways) > 1 or "@" in rule.target:
                report.unmapped(
                    "gateway.extension",
                    "epost.gateway.extension",
                    {"target": rule.target},
                    file=rel,
                    line=rule.line,
                )
            data: dict[str, Any] = {
                "domains": [rule.target],
                "host": gw.host,
                "port": gw.port,
                "tls": "implicit" if gw.implicit_tls else "opportunistic",
                "origin": f"{rel}:{rule.line}",
            }
            if gw.auth_user:
                key = f"epost-gateway-{rule.line}"
                data["auth_user"] = gw.auth_user
                if gw.password is not None:
                    data["password_secret"] = key
                    ctx.secrets.setdefault("smarthosts", {})[key] = gw.password
                else:
                    report.unmapped(
                        "gateway.password",
                        "epost.gateway.password",
                        {"target": rule.target},
                        file=rel,
                        line=rule.line,
                    )
            route = ctx.build(Route, data, file=rel, line=rule.line, area="gateway")
            if route is not None:
                routes.append(route)
                report.mapped(rel, rule.line)
                if not gw.implicit_tls:
                    report.info("gateway.tls", "epost.gateway.tls", {"target": rule.target}, file=rel, line=rule.line)
    gateway = ctx.settings.get("send_gateway")
    if gateway is not None:
        host, origin = gateway
        data = {"domains": ["*"], "host": host, "tls": "opportunistic", "origin": origin}
        auth = ctx.settings.get("gateway_auth")
        if auth is not None:
            data["auth_user"] = auth[0]
            if auth[1]:
                data["password_secret"] = "epost-send-gateway"
                ctx.secrets.setdefault("smarthosts", {})["epost-send-gateway"] = auth[1]
        route = ctx.build(Route, data, file=None, line=None, area="send_gateway")
        if route is not None:
            routes.append(route)


def _header(ctx: Ctx) -> None:
    opened = _open_program_file(ctx, "header.dat")
    if opened is None:
        return
    rel, decoded = opened
    for line in decoded.lines:
        text = line.text
        if text.strip() == "" or text.startswith("'"):
            ctx.report.mapped(rel, line.number)
        else:
            ctx.report.unmapped("header.template", "epost.header.template", {}, file=rel, line=line.number, raw=text)


def _ordb(ctx: Ctx) -> None:
    opened = _open_program_file(ctx, "ordb.dat")
    if opened is None:
        return
    rel, decoded = opened
    parsed = parse_zones(decoded.lines)
    ctx.problems(rel, "ordb", parsed.problems, raw_lines(decoded))
    ctx.report.mapped(rel, *parsed.comments)
    zones: list[DnsblZone] = ctx.profile.setdefault("dnsbl", [])
    for z in parsed.zones:
        if any(z.zone == d or z.zone.endswith("." + d) for d in DEAD_ZONES):
            ctx.report.upgraded("ordb.dead", "epost.ordb.dead", {"zone": z.zone}, file=rel, line=z.line)
            continue
        if z.answer not in (None, "127.0.0.2"):
            ctx.report.unmapped(
                "ordb.answer", "epost.ordb.answer", {"zone": z.zone, "answer": z.answer}, file=rel, line=z.line
            )
        zone = ctx.build(DnsblZone, {"zone": z.zone, "origin": f"{rel}:{z.line}"}, file=rel, line=z.line, area="ordb")
        if zone is not None:
            zones.append(zone)
            ctx.report.mapped(rel, z.line)


def _reject_ips(ctx: Ctx) -> None:
    """rejectsmtpip.dat: permanent entries become refusing relay rules ahead of effect.dat's."""
    opened = _open_program_file(ctx, "rejectsmtpip.dat")
    if opened is None:
        return
    rel, decoded = opened
    parsed = parse_iplist(decoded.lines)
    ctx.problems(rel, "rejectip", parsed.problems, raw_lines(decoded))
    ctx.report.mapped(rel, *parsed.comments)
    rules: list[RelayRule] = []
    for e in parsed.entries:
        if e.rest.strip() == "":
            rule = ctx.build(
                RelayRule,
                {
                    "clients": e.clients,
                    "table": "refuse",
                    "origin": f"{rel}:{e.line}",
                    "comment": "E-Post rejectsmtpip.dat",
                },
                file=rel,
                line=e.line,
                area="rejectip",
            )
            if rule is not None:
                rules.append(rule)
                ctx.report.mapped(rel, e.line)
        else:
            ctx.report.unmapped(
                "rejectip.lockout", "epost.rejectip.lockout", {"pattern": e.pattern}, file=rel, line=e.line
            )
    relay = ctx.profile.setdefault("relay", {})
    relay["rules"] = rules + list(relay.get("rules", []))


# --------------------------------------------------------------------------------------- profile
def assemble(ctx: Ctx, users: dict[str, User]) -> Profile:
    report, s = ctx.report, ctx.settings
    domains: list[Domain] = []
    for d in ctx.domains:
        dom = ctx.build(Domain, {"name": d, "origin": s.get("domains_origin")}, file=None, line=None, area="domain")
        if dom is not None:
            domains.append(dom)
    if not domains:
        report.error("domains.none", "epost.domains.none", {})
    accounts: list[Account] = []
    apop_files: list[str] = s.get("apop_files", [])
    keep_apop = False
    if apop_files:
        # APOP needs the plaintext kept: only when the admin chose it (the safe value in force is "off")
        keep_apop = report.answer("epost.auth.apop", "off") == "on"
        report.decide(
            "epost.auth.apop",
            "epost.auth.apop_decide",
            {"count": len(apop_files)},
            key="epost.auth.apop",
            options=["off", "on"],
            value="off",
            file=apop_files[0],
            paths=["accounts.legacy_auth"],
        )
    for user in users.values():
        data = dict(user.data)
        data["address"] = user.address
        data["origin"] = user.origin
        if "quota" not in data and s.get("quota"):
            data["quota"] = s["quota"]
        for key, value in list(data.items()):
            if isinstance(value, dict) and key in ("forward", "auto_reply", "receive_rules"):
                data[key] = {k: v for k, v in value.items() if v is not None}
        if keep_apop and user.has_apop and user.apop_password:
            data["legacy_auth"] = ["apop"]
        account = ctx.build(
            Account, data, file=(user.origin or "").rsplit(":", 1)[0] or None, line=_line(user.origin), area="account"
        )
        if account is None:
            continue
        accounts.append(account)
        if user.password:
            ctx.passwords[user.address] = user.password
        if keep_apop and user.has_apop and user.apop_password:
            ctx.secrets.setdefault("accounts", {})[user.address] = user.apop_password
    limits: dict[str, Any] = {}
    if "max_message_size" in s:
        limits["max_message_size"] = s["max_message_size"][0]
        limits["origin"] = s["max_message_size"][1]
    if "max_recipients" in s:
        limits["max_recipients"] = s["max_recipients"][0]
    relay = ctx.profile.get("relay", {})
    policy: dict[str, Any] = {
        "relay": {"rules": relay.get("rules", []), "fallback": relay.get("fallback", SAFE_DEFAULT)},
        "limits": limits,
        "dnsbl": {"zones": ctx.profile.get("dnsbl", [])},
        "vrfy": False,
        "expn": False,
    }
    server: dict[str, Any] = {}
    if "hostname" in s:
        server["hostname"], server["origin"] = s["hostname"]
    if "postmaster" in s:
        server["postmaster"] = s["postmaster"][0]
        report.upgraded(
            "postmaster", "epost.postmaster.always", {"address": s["postmaster"][0]}, paths=["server.postmaster"]
        )
    if s.get("ipv6") is False:
        server["ipv6"] = False
    listeners: dict[str, Any] = {}
    smtp: dict[str, Any] = {"port": 25, "tls": "starttls", "tls_required": False}
    if "smtp_port" in s:
        smtp["port"], smtp["origin"] = s["smtp_port"]
    if "max_connections" in s:
        smtp["max_connections"] = s["max_connections"]
    listeners["smtp"] = smtp
    mechs = [m for m in s.get("auth_mechanisms", []) if m in ("PLAIN", "LOGIN")]
    if mechs:
        for name, port, tls in (("submission", 587, "starttls"), ("submissions", 465, "implicit")):
            listeners[name] = {
                "port": port,
                "tls": tls,
                "auth": True,
                "relay_with_auth": True,
                "auth_mechanisms": mechs,
                "origin": s.get("auth_origin"),
            }
        report.decide(
            "epost.listeners.smtp_auth",
            "epost.auth.port25_decide",
            {},
            key="epost.listeners.smtp_auth",
            options=["off", "on"],
            value="off",
            paths=["listeners.smtp.auth"],
        )
        if report.answer("epost.listeners.smtp_auth", "off") == "on":
            smtp.update({"auth": True, "auth_mechanisms": mechs, "relay_with_auth": True})
    delivery: dict[str, Any] = {"routes": ctx.profile.get("routes", [])}
    if "parallelism" in s:
        delivery["parallelism"] = s["parallelism"]
    journal = report.answer("epost.delivery.journal", "off")
    if s.get("journal") and journal in s["journal"]:
        delivery["journal_to"] = journal
    if s.get("postmaster_copy"):
        delivery["dsn"] = {"postmaster_copy": True}
    sections: dict[str, Any] = {
        "profile_version": 1,
        "source": Source(dialect="epost", folder=str(ctx.tree.root)),
        "domains": domains,
        "accounts": accounts,
        "aliases": ctx.profile.get("aliases", []),
        "lists": ctx.profile.get("lists", []),
        "filters": ctx.profile.get("filters", []),
    }
    for key, value in (("server", server), ("listeners", listeners), ("policy", policy), ("delivery", delivery)):
        try:
            sections[key] = _validate_section(key, value)
        except ValueError as exc:
            report.error(f"profile.{key}", "epost.invalid", {"what": key, "problem": str(exc)})
    profile = ctx.build(Profile, sections, file=None, line=None, area="profile")
    if profile is None:
        profile = Profile(profile_version=1, source=Source(dialect="epost", folder=str(ctx.tree.root)))
    return profile


def _validate_section(key: str, value: dict[str, Any]) -> Any:
    from pydantic import BaseModel, ValidationError

    from tayori.compiler.epost.context import first_error
    from tayori.profiles.model import Delivery, Listeners, Policy, Server

    classes: dict[str, type[BaseModel]] = {
        "server": Server,
        "listeners": Listeners,
        "policy": Policy,
        "delivery": Delivery,
    }
    cls = classes[key]
    try:
        return cls.model_validate(value)
    except ValidationError as exc:
        raise ValueError(first_error(exc)) from exc


def _line(origin: str | None) -> int | None:
    if not origin or ":" not in origin:
        return None
    tail = origin.rsplit(":", 1)[1]
    return int(tail) if tail.isdigit() else None
