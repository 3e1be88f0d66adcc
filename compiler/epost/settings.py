"""The registry backup (`epst-ms.reg`) → server, listeners, limits, aliases, lists and delivery.

Every value is either mapped, or reported with the reason it has no equivalent. Values are looked up
by key path suffix (HKLM\\SOFTWARE\\EMWAC\\IMS …) and name, case-insensitively.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from tayori.compiler.epost.context import Ctx
from tayori.compiler.epost.mailbox import parse_member
from tayori.compiler.epost.regfile import RegFile, RegKey, RegValue
from tayori.profiles.model import Alias, Domain, ListMember, MailingList

IMS = r"HKLM\SOFTWARE\EMWAC\IMS"
ALIASES = IMS + r"\Aliases"
LISTS = IMS + r"\Lists"
DOMAIN = r"HKLM\SOFTWARE\EPOST\IMS\Domain"
RS = r"HKLM\SYSTEM\CurrentControlSet\Services\EPSTRS"
DS = r"HKLM\SYSTEM\CurrentControlSet\Services\EPSTDS"
IPWCS = r"HKLM\SOFTWARE\EPOST\IPWCS"

# values that are internal to E-Post (paths, counters, tuning Tayori does itself): no equivalent needed
INTERNAL = {
    IMS: {
        "mailspooldir",
        "mailinboxdir",
        "membership",
        "lastmsgid",
        "reservedwords",
        "maildaemonname",
        "autocreateinboxdir",
        "readydrivetime",
        "vlog",
        "havedomain",
        "mailinboxsizehigh",
    },
    RS: {
        "passwordfile",
        "senderpermitfile",
        "usetimefile",
        "defaultcode",
        "received",
        "timeout",
        "patternoftheonce",
        "acceptlogenabled",
    },
    RS + r"\Parameters": {"mailqueuedir", "mailinlogenabled"},
    DS: {
        "threadtype",
        "compulsion",
        "savedead",
        "senderlogenabled",
        "mailfaillogenabled",
        "returnmailform",
        "maxdivide",
        "domaindivide",
        "mxautoclean",
        "includeforward",
    },
    DS + r"\Parameters": {"mailoutlogenabled", "portno"},
}
LOGGING = {"acceptlogenabled", "mailinlogenabled", "mailoutlogenabled", "senderlogenabled", "mailfaillogenabled"}
RETRY = {"sendrefusaltime", "sendmaxretrytime", "sendothertime", "compulsion", "timeout"}


def _num(v: RegValue | None, default: int | None = None) -> int | None:
    if v is None:
        return default
    if isinstance(v.data, int):
        return v.data
    if isinstance(v.data, str) and v.data.strip().isdigit():
        return int(v.data.strip())
    return default


def _text(v: RegValue | None) -> str:
    if v is None:
        return ""
    if isinstance(v.data, str):
        return v.data
    if isinstance(v.data, list):
        return " ".join(v.data)
    return ""


def _strings(v: RegValue | None) -> list[str]:
    if v is None:
        return []
    if isinstance(v.data, list):
        return [s for s in v.data if s]
    if isinstance(v.data, bytes):
        # DomainNamesAreLocal is read as binary: NUL-separated ANSI strings
        return [s for s in v.data.decode("cp932", errors="replace").split("\x00") if s]
    if isinstance(v.data, str):
        return [s for s in re.split(r"[\s,;]+", v.data) if s]
    return []


class RegistryMapper:
    def __init__(self, ctx: Ctx, rel: str, reg: RegFile) -> None:
        self.ctx = ctx
        self.rel = rel
        self.reg = reg
        self.done: set[tuple[str, str]] = set()

    # -- bookkeeping -----------------------------------------------------------------------------
    def get(self, key: str, name: str) -> RegValue | None:
        v = self.reg.value(key, name)
        if v is not None:
            self.done.add((v.key.casefold(), name.casefold()))
        return v

    def mapped(self, v: RegValue | None) -> None:
        if v is not None:
            self.ctx.report.mapped_range(self.rel, v.line, v.last_line)

    def report(
        self, kind: str, v: RegValue | None, what: str, message: str, params: dict[str, Any] | None = None, **kw: Any
    ) -> None:
        if v is None:
            return
        self.mapped_range_rest(v)
        p = {"name": v.name, **(params or {})}
        getattr(self.ctx.report, kind)(f"reg.{what}", message, p, file=self.rel, line=v.line, raw=self._raw(v), **kw)

    def mapped_range_rest(self, v: RegValue) -> None:
        if v.last_line > v.line:
            self.ctx.report.mapped_range(self.rel, v.line + 1, v.last_line)

    def _raw(self, v: RegValue) -> str:
        return f'"{v.name}"={v.data!r}' if not isinstance(v.data, bytes) else f'"{v.name}"=hex:…'

    # -- sections ----------------------------------------------------------------------------------
    def run(self) -> None:
        ctx = self.ctx
        for n in self.reg.comments:
            ctx.report.mapped(self.rel, n)
        for key in self.reg.keys.values():
            ctx.report.mapped(self.rel, key.line)
        self.common()
        self.receiver()
        self.sender()
        self.aliases()
        self.lists()
        self.domain_modes()
        self.rest()

    def common(self) -> None:
        ctx, s = self.ctx, self.ctx.settings
        v = self.get(IMS, "DomainNamesAreLocal")
        bad = [d for d in _strings(v) if not is_domain(d)]
        for d in _strings(v):
            if is_domain(d) and d.lower() not in ctx.domains:
                ctx.domains.append(d.lower())
        if bad:
            self.report("error", v, "domains", "epost.reg.bad_domain", {"value": ", ".join(bad)})
        else:
            self.mapped(v)
        s["domains_origin"] = f"{self.rel}:{v.line}" if v else None
        v = self.get(IMS, "MailInBoxDir")
        if v is not None:
            s["mailbox_template"] = _text(v)
            self.mapped(v)
        v = self.get(IMS, "Membership")
        if v is not None:
            s["membership"] = _text(v)
            self.mapped(v)
        v = self.get(IMS, "PostMaster")
        if v is not None:
            pm = _text(v).strip()
            if pm and "@" not in pm and ctx.domains:
                self.report(
                    "unmapped",
                    v,
                    "postmaster.bare",
                    "epost.reg.postmaster_bare",
                    {"value": pm, "address": f"{pm}@{ctx.domains[0]}"},
                )
                pm = f"{pm}@{ctx.domains[0]}"
            else:
                self.mapped(v)
            if pm:
                s["postmaster"] = (pm, f"{self.rel}:{v.line}")
        v = self.get(IMS, "LocalFailuresToPostmaster")
        if v is not None:
            s["postmaster_copy"] = bool(_num(v))
            self.mapped(v)
        v = self.get(IMS, "UserManager")
        if v is not None:
            mode = _num(v, 0)
            s["user_manager"] = mode
            if mode == 0:
                self.mapped(v)
            else:
                self.report("unmapped", v, "user_manager", "epost.reg.windows_accounts", {"value": mode})
        v = self.get(IMS, "MailGroup")
        if v is not None:
            if s.get("user_manager", 0) == 0:
                self.report("info", v, "mail_group.unused", "epost.reg.unused_soft", {})
            else:
                self.report("unmapped", v, "mail_group", "epost.reg.windows_group", {"value": _text(v)})
        v = self.get(IMS, "Vrfy")
        if v is not None:
            if _num(v, 1):
                self.report("upgraded", v, "vrfy", "epost.reg.vrfy", {}, paths=["policy.vrfy", "policy.expn"])
            else:
                self.mapped(v)
        v = self.get(IMS, "MailInMaxSize")
        if v is not None:
            size = _num(v, 0) or 0
            if size:
                s["max_message_size"] = (size, f"{self.rel}:{v.line}")
                self.mapped(v)
            else:
                self.report(
                    "upgraded",
                    v,
                    "max_size",
                    "epost.reg.unlimited",
                    {"setting": "policy.limits.max_message_size"},
                    paths=["policy.limits.max_message_size"],
                )
        v = self.get(IMS, "MailInBoxSize")
        if v is not None:
            q = _num(v, 0) or 0
            if q:
                s["quota"] = q
            self.mapped(v)
        v = self.get(IMS, "RCPTMaximum")
        if v is not None:
            n = _num(v, 0) or 0
            if n:
                s["max_recipients"] = (n, f"{self.rel}:{v.line}")
                self.mapped(v)
            else:
                self.report(
                    "upgraded",
                    v,
                    "rcpt_max",
                    "epost.reg.unlimited",
                    {"setting": "policy.limits.max_recipients"},
                    paths=["policy.limits.max_recipients"],
                )
        v = self.get(IMS, "HostName")
        if v is not None:
            if _text(v).strip():
                s["hostname"] = (_text(v).strip(), f"{self.rel}:{v.line}")
            self.mapped(v)
        v = self.get(IMS, "AddressFamily")
        if v is not None:
            fam = _num(v, 0)
            if fam == 0:
                s["ipv6"] = False
                self.mapped(v)
            else:
                self.report("unmapped", v, "address_family", "epost.reg.address_family", {"value": fam})
        v = self.get(IMS, "Clustering")
        if v is not None:
            if _num(v, 0):
                self.report("unmapped", v, "clustering", "epost.reg.clustering", {})
            else:
                self.mapped(v)
        v = self.get(IMS, "InboxData")
        if v is not None:
            if _num(v, 0):
                self.report("upgraded", v, "inbox_encode", "epost.reg.inbox_encode", {})
            else:
                self.mapped(v)
        v = self.get(IMS, "MailInCopy")
        if v is not None:
            targets = _strings(v)
            if targets:
                s["journal"] = targets
                ctx.report.decide(
                    "epost.delivery.journal",
                    "epost.reg.journal",
                    {"targets": ", ".join(targets)},
                    key="epost.delivery.journal",
                    options=["off", *targets],
                    value="off",
                    file=self.rel,
                    line=v.line,
                    raw=self._raw(v),
                    paths=["delivery.journal_to"],
                )
                self.mapped_range_rest(v)
            else:
                self.mapped(v)

    def receiver(self) -> None:
        s = self.ctx.settings
        v = self.get(RS, "SMTPAUTHMode")
        if v is not None:
            mechs = [m.upper() for m in _text(v).split() if m.upper() != "NO"]
            s["auth_mechanisms"] = mechs
            s["auth_origin"] = f"{self.rel}:{v.line}"
            if "CRAM-MD5" in mechs:
                self.report(
                    "upgraded", v, "cram_md5", "epost.reg.cram_md5", {}, paths=["listeners.submission.auth_mechanisms"]
                )
            else:
                self.mapped(v)
        v = self.get(RS, "SMTPAUTHOnly")
        if v is not None:
            level = _num(v, 0)
            s["auth_level"] = level
            if level == 1:
                self.report("unmapped", v, "auth_only", "epost.reg.auth_only", {})
            else:
                self.mapped(v)  # 0 and 2 are part of the relay decision's explanation
        v = self.get(RS, "FROMSecLevel")
        if v is not None:
            if _num(v, 0) == 0:
                self.report(
                    "upgraded",
                    v,
                    "from_level",
                    "epost.reg.from_level",
                    {},
                    paths=["policy.auth.sender_must_match_login"],
                )
            else:
                self.mapped(v)
        v = self.get(RS, "AcceptLimit")
        if v is not None:
            n = _num(v, 0) or 0
            if n:
                s["max_connections"] = n
                self.mapped(v)
            else:
                self.report(
                    "upgraded",
                    v,
                    "accept_limit",
                    "epost.reg.unlimited",
                    {"setting": "listeners.smtp.max_connections"},
                    paths=["listeners.smtp.max_connections"],
                )
        v = self.get(RS + r"\Parameters", "PortNo")
        if v is not None:
            port = _num(v, 25) or 25
            if 0 < port < 65536:
                s["smtp_port"] = (port, f"{self.rel}:{v.line}")
                self.mapped(v)
            else:
                self.report("error", v, "port", "epost.reg.bad_value", {"value": port})
        mode = self.get(RS, "ListenMode")
        listen = self.get(RS, "ListenIP")
        if mode is not None:
            self.mapped(mode)
        if listen is not None:
            ports: list[tuple[int, bool]] = []
            bad = []
            for entry in _strings(listen) if listen.kind == "multi_sz" else [_text(listen)]:
                m = re.match(r"^\s*(\S+?)[\s:](\d+)(\*?)\s*$", entry)
                if m:
                    ports.append((int(m.group(2)), m.group(3) == "*"))
                elif entry.strip():
                    bad.append(entry)
            s["listen_ports"] = ports
            if _num(mode, 0) and ports:
                self.report(
                    "info",
                    listen,
                    "listen",
                    "epost.reg.listen",
                    {"ports": ", ".join(f"{p}{'*' if t else ''}" for p, t in ports)},
                )
            elif bad:
                self.report("unmapped", listen, "listen.format", "epost.reg.listen_format", {"value": ", ".join(bad)})
            else:
                self.mapped(listen)
        cert, key = self.get(RS, "Certificate"), self.get(RS, "Private-Key")
        for v in (cert, key):
            if v is not None and _text(v).strip():
                self.report("unmapped", v, "tls_file", "epost.reg.tls_file", {"path": _text(v)}, paths=["tls"])
            else:
                self.mapped(v)
        for name in ("UsedSSL", "UsedSTARTTLS"):
            self.mapped(self.get(RS, name))
        v = self.get(RS, "SecureLayOption")
        if v is not None:
            self.report("upgraded", v, "tls_versions", "epost.reg.tls_versions", {}, paths=["tls.min_version"])
        v = self.get(RS, "VirusCheck")
        if v is not None:
            s["filters_on"] = bool(_num(v, 0))
            self.mapped(v)

    def sender(self) -> None:
        s = self.ctx.settings
        v = self.get(DS, "SendGateway")
        if v is not None:
            if _text(v).strip():
                s["send_gateway"] = (_text(v).strip(), f"{self.rel}:{v.line}")
            self.mapped(v)
        v = self.get(DS, "MailForward")
        if v is not None:
            if _num(v, 0):
                self.report("unmapped", v, "mail_forward", "epost.reg.mail_forward", {})
            else:
                self.mapped(v)
        v = self.get(DS, "MaxThread")
        if v is not None:
            n = _num(v, 0) or 0
            if n > 0:
                s["parallelism"] = n
            self.mapped(v)
        retry = [self.get(DS, n) for n in ("SendRefusalTime", "SendMaxRetryTime", "SendOtherTime")]
        retry.append(self.get(DS + r"\Parameters", "Timeout"))
        first = next((r for r in retry if r is not None), None)
        if first is not None:
            hours = [_num(r) for r in retry[1:3]]
            self.report(
                "upgraded",
                first,
                "retry",
                "epost.reg.retry",
                {"hours": "/".join(str(h) for h in hours if h is not None)},
                paths=["delivery.retry_schedule", "delivery.give_up_after"],
            )
            for r in retry:
                if r is not None and r is not first:
                    self.mapped(r)
        v = self.get(DS, "MXCashLiveTime")
        if v is not None:
            if _num(v, 0):
                self.report(
                    "upgraded",
                    v,
                    "mx_cache",
                    "epost.reg.mx_cache",
                    {"seconds": _num(v, 0)},
                    paths=["delivery.mx_cache_time"],
                )
            else:
                self.mapped(v)
        esmtp = self.get(DS, "ESMTP")
        mode = self.get(DS, "SMTPAUTHMode")
        user = self.get(DS, "SMTPAUTHId")
        pw = self.get(DS, "SMTPAUTHPass")
        password = _text(pw)
        if password:
            self.ctx.report.secret(password)
        if _num(esmtp, 0) and _text(user):
            s["gateway_auth"] = (_text(user), password or None, _text(mode))
        for v in (esmtp, mode, user, pw):
            self.mapped(v)
        v = self.get(DS, "LogicalIP")
        if v is not None:
            self.report("unmapped", v, "cluster", "epost.reg.cluster", {})

    def aliases(self) -> None:
        ctx = self.ctx
        out: list[Alias] = ctx.profile.setdefault("aliases", [])
        for key in self.reg.subkeys(ALIASES):
            a, m = self.get(key.path, "Alias"), self.get(key.path, "MappedTo")
            if a is None or m is None:
                for v in (a, m):
                    self.report("error", v, "alias.incomplete", "epost.alias.incomplete", {})
                continue
            alias = map_alias(ctx, _text(a), _text(m), self.rel, a.line)
            if alias is not None:
                out.append(alias)
                self.mapped(a)
                self.mapped(m)
            else:
                self.mapped(m)  # the alias line carries the entry

    def lists(self) -> None:
        ctx = self.ctx
        out: list[MailingList] = ctx.profile.setdefault("lists", [])
        for key in self.reg.subkeys(LISTS):
            name = key.path.rsplit("\\", 1)[-1]
            addresses = [name] if "@" in name else [f"{name}@{d}" for d in ctx.domains]
            if not addresses:
                ctx.report.error("list.no_domain", "epost.list.no_domain", {"name": name}, file=self.rel, line=key.line)
                continue
            data = self._list_options(key)
            members = []
            members_key = self.reg.key(key.path + r"\Members")
            for mk in self.reg.subkeys(key.path + r"\Members") if members_key else []:
                entry = mk.path.rsplit("\\", 1)[-1]
                parsed = parse_member(entry)
                if parsed is None:
                    ctx.report.error(
                        "list.member", "epost.list.bad_member", {"value": entry}, file=self.rel, line=mk.line
                    )
                    continue
                members.append(ListMember(address=parsed[1], origin=f"{self.rel}:{mk.line}"))
            for address in addresses:
                ml = ctx.build(
                    MailingList,
                    {**data, "address": address, "members": members, "origin": f"{self.rel}:{key.line}"},
                    file=self.rel,
                    line=key.line,
                    area="list",
                )
                if ml is not None:
                    out.append(ml)
            if len(addresses) > 1:
                ctx.report.info(
                    "list.shared",
                    "epost.list.shared",
                    {"name": name, "count": len(addresses)},
                    file=self.rel,
                    line=key.line,
                )

    def _list_options(self, key: RegKey) -> dict[str, Any]:
        p = key.path
        data: dict[str, Any] = {}
        v = self.get(p, "WhoCanSend")
        if v is not None:
            policy = {1: "members", 2: "anyone", 3: "admins"}.get(_num(v, 1) or 1)
            if policy is None:
                self.report("error", v, "list.who", "epost.reg.bad_value", {"value": _num(v)})
            else:
                data["poster_policy"] = policy
                self.mapped(v)
        v = self.get(p, "Moderator")
        if v is not None:
            if _text(v).strip():
                data["admins"] = [_text(v).strip()]
            self.mapped(v)
        v = self.get(p, "ListPassword")
        if v is not None:
            if _text(v):
                self.ctx.report.secret(_text(v))
                self.report("upgraded", v, "list.password", "epost.list.password", {})
            else:
                self.mapped(v)
        v = self.get(p, "ReplyTo")
        if v is not None:
            data["reply_to"] = "list" if _num(v, 1) else "none"
            self.mapped(v)
        v = self.get(p, "MlId")
        if v is not None:
            data["counter_start"] = (_num(v, 0) or 0) + 1
            self.mapped(v)
        v = self.get(p, "MlToken")
        if v is not None:
            token = _text(v)
            if token:
                data["subject_tag"] = subject_tag(token)
            self.mapped(v)
        v = self.get(p, "ListSave")
        if v is not None:
            data["archive"] = bool(_num(v, 0))
            self.mapped(v)
        v = self.get(p, "BounceAction")
        if v is not None:
            action = _num(v, 0)
            to = self.get(p, "BouncesTo")
            if action == 2 and _text(to).strip():
                data["list_sender"] = _text(to).strip()
                self.mapped(v)
                self.mapped(to)
            else:
                self.report("unmapped", v, "list.bounce", "epost.list.bounce", {"value": action})
                self.mapped(to)
        join, leave = self.get(p, "ModeratorControlJoin"), self.get(p, "ModeratorControlLeave")
        data["join_by_mail"] = join is not None and not _num(join, 0)
        data["leave_by_mail"] = leave is not None and not _num(leave, 0)
        for v in (join, leave):
            self.mapped(v)
        for name, what in (
            ("NoFrom", "nofrom"),
            ("ModeratorKey", "key"),
            ("NoReply", "noreply"),
            ("ExtendHeader", "extend"),
            ("AutoModule", "module"),
            ("ListSaveFolder", "folder"),
        ):
            v = self.get(p, name)
            if v is None:
                continue
            value = _num(v) if v.kind == "dword" else _text(v)
            default_like = value in (0, "", None) or (name == "ExtendHeader" and value == 1)
            if default_like:
                self.mapped(v)
            elif name == "AutoModule":
                self.report("upgraded", v, "list.module", "epost.list.module", {"value": value})
            else:
                self.report("unmapped", v, f"list.{what}", "epost.list.option", {"value": value})
        for name in ("MaxDivide", "DomainDivide"):
            self.mapped(self.get(p, name))  # delivery batching: Tayori schedules list mail itself
        return data

    def domain_modes(self) -> None:
        ctx = self.ctx
        folders = self.reg.key(DOMAIN + r"\Folder")
        separate = False
        if folders is not None:
            for v in folders.values.values():
                self.done.add((v.key.casefold(), v.name.casefold()))
                if isinstance(v.data, str) and v.data.strip():
                    separate = True
                    ctx.settings.setdefault("domain_folders", {})[v.name.lower()] = v.data.strip()
                self.mapped(v)
        ctx.settings["separate_domains"] = separate
        for sub in ("SmtpIP", "Pop3IP", "Imap4IP", "Imap4Session", "BDN"):
            k = self.reg.key(DOMAIN + "\\" + sub)
            if k is None:
                continue
            for v in k.values.values():
                self.done.add((v.key.casefold(), v.name.casefold()))
                self.report("unmapped", v, "domain.ip", "epost.reg.domain_ip", {"value": _text(v)})

    def rest(self) -> None:
        """Everything not looked at above: internal values, cluster values, unknown ones."""
        for key in self.reg.keys.values():
            if key.delete:
                self.ctx.report.unmapped(
                    "reg.delete_key", "epost.reg.delete", {"key": key.path}, file=self.rel, line=key.line
                )
            for v in key.values.values():
                if (v.key.casefold(), v.name.casefold()) in self.done:
                    continue
                self.done.add((v.key.casefold(), v.name.casefold()))
                base = next((k for k in INTERNAL if k.casefold() == v.key.casefold()), None)
                if v.key.casefold() == IPWCS.casefold():
                    self.report("unmapped", v, "cluster", "epost.reg.cluster", {})
                elif base is not None and v.name.casefold() in INTERNAL[base]:
                    self.mapped(v)  # E-Post internals (paths, counters, log switches): nothing to carry over
                elif v.name.casefold() in LOGGING:
                    self.mapped(v)
                else:
                    self.report("unmapped", v, "unknown", "epost.reg.unknown", {"key": v.key})


def is_domain(name: str) -> bool:
    try:
        Domain(name=name)
    except ValidationError:
        return False
    return True


def subject_tag(token: str) -> str:
    """`[staff %04d]` → `[staff {counter:04d}]`; braces are escaped for str.format."""
    escaped = token.replace("{", "{{").replace("}", "}}")
    return re.sub(
        r"%(0?\d*)d", lambda m: "{counter:" + (m.group(1) or "") + "d}" if m.group(1) else "{counter}", escaped, count=1
    )


def map_alias(ctx: Ctx, alias: str, mapped_to: str, rel: str, line: int) -> Alias | None:
    """One E-Post alias; its `,0`/`,1` suffix forces (not) rewriting the envelope recipient."""
    target, _, opt = mapped_to.strip().partition(",")
    alias = alias.strip()
    target = target.strip()
    if "@" not in alias or "@" not in target:
        ctx.report.unmapped(
            "alias.no_domain", "epost.alias.no_domain", {"alias": alias, "target": target}, file=rel, line=line
        )
        return None
    if "*" in target:
        ctx.report.unmapped(
            "alias.wild_target", "epost.alias.wild_target", {"alias": alias, "target": target}, file=rel, line=line
        )
        return None
    if opt.strip() in ("2", "3"):
        ctx.report.unmapped("alias.lgwan", "epost.alias.lgwan", {"alias": alias}, file=rel, line=line)
        return None
    if opt.strip() == "0" and alias.rpartition("@")[2].lower() != target.rpartition("@")[2].lower():
        # Tayori always delivers to the target address; E-Post kept the alias as recipient here
        ctx.report.info("alias.keep_recipient", "epost.alias.keep_recipient", {"alias": alias}, file=rel, line=line)
    return ctx.build(
        Alias, {"address": alias, "targets": [target], "origin": f"{rel}:{line}"}, file=rel, line=line, area="alias"
    )
