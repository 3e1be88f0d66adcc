"""Accounts (`<domain>.idx`, the Account Manager TSV export) and each mailbox's control files."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath
from typing import Any

from tayori.compiler.epost.context import Ctx, raw_lines
from tayori.compiler.epost.effect import parse_effect
from tayori.compiler.epost.filters import compile_maildat
from tayori.compiler.epost.idx import parse_idx
from tayori.compiler.epost.imsctl import ImsCtl, parse_imsctl
from tayori.compiler.epost.mailbox import (
    autoreply_text,
    decode_apop,
    parse_apop,
    parse_patterns,
    parse_sender,
    parse_usetime,
)
from tayori.compiler.epost.maildat import parse_maildat
from tayori.compiler.epost.settings import is_domain
from tayori.compiler.legacy_text import decode_legacy
from tayori.profiles.model import Filter

WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# files E-Post keeps in a mailbox that carry nothing to migrate, or that this reader reads itself
CONTROL_FILES = {
    "ims.ctl",
    "autorply.txt",
    "noreply.txt",
    "replied.txt",
    "permitfrom.txt",
    "apop.dat",
    "mail.dat",
    "effect.dat",
    "sender.dat",
    "usetime.dat",
}
LEGACY_ONLY = {"yesreply.txt", "key.txt", "autofail.txt", "rplyuser.txt", "rplyfail.txt"}


@dataclass
class User:
    address: str
    account: str
    domain: str
    data: dict[str, Any] = field(default_factory=dict)
    origin: str | None = None
    password: str | None = None
    apop_password: str | None = None
    has_apop: bool = False


def read_idx(ctx: Ctx, path: Path, users: dict[str, User]) -> None:
    opened = ctx.open(path)
    if opened is None:
        return
    rel, decoded = opened
    parsed = parse_idx(decoded.lines)
    ctx.problems(rel, "idx", parsed.problems)
    ctx.report.mapped(rel, *parsed.blank)
    file_domain = path.name[: -len(".idx")].lower()
    for acc in parsed.accounts:
        if acc.password:
            ctx.report.secret(acc.password)
        domain = acc.domain or file_domain
        if domain != file_domain:
            ctx.report.info("idx.domain", "epost.idx.other_domain", {"domain": domain}, file=rel, line=acc.line)
        if domain not in ctx.domains and is_domain(domain):
            ctx.domains.append(domain)
        address = f"{acc.account}@{domain}".lower()
        if address in users:
            ctx.report.error("idx.duplicate", "epost.idx.duplicate", {"account": address}, file=rel, line=acc.line)
            continue
        user = User(address, acc.account, domain, origin=f"{rel}:{acc.line}", password=acc.password)
        if acc.full_name:
            user.data["name"] = acc.full_name
        users[address] = user
        if acc.password is None:
            ctx.report.error("idx.password", "epost.idx.bad_password", {"account": address}, file=rel, line=acc.line)
        elif acc.home:
            ctx.report.unmapped(
                "idx.home", "epost.idx.home", {"account": address, "home": acc.home}, file=rel, line=acc.line
            )
        else:
            ctx.report.mapped(rel, acc.line)
        if acc.obfuscated and acc.password is not None:
            ctx.report.info("idx.obfuscated", "epost.password.recovered", {"account": address}, file=rel, line=acc.line)


def read_accounts_tsv(ctx: Ctx, path: Path, users: dict[str, User]) -> None:
    """Account Manager export: account⇥password⇥fullname⇥domain⇥home⇥smtp⇥apop⇥quota (plain passwords)."""
    opened = ctx.open(path)
    if opened is None:
        return
    rel, decoded = opened
    for line in decoded.lines:
        if line.text.strip() == "":
            ctx.report.mapped(rel, line.number)
            continue
        cols = line.text.split("\t")
        if len(cols) < 4 or not cols[0].strip():
            ctx.report.error("tsv.bad", "epost.tsv.bad_line", {"columns": len(cols)}, file=rel, line=line.number)
            continue
        cols += [""] * (8 - len(cols))
        account, password, name, domain = (c.strip() for c in cols[:4])
        if password:
            ctx.report.secret(password)
        address = f"{account}@{domain.lower()}".lower()
        quota = cols[7].strip()
        user = users.get(address)
        if user is None:
            if domain.lower() not in ctx.domains and is_domain(domain):
                ctx.domains.append(domain.lower())
            user = User(address, account, domain.lower(), origin=f"{rel}:{line.number}", password=password or None)
            if name:
                user.data["name"] = name
            users[address] = user
        elif password and user.password and password != user.password:
            ctx.report.unmapped(
                "tsv.password_differs", "epost.tsv.password_differs", {"account": address}, file=rel, line=line.number
            )
        if quota.isdigit() and int(quota) > 0:
            user.data["quota"] = int(quota)
        elif quota and not quota.isdigit():
            ctx.report.error("tsv.quota", "epost.tsv.bad_quota", {"value": quota}, file=rel, line=line.number)
            continue
        ctx.report.mapped(rel, line.number)
    ctx.report.upgraded("tsv.plaintext", "epost.tsv.plaintext", {}, file=rel)


def mailbox_root(ctx: Ctx) -> Path | None:
    """Where the per-user folders are: from MailInBoxDir, else a folder named like E-Post's default."""
    template = str(ctx.settings.get("mailbox_template") or "")
    parts = [p for p in PureWindowsPath(template.replace("/", "\\")).parts if "%" not in p and ":" not in p]
    parts = [p for p in parts if p not in ("\\",)]
    for start in range(len(parts)):
        found = ctx.tree.find(*parts[start:])
        if found is not None and found.is_dir():
            return found
    for name in ("inbox", "INETMAIL/INBOX", "mailbox", "IMS/INBOX"):
        found = ctx.tree.find(name)
        if found is not None and found.is_dir():
            return found
    return None


