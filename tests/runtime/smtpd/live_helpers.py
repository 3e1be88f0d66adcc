"""A real `tayori run` on loopback for smtpd's live tests, and a standalone smtpd for crash tests."""

from __future__ import annotations

import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from tayori.profiles.passwords import hash_password
from tayori.runtime.paths import StatePaths
from tests.livenet import free_port, wait_port

REPO = Path(__file__).resolve().parents[3]
TAYORI = REPO / ".venv/bin/tayori"
PASSWORD = "s3cret-pass"
HASH = hash_password(PASSWORD)


def profile_text(ports: dict[str, int]) -> str:
    return f"""profile_version: 1
server: {{hostname: mx.example.test}}
listeners:
  smtp: {{bind: [127.0.0.1, "::1"], port: {ports["smtp"]}, tls: starttls, tls_required: false}}
  submission: {{bind: [127.0.0.1], port: {ports["submission"]}, tls: starttls, auth: true, relay_with_auth: true}}
  submissions:
    {{bind: [127.0.0.1, "::1"], port: {ports["submissions"]}, tls: implicit, auth: true, relay_with_auth: true}}
  pop3: {{bind: [127.0.0.1], port: {ports["pop3"]}}}
  pop3s: {{bind: [127.0.0.1], port: {ports["pop3s"]}}}
  imap: {{bind: [127.0.0.1], port: {ports["imap"]}}}
  imaps: {{bind: [127.0.0.1], port: {ports["imaps"]}}}
domains:
  - name: example.test
accounts:
  - address: alice@example.test
    password_hash: "{HASH}"
  - address: carol@example.test
    password_hash: "{HASH}"
    services: {{smtp_auth: false}}
aliases:
  - address: postmaster@example.test
    targets: [alice@example.test]
policy:
  spf: "off"
  limits: {{connections_per_minute_per_ip: null, messages_per_minute_per_ip: null, max_protocol_errors: 50}}
"""


@dataclass
class Appliance:
    root: Path
    paths: StatePaths
    ports: dict[str, int]
    proc: subprocess.Popen[bytes]
    sockdir: Path

    @property
    def smtpd_log(self) -> Path:
        return self.paths.logs / "smtpd.log"

    def queued_ids(self) -> list[str]:
        try:
            text = self.smtpd_log.read_text(errors="replace")
        except OSError:
            return []
        return [line.split(" id=", 1)[1].split()[0] for line in text.splitlines() if "smtpd: queued id=" in line]


def client_tls() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _kill_tree(pidfile: Path, proc: subprocess.Popen[bytes]) -> None:
    pid = None
    with suppress(OSError, ValueError):
        pid = int(pidfile.read_text().strip())
    for p in {pid, proc.pid} - {None}:
        with suppress(ProcessLookupError):
            os.kill(p, signal.SIGTERM)  # type: ignore[arg-type]
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@contextmanager
def running_appliance(
    profile_for: Callable[[dict[str, int]], str] = profile_text, port_timeout: float = 30.0
) -> Iterator[Appliance]:
    """`tayori run` of `profile_for(ports)` on free loopback ports, stopped (by PID) and removed after."""
    base = Path(tempfile.mkdtemp(prefix="tayori-smtpd-", dir="/tmp"))
    base.chmod(0o755)
    sockdir = Path(tempfile.mkdtemp(prefix="ts", dir="/tmp"))
    sockdir.rmdir()
    root = base / "root"
    ports = {n: free_port() for n in ("smtp", "submission", "submissions", "pop3", "pop3s", "imap", "imaps")}
    profile = base / "profile.yaml"
    profile.write_text(profile_for(ports))
    env = dict(os.environ, TAYORI_SOCKET_DIR=str(sockdir))
    log = open(base / "run.log", "wb")  # noqa: SIM115 -- closed in finally
    proc = subprocess.Popen(
        [str(TAYORI), "--root", str(root), "run", str(profile)], env=env, stdout=log, stderr=log, start_new_session=True
    )
    paths = StatePaths.at(root)
    try:
        for name in ("smtp", "submission", "submissions"):
            wait_port(ports[name], timeout=port_timeout)
        end = time.monotonic() + 30
        while not (sockdir / "dovecot/auth-tayori").exists() and time.monotonic() < end:
            time.sleep(0.1)
        yield Appliance(root, paths, ports, proc, sockdir)
    finally:
        _kill_tree(sockdir / "supervisord.pid", proc)
        log.close()
        shutil.rmtree(base, ignore_errors=True)
        shutil.rmtree(sockdir, ignore_errors=True)


