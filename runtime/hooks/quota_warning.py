"""The quota warning mail: `python -m tayori.runtime.hooks.quota_warning --root ROOT PERCENT USER`.

Dovecot runs it (through the wrapper generated/quota-warning) when a mailbox crosses the warning threshold. The mail is
committed to the queue like any other, from the null sender, and delivery is woken at once.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import sys
from email.header import Header
from email.utils import formatdate, make_msgid

from tayori.runtime.paths import StatePaths
from tayori.runtime.queue import Envelope, Queue


def message(user: str, percent: str, hostname: str) -> bytes:
    subject = Header(f"メールボックスの容量が {percent}% に達しました / Mailbox {percent}% full", "iso-2022-jp")
    body = (
        f"{user} のメールボックスは容量の {percent}% を使っています。\r\n"
        "不要なメールを削除してください。容量を超えると新しいメールは受け取れず、送信者に返送されます。\r\n"
        "\r\n"
        f"The mailbox {user} is {percent}% full. Please delete mail you no longer need: when it is full,\r\n"
        "new mail cannot be stored and is returned to its sender.\r\n"
    )
    head = (
        f"From: Mail Delivery System <MAILER-DAEMON@{hostname}>\r\nTo: {user}\r\n"
        f"Subject: {subject.encode(linesep=chr(13) + chr(10))}\r\nDate: {formatdate(localtime=True)}\r\n"
        f"Message-ID: {make_msgid(domain=hostname)}\r\nAuto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=iso-2022-jp\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
    )
    return head.encode("ascii") + body.encode("iso-2022-jp")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="quota_warning")
    ap.add_argument("--root", required=True)
    ap.add_argument("percent")
    ap.add_argument("user")
    a = ap.parse_args(argv)
    paths = StatePaths.at(a.root)
    try:
        from tayori.profiles.loader import load_profile

        hostname = load_profile(paths.profile, cache=True).profile.server.hostname
    except Exception:  # the warning matters more than the host name in it
        hostname = socket.gethostname()
    data = message(a.user, a.percent, hostname)
    if os.geteuid() == 0:
        # queue files belong to the mail user (delivery reads them as that user)
        from tayori.runtime.dovecot import run_identity

        ident = run_identity()
        os.setgroups([])
        os.setgid(ident.gid)
        os.setuid(ident.uid)
    with Queue(paths.queue) as q:
        spool = q.new_spool()
        spool.write(data)
        q.commit_sync(spool, Envelope.new("", [a.user], listener="quota-warning"))
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto(b"w", str(paths.delivery_wakeup))
    return 0


if __name__ == "__main__":
    sys.exit(main())