def resolve_legacy_path(ctx: Ctx, windows_path: str) -> Path | None:
    """A Windows path from a setting (`c:\\forward\\address.txt`) inside the legacy copy, if it is there."""
    parts = [p for p in PureWindowsPath(windows_path.strip()).parts if p not in ("\\",) and not p.endswith(":\\")]
    parts = [p for p in parts if not re.fullmatch(r"[A-Za-z]:\\?|\\\\.*", p)]
    for start in range(len(parts)):
        found = ctx.tree.find(*parts[start:])
        if found is not None and found.is_file():
            return found
    return None


def read_mailbox(ctx: Ctx, folder: Path, user: User) -> None:
    report = ctx.report
    files = {p.name.casefold(): p for p in ctx.tree.children(ctx.tree.rel(folder), dirs=False)}
    messages = [p for n, p in files.items() if n.endswith(".msg")]
    if messages:
        report.info(
            "mailbox.messages",
            "epost.mailbox.messages",
            {"account": user.address, "count": len(messages)},
            file=ctx.tree.rel(folder),
        )
    for name, p in sorted(files.items()):
        if name in CONTROL_FILES or name.endswith(".msg"):
            continue
        if name in LEGACY_ONLY:
            report.unmapped("mailbox.legacy_file", "epost.mailbox.legacy_file", {"name": p.name}, file=ctx.tree.rel(p))
        elif name.endswith(".smtp"):
            report.unmapped(
                "mailbox.auth_counter", "epost.mailbox.auth_counter", {"name": p.name}, file=ctx.tree.rel(p)
            )
        else:
            report.unmapped(
                "mailbox.unknown_file", "epost.mailbox.unknown_file", {"name": p.name}, file=ctx.tree.rel(p)
            )
    if "apop.dat" in files:
        _apop(ctx, files["apop.dat"], user)
    if "ims.ctl" in files:
        _imsctl(ctx, files, user)
    else:
        for orphan in ("autorply.txt", "noreply.txt", "permitfrom.txt", "replied.txt"):
            if orphan in files:
                report.unmapped(
                    "mailbox.unused",
                    "epost.mailbox.unused",
                    {"name": files[orphan].name},
                    file=ctx.tree.rel(files[orphan]),
                )
    if "mail.dat" in files:
        opened = ctx.open(files["mail.dat"])
        if opened is not None:
            rel, decoded = opened
            parsed = parse_maildat(decoded.lines)
            ctx.problems(rel, "maildat", parsed.problems, raw_lines(decoded))
            filters: list[Filter] = compile_maildat(ctx, rel, parsed, per_user=True)
            if filters:
                user.data.setdefault("filters", []).extend(filters)
            if not ctx.settings.get("filters_on", True):
                report.info("maildat.off", "epost.maildat.off", {}, file=rel)
    if "effect.dat" in files:
        _user_effect(ctx, files["effect.dat"], user)
    if "sender.dat" in files:
        _sender(ctx, files["sender.dat"], user)
    if "usetime.dat" in files:
        _usetime(ctx, files["usetime.dat"], user)


