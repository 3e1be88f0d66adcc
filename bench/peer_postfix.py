"""A private Postfix on a loopback high port that delivers through a given Dovecot LMTP socket (P2's peer).

Built on bench/smtp_accept.py's HOLD-mode instance: the same main.cf/master.cf, then HOLD is lifted and
`virtual_transport` points at the LMTP socket, so every recipient in `domain` goes to that Dovecot.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from smtp_accept import postfix_down, postfix_up, wait_port

__all__ = ["postfix_down", "postfix_lmtp_up", "postfix_queue_empty"]


def _postfix(p: Path, *args: str) -> None:
    # postfix prints nothing without a tty (platform.md §4.4)
    subprocess.run(["script", "-qc", " ".join(["postfix", "-c", f"{p}/etc", *args]), "/dev/null"], check=True)


def postfix_lmtp_up(base: Path, port: int, domain: str, lmtp_socket: Path) -> Path:
    p = postfix_up(base, port)
    try:
        conf = f"{p}/etc"
        subprocess.run(["postconf", "-c", conf, "-X", "smtpd_end_of_data_restrictions"], check=True)
        subprocess.run(
            [
                "postconf",
                "-c",
                conf,
                "-e",
                f"virtual_mailbox_domains = {domain}",
                f"virtual_transport = lmtp:unix:{lmtp_socket}",
            ],
            check=True,
        )
        master = Path(conf) / "master.cf"
        lines = master.read_text().splitlines()
        # Tayori's LMTP socket is 0660 for its run user: the 3rd column `n` runs lmtp(8) as root (as
        # local/virtual already run) instead of mail_owner, so it may connect without changing the socket
        lines = ["lmtp      unix  - n n -     - lmtp" if ln.startswith("lmtp ") else ln for ln in lines]
        master.write_text("\n".join(lines) + "\n")
        _postfix(p, "reload")
        wait_port(port)
    except BaseException:
        postfix_down(p)
        raise
    return p


def postfix_queue_empty(p: Path) -> bool:
    spool = p / "spool"
    return not any(f for d in ("incoming", "active", "deferred", "hold") for f in (spool / d).rglob("*") if f.is_file())
