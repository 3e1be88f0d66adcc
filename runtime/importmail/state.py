"""The import journal: what was imported, per target mailbox, under the state root.

`var/lib/tayori/importmail/<mailbox>.jsonl`: a header line, then one JSON line per imported legacy
message (legacy file, Maildir base name, UID, UIDL, sha256, size). Lines are appended and fsynced
after the Maildir and its uidlist are durable, so the journal never claims more than the Maildir
holds; what a killed run wrote but did not journal is found again by its deterministic file name.

The journal is what makes a second run import only what is new: a message imported once and then
deleted by its owner on the new server (POP3 DELE) is *not* brought back by the next run.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tayori.runtime.paths import StatePaths

JOURNAL_VERSION = 1


def journal_dir(paths: StatePaths) -> Path:
    return paths.lib / "importmail"


@dataclass(frozen=True)
class Entry:
    key: str  # legacy file, relative to the legacy folder
    base: str  # Maildir base name
    uid: int
    uidl: str
    sha256: str
    size: int
    flags: str = ""
    unparseable: bool = False


_FIELDS = tuple(f.name for f in fields(Entry))


class Journal:
    def __init__(self, path: Path, ident: str) -> None:
        self.path = path
        self.ident = ident
        self.uidvalidity: int | None = None
        self.entries: dict[str, Entry] = {}
        self._load()

    @classmethod
    def for_mailbox(cls, paths: StatePaths, ident: str) -> Journal:
        name = quote(ident, safe="@.-_+=") + ".jsonl"
        return cls(journal_dir(paths) / name, ident)

    @property
    def lock_note(self) -> Path:
        return self.path.with_suffix(".lock.json")

    def _load(self) -> None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return
        good = raw.rfind(b"\n") + 1
        if good < len(raw):
            # a torn last line from a killed run: the Maildir check brings that message back
            with open(self.path, "r+b") as fh:
                fh.truncate(good)
        for number, line in enumerate(raw[:good].splitlines()):
            try:
                obj: dict[str, Any] = json.loads(line)
            except ValueError:
                continue
            if number == 0 and "journal" in obj:
                self.uidvalidity = obj.get("uidvalidity")
                continue
            try:
                e = Entry(**obj)
            except TypeError:
                continue
            self.entries[e.key] = e

    def start(self, uidvalidity: int) -> None:
        """Begin a journal (or a new one, the old kept aside, when the Maildir was recreated)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            os.replace(self.path, self.path.with_suffix(f".{int(time.time())}.old"))
        self.entries = {}
        self.uidvalidity = uidvalidity
        header = {"journal": JOURNAL_VERSION, "mailbox": self.ident, "uidvalidity": uidvalidity}
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(header, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    def append(self, entries: list[Entry]) -> None:
        if not entries:
            return
        with open(self.path, "a", encoding="utf-8") as fh:
            for e in entries:
                # by hand rather than dataclasses.asdict: it deep-copies, and this runs once per message
                row = {f: getattr(e, f) for f in _FIELDS}
                fh.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
                self.entries[e.key] = e
            fh.flush()
            os.fsync(fh.fileno())
