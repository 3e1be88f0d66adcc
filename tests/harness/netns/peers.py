"""Real peer servers for the harness: NSD (authoritative DNS), Postfix MXs, a Postfix smart host with
Dovecot SASL. Each runs in the foreground in its own namespace, from a private config directory, and
is stopped by PID (platform.md §3–§5).
"""

from __future__ import annotations

import datetime as dt
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .net import Net

MASTER_CF = """\
smtp      inet  n - n -     - smtpd
pickup    unix  n - n 60    1 pickup
cleanup   unix  n - n -     0 cleanup
qmgr      unix  n - n 300   1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n -     - trivial-rewrite
bounce    unix  - - n -     0 bounce
defer     unix  - - n -     0 bounce
trace     unix  - - n -     0 bounce
verify    unix  - - n -     1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -     - proxymap
proxywrite unix - - n -     1 proxymap
smtp      unix  - - n -     - smtp
relay     unix  - - n -     - smtp
showq     unix  n - n -     - showq
error     unix  - - n -     - error
retry     unix  - - n -     - error
discard   unix  - - n -     - discard
local     unix  - n n -     - local
virtual   unix  - n n -     - virtual
lmtp      unix  - - n -     - lmtp
anvil     unix  - - n -     1 anvil
scache    unix  - - n -     1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


def self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    kp, cp = directory / "tls.key", directory / "tls.crt"
    kp.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    os.chmod(kp, 0o600)
    cp.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cp, kp


# ------------------------------------------------------------------------------------------- DNS
def start_nsd(net: Net, host: str, base: Path, zones: dict[str, str]) -> None:
    """NSD serving ``zones`` ({origin: zone text}) on the host's addresses, port 53."""
    d = base / "nsd"
    d.mkdir(parents=True)
    os.chmod(d, 0o755)
    h = net.hosts[host]
    zone_cfg = []
    for origin, text in zones.items():
        (d / f"{origin}.zone").write_text(text)
        zone_cfg.append(f"zone:\n  name: {origin}\n  zonefile: {d}/{origin}.zone\n")
    (d / "nsd.conf").write_text(
        "server:\n"
        f"  ip-address: {h.v4}\n  ip-address: {h.v6}\n  port: 53\n"
        f'  username: ""\n  chroot: ""\n  zonesdir: "{d}"\n  pidfile: "{d}/nsd.pid"\n'
        f'  database: ""\n  zonelistfile: "{d}/zone.list"\n  xfrdfile: "{d}/xfrd.state"\n'
        f'  xfrdir: "{d}"\n  logfile: "{d}/nsd.log"\n  server-count: 1\n  verbosity: 1\n'
        "remote-control:\n  control-enable: no\n" + "".join(zone_cfg)
    )
    r = subprocess.run(["nsd-checkconf", str(d / "nsd.conf")], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"nsd-checkconf: {r.stderr or r.stdout}")
    net.start(host, ["nsd", "-d", "-c", str(d / "nsd.conf")], d / "stdout.log")
    net.wait_port(host, h.v4, 53, timeout=10)


