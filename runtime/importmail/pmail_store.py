"""PMailServer2's stored mail: `spool\\<domain>\\<box>\\*.eml` with `uidl.txt` (pmail.md §4.1, §4.4).

The `.eml` file name is the message's queue ID, which PMailServer2 also gives POP3 clients as the
UIDL (FAQ: the ID in `Received: … with ESMTP id` is the UIDL). `uidl.txt`'s line format is not
public; what this module understands, inferred from the samples we have:

- one message ID per line (the POP3-only format);
- the same with more fields on the line, separated by tabs, commas, semicolons or spaces (the
  "IMAP4-capable" format after UIDL整理): a field naming an `.eml` of the box is the ID, IMAP flag
  words (`\\Seen`, `\\Answered`, `\\Flagged`, `\\Draft`, `\\Deleted`) are read state; every other
  field is reported, never guessed at.

A message uidl.txt does not list keeps its file name as UIDL (reported as inferred). Subfolders
holding `.eml` files (Webmail folders: SENDED, ゴミ箱 …) become IMAP folders.
"""

from __future__ import annotations

import re
from pathlib import Path

from tayori.runtime.importmail.legacy import (
    LegacyMailbox,
    LegacyMessage,
    Scan,
    Targets,
    find_ci,
    listdir,
    rel,
    stable_uidl,
    valid_uidl,
)
from tayori.runtime.importmail.notes import Note

_SPLIT = re.compile(r"[\t,; ]+")
FLAG_WORDS = {"seen": "S", "answered": "R", "flagged": "F", "draft": "D", "deleted": "T"}
WEBMAIL_FOLDERS = {"sended": "Sent", "ゴミ箱": "Trash", "trash": "Trash", "draft": "Drafts", "下書き": "Drafts"}


def detect(legacy: Path) -> bool:
    spool = find_ci(legacy, "spool")
    return spool is not None and (
        find_ci(legacy, "Data", "pmail.ini") is not None
        or find_ci(legacy, "pmservice.exe") is not None
        or any((spool / d).is_dir() and find_ci(spool / d) is not None for d in listdir(spool))
    )


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    return data.decode("cp932", "replace")


def scan(legacy: Path, targets: Targets) -> Scan:
    result = Scan("pmail", legacy)
    spool = find_ci(legacy, "spool")
    if spool is None:
        result.notes.append(Note("no_mail_folder", {"legacy": str(legacy), "dialect": "PMailServer2"}, "error"))
        return result
    for domain in listdir(spool):
        ddir = spool / domain
        if not ddir.is_dir():
            continue
        for box_name in listdir(ddir):
            bdir = ddir / box_name
            if not bdir.is_dir():
                continue
            source = rel(legacy, bdir)
            target = targets.resolve(box_name, domain)
            if target is None:
                if _emls(bdir) or find_ci(bdir, "uidl.txt"):
                    result.notes.append(
                        Note("no_account", {"source": source, "address": f"{box_name}@{domain}".lower()}, "warning")
                    )
                continue
            address, kind = target
            box = LegacyMailbox(address, source, kind)
            _read_box(legacy, bdir, box, with_uidl=True)
            if kind == "list":
                box.notes.append(
                    Note("list_archive", {"source": source, "address": address, "target": f"lists/{address}/archive"})
                )
            result.mailboxes.append(box)
            if kind == "account":
                for sub in listdir(bdir):
                    sdir = bdir / sub
                    if sdir.is_dir() and _emls(sdir):
                        imap = WEBMAIL_FOLDERS.get(sub.casefold(), sub)
                        folder = LegacyMailbox(address, rel(legacy, sdir), kind, folder=imap)
                        folder.notes.append(Note("folder", {"source": folder.source, "name": sub, "imap": imap}))
                        _read_box(legacy, sdir, folder, with_uidl=find_ci(sdir, "uidl.txt") is not None)
                        result.mailboxes.append(folder)
    result.notes.append(
        Note(
            "no_list_archive",
            {
                "dialect": "PMailServer2",
                "why": "PMailServer2's own list files are not public and not read; a mailbox folder whose "
                "address is a list in the profile goes to that list's archive",
                "why_ja": "PMailServer2 のリスト関連ファイルは非公開のため読みません。プロファイルでリストになっている"
                "アドレスのメールボックスフォルダは、そのリストのアーカイブへ取り込みます",
            },
        )
    )
    return result


