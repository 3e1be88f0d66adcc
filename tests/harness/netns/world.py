"""The whole test internet for outbound delivery, built and torn down by one fixture.

| host       | addr (v4 / v6)        | runs                                                        |
|------------|-----------------------|-------------------------------------------------------------|
| dns        | 10.99.0.2 / fd99::2   | NSD: zone ``test.`` (MX, A, AAAA, TXT incl. DKIM keys)       |
| tayori     | 10.99.0.10            | Tayori's outbound code (driver.py), per call                |
| mxaccept   | 10.99.0.20 / fd99::20 | Postfix, STARTTLS, accepts accept/backup/implicit/v6only/relayed.test |
| mxtemp     | 10.99.0.21            | Postfix answering 451 for retry.test (until told otherwise) and slow.test |
| mxrefuse   | 10.99.0.22            | Postfix with no users: 550 5.1.1 for refuse.test            |
| mxdown     | 10.99.0.23            | nothing listens: connection refused                         |
| mxnotls    | 10.99.0.24            | Postfix without STARTTLS: notls.test, tlsreq.test           |
| relay      | 10.99.0.25            | Postfix smart host, AUTH via Dovecot SASL, relays to mxaccept |
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from .net import Net
from .peers import Postfix, dovecot_sasl, start_nsd

REPO = Path(__file__).resolve().parents[3]
PYTHON = REPO / ".venv/bin/python"
DRIVER = Path(__file__).with_name("driver.py")

TEMPFAIL = (
    "retry.test 451 4.7.1 Service unavailable, try again later\n"
    "slow.test 451 4.7.1 Service unavailable, try again later\n"
)
RELAY_USER, RELAY_PASSWORD = "tayori@example.test", "relay-s3cret"

PROFILE = """\
profile_version: 1
server:
  hostname: tayori.example.test
  resolvers: [10.99.0.2]
  postmaster: postmaster@example.test
domains:
  - name: example.test
  - name: ed.example.test
    dkim: {selector: ed, algorithm: ed25519-sha256}
accounts:
  - address: alice@example.test
  - address: postmaster@example.test
delivery:
  connect_timeout: 5
  tls_policies: {tlsreq.test: required}
  retry_schedule: [60, 120]
  give_up_after: 300
  delay_warning_after: 100
  dsn: {include: headers, postmaster_copy: true}
  routes:
    - domains: [relayed.test]
      host: relay.test
      port: 25
      tls: starttls
      auth_user: tayori@example.test
      password_secret: relay