# --------------------------------------------------------------------------------------- Postfix
class Postfix:
    def __init__(
        self,
        net: Net,
        host: str,
        base: Path,
        *,
        domains: list[str],
        tls: bool = True,
        recipient_restrictions: str = "reject_unauth_destination",
        users: list[str] | None = None,
        extra: str = "",
    ) -> None:
        self.net = net
        self.host = host
        self.dir = base / f"pf-{host}"
        self.etc = self.dir / "etc"
        self.spool = self.dir / "spool"
        self.mail = self.dir / "mail"
        for p in (self.etc, self.spool, self.mail, self.dir / "data"):
            p.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o755)
        shutil.chown(self.dir / "data", "postfix")
        nobody = pwd.getpwnam("nobody")
        os.chown(self.mail, nobody.pw_uid, nobody.pw_gid)
        h = net.hosts[host]
        if users is None:
            mailbox_maps = "static:inbox/Maildir/"
        else:
            (self.etc / "vmailbox").write_text("".join(f"{u} inbox/Maildir/\n" for u in users))
            mailbox_maps = f"texthash:{self.etc}/vmailbox"
        (self.etc / "access").write_text("")
        tls_cfg = ""
        if tls:
            cert, key = self_signed(self.etc, f"{host}.test")
            tls_cfg = (
                f"smtpd_tls_cert_file = {cert}\nsmtpd_tls_key_file = {key}\n"
                "smtpd_tls_security_level = may\nsmtpd_tls_received_header = yes\n"
            )
        else:
            tls_cfg = "smtpd_tls_security_level = none\n"
        (self.etc / "main.cf").write_text(
            f"""compatibility_level = 3.6
queue_directory = {self.spool}
data_directory = {self.dir}/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = {host}.test
mydomain = test
myorigin = $myhostname
mydestination =
mynetworks = 127.0.0.0/8
inet_interfaces = {h.v4}, {h.v6}
inet_protocols = all
alias_maps =
alias_database =
local_recipient_maps =
relayhost =
default_transport = error:this test peer delivers nowhere outside
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions = check_recipient_access texthash:{self.etc}/access, {recipient_restrictions}
smtpd_banner = $myhostname ESMTP
virtual_mailbox_domains = {" ".join(domains)}
virtual_mailbox_base = {self.mail}
virtual_mailbox_maps = {mailbox_maps}
virtual_uid_maps = static:{nobody.pw_uid}
virtual_gid_maps = static:{nobody.pw_gid}
virtual_minimum_uid = 1
maillog_file = {self.dir}/maillog
maillog_file_prefixes = /var, /dev/stdout, {self.dir}
smtputf8_enable = no
biff = no
{tls_cfg}{extra}
"""
        )
        (self.etc / "master.cf").write_text(MASTER_CF)

    def set_access_file(self, text: str) -> None:
        (self.etc / "access").write_text(text)

    def set_access(self, text: str) -> None:
        """Change per-recipient answers (``domain 451 4.7.1 ...``); takes effect for new sessions."""
        (self.etc / "access").write_text(text)
        subprocess.run(self.net.cmd(self.host, ["postfix", "-c", str(self.etc), "reload"]), capture_output=True)
        time.sleep(0.3)  # smtpd processes restart on reload; the next session reads the new map

    def prepare(self) -> None:
        """``postfix check``: creates the queue tree (and private/, where Dovecot puts its socket)."""
        r = self.net.run(self.host, ["postfix", "-c", str(self.etc), "check"])
        if r.returncode != 0:
            raise RuntimeError(f"postfix check ({self.host}): {r.stdout}{r.stderr} {self.maillog()}")

    def start(self) -> None:
        if not (self.spool / "private").is_dir():
            self.prepare()
        self.net.start(self.host, ["/usr/lib/postfix/sbin/master", "-c", str(self.etc), "-d"], self.dir / "master.log")
        self.net.wait_port(self.host, self.net.hosts[self.host].v4, 25)

    def maillog(self) -> str:
        p = self.dir / "maillog"
        return p.read_text(errors="replace") if p.exists() else ""

    def messages(self) -> list[bytes]:
        out: list[bytes] = []
        for sub in ("new", "cur"):
            d = self.mail / "inbox/Maildir" / sub
            if d.is_dir():
                out.extend(p.read_bytes() for p in sorted(d.iterdir()))
        return out

    def wait_message(self, needle: bytes, timeout: float = 15.0) -> bytes:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m in self.messages():
                if needle in m:
                    return m
            time.sleep(0.05)
        raise AssertionError(f"no message with {needle!r} reached {self.host}; maillog:\n{self.maillog()[-3000:]}")


def dovecot_sasl(net: Net, host: str, base: Path, postfix: Postfix, users: dict[str, str]) -> None:
    """A Dovecot instance that only serves SASL to the Postfix of the same host."""
    d = base / f"dv-{host}"
    (d / "run").mkdir(parents=True)
    os.chmod(d, 0o755)
    (d / "users").write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in users.items()))
    (d / "dovecot.conf").write_text(
        f"""instance_name = tayori-harness-{net.tag}-{host}
base_dir = {d}/run
state_dir = {d}
protocols =
log_path = {d}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup
}}
service auth {{
  unix_listener {postfix.spool}/private/auth {{
    mode = 0660
    user = postfix
    group = postfix
  }}
}}
"""
    )
    net.start(host, ["dovecot", "-F", "-c", str(d / "dovecot.conf")], d / "stdout.log")
    sock = postfix.spool / "private/auth"
    deadline = time.monotonic() + 10
    while not sock.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"dovecot auth socket did not appear: {(d / 'dovecot.log').read_text(errors='replace')}")
        time.sleep(0.05)