# ------------------------------------------------------------------------------ standalone smtpd
CRASH_PROFILE = """profile_version: 1
server: {{hostname: mx.example.test}}
listeners:
  smtp: {{bind: [127.0.0.1], port: {port}, tls: none, max_connections: 200, max_per_ip: 200}}
  submission: {{enabled: false, port: 1}}
  submissions: {{enabled: false, port: 1}}
domains:
  - name: example.test
    catch_all: u@example.test
accounts:
  - address: u@example.test
policy:
  spf: "off"
  limits: {{connections_per_minute_per_ip: null, messages_per_minute_per_ip: null}}
"""


@dataclass
class Standalone:
    root: Path
    port: int
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None

    @property
    def queue(self) -> Path:
        return self.root / "var/lib/tayori/queue"

    def start(self) -> None:
        log = open(self.root / "smtpd.log", "ab")  # noqa: SIM115 -- the child keeps its own copy
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tayori.runtime.smtpd", "--root", str(self.root)],
            env=self.env,
            stdout=log,
            stderr=log,
            cwd=REPO,
        )
        log.close()
        wait_port(self.port)

    def kill9(self) -> None:
        if self.proc is not None:
            self.proc.kill()  # SIGKILL, by PID
            self.proc.wait(10)
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
            self.proc = None


@contextmanager
def standalone_smtpd() -> Iterator[Standalone]:
    base = Path(tempfile.mkdtemp(prefix="tayori-crash-", dir="/tmp"))
    base.chmod(0o755)
    root = base / "root"
    (root / "etc/tayori").mkdir(parents=True)
    port = free_port()
    (root / "etc/tayori/profile.yaml").write_text(CRASH_PROFILE.format(port=port))
    env = dict(os.environ, TAYORI_SOCKET_DIR=str(base / "s"))
    s = Standalone(root, port, env)
    try:
        yield s
    finally:
        s.stop()
        shutil.rmtree(base, ignore_errors=True)


# ------------------------------------------------------------------------------ crash load
class AckLoad:
    """Numbered messages over many connections; a message counts as acknowledged only once its
    `250 ... queued as ID` was read. Runs until stopped; connection errors (the server was killed)
    are counted and retried after a short pause."""

    def __init__(self, port: int, threads: int = 8, run_id: str | None = None) -> None:
        import threading
        import uuid

        self.port = port
        self.threads = threads
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.acked: dict[str, bytes] = {}  # queue id -> exact content sent
        self.errors = 0
        self.lock = threading.Lock()
        self.stop_flag = threading.Event()
        self.seq = 0
        self._threads: list[threading.Thread] = []

    def _next(self) -> int:
        with self.lock:
            self.seq += 1
            return self.seq

    def _work(self) -> None:
        import smtplib

        body = ("x" * 76 + "\r\n") * 64
        while not self.stop_flag.is_set():
            k = self._next()
            content = (
                f"From: <a@example.org>\r\nTo: <u@example.test>\r\nSubject: seq {k}\r\nX-Seq: {k}\r\n"
                f"Message-ID: <{self.run_id}.{k}@example.org>\r\n\r\n{body}"
            ).encode()
            try:
                with smtplib.SMTP("127.0.0.1", self.port, timeout=10) as s:
                    s.ehlo("load.example.org")
                    s.mail("a@example.org")
                    s.rcpt(f"{k}u@example.test")
                    code, resp = s.data(content)
                if code == 250 and b"queued as " in resp:
                    with self.lock:
                        self.acked[resp.split(b"queued as ")[1].decode().strip()] = content
            except (OSError, smtplib.SMTPException):
                with self.lock:
                    self.errors += 1
                time.sleep(0.05)

    def start(self) -> None:
        import threading

        self._threads = [threading.Thread(target=self._work, daemon=True) for _ in range(self.threads)]
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self.stop_flag.set()
        for t in self._threads:
            t.join(30)


def verify_queue(queue: Path, acked: dict[str, bytes]) -> dict[str, int]:
    """Every acknowledged id must be in ready/ with a matching envelope: count and checksum."""
    import hashlib
    import json

    ready = queue / "ready"
    missing = bad_sum = bad_content = 0
    for qid, content in acked.items():
        eml, env = ready / f"{qid}.eml", ready / f"{qid}.json"
        if not (eml.exists() and env.exists()):
            missing += 1
            continue
        data = eml.read_bytes()
        meta = json.loads(env.read_bytes())
        if hashlib.sha256(data).hexdigest() != meta["sha256"] or len(data) != meta["size"]:
            bad_sum += 1
        if not data.endswith(content):
            bad_content += 1
    entries = sum(1 for n in os.listdir(ready) if n.endswith(".json"))
    return {
        "acked": len(acked),
        "missing": missing,
        "bad_checksum": bad_sum,
        "bad_content": bad_content,
        "entries": entries,
        "corrupt": len(os.listdir(queue / "corrupt")),
    }
