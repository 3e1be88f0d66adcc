"""What the dialect readers hand to the importer: legacy mailboxes and their messages.

Each store module (xmail_store, pmail_store, epost_store) only finds messages and what the legacy
server recorded about them (UIDL, read state); writing, journaling and verifying are shared.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tayori.profiles.model import Profile
from tayori.runtime.importmail.notes import Note

UidlSource = Literal["recorded", "inferred"]
# RFC 1939: a UIDL is 1 to 70 characters in 0x21..0x7E
_UIDL = re.compile(r"^[\x21-\x7e]{1,70}$")
_HEADER_NAME = re.compile(rb"^[\x21-\x39\x3b-\x7e]+:")
HEADER_SCAN = 256 * 1024


@dataclass(frozen=True)
class LegacyMessage:
    key: str  # the legacy file, relative to the legacy folder, as on disk: stable identity across runs
    path: Path
    uidl: str
    uidl_source: UidlSource
    uidl_how: str = "the file name"  # for inferred UIDLs: where the value comes from
    flags: str = ""  # Maildir info letters (S seen, R replied, F flagged, T trashed, D draft)
    decode: Callable[[bytes], bytes | None] | None = None  # E-Post "Encode"; None when it does not decode


@dataclass
class LegacyMailbox:
    address: str  # the account (or list) the mail belongs to
    source: str  # the legacy folder, relative to the legacy root
    kind: Literal["account", "list"] = "account"
    folder: str = ""  # IMAP folder name; "" is INBOX
    messages: list[LegacyMessage] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    flags_known: bool = False

    @property
    def ident(self) -> str:
        return f"{self.kind}:{self.address}/{self.folder}"


@dataclass
class Scan:
    dialect: str
    legacy: Path
    mailboxes: list[LegacyMailbox] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


def valid_uidl(value: str) -> bool:
    return bool(_UIDL.match(value))


def stable_uidl(name: str) -> str:
    """A UIDL derived from a file name: the name itself when POP3 can carry it."""
    cleaned = "".join(c for c in name if "\x21" <= c <= "\x7e")
    return cleaned[:70] if cleaned else "x"


def parse_problem(data: bytes) -> str | None:
    """Why `data` is not a readable RFC 5322 message, or None when it is.

    Only the header block is checked: the importer keeps every byte as it is anyway, this only
    decides whether the admin is told about it.
    """
    if not data:
        return "empty file / 空のファイル"
    head = data[:HEADER_SCAN]
    if b"\x00" in head:
        return "NUL bytes / NUL 文字を含む"
    lines = head.split(b"\n")
    seen_header = False
    for raw in lines:
        line = raw.rstrip(b"\r")
        if line == b"":
            break
        if line[:1] in (b" ", b"\t"):
            if not seen_header:
                return "starts with a continuation line / 継続行で始まる"
            continue
        if not _HEADER_NAME.match(line):
            return "no header block / ヘッダーがない"
        seen_header = True
    return None if seen_header else "no header block / ヘッダーがない"


def first_header(data: bytes, name: str) -> str | None:
    """The first value of header `name` (unfolded, ASCII), or None."""
    want = name.lower().encode("ascii") + b":"
    value: bytes | None = None
    for raw in data[:HEADER_SCAN].split(b"\n"):
        line = raw.rstrip(b"\r")
        if line == b"":
            break
        if value is not None:
            if line[:1] in (b" ", b"\t"):
                value += b" " + line.strip()
                continue
            break
        if line.lower().startswith(want):
            value = line[len(want) :].strip()
    if value is None:
        return None
    return value.decode("ascii", "replace").strip()


# -- locating things in a copy of a Windows folder ---------------------------------------------------
def find_ci(base: Path, *parts: str) -> Path | None:
    """`base/parts…` matched case-insensitively, as Windows does; None when a part is missing."""
    current = base
    for part in parts:
        for piece in part.replace("\\", "/").split("/"):
            if not piece:
                continue
            try:
                names = sorted(os.listdir(current))
            except OSError:
                return None
            match = next((n for n in names if n == piece), None) or next(
                (n for n in names if n.casefold() == piece.casefold()), None
            )
            if match is None:
                return None
            current = current / match
    return current


def listdir(path: Path) -> list[str]:
    """Names in a folder, sorted, without dotfiles (XMail's POP3 ignores them; so do placeholders)."""
    try:
        return sorted(n for n in os.listdir(path) if not n.startswith("."))
    except OSError:
        return []


def rel(legacy: Path, path: Path) -> str:
    try:
        return path.relative_to(legacy).as_posix()
    except ValueError:
        return path.as_posix()


# -- which profile address a legacy mailbox belongs to -----------------------------------------------
@dataclass(frozen=True)
class Targets:
    accounts: frozenset[str]
    lists: frozenset[str]
    domains: tuple[str, ...]
    domain_alias: dict[str, str]

    @classmethod
    def of(cls, profile: Profile) -> Targets:
        alias = {}
        for d in profile.domains:
            for a in d.aliases:
                alias[a.lower()] = d.name.lower()
        return cls(
            frozenset(a.address.lower() for a in profile.accounts),
            frozenset(m.address.lower() for m in profile.lists),
            tuple(d.name.lower() for d in profile.domains),
            alias,
        )

    def resolve(self, local: str, domain: str | None) -> tuple[str, Literal["account", "list"]] | None:
        """The profile address of `local@domain` (domain None: any profile domain, first match)."""
        domains = [domain.lower()] if domain else list(self.domains)
        for d in domains:
            d = self.domain_alias.get(d, d)
            address = f"{local.lower()}@{d}"
            if address in self.accounts:
                return address, "account"
            if address in self.lists:
                return address, "list"
        return None

    def matches(self, local: str) -> list[str]:
        """Every account whose local part is `local` (E-Post's shared mailbox mode)."""
        return sorted(a for a in self.accounts if a.rpartition("@")[0] == local.lower())