def _apop(ctx: Ctx, path: Path, user: User) -> None:
    data = ctx.read_bytes(path)
    if data is None:
        return
    decoded, first = decode_apop(data)
    opened = ctx.open(path, decoded)
    if opened is None:
        return
    rel, decoded = opened
    parsed = parse_apop(decoded, first)
    ctx.problems(rel, "apop", parsed.problems)
    ctx.report.mapped(rel, *parsed.blank)
    user.has_apop = True
    if parsed.password is not None:
        ctx.report.secret(parsed.password)
        user.apop_password = parsed.password
        if user.password is None:
            user.password = parsed.password
            ctx.report.mapped(rel, 1)
        elif parsed.password != user.password:
            ctx.report.unmapped("apop.differs", "epost.apop.differs", {"account": user.address}, file=rel, line=1)
        else:
            ctx.report.mapped(rel, 1)
        if parsed.obfuscated:
            ctx.report.info("apop.obfuscated", "epost.password.recovered", {"account": user.address}, file=rel)
    if parsed.level is not None and parsed.level_line is not None:
        if parsed.level == 0:
            ctx.report.upgraded(
                "apop.from_level", "epost.apop.from_level", {"account": user.address}, file=rel, line=parsed.level_line
            )
        else:
            ctx.report.mapped(rel, parsed.level_line)
    ctx.settings.setdefault("apop_files", []).append(rel)


def _lines_file(ctx: Ctx, path: Path, *, allow_extra: bool = False) -> tuple[str, list[str]] | None:
    opened = ctx.open(path)
    if opened is None:
        return None
    rel, decoded = opened
    parsed = parse_patterns(decoded.lines, allow_extra=allow_extra)
    ctx.problems(rel, "list", parsed.problems, raw_lines(decoded))
    ctx.report.mapped(rel, *parsed.comments)
    ctx.report.mapped(rel, *(p.line for p in parsed.patterns))
    return rel, [p.value for p in parsed.patterns]


def _imsctl(ctx: Ctx, files: dict[str, Path], user: User) -> None:
    report = ctx.report
    opened = ctx.open(files["ims.ctl"])
    if opened is None:
        return
    rel, decoded = opened
    ctl = parse_imsctl(decoded.lines)
    raw = raw_lines(decoded)
    ctx.problems(rel, "imsctl", ctl.problems, raw)
    report.mapped(rel, *ctl.comments, *ctl.sections)
    for n in ctl.overridden:
        report.unmapped("imsctl.overridden", "epost.imsctl.overridden", {}, file=rel, line=n, raw=raw.get(n))
    for n in ctl.losing_mode_lines:
        report.unmapped("imsctl.mode_lost", "epost.imsctl.mode_lost", {}, file=rel, line=n, raw=raw.get(n))
    if ctl.mode_line is not None:
        report.mapped(rel, ctl.mode_line)
    used: set[str] = set()
    discard = ctl.get("Discard")
    keep_copy = not ctl.flag("Discard")
    if discard is not None:
        used.add("Discard")
        report.mapped(rel, discard.line)
    if ctl.mode == "forward":
        _forward(ctx, rel, ctl, files, user, keep_copy, used, raw)
    elif ctl.mode == "reply":
        _reply(ctx, rel, ctl, files, user, used, raw)
        if not keep_copy and discard is not None:
            report.unmapped("imsctl.discard", "epost.imsctl.discard_reply", {}, file=rel, line=discard.line)
    for key, v in ctl.values.items():
        if key in used:
            continue
        if key == "Module":
            report.upgraded(
                "imsctl.module",
                "epost.imsctl.module",
                {"account": user.address},
                file=rel,
                line=v.line,
                raw=raw.get(v.line),
            )
        elif key == "CharSet":
            report.mapped(rel, v.line)  # Tayori always labels the charset of its replies
        else:
            report.unmapped(
                f"imsctl.key.{key.lower()}",
                "epost.imsctl.not_used",
                {"key": key, "mode": ctl.mode or "-"},
                file=rel,
                line=v.line,
                raw=raw.get(v.line),
            )