"""


def zone(dkim_records: list[str]) -> str:
    return textwrap.dedent(
        """\
        $ORIGIN test.
        $TTL 300
        @         IN SOA ns.test. hostmaster.test. 1 3600 600 86400 60
        @         IN NS  ns.test.
        ns        IN A    10.99.0.2
        mxaccept  IN A    10.99.0.20
        mxaccept  IN AAAA fd99::20
        mxv6      IN AAAA fd99::20
        mxtemp    IN A    10.99.0.21
        mxrefuse  IN A    10.99.0.22
        mxdown    IN A    10.99.0.23
        mxnotls   IN A    10.99.0.24
        relay     IN A    10.99.0.25
        accept    IN MX 10 mxaccept.test.
        backup    IN MX 10 mxdown.test.
        backup    IN MX 20 mxaccept.test.
        implicit  IN A    10.99.0.20
        v6only    IN MX 10 mxv6.test.
        retry     IN MX 10 mxtemp.test.
        slow      IN MX 10 mxtemp.test.
        refuse    IN MX 10 mxrefuse.test.
        notls     IN MX 10 mxnotls.test.
        tlsreq    IN MX 10 mxnotls.test.
        nullmx    IN MX 0 .
        relayed   IN MX 10 mxdown.test.
        """
    ) + "".join(r + "\n" for r in dkim_records)


class World:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.root = base / "root"
        self.net = Net()
        self.peers: dict[str, Postfix] = {}

    def build(self) -> World:
        from tayori.profiles.loader import load_profile
        from tayori.runtime.outbound.dkim import dns_record, ensure_keys
        from tayori.runtime.paths import StatePaths
        from tayori.runtime.secrets import write_private

        paths = StatePaths.at(self.root)
        paths.etc.mkdir(parents=True)
        paths.dkim.mkdir(parents=True)
        paths.profile.write_text(PROFILE)
        write_private(paths.secrets, f"smarthosts:\n  relay: {{password: {RELAY_PASSWORD}}}\n")
        self.paths = paths
        self.profile = load_profile(paths.profile).profile
        ensure_keys(self.profile, paths)
        records = []
        for d in ("example.test", "ed.example.test"):
            records.append(dns_record(self.profile, paths, d))
        n = self.net
        for name, idx in (
            ("dns", 2),
            ("tayori", 10),
            ("mxaccept", 20),
            ("mxtemp", 21),
            ("mxrefuse", 22),
            ("mxdown", 23),
            ("mxnotls", 24),
            ("relay", 25),
        ):
            n.add_host(name, idx)
        # the DKIM records live in their own zone, example.test., served by the same NSD
        start_nsd(n, "dns", self.base, {"test": zone([]), "example.test": self._example_zone(records)})
        self.peers["mxaccept"] = Postfix(
            n,
            "mxaccept",
            self.base,
            domains=["accept.test", "backup.test", "implicit.test", "v6only.test", "relayed.test"],
        )
        self.peers["mxtemp"] = Postfix(n, "mxtemp", self.base, domains=["retry.test", "slow.test"])
        self.peers["mxtemp"].set_access_file(TEMPFAIL)
        self.peers["mxrefuse"] = Postfix(n, "mxrefuse", self.base, domains=["refuse.test"], users=[])
        self.peers["mxnotls"] = Postfix(n, "mxnotls", self.base, domains=["notls.test", "tlsreq.test"], tls=False)
        self.peers["relay"] = Postfix(
            n,
            "relay",
            self.base,
            domains=[],
            recipient_restrictions="permit_sasl_authenticated, reject",
            extra=(
                "smtpd_relay_restrictions = permit_sasl_authenticated, reject\n"
                "smtpd_sasl_auth_enable = yes\nsmtpd_sasl_type = dovecot\nsmtpd_sasl_path = private/auth\n"
                "smtpd_tls_auth_only = yes\ndefault_transport = smtp\nrelayhost = [10.99.0.20]:25\n"
                "smtp_tls_security_level = may\n"
            ),
        )
        for p in self.peers.values():
            p.prepare()
        dovecot_sasl(n, "relay", self.base, self.peers["relay"], {RELAY_USER: RELAY_PASSWORD})
        for p in self.peers.values():
            p.start()
        return self

    @staticmethod
    def _example_zone(records: list[str]) -> str:
        head = (
            "$ORIGIN example.test.\n$TTL 300\n"
            "@ IN SOA ns.test. hostmaster.test. 1 3600 600 86400 60\n@ IN NS ns.test.\n"
        )
        return head + "".join(r + "\n" for r in records)

    def close(self) -> None:
        self.net.close()

    # -- using it ----------------------------------------------------------------------------------

    def message(
        self,
        name: str,
        subject: str,
        *,
        from_addr: str = "alice@example.test",
        to: str = "x@accept.test",
        body: str = "Hello from Tayori.\r\nこんにちは。\r\n",
    ) -> Path:
        msgid = f"<{subject.replace(' ', '-')}@example.test>"
        data = (
            f"Received: from client (client [10.99.0.99]) by tayori.example.test\r\n"
            f"From: Alice <{from_addr}>\r\nTo: <{to}>\r\nSubject: {subject}\r\n"
            "Date: Sun, 23 Nov 2025 12:00:00 +0900\r\n"
            f"Message-ID: {msgid}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Transfer-Encoding: 8bit\r\n\r\n{body}"
        ).encode()
        p = self.base / f"{name}.eml"
        p.write_bytes(data)
        return p

    def deliver(self, jobs: list[dict[str, Any]], *, dkim: bool = True) -> dict[str, dict[str, dict[str, Any]]]:
        with tempfile.NamedTemporaryFile("w", suffix=".json", dir=self.base, delete=False) as fh:
            json.dump({"root": str(self.root), "jobs": jobs, "dkim": dkim}, fh)
        env = dict(os.environ, PYTHONPATH=str(REPO))
        r = self.net.run(
            "tayori", [str(PYTHON if PYTHON.exists() else sys.executable), str(DRIVER), fh.name], env=env, timeout=120
        )
        (self.base / "driver.log").open("a").write(r.stderr)
        if r.returncode != 0:
            raise RuntimeError(f"driver failed:\n{r.stderr[-4000:]}")
        out: dict[str, dict[str, dict[str, Any]]] = json.loads(r.stdout)
        return out

    def verify_dkim(self, host: str, message: bytes) -> tuple[bool, str]:
        """dkimpy verification run by the receiving peer's host, asking the harness DNS."""
        f = self.base / f"verify-{os.getpid()}-{abs(hash(message))}.eml"
        f.write_bytes(message)
        script = textwrap.dedent(
            """\
            import sys, dkim, dns.resolver
            r = dns.resolver.Resolver(configure=False); r.nameservers = ["10.99.0.2"]
            def txt(name, timeout=5):
                try:
                    a = r.resolve(name.decode().rstrip("."), "TXT")
                except Exception:
                    return None
                return b"".join(b"".join(x.strings) for x in a)
            logs = []
            import logging
            class H(logging.Handler):
                def emit(self, rec): logs.append(rec.getMessage())
            lg = logging.getLogger("v"); lg.addHandler(H()); lg.setLevel(logging.DEBUG)
            ok = dkim.verify(open(sys.argv[1], "rb").read(), dnsfunc=txt, logger=lg)
            print("pass" if ok else "fail", " | ".join(logs[-3:]))
            """
        )
        env = dict(os.environ, PYTHONPATH=str(REPO))
        r = self.net.run(host, [str(PYTHON), "-c", script, str(f)], env=env)
        return r.stdout.startswith("pass"), r.stdout + r.stderr


def run_in(world: World, host: str, argv: list[str]) -> subprocess.CompletedProcess[str]:
    return world.net.run(host, argv)
