"""Automatic replies (vacation) as RFC 3834 wants them.

Never to the null sender, to list or bulk mail, to auto-submitted mail, to `owner-`/`-request`/
MAILER-DAEMON senders, to the account itself, or to senders on the account's `no_reply` list.
Once per sender per `period`: the memory is one small JSON file per account under
StatePaths.autoreply, updated atomically under a lock, so restarts and parallel workers agree.
The reply goes out with the null envelope sender (RFC 3834 §3.3) so that it cannot start a loop.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from datetime import date, datetime
from email.message import Message
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path
from zoneinfo import ZoneInfo

from tayori.profiles.model import Account, AutoReply
from tayori.runtime.delivery.mime import decoded_header, encode_header, header_charset
from tayori.runtime.delivery.patterns import any_matches

_NEVER_LOCAL = ("mailer-daemon", "postmaster", "listserv", "majordomo", "noreply", "no-reply")


def refusal(ar: AutoReply, acct: Account, sender: str, msg: Message, today: date) -> str | None:
    """Why no reply is sent (for the log), or None when one may be."""
    if not ar.enabled:
        return "auto-reply disabled"
    if not sender or "@" not in sender:
        return "null sender"
    s = sender.lower()
    local = s.rpartition("@")[0]
    if s == acct.address.lower():
        return "sender is the account itself"
    if local in _NEVER_LOCAL or local.startswith("owner-") or local.endswith(("-request", "-owner", "-bounces")):
        return "sender is a list or system address"
    auto = (msg.get("Auto-Submitted") or "no").strip().lower()
    if auto.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto}"
    prec = (msg.get("Precedence") or "").strip().lower()
    if prec in ("bulk", "list", "junk"):
        return f"Precedence: {prec}"
    if any(h in msg for h in ("List-Id", "List-Post", "List-Unsubscribe", "X-Mailing-List", "X-ML-Name")):
        return "list mail"
    if "X-Auto-Response-Suppress" in msg and any(
        k in msg["X-Auto-Response-Suppress"].lower() for k in ("all", "oof", "autoreply")
    ):
        return "X-Auto-Response-Suppress"
    if any_matches(ar.no_reply, sender):
        return "sender on the no_reply list"
    if ar.start and today.isoformat() < ar.start:
        return "before the first day"
    if ar.end and today.isoformat() > ar.end:
        return "after the last day"
    return None


def today_in(tz: str) -> date:
    try:
        return datetime.now(ZoneInfo(tz)).date()
    except (KeyError, ValueError):
        return datetime.now().date()


class Memory:
    """Who got a reply when, per account."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _file(self, account: str) -> Path:
        return self.directory / f"{account.lower().replace('/', '_')}.json"

    @contextlib.contextmanager
    def _locked(self, account: str) -> Iterator[Path]:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._file(account)
        fd = os.open(path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield path
        finally:
            os.close(fd)

    def claim(self, account: str, sender: str, period: float, now: float | None = None) -> bool:
        """True (and remembered) if `sender` has not had a reply within `period`."""
        now = time.time() if now is None else now
        key = sender.lower()
        with self._locked(account) as path:
            try:
                seen = json.loads(path.read_text(encoding="utf-8"))
                if not isinstance(seen, dict):
                    seen = {}
            except (OSError, ValueError):
                seen = {}
            last = seen.get(key)
            if isinstance(last, (int, float)) and now - last < period:
                return False
            seen = {k: v for k, v in seen.items() if isinstance(v, (int, float)) and now - v < max(period, 86400)}
            seen[key] = now
            tmp = path.with_name(f".{path.name}.{os.getpid()}")
            tmp.write_text(json.dumps(seen), encoding="utf-8")
            os.replace(tmp, path)
        return True


def build(ar: AutoReply, acct: Account, sender: str, original: Message, hostname: str) -> bytes:
    """The reply: Japanese text in ISO-2022-JP when it fits (what Japanese mailers read best)."""
    subj_charset = header_charset(str(original.get("Subject") or ""))
    body = ar.body or ""
    charset = "iso-2022-jp"
    try:
        body.encode(charset)
    except UnicodeEncodeError:
        charset = "utf-8"
    try:
        body.encode("ascii")
        charset = "us-ascii"
    except UnicodeEncodeError:
        pass
    from_addr = ar.from_address or acct.address
    name, _ = parseaddr(from_addr)
    from_hdr = (
        from_addr
        if "<" in from_addr
        else (formataddr((str(encode_header(acct.name)), from_addr)) if acct.name and not name else from_addr)
    )
    orig_subject = decoded_header(original.get("Subject") or "")
    lines = [
        f"From: {from_hdr}",
        f"To: {sender}",
        f"Subject: {encode_header(ar.subject, subj_charset)}",
        f"Date: {formatdate(localtime=True)}",
        f"Message-ID: {make_msgid(domain=hostname)}",
        "Auto-Submitted: auto-replied",
        "Precedence: bulk",
        "X-Auto-Response-Suppress: All",
        "MIME-Version: 1.0",
        f"Content-Type: text/plain; charset={charset}",
        f"Content-Transfer-Encoding: {'8bit' if charset == 'utf-8' else '7bit'}",
    ]
    mid = original.get("Message-ID")
    if mid:
        lines.append(f"In-Reply-To: {mid.strip()}")
        refs = (original.get("References") or "").split()
        lines.append("References: " + " ".join([*refs[-8:], mid.strip()]))
    if orig_subject:
        lines.append(f"X-Original-Subject: {encode_header(orig_subject, subj_charset)}")
    text = body.replace("\r\n", "\n").replace("\n", "\r\n")
    if not text.endswith("\r\n"):
        text += "\r\n"
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii", "replace") + text.encode(charset)
