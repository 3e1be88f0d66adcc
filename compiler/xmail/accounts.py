"""Domains, accounts, lists, aliases and per-account mail processing (reference §2.3-2.7, 2.20-2.23)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from tayori.compiler.xmail import folders, password, server_tab
from tayori.compiler.xmail.context import Command, Context, Loaded, at, commands
from tayori.compiler.xmail.state import State
from tayori.compiler.xmail.tab import TabLine
from tayori.profiles.model import Account, Alias, Domain, Forward, ListMember, MailingList

M = TypeVar("M", bound=BaseModel)

KB = 1024
# XMailCFG's template puts "??" into informational fields nobody filled in.
PLACEHOLDERS = ("", "??")
INFO_VARS = ("HomePage", "Address", "Telephone")
LIST_VARS = ("ClosedML", "ListSender", "UseReplyTo")


def build(ctx: Context, model: Callable[..., M], rel: str, line: TabLine, **kw: Any) -> M | None:
    """Construct a profile object; a value the profile refuses becomes an error for this line."""
    try:
        return model(origin=ctx.origin(rel, line), **kw)
    except ValidationError as exc:
        problem = "; ".join(e["msg"] for e in exc.errors())
        ctx.report.error(f"invalid.{rel}:{line.number}", "xmail.invalid", {"problem": problem}, **at(rel, line))
        return None


# ----------------------------------------------------------------------------------- domains
def read_domains(ctx: Context, st: State) -> None:
    path = ctx.find("domains.tab")
    loaded = ctx.load(path) if path else None
    if loaded is None:
        ctx.report.error("domains.missing", "xmail.domains.missing", {})
        return
    for rec in loaded.records:
        name = rec.fields[0].lower()
        if name in st.domains:
            ctx.unmapped(f"domains.duplicate.{name}", "xmail.duplicate", loaded.rel, rec, first=st.domains[name].origin)
            continue
        dom = build(ctx, Domain, loaded.rel, rec, name=name)
        if dom is not None:
            st.domains[dom.name] = dom
            ctx.mapped(loaded.rel, rec)


def read_alias_domains(ctx: Context, st: State) -> None:
    path = ctx.find("aliasdomain.tab")
    loaded = ctx.load(path) if path else None
    if loaded is None:
        return
    for rec in loaded.records:
        if len(rec.fields) < 2:
            ctx.bad_fields(loaded.rel, rec, "2")
            continue
        alias, real = rec.fields[0].lower(), rec.fields[1].lower()
        if real not in st.domains:
            ctx.unmapped("aliasdomain.unknown", "xmail.aliasdomain.unknown", loaded.rel, rec, domain=real)
            continue
        if any(c in alias for c in "*?["):
            ctx.unmapped("aliasdomain.wildcard", "xmail.aliasdomain.wildcard", loaded.rel, rec, alias=alias)
            continue
        if alias in st.domains or alias in st.alias_domains:
            ctx.unmapped(f"aliasdomain.duplicate.{alias}", "xmail.duplicate", loaded.rel, rec, first=alias)
            continue
        dom = st.domains[real]
        try:
            updated = dom.model_copy(update={"aliases": [*dom.aliases, Domain(name=alias).name]})
        except ValidationError:
            ctx.report.error(
                f"invalid.{loaded.rel}:{rec.number}",
                "xmail.invalid",
                {"problem": f'"{alias}" is not a domain name'},
                **at(loaded.rel, rec),
            )
            continue
        st.domains[real] = updated
        st.alias_domains[alias] = real
        ctx.mapped(loaded.rel, rec)


# ----------------------------------------------------------------------------------- accounts
def read_mailusers(ctx: Context, st: State, progress: Callable[[int, int, str], None] | None) -> None:
    path = ctx.find("mailusers.tab")
    loaded = ctx.load(path) if path else None
    if loaded is None:
        ctx.report.error("mailusers.missing", "xmail.mailusers.missing", {})
        return
    default_perms = st.setting("DefaultSmtpPerms")
    if default_perms is None:
        default_perms = server_tab.VARIABLES["DefaultSmtpPerms"].default or ""
    domain_mailproc: dict[str, list[Command] | None] = {}
    total = len(loaded.records)
    domains_dir = ctx.find("domains")
    homes = [_home(ctx, domains_dir, rec.fields) for rec in loaded.records]
    ahead = folders.read_ahead(ctx.folders, homes)
    for n, (rec, home, _) in enumerate(zip(loaded.records, homes, ahead, strict=True), 1):
        if progress is not None and n % 500 == 0:
            progress(n, total, "mailusers.tab")
        _account(ctx, st, loaded, rec, home, default_perms, domain_mailproc)


def _home(ctx: Context, domains_dir: Path | None, fields: tuple[str, ...]) -> str | None:
    """The account's folder, `domains/<domain>/<dir>`, matched case-insensitively."""
    if len(fields) < 6 or domains_dir is None:
        return None
    domain_dir = ctx.child(domains_dir, fields[0].lower(), directory=True)
    return ctx.child(domain_dir, fields[4], directory=True) if domain_dir is not None else None


