"""E-Post's stored mail (epost.md §3.16, §4.3): one `*.MSG` file per message in the user's folder.

The mailbox folder comes from the registry backup's `MailInBoxDir` (`c:\\IMS\\INBOX\\%USERNAME%`),
else a folder named like E-Post's defaults (`inbox`, `INETMAIL/INBOX`, `IMS/INBOX`). In the
"接続IPで区別する" mode a domain's users sit one level deeper, in a folder named after the domain.

How E-Post's POP3 service forms UIDLs is not public (its source is not either): the importer
serves the `X-UIDL:` header E-Post can insert (DS `XUIDL`) when a message has one, else the file
name without `.MSG`, and reports both as inferred. Nothing records read state.
With `InboxData`=1 ("Encode") a file is byte 0xFF, a mask byte, then each line as lowercase hex
of its bytes XOR the mask — the scheme E-Post uses for passwords, applied per line.
"""

from __future__ import annotations

import re
from pathlib import Path, PureWindowsPath

from tayori.runtime.importmail.legacy import (
    LegacyMailbox,
    LegacyMessage,
    Scan,
    Targets,
    find_ci,
    first_header,
    listdir,
    rel,
    stable_uidl,
    valid_uidl,
)
from tayori.runtime.importmail.notes import Note

DEFAULT_FOLDERS = ("inbox", "INETMAIL/INBOX", "IMS/INBOX", "mailbox")
USER_MARKERS = ("ims.ctl", "apop.dat", "autorply.txt")
ENCODE_MARK = 0xFF


def decode_inbox(data: bytes) -> bytes | None:
    """A message stored with "Encode"; None when the bytes are not a valid encoding."""
    if len(data) < 2 or data[0] != ENCODE_MARK or not 0x01 <= data[1] <= 0xFE:
        return None
    mask = data[1]
    out = []
    for line in data[2:].split(b"\n"):
        line = line.rstrip(b"\r")
        if len(line) % 2:
            return None
        try:
            out.append(bytes(b ^ mask for b in bytes.fromhex(line.decode("ascii"))))
        except (ValueError, UnicodeDecodeError):
            return None
    if out and out[-1] == b"":
        out.pop()
        return b"\r\n".join(out) + b"\r\n"
    return b"\r\n".join(out)


def _registry_value(legacy: Path, name: str) -> str | None:
    reg = find_ci(legacy, "ms", "backup", "epst-ms.reg") or find_ci(legacy, "backup", "epst-ms.reg")
    if reg is None:
        return None
    try:
        raw = reg.read_bytes()
    except OSError:
        return None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16", "replace")
    else:
        text = raw.decode("cp932", "replace")
    m = re.search(r'^"' + re.escape(name) + r'"=(?:"((?:[^"\\]|\\.)*)"|dword:([0-9a-fA-F]{8}))', text, re.M)
    if m is None:
        return None
    if m.group(2) is not None:
        return str(int(m.group(2), 16))
    return m.group(1).replace("\\\\", "\\").replace('\\"', '"')


def mailbox_root(legacy: Path) -> Path | None:
    template = _registry_value(legacy, "MailInBoxDir") or ""
    parts = [p for p in PureWindowsPath(template).parts if "%" not in p and ":" not in p and p != "\\"]
    for start in range(len(parts)):
        found = find_ci(legacy, *parts[start:])
        if found is not None and found.is_dir():
            return found
    for name in DEFAULT_FOLDERS:
        found = find_ci(legacy, name)
        if found is not None and found.is_dir():
            return found
    return None


def detect(legacy: Path) -> bool:
    return find_ci(legacy, "ms", "effect.dat") is not None or find_ci(legacy, "effect.dat") is not None


def _is_user_folder(folder: Path) -> bool:
    names = [n.casefold() for n in listdir(folder)]
    return any(n in USER_MARKERS or n.endswith(".msg") for n in names)


def scan(legacy: Path, targets: Targets) -> Scan:
    result = Scan("epost", legacy)
    root = mailbox_root(legacy)
    if root is None:
        result.notes.append(Note("no_mail_folder", {"legacy": str(legacy), "dialect": "E-Post"}, "error"))
        return result
    encoded = 0
    for name in listdir(root):
        folder = root / name
        if not folder.is_dir():
            continue
        users: list[tuple[str, Path, str | None]]
        if name.lower() in targets.domains and not _is_user_folder(folder):
            users = [(u, folder / u, name.lower()) for u in listdir(folder) if (folder / u).is_dir()]
        else:
            users = [(name, folder, None)]
        for user, ufolder, domain in users:
            source = rel(legacy, ufolder)
            target = targets.resolve(user, domain)
            if target is None:
                if _msgs(ufolder):
                    guess = f"{user}@{domain or (targets.domains[0] if targets.domains else '?')}".lower()
                    result.notes.append(Note("no_account", {"source": source, "address": guess}, "warning"))
                continue
            address, kind = target
            box = LegacyMailbox(address, source, kind)
            encoded += _read_folder(legacy, ufolder, box)
            result.mailboxes.append(box)
            for sub in listdir(ufolder):
                sdir = ufolder / sub
                if sdir.is_dir() and _msgs(sdir):
                    fbox = LegacyMailbox(address, rel(legacy, sdir), kind, folder=sub)
                    fbox.notes.append(Note("folder", {"source": fbox.source, "name": sub, "imap": sub}))
                    encoded += _read_folder(legacy, sdir, fbox)
                    result.mailboxes.append(fbox)
    if encoded:
        result.notes.append(Note("epost_encoded", {"count": encoded}))
    result.notes.append(
        Note(
            "no_list_archive",
            {
                "dialect": "E-Post",
                "why": "posts saved by 投稿内容を保存 (ListSaveFolder) have no documented file layout; not imported",
                "why_ja": "「投稿内容を保存」(ListSaveFolder) のファイル構成は公開されていないため取り込みません",
            },
        )
    )
    return result


def _msgs(folder: Path) -> list[str]:
    return [n for n in listdir(folder) if n.lower().endswith(".msg") and (folder / n).is_file()]


def _read_folder(legacy: Path, folder: Path, box: LegacyMailbox) -> int:
    encoded = 0
    by_header = 0
    by_name = 0
    for name in _msgs(folder):
        path = folder / name
        key = rel(legacy, path)
        try:
            with open(path, "rb") as fh:
                head = fh.read(64 * 1024)
        except OSError as exc:
            box.notes.append(Note("unreadable", {"file": key, "problem": exc.strerror or str(exc)}, "error"))
            continue
        decode = None
        if head[:1] == bytes([ENCODE_MARK]):
            encoded += 1
            decode = decode_inbox
            head = decode_inbox(head.rsplit(b"\n", 1)[0]) or b""
        xuidl = first_header(head, "X-UIDL")
        if xuidl and valid_uidl(xuidl):
            by_header += 1
            box.messages.append(LegacyMessage(key, path, xuidl, "inferred", "the X-UIDL header", decode=decode))
        else:
            by_name += 1
            box.messages.append(LegacyMessage(key, path, stable_uidl(name[:-4]), "inferred", decode=decode))
    if by_header:
        box.notes.append(Note("uidl_inferred", {"count": by_header, "how": "the X-UIDL header"}, "warning"))
    if by_name:
        box.notes.append(Note("uidl_inferred", {"count": by_name, "how": "the file name"}, "warning"))
    if box.messages:
        box.notes.append(Note("flags_unknown"))
    return encoded