def _emls(folder: Path) -> list[str]:
    return [n for n in listdir(folder) if n.lower().endswith(".eml") and (folder / n).is_file()]


def _read_box(legacy: Path, bdir: Path, box: LegacyMailbox, *, with_uidl: bool) -> None:
    emls = _emls(bdir)
    by_stem = {n[:-4].casefold(): n for n in emls}
    listed: dict[str, tuple[str, str]] = {}  # file name → (uidl, flags)
    order: list[str] = []
    uidl_file = find_ci(bdir, "uidl.txt")
    if uidl_file is None:
        if emls and with_uidl:
            box.notes.append(Note("pmail_uidl_missing", {"file": rel(legacy, bdir) + "/uidl.txt"}, "warning"))
    else:
        urel = rel(legacy, uidl_file)
        try:
            text = _decode(uidl_file.read_bytes())
        except OSError as exc:
            box.notes.append(Note("unreadable", {"file": urel, "problem": exc.strerror or str(exc)}, "error"))
            text = ""
        odd: list[tuple[int, str]] = []
        for number, line in enumerate(text.splitlines(), 1):
            stripped = line.strip().lstrip("\ufeff")
            if not stripped:
                continue
            tokens = [t for t in _SPLIT.split(stripped) if t]
            idx = next((i for i, t in enumerate(tokens) if _stem(t).casefold() in by_stem), None)
            if idx is None:
                if len(tokens) == 1 and valid_uidl(tokens[0]):
                    box.notes.append(Note("pmail_uidl_orphan", {"file": urel, "line": number, "uidl": tokens[0]}))
                else:
                    params = {"file": urel, "line": number, "sample": stripped[:80]}
                    box.notes.append(Note("pmail_uidl_unreadable", params, "warning"))
                continue
            name = by_stem[_stem(tokens[idx]).casefold()]
            flags = ""
            unknown = False
            for i, t in enumerate(tokens):
                if i == idx:
                    continue
                letter = FLAG_WORDS.get(t.lstrip("\\").casefold())
                if letter:
                    flags += letter
                    box.flags_known = True
                else:
                    unknown = True
            if unknown:
                odd.append((number, stripped))
            if name not in listed:
                order.append(name)
            listed[name] = (_stem(tokens[idx]), "".join(sorted(set(flags))))
        if odd:
            box.notes.append(
                Note(
                    "pmail_uidl_unread_fields",
                    {"file": urel, "count": len(odd), "line": odd[0][0], "sample": odd[0][1][:80]},
                    "warning",
                )
            )
    inferred = 0
    # uidl.txt order is the order POP3 listed them; files it does not list follow in name order
    for name in order + sorted(n for n in emls if n not in listed):
        path = bdir / name
        key = rel(legacy, path)
        if name in listed and valid_uidl(listed[name][0]):
            uidl, flags = listed[name]
            box.messages.append(LegacyMessage(key, path, uidl, "recorded", flags=flags))
        else:
            inferred += 1
            box.messages.append(LegacyMessage(key, path, stable_uidl(name[:-4]), "inferred"))
    if inferred and with_uidl:
        box.notes.append(Note("uidl_inferred", {"count": inferred, "how": "the file name"}, "warning"))
    if box.messages and not box.flags_known and box.kind == "account":
        box.notes.append(Note("flags_unknown"))


def _stem(token: str) -> str:
    return token[:-4] if token.lower().endswith(".eml") else token