def _account(
    ctx: Context,
    st: State,
    loaded: Loaded,
    rec: TabLine,
    home: str | None,
    default_perms: str,
    domain_mailproc: dict[str, list[Command] | None],
) -> None:
    rel = loaded.rel
    if len(rec.fields) < 6:
        ctx.bad_fields(rel, rec, "6")
        return
    domain, user, enc, _uid, acct_dir, acct_type = rec.fields[:6]
    domain = domain.lower()
    address = f"{user}@{domain}"
    key = address.lower()
    plain = password.decode(enc)
    if plain is None:
        ctx.report.error(
            f"mailusers.password.{key}", "xmail.password.undecodable", {"address": address}, **at(rel, rec)
        )
        return
    ctx.report.secret(plain)
    if domain not in st.domains:
        ctx.report.error(
            f"mailusers.domain.{key}",
            "xmail.mailusers.unknown_domain",
            {"address": address, "domain": domain},
            **at(rel, rec),
        )
        return
    if key in st.accounts or key in st.lists:
        first = (st.accounts.get(key) or st.lists[key]).origin
        ctx.unmapped(f"mailusers.duplicate.{key}", "xmail.duplicate", rel, rec, first=first)
        return
    kind = acct_type[:1].upper()
    if kind not in ("U", "M"):
        ctx.report.error(f"mailusers.type.{key}", "xmail.mailusers.type", {"type": acct_type}, **at(rel, rec))
        return
    if home is None:
        ctx.report.info(
            f"mailusers.nodir.{key}", "xmail.mailusers.nodir", {"address": address, "dir": acct_dir}, **at(rel, rec)
        )
    if kind == "M":
        ml = build(ctx, MailingList, rel, rec, address=address, poster_policy="anyone")
        if ml is None:
            return
        st.lists[key] = ml
        st.list_logins.add(key)
        ctx.report.info(f"mailusers.list_login.{key}", "xmail.list.login", {"address": address}, **at(rel, rec))
        if home is not None:
            _list_home(ctx, st, key, home)
        return
    settings: dict[str, Any] = {}
    own = _user_settings(ctx, home, settings) if home is not None else None
    # an empty SmtpPerms in user.tab is the account's own setting (no rights), not "use the default"
    perms = default_perms if own is None else own
    settings["may_relay"] = "R" in perms
    # One validation with everything user.tab said: built once, not built and then copied unchecked.
    acct = build(ctx, Account, rel, rec, address=address, **settings)
    if acct is None:
        return
    ctx.passwords[acct.address] = plain
    st.accounts[key] = acct
    st.perms[key] = perms
    ctx.mapped(rel, rec)
    _perm_notes(st, key)
    if home is not None:
        _user_mail(ctx, st, key, home, domain, user, domain_mailproc)


# ----------------------------------------------------------------------------------- user.tab
def _user_tab(ctx: Context, home: str) -> tuple[Loaded | None, dict[str, tuple[str, TabLine]]]:
    path = ctx.child(home, "user.tab", directory=False)
    loaded = ctx.load(path) if path else None
    values: dict[str, tuple[str, TabLine]] = {}
    if loaded is None:
        return None, values
    for rec in loaded.records:
        if len(rec.fields) != 2:
            ctx.bad_fields(loaded.rel, rec, "2")
            continue
        name, value = rec.fields
        if name in values:
            ctx.unmapped("user.duplicate", "xmail.duplicate", loaded.rel, rec, first=values[name][1].number)
            continue
        values[name] = (value, rec)
    return loaded, values


