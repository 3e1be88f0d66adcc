"""Maildir files plus Dovecot's `dovecot-uidlist`, written the way Dovecot itself writes them.

One imported message = one file in `cur/` named `<time>.I<digest>.tayori,S=<size>:2,<flags>`, where
the digest comes from the mailbox and the legacy file: the same legacy message always gets the same
name, which is how an interrupted run finds what it already wrote. Its mtime is the legacy file's,
so IMAP's INTERNALDATE stays the legacy arrival time. Bytes are kept exactly as stored (CRLF too:
Dovecot serves CRLF files as they are), so checksums compare one to one.

`dovecot-uidlist` (version 3): a header `3 V<uidvalidity> N<next uid> [G<guid>]` and one line per
message, `<uid> [<ext>…] :<file name>`. The `P<uidl>` extension is the message's POP3 UIDL, which
Dovecot's POP3 serves before `pop3_uidl_format` (the technique of Dovecot's
courier-dovecot-migrate.pl). New lines only ever get UIDs from N upwards and existing lines are kept,
so IMAP UIDs never change. The file is replaced under Dovecot's own dot-lock
(`dovecot-uidlist.lock`, written with the new content and renamed over the list), which makes it
safe to import while Dovecot serves and LMTP delivers into the same Maildir (the cut-over).
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import errno
import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

UIDLIST = "dovecot-uidlist"
LOCK = "dovecot-uidlist.lock"
# Dovecot treats an untouched uidlist lock as stale after 2 minutes (MAILDIR_UIDLIST_LOCK_STALE_TIMEOUT)
LOCK_STALE = 120.0
LOCK_WAIT = 30.0
NAME_TAG = ".tayori,"  # marks the files this writer made (tmp/ leftovers of a killed run are ours to remove)


class MaildirError(Exception):
    """A Maildir that cannot be written; the message is for the admin (English / Japanese)."""


def uidvalidity_for(seed: str) -> int:
    """A stable UIDVALIDITY for a Maildir this importer creates: the same seed, the same value."""
    return int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16) % 0x7FFFFFFE + 1


def base_name(identity: str, mtime: float, size: int) -> str:
    digest = hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()[:20]
    return f"{int(mtime)}.I{digest}{NAME_TAG}S={size}"


def imap_utf7(name: str) -> str:
    """RFC 3501 modified UTF-7, the encoding of folder names on disk in Maildir++."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            raw = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(raw).decode("ascii").rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for ch in name:
        if "\x20" <= ch <= "\x7e":
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)


def folder_path(maildir: Path, folder: str) -> Path:
    """INBOX is the Maildir itself; a folder is `.Name` beside it (Maildir++, '.' as separator)."""
    if not folder:
        return maildir
    safe = folder.replace(".", "_").replace("/", "_")
    return maildir / ("." + imap_utf7(safe))


# -- dovecot-uidlist ----------------------------------------------------------------------------------
@dataclass
class Record:
    uid: int
    ext: list[str]
    filename: str

    @property
    def base(self) -> str:
        return self.filename.split(":", 1)[0]

    def get(self, key: str) -> str | None:
        return next((e[1:] for e in self.ext if e[:1] == key), None)


@dataclass
class Uidlist:
    uidvalidity: int
    next_uid: int
    header_rest: list[str] = field(default_factory=list)  # G<guid> and any key this writer does not know
    records: list[Record] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> Uidlist:
        lines = text.split("\n")
        head = lines[0].split()
        if not head or head[0] != "3":
            raise MaildirError(
                f"dovecot-uidlist version {head[0] if head else '?'} is not supported (Dovecot 2.x writes 3) / "
                "dovecot-uidlist の形式が古く対応していません"
            )
        uidvalidity, next_uid, rest = 0, 1, []
        for tok in head[1:]:
            if tok[:1] == "V" and tok[1:].isdigit():
                uidvalidity = int(tok[1:])
            elif tok[:1] == "N" and tok[1:].isdigit():
                next_uid = int(tok[1:])
            else:
                rest.append(tok)
        out = cls(uidvalidity, next_uid, rest)
        for line in lines[1:]:
            if not line.strip():
                continue
            left, sep, filename = line.partition(" :")
            parts = left.split()
            if not sep or not parts or not parts[0].isdigit():
                raise MaildirError(f"dovecot-uidlist: line not understood: {line[:80]!r} / 読めない行があります")
            out.records.append(Record(int(parts[0]), parts[1:], filename))
        if out.records:
            out.next_uid = max(out.next_uid, out.records[-1].uid + 1)
        return out

    def render(self) -> str:
        head = " ".join(["3", f"V{self.uidvalidity}", f"N{self.next_uid}", *self.header_rest])
        lines = [head]
        for r in self.records:
            lines.append(" ".join([str(r.uid), *r.ext]) + " :" + r.filename)
        return "\n".join(lines) + "\n"