def _forward(
    ctx: Ctx,
    rel: str,
    ctl: ImsCtl,
    files: dict[str, Path],
    user: User,
    keep_copy: bool,
    used: set[str],
    raw: dict[int, str],
) -> None:
    report = ctx.report
    to = ctl.get("ForwardTo")
    if to is None or not to.value.strip():
        report.error("imsctl.no_target", "epost.imsctl.no_target", {}, file=rel, line=ctl.mode_line)
        return
    used.add("ForwardTo")
    value = to.value.strip()
    targets: list[str] = []
    if value.lower().startswith("file:"):
        target_file = resolve_legacy_path(ctx, value[5:])
        if target_file is None:
            report.error(
                "imsctl.forward_file",
                "epost.imsctl.forward_file",
                {"path": value[5:]},
                file=rel,
                line=to.line,
                raw=raw.get(to.line),
            )
            return
        got = _lines_file(ctx, target_file)
        if got is None:
            return
        targets = got[1]
        report.info(
            "imsctl.forward_file",
            "epost.imsctl.forward_inlined",
            {"path": value[5:], "count": len(targets)},
            file=rel,
            line=to.line,
        )
    else:
        targets = [value]
        report.mapped(rel, to.line)
    data: dict[str, Any] = {"targets": targets, "keep_copy": keep_copy, "origin": f"{rel}:{to.line}"}
    ff = ctl.get("ForwardFrom")
    if ff is not None:
        used.add("ForwardFrom")
        if ff.value == "*":
            report.upgraded(
                "imsctl.forward_from",
                "epost.imsctl.forward_original",
                {"account": user.address},
                file=rel,
                line=ff.line,
                paths=["accounts.forward.envelope"],
            )
        elif ff.value.strip() == "":
            report.mapped(rel, ff.line)
        else:
            report.unmapped(
                "imsctl.forward_from", "epost.imsctl.forward_from", {"value": ff.value}, file=rel, line=ff.line
            )
    if "permitfrom.txt" in files:
        got = _lines_file(ctx, files["permitfrom.txt"])
        if got is not None:
            data["senders"] = got[1]
    user.data["forward"] = data


def _reply(
    ctx: Ctx, rel: str, ctl: ImsCtl, files: dict[str, Path], user: User, used: set[str], raw: dict[int, str]
) -> None:
    report = ctx.report
    data: dict[str, Any] = {"origin": f"{rel}:{ctl.mode_line}"}
    subject = ctl.get("Subject")
    if subject is not None and subject.value.strip():
        data["subject"] = subject.value.strip()
        report.mapped(rel, subject.line)
        used.add("Subject")
    reply_from = ctl.get("ReplyFrom")
    if reply_from is not None and reply_from.value.strip():
        data["from"] = reply_from.value.strip()
        report.mapped(rel, reply_from.line)
        used.add("ReplyFrom")
    for key in ("RecordReplies", "RecordDate", "DeleteHeader"):
        v = ctl.get(key)
        if v is not None:
            report.mapped(rel, v.line)  # Tayori keeps its own memory of who was answered
            used.add(key)
    echo = ctl.get("EchoMessage")
    if echo is not None:
        used.add("EchoMessage")
        if ctl.flag("EchoMessage"):
            report.unmapped("imsctl.echo", "epost.imsctl.echo", {}, file=rel, line=echo.line)
        else:
            report.mapped(rel, echo.line)
    copy = ctl.get("CopyReplies")
    if copy is not None:
        used.add("CopyReplies")
        if ctl.flag("CopyReplies"):
            data["period"] = 7 * 86400
            report.upgraded(
                "imsctl.copy_replies",
                "epost.imsctl.copy_replies",
                {"account": user.address},
                file=rel,
                line=copy.line,
                paths=["accounts.auto_reply.period"],
            )
        else:
            report.mapped(rel, copy.line)
    if "autorply.txt" in files:
        path = files["autorply.txt"]
        data_bytes = ctx.read_bytes(path)
        if data_bytes is not None:
            opened = ctx.open(path, decode_legacy(data_bytes))
            if opened is not None:
                arel, decoded = opened
                body, _, end = autoreply_text(data_bytes)
                data["body"] = "\n".join(body) + ("\n" if body else "")
                report.mapped_range(arel, 1, len(decoded.lines))
                if end is not None and end < len(decoded.lines):
                    for n in range(end + 1, len(decoded.lines) + 1):
                        report.unmapped("autoreply.after_end", "epost.autoreply.after_end", {}, file=arel, line=n)
    if "noreply.txt" in files:
        got = _lines_file(ctx, files["noreply.txt"])
        if got is not None:
            data["no_reply"] = got[1]
    if "replied.txt" in files:
        opened = ctx.open(files["replied.txt"])
        if opened is not None:
            rrel, decoded = opened
            for line in decoded.lines:
                if line.text.strip():
                    report.unmapped("replied", "epost.replied.entry", {}, file=rrel, line=line.number)
                else:
                    report.mapped(rrel, line.number)
    user.data["auto_reply"] = data