def _kb(value: str) -> int | None:
    n = server_tab.parse_int(value, 0)
    return n * KB if n > 0 else None


def _user_settings(ctx: Context, home: str, settings: dict[str, Any]) -> str | None:
    """Read an account's user.tab into `settings` (Account fields); returns the account's own SMTP
    permission letters, if user.tab has them. Values are built from integers and flags the way
    XMail reads them, so the profile accepts each one."""
    loaded, values = _user_tab(ctx, home)
    if loaded is None:
        return None
    rel = loaded.rel
    perms: str | None = None
    mapped: list[int] = []
    for name, (value, rec) in values.items():
        if name == "RealName":
            if value not in PLACEHOLDERS:
                settings["name"] = value
            mapped.append(rec.number)
        elif name == "MaxMBSize":
            settings["quota"] = _kb(value)
            mapped.append(rec.number)
        elif name == "MaxMessageSize":
            settings["max_send_size"] = _kb(value)
            mapped.append(rec.number)
        elif name == "SmtpPerms":
            perms = value
            mapped.append(rec.number)
        elif name == "ReceiveEnable":
            settings["receive"] = server_tab.parse_bool(value)
            mapped.append(rec.number)
        elif name == "PopEnable":
            # IMAP is new: an account XMail kept from reading mail stays closed to IMAP too.
            enabled = server_tab.parse_bool(value)
            settings["services"] = {"pop3": enabled, "imap": enabled}
            mapped.append(rec.number)
        elif name in INFO_VARS:
            if value in PLACEHOLDERS:
                mapped.append(rec.number)
            else:
                ctx.unmapped("user.info", "xmail.user.info", rel, rec, name=name, value=value)
        elif name == "Pop3ScanCur" and not server_tab.parse_bool(value):
            mapped.append(rec.number)
        elif name == "DisableEmitAuthUser":
            ctx.unmapped("user.authuser", "xmail.user.authuser", rel, rec, value=value)
        elif name in LIST_VARS:
            ctx.unmapped("user.listvar", "xmail.user.listvar", rel, rec, name=name)
        else:
            ctx.unmapped("user.unknown", "xmail.user.unknown", rel, rec, name=name, value=value)
    ctx.report.mapped(rel, *mapped)
    return perms


def _user_mail(
    ctx: Context,
    st: State,
    key: str,
    home: str,
    domain: str,
    user: str,
    domain_mailproc: dict[str, list[Command] | None],
) -> None:
    """What the account's folder says about its mail: processing, POP3 ipmap, stored messages."""
    if domain not in domain_mailproc:
        dpath = ctx.find("domains", domain, "mailproc.tab")
        dloaded = ctx.load(dpath) if dpath else None
        domain_mailproc[domain] = _checked_commands(ctx, dloaded, "mailproc") if dloaded else None
    mpath = ctx.child(home, "mailproc.tab", directory=False)
    mloaded = ctx.load(mpath) if mpath else None
    own = _checked_commands(ctx, mloaded, "mailproc") if mloaded else None
    dom_cmds = domain_mailproc[domain]
    if own is not None or dom_cmds is not None:
        _apply_mailproc(ctx, st, key, user, [*(dom_cmds or []), *(own or [])])

    ipmap = ctx.child(home, "pop3.ipmap.tab", directory=False)
    iloaded = ctx.load(ipmap) if ipmap else None
    if iloaded is not None:
        address = st.accounts[key].address
        for rec in iloaded.records:
            ctx.unmapped("user.pop3_ipmap", "xmail.user.pop3_ipmap", iloaded.rel, rec, address=address)
    _count_mail(ctx, st, home)


def _perm_notes(st: State, key: str) -> None:
    """Perm letters without a profile equivalent, gathered into one entry per letter set at the end
    (one entry per account would bury the report of a 10,000-account install)."""
    lost = "".join(sorted({c for c in st.perms[key].upper() if c in "VTZS"}))
    if lost:
        st.lost_perms.setdefault(lost, []).append(st.accounts[key].address)