# -- durability helpers --------------------------------------------------------------------------------
_libc = ctypes.CDLL(None, use_errno=True)
_syncfs = getattr(_libc, "syncfs", None)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_files(paths: list[Path], anchor: Path) -> None:
    """Make `paths` durable: one syncfs for a batch (far cheaper than an fsync per file), else fsync each."""
    if len(paths) >= 8 and _syncfs is not None:
        fd = os.open(anchor, os.O_RDONLY | os.O_DIRECTORY)
        try:
            if _syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    for p in paths:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# -- one Maildir folder ---------------------------------------------------------------------------------
@dataclass
class Staged:
    base: str
    name: str  # the final file name in cur/
    tmp: Path
    uidl: str
    mtime: float


class MaildirBox:
    """One Maildir folder (INBOX or a `.Folder`) that legacy messages are written into."""

    def __init__(
        self,
        path: Path,
        *,
        uidvalidity: int,
        owner: tuple[int, int] | None = None,
        lock_note: Path | None = None,
    ) -> None:
        self.path = path
        self.default_uidvalidity = uidvalidity
        self.owner = owner if owner is not None and os.geteuid() == 0 else None
        self.lock_note = lock_note  # who holds our dot-lock: lets a restarted run clear a killed run's lock
        self._lock_held = False

    # -- set-up -----------------------------------------------------------------------------------
    def prepare(self) -> None:
        created = []
        for d in (self.path.parent, self.path, self.path / "cur", self.path / "new", self.path / "tmp"):
            if not d.is_dir():
                d.mkdir(mode=0o700, parents=True, exist_ok=True)
                created.append(d)
        if self.path.name.startswith("."):
            marker = self.path / "maildirfolder"
            if not marker.exists():
                marker.touch(mode=0o600)
                created.append(marker)
        for d in created:
            self._own(d)
        # a killed run leaves its staged files in tmp/: they were never visible, so they simply go
        for name in os.listdir(self.path / "tmp"):
            if NAME_TAG in name:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.path / "tmp" / name)
        self._clear_own_stale_lock()

    def _own(self, p: Path) -> None:
        if self.owner is not None:
            os.chown(p, *self.owner)

    def read_uidlist(self) -> Uidlist | None:
        try:
            text = (self.path / UIDLIST).read_text("utf-8", "surrogateescape")
        except FileNotFoundError:
            return None
        return Uidlist.parse(text)

    def present_bases(self) -> set[str]:
        """Base names of every message file in cur/ and new/ (Dovecot may have renamed ours: flags, new→cur)."""
        out = set()
        for sub in ("cur", "new"):
            with contextlib.suppress(FileNotFoundError):
                for name in os.listdir(self.path / sub):
                    out.add(name.split(":", 1)[0])
        return out

    def find(self, base: str) -> Path | None:
        for sub in ("cur", "new"):
            with contextlib.suppress(FileNotFoundError):
                for name in os.listdir(self.path / sub):
                    if name.split(":", 1)[0] == base:
                        return self.path / sub / name
        return None

    # -- writing ----------------------------------------------------------------------------------
    def stage(self, base: str, flags: str, data: bytes, mtime: float, uidl: str) -> Staged:
        name = f"{base}:2,{''.join(sorted(set(flags)))}"
        tmp = self.path / "tmp" / base
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.utime(tmp, (mtime, mtime))
        self._own(tmp)
        return Staged(base, name, tmp, uidl, mtime)

    def commit(self, staged: list[Staged]) -> dict[str, int]:
        """Make staged files visible and give each a UID and its POP3 UIDL; returns base → UID."""
        if not staged:
            return {}
        sync_files([s.tmp for s in staged], self.path)
        with self.locked():
            current = self.read_uidlist() or Uidlist(self.default_uidvalidity, 1)
            by_base = {r.base: r for r in current.records}
            out: dict[str, int] = {}
            for s in staged:
                os.replace(s.tmp, self.path / "cur" / s.name)
                rec = by_base.get(s.base)
                if rec is None:
                    rec = Record(current.next_uid, [f"P{s.uidl}"], s.name)
                    current.records.append(rec)
                    current.next_uid += 1
                    by_base[s.base] = rec
                elif rec.get("P") is None:
                    # Dovecot saw the file first and gave it a UID: keep the UID, add the legacy UIDL
                    rec.ext.append(f"P{s.uidl}")
                out[s.base] = rec.uid
            _failpoint("renamed")
            fsync_dir(self.path / "cur")
            self._replace_uidlist(current)
        return out

    def ensure_uidls(self, wanted: dict[str, str]) -> dict[str, int]:
        """For files already in the Maildir (a killed run renamed them): their UIDs, adding lines if missing."""
        with self.locked():
            current = self.read_uidlist() or Uidlist(self.default_uidvalidity, 1)
            by_base = {r.base: r for r in current.records}
            present: dict[str, str] = {}
            for sub in ("cur", "new"):
                with contextlib.suppress(FileNotFoundError):
                    for name in sorted(os.listdir(self.path / sub)):
                        present.setdefault(name.split(":", 1)[0], name)
            changed = False
            out = {}
            for base, uidl in wanted.items():
                if base not in present:
                    continue
                rec = by_base.get(base)
                if rec is None:
                    rec = Record(current.next_uid, [f"P{uidl}"], present[base])
                    current.records.append(rec)
                    current.next_uid += 1
                    by_base[base] = rec
                    changed = True
                elif rec.get("P") is None:
                    rec.ext.append(f"P{uidl}")
                    changed = True
                out[base] = rec.uid
            if changed:
                self._replace_uidlist(current)
        return out

    def _replace_uidlist(self, lst: Uidlist) -> None:
        # the lock file is the new list (Dovecot's file_dotlock_replace): write it, then rename it over
        lock = self.path / LOCK
        with open(lock, "w", encoding="utf-8", errors="surrogateescape") as fh:
            fh.write(lst.render())
            fh.flush()
            os.fsync(fh.fileno())
        self._own(lock)
        os.rename(lock, self.path / UIDLIST)
        self._lock_held = False
        fsync_dir(self.path)

    # -- the dot-lock -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        lock = self.path / LOCK
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                break
            except FileExistsError:
                if self._stale(lock):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(lock)
                    continue
                if time.monotonic() > deadline:
                    raise MaildirError(
                        f"{lock}: held by another process for more than {int(LOCK_WAIT)} s / "
                        "別のプロセスがロックを保持したままです"
                    ) from None
                time.sleep(0.05)
        ino = os.fstat(fd).st_ino
        os.close(fd)
        self._lock_held = True
        self._note_lock(ino)
        try:
            yield
        finally:
            if self._lock_held:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(lock)
                self._lock_held = False
            self._note_lock(None)

    def _stale(self, lock: Path) -> bool:
        try:
            st = lock.stat()
        except FileNotFoundError:
            return False
        return time.time() - st.st_mtime > LOCK_STALE

    def _note_lock(self, ino: int | None) -> None:
        if self.lock_note is None:
            return
        if ino is None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.lock_note)
            return
        self.lock_note.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.lock_note.with_suffix(".tmp")
        tmp.write_text(json.dumps({"pid": os.getpid(), "ino": ino, "path": str(self.path / LOCK)}))
        os.replace(tmp, self.lock_note)

    def _clear_own_stale_lock(self) -> None:
        """A run killed while holding the lock: remove the lock at once instead of waiting 2 minutes."""
        if self.lock_note is None or not self.lock_note.exists():
            return
        try:
            note = json.loads(self.lock_note.read_text())
            st = os.stat(note["path"])
        except (OSError, ValueError, KeyError, TypeError):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.lock_note)
            return
        if st.st_ino == note.get("ino") and not _alive(int(note.get("pid", 0))):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(note["path"])
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.lock_note)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.EPERM
    return pid != os.getpid()


# -- crash testing ------------------------------------------------------------------------------------
def _failpoint(phase: str) -> None:
    """Tests stop a run at an exact point (TAYORI_IMPORT_PAUSE=phase:count), then kill -9 it from outside.

    The process announces itself on stderr and waits; without the variable this does nothing.
    """
    spec = os.environ.get("TAYORI_IMPORT_PAUSE")
    if not spec:
        return
    want, _, count = spec.partition(":")
    if want != phase:
        return
    _FAIL_COUNTS[phase] = _FAIL_COUNTS.get(phase, 0) + 1
    if _FAIL_COUNTS[phase] == int(count or "1"):
        os.write(2, f"import-mail: paused at {phase}\n".encode())
        while True:
            time.sleep(1)


_FAIL_COUNTS: dict[str, int] = {}


def failpoint(phase: str) -> None:
    _failpoint(phase)