def _user_effect(ctx: Ctx, path: Path, user: User) -> None:
    """A recipient's own effect.dat (v4.89+), checked at RCPT: maps to the account's receive rules."""
    report = ctx.report
    opened = ctx.open(path)
    if opened is None:
        return
    rel, decoded = opened
    parsed = parse_effect(decoded.lines)
    raw = raw_lines(decoded)
    ctx.problems(rel, "user_effect", parsed.problems, raw)
    report.mapped(rel, *parsed.comments)
    accept: list[str] = []
    refuse: list[str] = []
    closed = False  # a catch-all refusal ends the list: later lines never match
    for rule in parsed.rules:
        if closed:
            report.unmapped(
                "user_effect.unreachable", "epost.effect.unreachable", {}, file=rel, line=rule.line, raw=rule.raw
            )
            continue
        if rule.catch_all and rule.type == "false" and not rule.senders:
            if accept:
                closed = True
                report.mapped(rel, rule.line)
            else:
                refuse.append("*")
                report.mapped(rel, rule.line)
                closed = True
            continue
        patterns = [_sender_pattern(s) for s in rule.senders]
        if not rule.senders or any(p is None for p in patterns) or rule.type not in ("true", "false", "default"):
            report.unmapped(
                "user_effect.rule",
                "epost.effect.user_rule",
                {"type": rule.type},
                file=rel,
                line=rule.line,
                raw=rule.raw,
            )
            continue
        good = [p for p in patterns if p is not None]
        if rule.type == "false":
            if accept:
                # a refusal after allow rules only narrows senders that were not yet accepted
                report.unmapped(
                    "user_effect.order", "epost.effect.user_order", {}, file=rel, line=rule.line, raw=rule.raw
                )
                continue
            refuse.extend(good)
        else:
            accept.extend(good)
        report.mapped(rel, rule.line)
    if accept and not closed:
        # without a final refusal the allow lines change nothing for other senders
        accept = []
    if accept or refuse:
        user.data["receive_rules"] = {
            "accept_from": accept,
            "refuse_from": [] if accept else refuse,
            "origin": rel,
        }


def _sender_pattern(s: str) -> str | None:
    if s.startswith("class:"):
        return None
    if "@" in s:
        return s
    return f"*@{s}"


def _sender(ctx: Ctx, path: Path, user: User) -> None:
    report = ctx.report
    opened = ctx.open(path)
    if opened is None:
        return
    rel, decoded = opened
    parsed = parse_sender(decoded.lines)
    raw = raw_lines(decoded)
    ctx.problems(rel, "sender", parsed.problems, raw)
    report.mapped(rel, *parsed.comments)
    for inc in parsed.includes:
        report.upgraded("sender.include", "epost.sender.include", {"path": inc.value}, file=rel, line=inc.line)
    allowed: list[str] = []
    denied_first = False
    for rule in parsed.rules:
        if rule.allow:
            if denied_first:
                report.unmapped(
                    "sender.after_deny", "epost.sender.after_deny", {}, file=rel, line=rule.line, raw=raw.get(rule.line)
                )
                continue
            allowed.append(rule.pattern)
            report.mapped(rel, rule.line)
        else:
            denied_first = True
            report.unmapped("sender.deny", "epost.sender.deny", {"pattern": rule.pattern}, file=rel, line=rule.line)
    if allowed and not denied_first:
        user.data["allowed_destinations"] = allowed


def _usetime(ctx: Ctx, path: Path, user: User) -> None:
    report = ctx.report
    opened = ctx.open(path)
    if opened is None:
        return
    rel, decoded = opened
    parsed = parse_usetime(decoded.lines)
    ctx.problems(rel, "usetime", parsed.problems, raw_lines(decoded))
    report.mapped(rel, *parsed.comments)
    by_time: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for w in parsed.windows:
        by_time.setdefault((w.start, w.end), []).append((w.day, w.line))
        report.mapped(rel, w.line)
    windows = []
    for (start, end), days in by_time.items():
        ordered = sorted({d for d, _ in days}, key=WEEK.index)
        windows.append({"days": ordered, "start": start, "end": end, "origin": f"{rel}:{days[0][1]}"})
    if windows:
        user.data["allowed_hours"] = windows
        report.info("usetime.scope", "epost.usetime.scope", {"account": user.address}, file=rel)