def _count_mail(ctx: Context, st: State, home: str) -> None:
    count = ctx.folders.count_mail(home)
    if count:
        st.stored_mail[0] += count
        st.stored_mail[1] += 1


def report_summaries(ctx: Context, st: State) -> None:
    for letters, addresses in sorted(st.lost_perms.items()):
        ctx.report.info(
            f"user.perms.{letters}",
            "xmail.user.perms",
            {"count": len(addresses), "letters": letters, "examples": ", ".join(addresses[:3])},
            paths=["accounts"],
        )
    if st.srs:
        # One finding for the install (the same change for every forward), at the first line.
        _, rel, line = st.srs[0]
        ctx.report.upgraded(
            "mailproc.redirect_srs",
            "xmail.mailproc.srs",
            {"count": len(st.srs), "examples": ", ".join(a for a, _, _ in st.srs[:3])},
            **at(rel, line),
            paths=["accounts[].forward.envelope"],
        )
    messages, mailboxes = st.stored_mail
    if messages:
        ctx.report.info("mail.stored", "xmail.mail.stored", {"count": messages, "mailboxes": mailboxes}, file="domains")


# ----------------------------------------------------------------------------------- mailproc
REDIRECTS = ("redirect", "lredirect")


def _checked_commands(ctx: Context, loaded: Loaded, what: str) -> list[Command]:
    """Report the commands with no safe equivalent; return the ones the profile can express."""
    out = []
    for cmd in commands(loaded):
        if cmd.name == "mailbox" and what == "mailproc":
            if cmd.args:
                ctx.bad_fields(cmd.rel, cmd.line, "1")
                continue
            out.append(cmd)
        elif cmd.name in REDIRECTS:
            if not cmd.args:
                ctx.bad_fields(cmd.rel, cmd.line, "2+")
                continue
            out.append(cmd)
        elif cmd.name in ("external", "filter"):
            ctx.unmapped(f"{what}.{cmd.name}", "xmail.proc.program", cmd.rel, cmd.line, command=cmd.name)
        elif cmd.name in ("smtprelay", "smtp"):
            ctx.unmapped(f"{what}.{cmd.name}", "xmail.proc.smtprelay", cmd.rel, cmd.line, command=cmd.name)
        else:
            ctx.unmapped(f"{what}.unknown", "xmail.proc.unknown", cmd.rel, cmd.line, command=cmd.name)
    return out


def redirect_targets(cmd: Command, local_part: str) -> list[str]:
    """A target without `@` means the same local part at that domain."""
    return [t if "@" in t else f"{local_part}@{t}" for t in cmd.args]


def _apply_mailproc(ctx: Context, st: State, key: str, user: str, cmds: list[Command]) -> None:
    acct = st.accounts[key]
    keep = any(c.name == "mailbox" for c in cmds)
    targets: list[str] = []
    envelopes: set[str] = set()
    for c in cmds:
        if c.name == "mailbox":
            ctx.mapped(c.rel, c.line)
            continue
        targets.extend(redirect_targets(c, user))
        if c.name == "lredirect":
            envelopes.add("account")
            ctx.mapped(c.rel, c.line)
        else:
            envelopes.add("srs")
            ctx.mapped(c.rel, c.line)
            st.srs.append((acct.address, c.rel, c.line))
    if not targets:
        if not keep and cmds:
            ctx.report.info(
                f"mailproc.nobox.{key}",
                "xmail.mailproc.no_mailbox",
                {"address": acct.address},
                **at(cmds[0].rel, cmds[0].line),
            )
        return
    envelope = "srs" if "srs" in envelopes else "account"
    try:
        fwd = Forward(
            targets=list(dict.fromkeys(targets)),
            keep_copy=keep,
            envelope=envelope,  # type: ignore[arg-type]
            origin=ctx.origin(cmds[0].rel, cmds[0].line),
        )
    except ValidationError as exc:
        ctx.report.error(
            f"mailproc.invalid.{key}",
            "xmail.invalid",
            {"problem": str(exc.errors()[0]["msg"])},
            **at(cmds[0].rel, cmds[0].line),
        )
        return
    st.accounts[key] = acct.model_copy(update={"forward": fwd})


