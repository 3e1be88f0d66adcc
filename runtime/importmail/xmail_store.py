"""XMail's stored mail (format note xmail.md §4.3).

`MailRoot/domains/<domain>/<account-dir>/mailbox/`: one file per message, the file name *is* the
POP3 UIDL, nothing records read state. Maildir mode (`…/Maildir/new`, and `cur` with Pop3ScanCur):
same names, no `:2,` suffix unless something else added one (then its flags are kept). The
account directory comes from mailusers.tab (field 5), normally the account name.
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

_FIELD = re.compile(r'"((?:[^"\\]|\\.)*)"|([^\t"]+)')


def mail_root(legacy: Path) -> Path | None:
    for candidate in (legacy, find_ci(legacy, "MailRoot")):
        if candidate is not None and find_ci(candidate, "domains") is not None:
            return candidate
    return None


def detect(legacy: Path) -> bool:
    root = mail_root(legacy)
    return root is not None and find_ci(root, "mailusers.tab") is not None


def account_dirs(root: Path) -> dict[tuple[str, str], str]:
    """(domain, account-dir) → account name, from mailusers.tab; empty when it cannot be read."""
    tab = find_ci(root, "mailusers.tab")
    out: dict[tuple[str, str], str] = {}
    if tab is None:
        return out
    try:
        text = tab.read_bytes().decode("cp932", "replace")
    except OSError:
        return out
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [m.group(1) if m.group(1) is not None else m.group(2).strip() for m in _FIELD.finditer(line)]
        fields = [f for f in fields if f is not None]
        if len(fields) >= 6:
            out[(fields[0].lower(), fields[4].casefold())] = fields[1]
    return out


def scan(legacy: Path, targets: Targets) -> Scan:
    result = Scan("xmail", legacy)
    root = mail_root(legacy)
    if root is None:
        result.notes.append(Note("no_mail_folder", {"legacy": str(legacy), "dialect": "XMail"}, "error"))
        return result
    dirs = account_dirs(root)
    domains = find_ci(root, "domains")
    assert domains is not None
    for domain in listdir(domains):
        ddir = domains / domain
        if not ddir.is_dir():
            continue
        for adir in listdir(ddir):
            account_dir = ddir / adir
            if not account_dir.is_dir():
                continue
            mbox_dir = find_ci(account_dir, "mailbox")
            maildir = find_ci(account_dir, "Maildir")
            if mbox_dir is None and maildir is None:
                continue
            name = dirs.get((domain.lower(), adir.casefold()), adir)
            source = rel(legacy, account_dir)
            target = targets.resolve(name, domain)
            if target is None:
                result.notes.append(
                    Note("no_account", {"source": source, "address": f"{name}@{domain}".lower()}, "warning")
                )
                continue
            address, kind = target
            box = LegacyMailbox(address, source, kind)
            if mbox_dir is not None and maildir is not None:
                # the mode that holds mail is the live one; the other is a leftover
                used_maildir = not any((mbox_dir / n).is_file() for n in listdir(mbox_dir))
                box.notes.append(
                    Note(
                        "xmail_both_modes",
                        {"source": source, "used": "Maildir/" if used_maildir else "mailbox/"},
                        "warning",
                    )
                )
                if used_maildir:
                    mbox_dir = None
                else:
                    maildir = None
            if mbox_dir is not None:
                _mailbox_mode(legacy, mbox_dir, box)
            elif maildir is not None:
                _maildir_mode(legacy, maildir, box)
            if kind == "list":
                box.notes.append(
                    Note("list_archive", {"source": source, "address": address, "target": f"lists/{address}/archive"})
                )
            if box.messages and not box.flags_known and kind == "account":
                box.notes.append(Note("flags_unknown"))
            result.mailboxes.append(box)
    result.notes.append(
        Note(
            "no_list_archive",
            {
                "dialect": "XMail",
                "why": "XMail keeps no archive of list posts (list accounts have no mailbox)",
                "why_ja": "XMail はリストの投稿を保存しません（リストのアカウントにはメールボックスがありません）",
            },
        )
    )
    return result


def _message(legacy: Path, path: Path, uidl_name: str, flags: str, box: LegacyMailbox) -> None:
    key = rel(legacy, path)
    if valid_uidl(uidl_name):
        box.messages.append(LegacyMessage(key, path, uidl_name, "recorded", flags=flags))
        return
    box.notes.append(Note("uidl_unusable", {"file": key, "uidl": uidl_name}, "warning"))
    box.messages.append(LegacyMessage(key, path, stable_uidl(uidl_name), "inferred", flags=flags))


def _mailbox_mode(legacy: Path, folder: Path, box: LegacyMailbox) -> None:
    for name in listdir(folder):
        path = folder / name
        if path.is_file():
            _message(legacy, path, name, "", box)


def _maildir_mode(legacy: Path, maildir: Path, box: LegacyMailbox) -> None:
    for sub in ("new", "cur"):
        d = find_ci(maildir, sub)
        if d is None:
            continue
        for name in listdir(d):
            path = d / name
            if not path.is_file():
                continue
            base, sep, info = name.partition(":")
            flags = ""
            if sep and info.startswith("2,"):
                flags = "".join(sorted(set(info[2:]) & set("DFRST")))
                box.flags_known = True
            _message(legacy, path, base, flags, box)
    # XMail names start with the delivery time in ms: name order is arrival order across new/ and cur/
    box.messages.sort(key=lambda m: m.path.name)
