"""The PMailServer2 (A.K.I Software) reader: `Data\\pmail.ini`, `account.dat`, mailbox `forward.txt`,
`serverfilter.txt` / `filter.txt` -> one profile and its migration report.

The key names of pmail.ini and the layout of account.dat are our reconstruction (see `keys.py`,
`accountdat.py`); every report says so in its first entry. Expected layout of the folder (the
install folder, `C:\\pmsrv` on the admin's machine):

    pmservice.exe, pmman.exe          (optional; only used for detection)
    Data/pmail.ini, Data/account.dat  (account.dat also accepted beside pmail.ini or at the top)
    Data/serverfilter.txt, Data/filter.txt
    spool/<domain>/<box>/forward.txt, uidl.txt, *.eml
    spool/*.imd                        (queued messages)
    suspendsmtp.txt ...                (maintenance flags)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import ValidationError

from tayori.compiler.legacy_text import DecodedText, Line
from tayori.compiler.legacy_tree import MAX_SETTINGS_FILE, LegacyTree, is_special
from tayori.compiler.pmail import legacy_probes
from tayori.compiler.pmail import messages as _messages  # noqa: F401  (registers the catalogue)
from tayori.compiler.pmail.accountdat import AccountFile, AccountRecord, parse_binary, parse_text, sniff
from tayori.compiler.pmail.detect import detect
from tayori.compiler.pmail.filters import parse_filters
from tayori.compiler.pmail.forward import parse_forward, sender_pattern
from tayori.compiler.pmail.ini import parse_ini
from tayori.compiler.pmail.mapping import Mapper
from tayori.compiler.pmail.settings import Settings
from tayori.compiler.problems import Problem
from tayori.compiler.registry import Progress, ReaderResult
from tayori.compiler.report import ReportBuilder
from tayori.profiles.model import (
    Account,
    Alias,
    Domain,
    Filter,
    FilterAction,
    FilterMatch,
    Forward,
    MailingList,
    Profile,
    Source,
)

SUSPEND_FILES = ("suspendsmtp.txt", "suspendpop3.txt", "suspendimap4.txt", "suspendmta.txt")


class PmailReader:
    name = "pmail"
    title = "PMailServer2 (A.K.I Software)"

    def detect(self, tree: LegacyTree) -> int:
        return detect(tree)

    def read(self, tree: LegacyTree, report: ReportBuilder, progress: Progress | None = None) -> ReaderResult:
        return _Run(tree, report, progress).run()


class _Parsed(Protocol):
    structure: list[int]
    problems: list[Problem]


P = TypeVar("P", bound=_Parsed)


class _Run:
    def __init__(self, tree: LegacyTree, report: ReportBuilder, progress: Progress | None) -> None:
        self.tree = tree
        self.r = report
        self.progress = progress
        self.passwords: dict[str, str] = {}
        self.secrets: dict[str, Any] = {}

    def _parse_text(self, path: Path, parse: Callable[[list[Line]], P], area: str) -> tuple[str, DecodedText, P]:
        """Open a rules file through the report, parse it, map its structure lines and report each
        line the parser refused as `<area>.<problem>`."""
        rel, decoded = self.r.open_text(path)
        parsed = parse(decoded.lines)
        self.r.mapped(rel, *parsed.structure)
        for p in parsed.problems:
            self.r.error(
                f"{area}.{p.message.rsplit('.', 1)[-1]}",
                p.message,
                p.params,
                file=rel,
                line=p.line or None,
                raw=decoded.lines[p.line - 1].text if p.line else None,
            )
        return rel, decoded, parsed

    def _find(self, name: str) -> Path | None:
        for parts in (("Data", name), (name,)):
            p = self.tree.find(*parts)
            if p is not None and p.is_file():
                return p
            if p is not None and is_special(p):
                self.r.not_regular(p)
        return None

    def _too_big(self, path: Path) -> bool:
        size = path.stat().st_size
        if size > MAX_SETTINGS_FILE:
            self.r.error(f"input.too_large.{path.name}", "input.too_large", {"size": size}, file=self.tree.rel(path))
            return True
        return False

    def _step(self, n: int, what: str) -> None:
        if self.progress:
            self.progress(n, 6, what)

    def run(self) -> ReaderResult:
        ini_path = self._find("pmail.ini")
        rel_ini = self.tree.rel(ini_path) if ini_path else "Data/pmail.ini"
        self.r.info("format.reconstructed", "pmail.format.reconstructed", {}, file=rel_ini)
        settings = Settings(rel_ini, self.r)
        if ini_path is None:
            self.r.error("ini.missing", "pmail.ini.missing", {})
        elif not self._too_big(ini_path):
            _, decoded = self.r.open_text(ini_path)
            settings.load(parse_ini(decoded.lines))
        self._step(1, "pmail.ini")
        m = Mapper(settings, self.r)
        domains = self._domains(settings)
        server = m.server()
        listeners = m.listeners()
        tls = m.tls()
        legacy_auth = m.legacy_auth()
        policy = m.policy([d.name for d in domains])
        delivery = m.delivery()
        logging = m.logging()
        self._domain_options(settings, domains)
        # The login becomes the address either way; accounts whose ID differs are reported one by one.
        settings.get("Global2", "AuthByAccount")
        self._step(2, "settings")
        accounts, aliases, lists = self._accounts(domains, legacy_auth)
        self._step(3, "account.dat")
        self._mailboxes(accounts, domains)
        self._step(4, "mailboxes")
        filters = self._server_filters(settings)
        self._step(5, "filters")
        self._flags()
        settings.finish()
        self.secrets.update(m.secrets)
        if legacy_auth != "none":
            mechs = ["APOP"] + (["CRAM-MD5"] if "cram" in legacy_auth else [])
            for lst in (listeners.pop3, listeners.pop3s):
                lst.auth_mechanisms = [*lst.auth_mechanisms, "APOP"]
            if "CRAM-MD5" in mechs:
                for lst in (listeners.submission, listeners.submissions):
                    lst.auth_mechanisms = [*lst.auth_mechanisms, "CRAM-MD5"]
            # Plaintexts go to secrets.yaml only because the admin chose to keep APOP/CRAM-MD5.
            kept = {a.address: self.passwords[a.address] for a in accounts if a.address in self.passwords}
            self.secrets.setdefault("accounts", {}).update(kept)
            self.r.info(
                "accounts.legacy_auth_kept",
                "pmail.accounts.legacy_auth_kept",
                {"mechanisms": ", ".join(mechs), "count": len(kept)},
                paths=["accounts[].legacy_auth"],
            )
        profile = Profile(
            profile_version=1,
            source=Source(dialect="pmail", folder=str(self.tree.root)),
            server=server,
            listeners=listeners,
            tls=tls,
            domains=domains,
            accounts=accounts,
            aliases=aliases,
            lists=lists,
            policy=policy,
            filters=filters,
            delivery=delivery,
            logging=logging,
        )
        self._step(6, "done")
        return ReaderResult(
            profile=profile,
            secrets=self.secrets,
            passwords=self.passwords,
            legacy_probes=legacy_probes.generate(profile, legacy_probes.POP_BEFORE_SMTP in self.r.decision_keys()),
        )

    # -- domains -----------------------------------------------------------------------------
    def _domains(self, s: Settings) -> list[Domain]:
        out: list[Domain] = []
        seen: set[str] = set()
        for st in s.many("Domain", "Domain#"):
            for name in [n.strip() for n in str(st.value).split(",") if n.strip()] or [""]:
                try:
                    d = Domain(name=name, origin=s.origin(st))
                except ValidationError:
                    self.r.error(
                        f"domain.bad.{st.item.key}",
                        "pmail.domain.bad",
                        {"value": name},
                        file=s.rel,
                        line=st.line,
                        raw=st.item.raw,
                    )
                    continue
                if d.name in seen:
                    self.r.unmapped(
                        f"domain.duplicate.{d.name}",
                        "pmail.domain.duplicate",
                        {"value": d.name},
                        file=s.rel,
                        line=st.line,
                        raw=st.item.raw,
                    )
                    continue
                seen.add(d.name)
                out.append(d)
        return out

    def _domain_options(self, s: Settings, domains: list[Domain]) -> None:
        r = self.r
        catch = s.get("SMTP", "NonLocalRecipient")
        if catch is not None and catch.value and not catch.value.startswith("<"):
            target = catch.value if "@" in catch.value else (f"{catch.value}@{domains[0].name}" if domains else "")
            for d in domains:
                try:
                    d.catch_all = Domain(name=d.name, catch_all=target).catch_all
                except ValidationError:
                    r.error(
                        "domain.catch_all",
                        "pmail.domain.catch_all",
                        {"value": catch.value},
                        file=s.rel,
                        line=catch.line,
                        raw=catch.item.raw,
                    )
                    break
        plus = s.get("SMTP4", "PlusAddress")
        extra = [st for st in (s.get("SMTP4", f"PlusChar{i}") for i in (1, 2, 3)) if st is not None]
        for d in domains:
            d.subaddress_separator = "+" if plus is not None and plus.value else None
        if plus is None or not plus.value:
            for st in extra:
                if st.value:
                    r.unmapped(
                        f"domain.plus.{st.item.key}",
                        "pmail.domain.plus_char",
                        {"value": st.value},
                        file=s.rel,
                        line=st.line,
                        raw=st.item.raw,
                    )
        else:
            for st in extra:
                if st.value and st.value != "+":
                    r.unmapped(
                        f"domain.plus.{st.item.key}",
                        "pmail.domain.plus_char",
                        {"value": st.value},
                        file=s.rel,
                        line=st.line,
                        raw=st.item.raw,
                    )
        enable = s.get("DKIM", "Enable")
        canon = s.get("DKIM", "Canonicalization")
        s.get("DKIM", "Algorithm")
        if enable is None or not enable.value:
            r.upgraded(
                "domain.dkim",
                "pmail.upgrade.dkim_off",
                {},
                file=s.rel,
                line=enable.line if enable else None,
                paths=["domains[].dkim"],
            )
        elif canon is not None and canon.value == "simple":
            r.upgraded(
                "domain.dkim_canon",
                "pmail.upgrade.dkim_simple",
                {},
                file=s.rel,
                line=canon.line,
                raw=canon.item.raw,
                paths=["domains[].dkim.canonicalization"],
            )
        by_name = {d.name: d for d in domains}
        for st in s.many("DKIM", "Domain#"):
            parts = [p.strip() for p in str(st.value).split(",")]
            dom = by_name.get(parts[0].lower()) if parts else None
            if dom is None or len(parts) < 2 or not parts[1]:
                r.error(
                    f"domain.dkim.{st.item.key}",
                    "pmail.domain.dkim_bad",
                    {"value": st.value},
                    file=s.rel,
                    line=st.line,
                    raw=st.item.raw,
                )
                continue
            if dom.dkim is not None:
                dom.dkim.selector = parts[1]
                dom.dkim.origin = s.origin(st)
            r.unmapped(
                f"domain.dkim_key.{dom.name}",
                "pmail.domain.dkim_key",
                {"domain": dom.name, "path": parts[2] if len(parts) > 2 else "-"},
                file=s.rel,
                line=st.line,
                raw=st.item.raw,
            )

    # -- accounts ----------------------------------------------------------------------------
    def _accounts(
        self, domains: list[Domain], legacy_auth: str
    ) -> tuple[list[Account], list[Alias], list[MailingList]]:
        path = self._find("account.dat")
        if path is None:
            self.r.error("account.missing", "pmail.account.missing", {})
            return [], [], []
        if self._too_big(path):
            return [], [], []
        rel = self.tree.rel(path)
        data = self.tree.read_bytes(path)
        form = sniff(data)
        parsed: AccountFile
        if form == "empty":
            self.r.unmapped("account.empty", "pmail.account.empty", {}, file=rel)
            return [], [], []
        if form == "text":
            rel, decoded = self.r.open_text(path)
            parsed = parse_text(decoded.lines)
            self.r.mapped(rel, *parsed.structure)
        else:
            parsed = parse_binary(data)
            if parsed.form == "binary":
                self.r.open_records(rel, parsed.count)
        binary = parsed.form == "binary"
        for rec in parsed.records:
            self.r.secret(rec.password)
        self.r.info("account.form", "pmail.account.form", {"form": parsed.form, "count": len(parsed.records)}, file=rel)
        for p in parsed.problems:
            where: dict[str, Any] = {"file": rel}
            if p.where:
                where["record" if binary else "line"] = p.where
            self.r.error(f"account.{p.message.rsplit('.', 1)[-1]}.{p.where}", p.message, p.params, **where)

        local = {d.name for d in domains}
        accounts: list[Account] = []
        aliases: list[Alias] = []
        lists: list[MailingList] = []
        boxes: dict[tuple[str, str], str] = {}
        taken: set[str] = set()
        self._boxes: dict[str, tuple[str, str]] = {}  # address -> (domain, box)
        quota_noted = False

        def loc(rec: AccountRecord) -> dict[str, Any]:
            return {"file": rel, "record" if binary else "line": rec.where}

        for rec in parsed.records:
            origin = f"{rel}: record {rec.where}" if binary else f"{rel}:{rec.where}"
            address = f"{rec.alias}@{rec.domain}".lower()
            if rec.domain.lower() not in local:
                self.r.error(
                    f"account.domain.{rec.account}",
                    "pmail.account.unknown_domain",
                    {"account": rec.account, "domain": rec.domain},
                    **loc(rec),
                )
                continue
            if address in taken:
                self.r.error(
                    f"account.duplicate.{rec.account}",
                    "pmail.account.duplicate",
                    {"account": rec.account, "address": address},
                    **loc(rec),
                )
                continue
            if rec.type == "list":
                try:
                    ml = MailingList(
                        address=address, name=rec.account, origin=origin, max_size=rec.receive_limit or None
                    )
                except ValidationError:
                    self.r.error(
                        f"account.bad.{rec.account}", "pmail.account.bad_address", {"address": address}, **loc(rec)
                    )
                    continue
                taken.add(address)
                lists.append(ml)
                self.r.unmapped(
                    f"list.members.{address}",
                    "pmail.list.members",
                    {"address": address},
                    paths=["lists[].members"],
                    **loc(rec),
                )
                if rec.quota or rec.send_limit or rec.send_other:
                    self.r.unmapped(
                        f"list.limits.{address}",
                        "pmail.list.limits",
                        {"address": address, "quota": rec.quota, "send": rec.send_limit, "other": rec.send_other},
                        **loc(rec),
                    )
                continue
            box_key = (rec.domain.lower(), rec.box.casefold())
            if box_key in boxes:
                # Same ボックス名 = one shared mailbox in PMailServer2: an alias to the first account.
                try:
                    aliases.append(Alias(address=address, targets=[boxes[box_key]], origin=origin))
                except ValidationError:
                    self.r.error(
                        f"account.bad.{rec.account}", "pmail.account.bad_address", {"address": address}, **loc(rec)
                    )
                    continue
                taken.add(address)
                self.r.upgraded(
                    f"account.shared_box.{rec.account}",
                    "pmail.account.shared_box",
                    {"account": rec.account, "target": boxes[box_key]},
                    paths=["aliases"],
                    **loc(rec),
                )
                continue
            try:
                acct = Account(
                    address=address,
                    origin=origin,
                    quota=rec.quota or None,
                    max_send_size=rec.send_limit or None,
                    max_receive_size=rec.receive_limit or None,
                    legacy_auth=[]
                    if legacy_auth == "none"
                    else (["apop", "cram-md5"] if "cram" in legacy_auth else ["apop"]),
                )
            except ValidationError:
                self.r.error(
                    f"account.bad.{rec.account}", "pmail.account.bad_address", {"address": address}, **loc(rec)
                )
                continue
            taken.add(address)
            boxes[box_key] = address
            self._boxes[address] = (rec.domain, rec.box)
            accounts.append(acct)
            if rec.password:
                self.passwords[address] = rec.password
            else:
                self.r.unmapped(
                    f"account.no_password.{rec.account}",
                    "pmail.account.no_password",
                    {"account": rec.account},
                    **loc(rec),
                )
            self.r.mapped(rel, rec.where)
            if rec.account.casefold() != rec.alias.casefold():
                self.r.upgraded(
                    f"account.login.{rec.account}",
                    "pmail.account.login_name",
                    {"account": rec.account, "address": address},
                    paths=["accounts[].address"],
                    **loc(rec),
                )
            if rec.send_other:
                self.r.unmapped(
                    f"account.send_other.{rec.account}",
                    "pmail.account.send_other",
                    {"account": rec.account, "value": rec.send_other},
                    **loc(rec),
                )
            if rec.quota and not quota_noted:
                quota_noted = True
                self.r.upgraded(
                    "account.quota",
                    "pmail.upgrade.quota_strict",
                    {"account": rec.account, "quota": rec.quota},
                    paths=["accounts[].quota"],
                    **loc(rec),
                )
        return accounts, aliases, lists

    # -- mailboxes ---------------------------------------------------------------------------
    def _mailboxes(self, accounts: list[Account], domains: list[Domain]) -> None:
        spool = self.tree.find("spool")
        by_address = {a.address: a for a in accounts}
        if spool is None:
            self.r.unmapped("mailbox.no_spool", "pmail.mailbox.no_spool", {})
            return
        queued = [p for p in self.tree.children("spool", dirs=False) if p.suffix.lower() == ".imd"]
        if queued:
            self.r.unmapped(
                "queue.pending", "pmail.queue.pending", {"count": len(queued)}, file=self.tree.rel(queued[0].parent)
            )
        for address, (domain, box) in getattr(self, "_boxes", {}).items():
            folder = self.tree.find("spool", domain, box)
            if folder is None or not folder.is_dir():
                continue
            emls = sum(1 for p in self.tree.children("spool", domain, box, dirs=False) if p.suffix.lower() == ".eml")
            if emls:
                self.r.info(
                    f"mailbox.messages.{address}",
                    "pmail.mailbox.messages",
                    {"address": address, "count": emls},
                    file=self.tree.rel(folder),
                )
            addon = self.tree.find("spool", domain, box, "addon.txt")
            if addon is not None:
                self.r.unmapped(f"mailbox.addon.{address}", "pmail.mailbox.addon", {}, file=self.tree.rel(addon))
            fwd = self.tree.find("spool", domain, box, "forward.txt")
            if fwd is not None and fwd.is_file() and not self._too_big(fwd):
                self._forward(fwd, by_address[address])

    def _forward(self, path: Path, account: Account) -> None:
        rel, decoded, parsed = self._parse_text(path, parse_forward, "forward")
        first = True
        for rule in parsed.rules:
            raw = decoded.lines[rule.line - 1].text
            if rule.disable_flag is not None:
                self.r.unmapped(
                    "forward.disabled",
                    "pmail.forward.disabled",
                    {"flag": rule.disable_flag},
                    file=rel,
                    line=rule.line,
                    raw=raw,
                )
                continue
            if "SUBJECTONLY" in rule.action:
                self.r.unmapped(
                    "forward.subject_only", "pmail.forward.subject_only", {}, file=rel, line=rule.line, raw=raw
                )
                continue
            if not first:
                self.r.unmapped(
                    "forward.later_rule",
                    "pmail.forward.later_rule",
                    {"action": rule.action},
                    file=rel,
                    line=rule.line,
                    raw=raw,
                    paths=["accounts[].forward"],
                )
                continue
            try:
                account.forward = Forward(
                    targets=rule.targets,
                    keep_copy=rule.keep_copy,
                    senders=[sender_pattern(f) for f in rule.filters] if rule.conditional else [],
                    origin=f"{rel}:{rule.line}",
                )
            except ValidationError:
                self.r.error(
                    "forward.bad",
                    "pmail.forward.bad_target",
                    {"target": ",".join(rule.targets)},
                    file=rel,
                    line=rule.line,
                    raw=raw,
                )
                continue
            self.r.mapped(rel, rule.line)
            if rule.filters and not rule.conditional:
                self.r.unmapped(
                    "forward.filters_ignored", "pmail.forward.filters_ignored", {}, file=rel, line=rule.line, raw=raw
                )
            first = False

    # -- server filters ----------------------------------------------------------------------
    def _server_filters(self, s: Settings) -> list[Filter]:
        enabled = s.get("SMTP2", "FilterEnable")
        trash = s.get("SMTP2", "FilterToTrash")
        s.get("SMTP2", "FilterMaxSize")
        action: FilterAction = "quarantine" if trash is not None and trash.value else "reject"
        out: list[Filter] = []
        for name in ("serverfilter.txt", "filter.txt"):
            path = self._find(name)
            if path is None or self._too_big(path):
                continue
            rel, decoded, parsed = self._parse_text(path, parse_filters, "filter")
            for f in parsed.filters:
                where = {"file": rel, "line": f.header_line, "raw": decoded.lines[f.header_line - 1].text}
                block = {"number": f.number, "name": f.name, "type": f.type, "lines": f"{f.lines[0]}-{f.lines[-1]}"}
                # The whole block is accounted for by the entry on its header line.
                self.r.mapped(rel, *f.lines[1:])
                if f.type not in ("TEXT", "SUBJECT"):
                    self.r.unmapped(f"filter.{f.type.lower()}.{f.number}", "pmail.filter.unsupported", block, **where)
                    continue
                if enabled is None or not enabled.value:
                    self.r.unmapped(f"filter.disabled.{f.number}", "pmail.filter.disabled", block, **where)
                    continue
                words = [text.strip() for _, text in f.data if text.strip()]
                for word in words:
                    match = (
                        FilterMatch(header="Subject", contains=word)
                        if f.type == "SUBJECT"
                        else FilterMatch(body=True, contains=word)
                    )
                    out.append(
                        Filter(
                            name=f.name or f"FILTER{f.number}",
                            match=[match],
                            action=action,
                            origin=f"{rel}:{f.header_line}",
                        )
                    )
                self.r.info(
                    f"filter.mapped.{f.number}",
                    "pmail.filter.mapped",
                    {**block, "count": len(words), "action": action},
                    paths=["filters"],
                    **where,
                )
        return out

    # -- maintenance flags -------------------------------------------------------------------
    def _flags(self) -> None:
        for name in SUSPEND_FILES:
            p = self.tree.find(name)
            if p is not None:
                self.r.unmapped(f"maintenance.{name}", "pmail.maintenance", {"file": name}, file=self.tree.rel(p))


READER = PmailReader()