# ----------------------------------------------------------------------------------- lists
def _list_home(ctx: Context, st: State, key: str, home: str) -> None:
    loaded, values = _user_tab(ctx, home)
    ml = st.lists[key]
    update: dict[str, Any] = {}
    if loaded is not None:
        rel = loaded.rel
        for name, (value, rec) in values.items():
            if name == "RealName":
                if value not in PLACEHOLDERS:
                    update["name"] = value
                ctx.mapped(rel, rec)
            elif name == "ClosedML":
                update["poster_policy"] = "members" if server_tab.parse_bool(value) else "anyone"
                ctx.mapped(rel, rec)
            elif name == "ListSender":
                if value:
                    update["list_sender"] = value
                ctx.mapped(rel, rec)
            elif name == "UseReplyTo":
                update["reply_to"] = "list" if server_tab.parse_int(value, 1) != 0 else "none"
                ctx.mapped(rel, rec)
            elif name in (
                "MaxMBSize",
                "PopEnable",
                "SmtpPerms",
                "MaxMessageSize",
                "DisableEmitAuthUser",
                "Pop3ScanCur",
                *INFO_VARS,
            ):
                # Lists have no mailbox and no login in Tayori; these only mattered for the login.
                ctx.mapped(rel, rec)
            elif name == "ReceiveEnable" and server_tab.parse_bool(value):
                ctx.mapped(rel, rec)
            else:
                ctx.unmapped("list.var", "xmail.list.var", rel, rec, name=name, value=value)
    try:
        st.lists[key] = MailingList.model_validate({**ml.model_dump(), **update})
    except ValidationError as exc:
        ctx.report.error(
            f"list.invalid.{key}",
            "xmail.invalid",
            {"problem": str(exc.errors()[0]["msg"])},
            file=loaded.rel if loaded else None,
        )
    _members(ctx, st, key, home)
    for extra in ("mailproc.tab", "pop3.ipmap.tab"):
        p = ctx.child(home, extra, directory=False)
        extra_loaded = ctx.load(p) if p else None
        if extra_loaded is not None:
            for rec in extra_loaded.records:
                ctx.unmapped("list.extra", "xmail.list.extra", extra_loaded.rel, rec, file=extra)


def _members(ctx: Context, st: State, key: str, home: str) -> None:
    path = ctx.child(home, "mlusers.tab", directory=False)
    loaded = ctx.load(path) if path else None
    if loaded is None:
        return
    ml = st.lists[key]
    members: list[ListMember] = []
    seen: set[str] = set()
    for rec in loaded.records:
        addr = rec.fields[0]
        perms = (rec.fields[1] if len(rec.fields) > 1 else "RW").upper()
        if addr.lower() in seen:
            ctx.unmapped("mlusers.duplicate", "xmail.duplicate", loaded.rel, rec, first=addr)
            continue
        member = build(
            ctx, ListMember, loaded.rel, rec, address=addr, receive="R" in perms, post="W" in perms or "A" in perms
        )
        if member is None:
            continue
        if "A" in perms and "W" not in perms:
            ctx.report.info(f"mlusers.auth.{key}", "xmail.list.auth_member", {"address": addr}, **at(loaded.rel, rec))
        else:
            ctx.mapped(loaded.rel, rec)
        seen.add(addr.lower())
        members.append(member)
    st.lists[key] = ml.model_copy(update={"members": members})


# ----------------------------------------------------------------------------------- aliases
def read_aliases(ctx: Context, st: State) -> None:
    path = ctx.find("aliases.tab")
    loaded = ctx.load(path) if path else None
    if loaded is None:
        return
    rel = loaded.rel
    for rec in loaded.records:
        if len(rec.fields) < 3:
            ctx.bad_fields(rel, rec, "3")
            continue
        domain, alias, real = rec.fields[0].lower(), rec.fields[1], rec.fields[2]
        wild = any(c in domain for c in "*?[")
        if not wild and st.local_domain(domain) is None:
            ctx.unmapped("aliases.domain", "xmail.aliases.domain", rel, rec, domain=domain)
            continue
        if "?" in alias + domain or "[" in alias + domain:
            ctx.unmapped("aliases.pattern", "xmail.aliases.pattern", rel, rec, alias=f"{alias}@{domain}")
            continue
        target = real if "@" in real else f"{real}@{domain}"
        tkey = target.lower()
        if tkey not in st.accounts and tkey not in st.lists:
            ctx.unmapped("aliases.target", "xmail.aliases.target", rel, rec, target=target)
            continue
        address = f"{alias}@{domain}"
        key = address.lower()
        if key in st.accounts or key in st.lists:
            ctx.unmapped("aliases.shadowed", "xmail.aliases.shadowed", rel, rec, address=address)
            continue
        if key in st.aliases:
            ctx.unmapped("aliases.duplicate", "xmail.duplicate", rel, rec, first=st.aliases[key].origin)
            continue
        real_target = (st.accounts.get(tkey) or st.lists[tkey]).address
        al = build(ctx, Alias, rel, rec, address=address, targets=[real_target])
        if al is not None:
            st.aliases[key] = al
            ctx.mapped(rel, rec)


