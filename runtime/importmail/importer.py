"""One import run: scan the legacy folder, write what is new, journal it, verify, report.

Per target mailbox, in legacy order: read each message (never writing to the legacy folder), stage
it in the Maildir's tmp/, then per batch make the files durable, rename them into cur/ and extend
dovecot-uidlist under Dovecot's lock, then journal the batch. A run killed anywhere in this sequence
and started again ends with the same Maildir as one that was never interrupted: staged files are
dropped, renamed ones are found by their deterministic names and get the UIDs they would have got.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tayori.profiles.model import Profile
from tayori.runtime.importmail import epost_store, pmail_store, xmail_store
from tayori.runtime.importmail.legacy import LegacyMailbox, LegacyMessage, Scan, Targets, parse_problem
from tayori.runtime.importmail.maildir_writer import (
    MaildirBox,
    Staged,
    base_name,
    failpoint,
    folder_path,
    uidvalidity_for,
)
from tayori.runtime.importmail.notes import Note
from tayori.runtime.importmail.state import Entry, Journal
from tayori.runtime.importmail.verify import MailboxReport, RunReport, check_file, sha256
from tayori.runtime.paths import StatePaths

DIALECTS = ("xmail", "pmail", "epost")
MIN_BATCH = 1000
MAX_BATCH_BYTES = 64 * 1024 * 1024

Progress = Callable[[int, int, int], None]  # messages done, messages total, bytes done


class ImportError_(Exception):
    """Input the importer cannot work with; the message is for the admin (English / Japanese)."""


def detect(legacy: Path, profile: Profile) -> str:
    if profile.source is not None and profile.source.dialect in DIALECTS:
        return profile.source.dialect
    for name, mod in (("xmail", xmail_store), ("pmail", pmail_store), ("epost", epost_store)):
        if mod.detect(legacy):
            return name
    raise ImportError_(
        f"{legacy}: not an XMail, PMailServer2 or E-Post folder (use --dialect) / "
        f"{legacy}: XMail・PMailServer2・E-Post のフォルダではありません（--dialect で指定してください）"
    )


def scan(legacy: Path, profile: Profile, dialect: str) -> Scan:
    targets = Targets.of(profile)
    if dialect == "xmail":
        return xmail_store.scan(legacy, targets)
    if dialect == "pmail":
        return pmail_store.scan(legacy, targets)
    return epost_store.scan(legacy, targets)


def _read(path: Path) -> bytes:
    flags = os.O_RDONLY | getattr(os, "O_NOATIME", 0)
    try:
        fd = os.open(path, flags)
    except PermissionError:  # O_NOATIME needs ownership; atime is all it spares
        fd = os.open(path, os.O_RDONLY)
    with os.fdopen(fd, "rb") as fh:
        return fh.read()


@dataclass
class Options:
    batch: int | None = None  # messages per commit; default grows with the mailbox (uidlist rewrites stay O(n))
    verify: bool = True
    owner: tuple[int, int] | None = None


class Importer:
    def __init__(self, legacy: Path, profile: Profile, paths: StatePaths, options: Options | None = None) -> None:
        self.legacy = legacy.resolve()
        self.profile = profile
        self.paths = paths
        self.opt = options or Options()

    def run(self, dialect: str | None = None, progress: Progress | None = None) -> RunReport:
        if not self.legacy.is_dir():
            raise ImportError_(f"{self.legacy}: no such folder / フォルダがありません")
        dialect = dialect or detect(self.legacy, self.profile)
        found = scan(self.legacy, self.profile, dialect)
        report = RunReport(dialect, str(self.legacy), str(self.paths.root), notes=list(found.notes))
        total = sum(len(b.messages) for b in found.mailboxes)
        done = [0, 0]

        def tick(n: int, nbytes: int) -> None:
            done[0] += n
            done[1] += nbytes
            if progress is not None:
                progress(done[0], total, done[1])

        if progress is not None:
            progress(0, total, 0)
        for box in found.mailboxes:
            report.mailboxes.append(self._mailbox(box, tick))
        report.finished = time.time()
        return report

    # -- one mailbox ------------------------------------------------------------------------------
    def _target(self, box: LegacyMailbox) -> Path:
        if box.kind == "list":
            return self.paths.lists / box.address / "archive"
        return folder_path(self.paths.maildir_home(box.address) / "Maildir", box.folder)

    def _mailbox(self, box: LegacyMailbox, tick: Callable[[int, int], None]) -> MailboxReport:
        target = self._target(box)
        rep = MailboxReport(box.address, box.folder, box.kind, box.source, str(target), notes=list(box.notes))
        rep.uidl_recorded = sum(1 for m in box.messages if m.uidl_source == "recorded")
        rep.uidl_inferred = len(box.messages) - rep.uidl_recorded
        journal = Journal.for_mailbox(self.paths, box.ident)
        if box.kind == "list":
            self._archive(box, target, journal, rep, tick)
            return rep
        # created for the mail user, as Dovecot would: the home, and INBOX even when only a folder has mail
        home = self.paths.maildir_home(box.address)
        self._own_parents(home)
        if box.folder:
            self._own_parents(home / "Maildir")
            for sub in ("cur", "new", "tmp"):
                self._own_parents(home / "Maildir" / sub)
        mbox = MaildirBox(
            target,
            uidvalidity=uidvalidity_for(f"tayori-import:{box.address}/{box.folder}"),
            owner=self.opt.owner,
            lock_note=journal.lock_note,
        )
        mbox.prepare()
        current = mbox.read_uidlist()
        if journal.uidvalidity is None:
            journal.start(current.uidvalidity if current else mbox.default_uidvalidity)
        elif (current is not None and current.uidvalidity != journal.uidvalidity) or (
            current is None and journal.entries
        ):
            new_v = current.uidvalidity if current else mbox.default_uidvalidity
            rep.notes.append(Note("mailbox_recreated", {"old": journal.uidvalidity, "new": new_v}, "warning"))
            journal.start(new_v)
        present = mbox.present_bases()
        uidls = self._unique_uidls(box, rep, current)
        pending: list[LegacyMessage] = []
        for msg in box.messages:
            size_hint = 0
            with contextlib.suppress(OSError):
                size_hint = msg.path.stat().st_size
            rep.legacy_messages += 1
            done = journal.entries.get(msg.key)
            if done is not None:
                rep.legacy_bytes += done.size
                if done.base in present:
                    rep.imported_before += 1
                else:
                    rep.deleted_since += 1
                tick(1, size_hint)
                continue
            pending.append(msg)
        self._write(box, mbox, journal, pending, uidls, present, rep, tick)
        if rep.imported_now:
            # Dovecot's maildir quota keeps a running total in maildirsize; without it, it counts afresh
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.paths.maildir_home(box.address) / "Maildir" / "maildirsize")
        quota = self._quota(box.address)
        if quota is not None and not box.folder and rep.legacy_bytes > quota:
            rep.notes.append(
                Note("over_quota", {"address": box.address, "size": rep.legacy_bytes, "quota": quota}, "warning")
            )
        if rep.deleted_since:
            rep.notes.append(Note("deleted_since", {"count": rep.deleted_since}))
        return rep

    def _quota(self, address: str) -> int | None:
        acct = next((a for a in self.profile.accounts if a.address.lower() == address), None)
        return None if acct is None or acct.quota is None else int(acct.quota)

    def _own_parents(self, path: Path) -> None:
        """Create the mailbox home (domain/user) for the mail user, as Dovecot would."""
        self.paths.mail.mkdir(parents=True, exist_ok=True)
        missing = []
        p = path
        while not p.exists() and p != self.paths.mail:
            missing.append(p)
            p = p.parent
        for d in reversed(missing):
            d.mkdir(mode=0o700)
            if self.opt.owner is not None and os.geteuid() == 0:
                os.chown(d, *self.opt.owner)

    def _chown(self, p: Path) -> None:
        if self.opt.owner is not None and os.geteuid() == 0:
            os.chown(p, *self.opt.owner)

    def _unique_uidls(self, box: LegacyMailbox, rep: MailboxReport, current: object) -> dict[str, str]:
        """Legacy UIDLs, made unique within the mailbox (a duplicate would make POP3 clients skip mail)."""
        seen: set[str] = set()
        out = {}
        for m in box.messages:
            uidl = m.uidl
            if uidl in seen:
                rep.notes.append(Note("uidl_duplicate", {"file": m.key, "uidl": uidl}, "warning"))
                uidl = f"{uidl[:60]}-{sha256(m.key.encode())[:8]}"
            seen.add(uidl)
            out[m.key] = uidl
        return out

    def _load(self, msg: LegacyMessage, rep: MailboxReport) -> bytes | None:
        try:
            raw = _read(msg.path)
        except OSError as exc:
            rep.notes.append(Note("unreadable", {"file": msg.key, "problem": exc.strerror or str(exc)}, "error"))
            return None
        data = raw
        if msg.decode is not None:
            decoded = msg.decode(raw)
            if decoded is None:
                rep.notes.append(Note("epost_encoded_broken", {"file": msg.key}, "warning"))
            else:
                data = decoded
        return data

    def _write(
        self,
        box: LegacyMailbox,
        mbox: MaildirBox,
        journal: Journal,
        pending: list[LegacyMessage],
        uidls: dict[str, str],
        present: set[str],
        rep: MailboxReport,
        tick: Callable[[int, int], None],
    ) -> None:
        adopted: dict[str, tuple[LegacyMessage, str, str, int, bool]] = {}
        batch: list[tuple[Staged, LegacyMessage, str, int, bool]] = []
        batch_bytes = 0
        records = len(journal.entries)
        written: list[Entry] = []

        def flush() -> None:
            nonlocal batch, batch_bytes, records
            if adopted:
                uids = mbox.ensure_uidls({base: uidls[m.key] for base, (m, *_rest) in adopted.items()})
                entries = [
                    Entry(m.key, base, uids[base], uidls[m.key], sha, size, m.flags, bad)
                    for base, (m, _b, sha, size, bad) in adopted.items()
                    if base in uids
                ]
                journal.append(entries)
                written.extend(entries)
                adopted.clear()
            if not batch:
                return
            failpoint("staged")
            uids = mbox.commit([s for s, *_ in batch])
            entries = [
                Entry(m.key, s.base, uids[s.base], s.uidl, sha, size, m.flags, bad) for s, m, sha, size, bad in batch
            ]
            failpoint("committed")
            journal.append(entries)
            written.extend(entries)
            tick(len(batch), batch_bytes)
            records += len(batch)
            batch, batch_bytes = [], 0

        for msg in pending:
            data = self._load(msg, rep)
            if data is None:
                rep.legacy_messages -= 1  # not readable: reported, never counted as imported
                continue
            problem = parse_problem(data)
            if problem is not None:
                rep.unparseable.append(msg.key)
                rep.notes.append(Note("unparseable", {"file": msg.key, "reason": problem}, "warning"))
            digest = sha256(data)
            mtime = msg.path.stat().st_mtime
            base = base_name(f"{box.ident}\0{msg.key}", mtime, len(data))
            rep.legacy_bytes += len(data)
            if base in present:
                # written by a run that was killed before it journaled the file: keep it, do not copy again
                adopted[base] = (msg, base, digest, len(data), problem is not None)
                present.discard(base)
                rep.imported_now += 1
                rep.imported_now_bytes += len(data)
                tick(1, len(data))
                continue
            if adopted:
                flush()
            staged = mbox.stage(base, msg.flags, data, mtime, uidls[msg.key])
            batch.append((staged, msg, digest, len(data), problem is not None))
            batch_bytes += len(data)
            rep.imported_now += 1
            rep.imported_now_bytes += len(data)
            limit = self.opt.batch or max(MIN_BATCH, records // 2)
            if len(batch) >= limit or batch_bytes >= MAX_BATCH_BYTES:
                flush()
        flush()
        if self.opt.verify:
            self._verify(mbox, written, rep)

    def _verify(self, mbox: MaildirBox, written: list[Entry], rep: MailboxReport) -> None:
        names: dict[str, Path] = {}
        for sub in ("cur", "new"):
            with contextlib.suppress(FileNotFoundError):
                for name in os.listdir(mbox.path / sub):
                    names[name.split(":", 1)[0]] = mbox.path / sub / name
        for e in written:
            got = check_file(names.get(e.base), e.sha256)
            if got is None:
                rep.verified += 1
            elif got == "missing":
                rep.verify_failed += 1
                rep.notes.append(Note("verify_missing", {"file": e.key}, "error"))
            else:
                rep.verify_failed += 1
                params = {"file": e.key, "want": e.sha256[:12], "got": got[:12]}
                rep.notes.append(Note("verify_failed", params, "error"))

    # -- mailing-list archives --------------------------------------------------------------------
    def _archive(
        self,
        box: LegacyMailbox,
        target: Path,
        journal: Journal,
        rep: MailboxReport,
        tick: Callable[[int, int], None],
    ) -> None:
        """List posts become `legacy-<digest>.eml` beside the delivery's numbered archive files."""
        for d in (target.parent, target):
            if not d.is_dir():
                d.mkdir(parents=True)
                self._chown(d)
        if journal.uidvalidity is None:
            journal.start(0)
        for msg in box.messages:
            rep.legacy_messages += 1
            if msg.key in journal.entries:
                rep.imported_before += 1
                rep.legacy_bytes += journal.entries[msg.key].size
                tick(1, 0)
                continue
            data = self._load(msg, rep)
            if data is None:
                rep.legacy_messages -= 1
                continue
            if parse_problem(data) is not None:
                rep.unparseable.append(msg.key)
            name = "legacy-" + base_name(f"{box.ident}\0{msg.key}", 0, len(data)).split(".I", 1)[1][:20] + ".eml"
            tmp = target / f".{name}"
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            self._chown(tmp)
            os.replace(tmp, target / name)
            digest = sha256(data)
            journal.append([Entry(msg.key, name, 0, msg.uidl, digest, len(data))])
            rep.legacy_bytes += len(data)
            rep.imported_now += 1
            rep.imported_now_bytes += len(data)
            if check_file(target / name, digest) is None:
                rep.verified += 1
            else:
                rep.verify_failed += 1
            tick(1, len(data))
