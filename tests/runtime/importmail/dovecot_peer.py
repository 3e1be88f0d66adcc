"""A Dovecot from our own small config (platform.md §3.3: unprivileged, every process as `nobody`).

It carries the POP3 settings the appliance's rendered config has (`pop3_uidl_format`,
`pop3_save_uidl`), so what POP3 shows here is what the appliance shows for an imported Maildir.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.livenet import free_port

PASSWORD = "import-test"


def nobody() -> tuple[int, int]:
    pw = pwd.getpwnam("nobody")
    return pw.pw_uid, pw.pw_gid


@dataclass
class Peer:
    dir: Path
    pop3: int
    imap: int
    lmtp: Path
    proc: subprocess.Popen[bytes]

    def log(self) -> str:
        with contextlib.suppress(OSError):
            return (self.dir / "dovecot.log").read_text(errors="replace")
        return ""


def available() -> bool:
    return shutil.which("dovecot") is not None or os.path.exists("/usr/sbin/dovecot")


@contextlib.contextmanager
def dovecot(homes: dict[str, Path]) -> Iterator[Peer]:
    """Serve `homes` (address → home holding Maildir/) on loopback POP3/IMAP and an LMTP socket."""
    uid, gid = nobody()
    d = Path(tempfile.mkdtemp(prefix="tdv", dir="/tmp"))
    os.chmod(d, 0o755)
    for sub in ("run", "state"):
        (d / sub).mkdir()
    pop3, imap = free_port(), free_port()
    users = "".join(f"{a}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{h}::\n" for a, h in homes.items())
    (d / "users").write_text(users)
    group = "nogroup"
    (d / "dovecot.conf").write_text(
        f"""instance_name = tayori-import-test-{os.getpid()}-{d.name}
base_dir = {d}/run
state_dir = {d}/state
protocols = imap pop3 lmtp
listen = 127.0.0.1
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
first_valid_uid = 1
default_internal_user = nobody
default_login_user = nobody
default_internal_group = {group}
# as in runtime/templates/dovecot.conf.j2
pop3_uidl_format = %08Xu%08Xv
pop3_save_uidl = yes
pop3_client_workarounds = outlook-no-nuls oe-ns-eoh
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu {d}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%Lu {d}/users
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  chroot =
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {pop3}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service lmtp {{
  unix_listener lmtp {{
    mode = 0666
  }}
}}
"""
    )
    for p in d.rglob("*"):
        os.chown(p, uid, gid)
    os.chown(d, uid, gid)
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    proc = subprocess.Popen(
        ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", binary, "-F", "-c", str(d / "dovecot.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    peer = Peer(d, pop3, imap, d / "run" / "lmtp", proc)
    try:
        deadline = time.monotonic() + 15
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", pop3), timeout=1):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("dovecot did not start:\n" + peer.log())
            time.sleep(0.05)
        yield peer
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(d, ignore_errors=True)