def read_extaliases(ctx: Context, st: State) -> None:
    path = ctx.find("extaliases.tab")
    loaded = ctx.load(path) if path else None
    if loaded is None:
        return
    for rec in loaded.records:
        if len(rec.fields) < 4:
            ctx.bad_fields(loaded.rel, rec, "4")
            continue
        ext = f"{rec.fields[1]}@{rec.fields[0]}"
        key = f"{rec.fields[3]}@{rec.fields[2]}".lower()
        acct = st.accounts.get(key)
        if acct is None:
            ctx.unmapped("extaliases.target", "xmail.extaliases.target", loaded.rel, rec, target=key)
            continue
        try:
            updated = Account.model_validate({**acct.model_dump(), "send_as": [*acct.send_as, ext]})
        except ValidationError as exc:
            ctx.report.error(
                f"invalid.{loaded.rel}:{rec.number}",
                "xmail.invalid",
                {"problem": str(exc.errors()[0]["msg"])},
                **at(loaded.rel, rec),
            )
            continue
        st.accounts[key] = updated
        ctx.report.info(
            "extaliases.send_as",
            "xmail.extaliases.send_as",
            {"external": ext, "address": acct.address},
            **at(loaded.rel, rec),
        )


def read_cmdaliases(ctx: Context, st: State) -> None:
    for ddir in ctx.tree.children("cmdaliases", dirs=True):
        domain = ddir.name.lower()
        for f in ctx.tree.children(ctx.rel(ddir), dirs=False):
            if f.name.startswith(".") or not f.name.lower().endswith(".tab"):
                continue
            loaded = ctx.load(f, 512)
            if loaded is None:
                continue
            user = f.name[:-4]
            address = f"{user}@{domain}"
            if st.local_domain(domain) is None:
                for rec in loaded.records:
                    ctx.unmapped("cmdaliases.domain", "xmail.cmdaliases.domain", loaded.rel, rec, domain=domain)
                continue
            cmds = _checked_commands(ctx, loaded, "cmdaliases")
            targets: list[str] = []
            lredirect = False
            for c in cmds:
                if c.name == "mailbox":
                    ctx.unmapped("cmdaliases.mailbox", "xmail.proc.unknown", c.rel, c.line, command=c.name)
                    continue
                targets.extend(redirect_targets(c, user))
                lredirect = lredirect or c.name == "lredirect"
            if not targets:
                continue
            key = address.lower()
            first = cmds[0]
            unique = list(dict.fromkeys(targets))
            if key in st.lists:
                for c in cmds:
                    ctx.unmapped("cmdaliases.shadows", "xmail.cmdaliases.shadows", c.rel, c.line, address=address)
                continue
            if key in st.accounts:
                # XMail looks at cmdaliases before accounts, at RCPT and at delivery: the mailbox never
                # got this mail. A forward without a local copy does the same.
                _cmdalias_account(ctx, st, key, cmds, unique, lredirect)
                continue
            shadowed = st.aliases.pop(key, None)
            if shadowed is not None and shadowed.origin:
                rel, _, line = shadowed.origin.rpartition(":")
                ctx.report.unmapped(
                    f"aliases.cmdalias.{key}",
                    "xmail.aliases.cmdalias",
                    {"address": address, "cmdalias": first.rel},
                    file=rel,
                    line=int(line) if line.isdigit() else None,
                )
            al = build(
                ctx,
                Alias,
                first.rel,
                first.line,
                address=address,
                targets=unique,
                rewrite_envelope=lredirect,
            )
            if al is None:
                continue
            st.aliases[key] = al
            for c in cmds:
                if c.name in REDIRECTS:
                    ctx.mapped(c.rel, c.line)


