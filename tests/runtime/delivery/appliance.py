"""A running `tayori run` with a profile that exercises every mailbox feature, for the live tests."""

from __future__ import annotations

import contextlib
import os
import poplib
import pwd
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tayori.runtime.paths import StatePaths
from tayori.runtime.queue import Envelope, Queue
from tests.livenet import free_port, wait_port

HASH = (
    "{SHA512-CRYPT}$6$zej09nSQwujKP4D1$OPD9ExvHSEuba20/Rkc/IXfON8QVbb1WXI4421J82xBmoLgXhXGuxmAIlIFIBVhf"
    "xLTP.S32dOe8dAThqVA/00"
)
PASSWORD = "tayori-demo"
LISTENERS = ("smtp", "submission", "submissions", "pop3", "pop3s", "imap", "imaps")


def profile_text(ports: dict[str, int]) -> str:
    acct = "\n".join(
        f'  - address: {a}@example.test\n    password_hash: "{HASH}"' for a in ("demo", "catch", "member2", "burst")
    )
    return f"""profile_version: 1
server: {{hostname: mail.example.test, postmaster: demo@example.test}}
listeners:
  smtp: {{bind: [127.0.0.1], port: {ports["smtp"]}, tls: starttls, tls_required: false}}
  submission: {{bind: [127.0.0.1], port: {ports["submission"]}}}
  submissions: {{bind: [127.0.0.1], port: {ports["submissions"]}}}
  pop3: {{bind: [127.0.0.1], port: {ports["pop3"]}, auth_mechanisms: [PLAIN, LOGIN, APOP]}}
  pop3s: {{bind: [127.0.0.1], port: {ports["pop3s"]}}}
  imap: {{bind: [127.0.0.1], port: {ports["imap"]}}}
  imaps: {{bind: [127.0.0.1], port: {ports["imaps"]}}}
domains:
  - name: example.test
    catch_all: catch@example.test
    aliases: [alias.test]
accounts:
{acct}
  - address: small@example.test
    password_hash: "{HASH}"
    quota: 20K
  - address: old@example.test
    password_hash: "{HASH}"
    legacy_auth: [apop]
  - address: imaponly@example.test
    password_hash: "{HASH}"
    services: {{pop3: false}}
  - address: fwd@example.test
    password_hash: "{HASH}"
    forward: {{targets: [demo@example.test], keep_copy: false}}
  - address: fwdkeep@example.test
    password_hash: "{HASH}"
    forward: {{targets: [member2@example.test], keep_copy: true, envelope: original}}
  - address: away@example.test
    password_hash: "{HASH}"
    auto_reply:
      subject: 不在のお知らせ
      body: "ただいま不在です。\\n山田"
      period: 1d
aliases:
  - address: team@example.test
    targets: [demo@example.test, member2@example.test]
  - address: sales-*@example.test
    targets: [member2@example.test]
lists:
  - address: ml@example.test
    name: Test list
    subject_tag: "[ml:{{counter:05d}}]"
    reply_to: list
    footer: "-- \\nテストリスト / test list"
    archive: true
    poster_policy: members
    members:
      - {{address: member2@example.test}}
      - {{address: away@example.test}}
      - {{address: demo@example.test}}
"""


@dataclass
class Appliance:
    root: Path
    paths: StatePaths
    ports: dict[str, int]
    proc: subprocess.Popen[bytes]

    @property
    def conf(self) -> Path:
        return self.paths.generated / "supervisord.conf"

    def ctl(self, *args: str) -> str:
        r = subprocess.run(
            [str(Path(sys.executable).parent / "supervisorctl"), "-c", str(self.conf), *args],
            capture_output=True,
            text=True,
            timeout=30,
        )
        return r.stdout.strip()

    def inject(self, sender: str, rcpts: list[str], data: bytes, count: int = 1) -> list[str]:
        """Commit straight into the queue as the mail user (as smtpd does), then wake delivery."""
        ids = []
        with _as_mail_user():
            q = Queue(self.paths.queue)
            try:
                for i in range(count):
                    spool = q.new_spool()
                    spool.write(data.replace(b"{n}", str(i).encode()))
                    ids.append(q.commit_sync(spool, Envelope.new(sender, rcpts, client_ip="127.0.0.1")).id)
            finally:
                q.close()
        poke(self.paths)
        return ids

    def maildir(self, user: str) -> list[Path]:
        home = self.paths.maildir_home(f"{user}@example.test") / "Maildir"
        return sorted(p for sub in ("new", "cur") for p in (home / sub).glob("*") if p.is_file())

    def wait_mail(self, user: str, count: int, timeout: float = 20) -> list[bytes]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            files = self.maildir(user)
            if len(files) >= count:
                return [f.read_bytes() for f in files]
            time.sleep(0.1)
        raise TimeoutError(f"{user}: {len(self.maildir(user))} of {count} messages")

    def queue_empty(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not list((self.paths.queue / "ready").glob("*.json")):
                return
            time.sleep(0.1)
        raise TimeoutError("queue did not drain")

    def pop(self, source: str | None = None) -> poplib.POP3:
        return _Pop("127.0.0.1", self.ports["pop3"], source)


class _Pop(poplib.POP3):
    def __init__(self, host: str, port: int, source: str | None) -> None:
        self._source = source
        super().__init__(host, port, timeout=10)

    def _create_socket(self, timeout: float) -> socket.socket:
        src = (self._source, 0) if self._source else None
        return socket.create_connection((self.host, self.port), timeout, source_address=src)


def tls_context() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def poke(paths: StatePaths) -> None:
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto(b"w", str(paths.delivery_wakeup))


@contextlib.contextmanager
def _as_mail_user() -> Iterator[None]:
    if os.geteuid() != 0:
        yield
        return
    pw = pwd.getpwnam("tayori")
    os.setegid(pw.pw_gid)
    os.seteuid(pw.pw_uid)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


@contextlib.contextmanager
def running(tmp: Path) -> Iterator[Appliance]:
    ports = {n: free_port() for n in LISTENERS}
    prof = tmp / "office.yaml"
    prof.write_text(profile_text(ports), encoding="utf-8")
    secrets = tmp / "office.secrets.yaml"
    secrets.write_text("secrets_version: 1\naccounts: {old@example.test: {password: old-secret}}\n", encoding="utf-8")
    secrets.chmod(0o600)
    root = tmp / "root"
    sockdir = f"/tmp/tyd-{os.getpid()}-{os.urandom(3).hex()}"
    env = {**os.environ, "TAYORI_SOCKET_DIR": sockdir}
    os.environ["TAYORI_SOCKET_DIR"] = sockdir  # the test's own StatePaths must agree on the sockets
    out = open(tmp / "run.log", "wb")  # noqa: SIM115 -- closed in finally
    proc = subprocess.Popen(
        [sys.executable, "-m", "tayori.appliance.cli", "--root", str(root), "run", str(prof)],
        stdout=out,
        stderr=subprocess.STDOUT,
        env=env,
    )
    app = Appliance(root, StatePaths.at(root), ports, proc)
    try:
        try:
            wait_port(ports["pop3"], timeout=30)
        except TimeoutError:
            raise TimeoutError((tmp / "run.log").read_text(errors="replace")[-3000:]) from None
        deadline = time.monotonic() + 20
        while not app.paths.delivery_wakeup.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        yield app
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        out.close()
        os.environ.pop("TAYORI_SOCKET_DIR", None)
        subprocess.run(["rm", "-rf", sockdir], check=False)