def _cmdalias_account(
    ctx: Context, st: State, key: str, cmds: list[Command], targets: list[str], lredirect: bool
) -> None:
    acct = st.accounts[key]
    first = cmds[0]
    try:
        fwd = Forward(
            targets=targets,
            keep_copy=False,
            envelope="account" if lredirect else "srs",
            origin=ctx.origin(first.rel, first.line),
        )
    except ValidationError as exc:
        ctx.report.error(
            f"cmdaliases.invalid.{key}",
            "xmail.invalid",
            {"problem": str(exc.errors()[0]["msg"])},
            **at(first.rel, first.line),
        )
        return
    st.accounts[key] = acct.model_copy(update={"forward": fwd})
    ctx.report.info(
        f"cmdaliases.account.{key}",
        "xmail.cmdaliases.account",
        {"address": acct.address},
        **at(first.rel, first.line),
        paths=["accounts[].forward"],
    )
    for c in cmds:
        if c.name in REDIRECTS:
            ctx.mapped(c.rel, c.line)


def read_custdomains(ctx: Context, st: State) -> None:
    for f in ctx.tree.children("custdomains", dirs=False):
        name = f.name.lower()
        if f.name.startswith(".gitkeep") or not name.endswith(".tab"):
            continue
        loaded = ctx.load(f, 1024)
        if loaded is None:
            continue
        domain = name[:-4]
        if not domain or domain.startswith("."):
            for rec in loaded.records:
                ctx.unmapped(
                    "custdomains.wildcard", "xmail.custdomains.wildcard", loaded.rel, rec, pattern=domain or "*"
                )
            continue
        if domain in st.domains or domain in st.alias_domains:
            for rec in loaded.records:
                ctx.unmapped("custdomains.local", "xmail.custdomains.local", loaded.rel, rec, domain=domain)
            continue
        cmds = _checked_commands(ctx, loaded, "custdomains")
        for c in cmds:
            if c.name == "mailbox":
                ctx.unmapped("custdomains.mailbox", "xmail.proc.unknown", c.rel, c.line, command=c.name)
                continue
            _custdomain_redirect(ctx, st, domain, c)


def _custdomain_redirect(ctx: Context, st: State, domain: str, c: Command) -> None:
    if len(c.args) != 1:
        ctx.unmapped("custdomains.targets", "xmail.custdomains.targets", c.rel, c.line, domain=domain)
        return
    target = c.args[0]
    origin = ctx.origin(c.rel, c.line)
    if domain in st.domains or domain in st.alias_domains:
        ctx.unmapped("custdomains.twice", "xmail.duplicate", c.rel, c.line, first=domain)
        return
    if "@" not in target:
        real = st.local_domain(target)
        if real is None:
            ctx.unmapped("custdomains.remote", "xmail.custdomains.remote", c.rel, c.line, target=target)
            return
        dom = st.domains[real]
        try:
            st.domains[real] = dom.model_copy(update={"aliases": [*dom.aliases, Domain(name=domain).name]})
        except ValidationError:
            ctx.report.error(
                f"invalid.{c.rel}:{c.line.number}",
                "xmail.invalid",
                {"problem": f'"{domain}" is not a domain name'},
                file=c.rel,
                line=c.line.number,
            )
            return
        st.alias_domains[domain] = real
        st.custdomains[domain] = origin
        ctx.report.upgraded(
            f"custdomains.unknown_users.{domain}",
            "xmail.custdomains.upgrade",
            {"domain": domain, "target": target},
            **at(c.rel, c.line),
            paths=["domains"],
        )
        return
    # An address target takes every local part, as XMail's redirect did: nothing changes.
    catch_all = build(ctx, Domain, c.rel, c.line, name=domain, catch_all=target, dkim=None)
    if catch_all is not None:
        st.domains[catch_all.name] = catch_all
        st.custdomains[domain] = origin
        ctx.mapped(c.rel, c.line)
