"""Dovecot's configuration and user files, rendered from the profile at every start.

Dovecot serves POP3/IMAP, is the one password database (smtpd asks it through the auth socket),
and stores mail through LMTP. Nothing here is edited by hand: `generated/` is rewritten each start.
"""

from __future__ import annotations

import grp
import os
import pwd
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from tayori.profiles.model import Account, Listener, Profile
from tayori.runtime.paths import StatePaths
from tayori.runtime.secrets import account_plaintext, write_private
from tayori.runtime.tlscert import CertFiles

TEMPLATES = Path(__file__).resolve().parent / "templates"
HOOKS = Path(__file__).resolve().parent / "hooks"
QUOTA_WARNING_PERCENT = 90
MAIL_USER = "tayori"


@dataclass(frozen=True)
class RunIdentity:
    """Who the services run as and who owns the mail."""

    privileged: bool
    user: str
    group: str
    uid: int
    gid: int


def run_identity() -> RunIdentity:
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam(MAIL_USER)
        except KeyError:
            # created by `tayori run` (appliance.run.ensure_mail_user) before rendering
            pw = pwd.getpwnam("nobody")
        return RunIdentity(True, pw.pw_name, grp.getgrgid(pw.pw_gid).gr_name, pw.pw_uid, pw.pw_gid)
    pw = pwd.getpwuid(os.geteuid())
    return RunIdentity(False, pw.pw_name, grp.getgrgid(os.getegid()).gr_name, os.geteuid(), os.getegid())


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or (os.path.exists("/usr/sbin/dovecot") and "/usr/sbin/dovecot") or None


def _field(value: str) -> str:
    # passwd-file fields are separated by ':'; a colon in a value would shift every later field
    return value.replace(":", "_").replace("\n", " ")


def passwd_line(acct: Account, paths: StatePaths, ident: RunIdentity) -> str | None:
    if not acct.enabled or acct.password_hash is None:
        return None  # no usable password: logins are refused
    home = paths.maildir_home(acct.address)
    extra = []
    if acct.quota is not None:
        extra.append(f"userdb_quota_rule=*:storage={acct.quota}B")
    return ":".join(
        [acct.address.lower(), acct.password_hash, str(ident.uid), str(ident.gid), "", str(home), "", " ".join(extra)]
    )


def render(profile: Profile, paths: StatePaths, certs: CertFiles | None, secrets: dict[str, Any]) -> Path:
    """Write dovecot.conf and its user files into generated/; return the config's path."""
    ident = run_identity()
    gen = paths.generated
    gen.mkdir(parents=True, exist_ok=True)

    users = [line for a in profile.accounts if (line := passwd_line(a, paths, ident)) is not None]
    # LMTP needs a userdb entry for every mailbox that receives, even without a usable password
    for a in profile.accounts:
        if a.enabled and a.password_hash is None:
            home = paths.maildir_home(a.address)
            users.append(f"{a.address.lower()}:{{SHA512-CRYPT}}!:{ident.uid}:{ident.gid}::{home}::")
    write_private(gen / "passwd", "\n".join(users) + "\n")

    plain = []
    for a in profile.accounts:
        if a.enabled and a.legacy_auth:
            pw = account_plaintext(secrets, a.address)
            if pw is not None:
                plain.append(
                    f"{a.address.lower()}:{{PLAIN}}{_field(pw)}:{ident.uid}:{ident.gid}::"
                    f"{paths.maildir_home(a.address)}::"
                )
    if plain:
        write_private(gen / "passwd-plain", "\n".join(plain) + "\n")
    elif (gen / "passwd-plain").exists():
        (gen / "passwd-plain").unlink()

    for service, flag in (("pop3", "pop3"), ("imap", "imap"), ("smtp", "smtp_auth")):
        denied = [f"{a.address.lower()}::" for a in profile.accounts if not getattr(a.services, flag)]
        write_private(gen / f"deny-{service}", "\n".join(denied) + ("\n" if denied else ""))
    # lmtp and other services have nothing to deny; the file must still exist
    for service in ("lmtp", "doveadm", "sieve"):
        write_private(gen / f"deny-{service}", "")

    lst = profile.listeners
    mechanisms = {"plain", "login"}
    for one in (lst.smtp, lst.submission, lst.submissions, lst.pop3, lst.pop3s, lst.imap, lst.imaps, lst.apop):
        if one is not None and one.enabled:
            mechanisms |= {m.lower() for m in one.auth_mechanisms}
    if not plain:
        mechanisms -= {"cram-md5", "apop"}

    def enabled(*ls: Listener | None) -> bool:
        return any(x is not None and x.enabled for x in ls)

    protocols = ["lmtp"]
    if enabled(lst.imap, lst.imaps):
        protocols.insert(0, "imap")
    if enabled(lst.pop3, lst.pop3s, lst.apop):
        protocols.insert(0, "pop3")
    pop_listeners: list[tuple[str, Listener | None]] = [("pop3", lst.pop3), ("pop3s", lst.pop3s)]
    if lst.apop is not None:
        pop_listeners.append(("apop", lst.apop))
    mail_services: list[tuple[str, list[tuple[str, Listener | None]]]] = [
        ("pop3", pop_listeners),
        ("imap", [("imap", lst.imap), ("imaps", lst.imaps)]),
    ]
    process_limits = {
        svc: max(1, sum(x.max_connections for _, x in ls if x is not None and x.enabled)) for svc, ls in mail_services
    }
    plaintext_by_protocol = {
        "pop3": any(x is not None and x.enabled and x.plaintext_auth_without_tls for _, x in pop_listeners),
        "imap": any(x is not None and x.enabled and x.plaintext_auth_without_tls for x in (lst.imap, lst.imaps)),
    }
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined, keep_trailing_newline=True
    )
    text = env.get_template("dovecot.conf.j2").render(
        profile_path=paths.profile,
        hostname=profile.server.hostname,
        greeting="Tayori ready." if profile.server.hide_version else "Tayori (Dovecot) ready.",
        instance=paths.instance,
        paths=paths,
        generated=gen,
        debug=profile.logging.levels.get("dovecot", profile.logging.level) == "debug",
        protocols=protocols,
        listen=sorted({b for _, ls in mail_services for _, x in ls if x is not None and x.enabled for b in x.bind}),
        tls={
            "cert": certs.cert,
            "key": certs.key,
            "min_version": profile.tls.min_version,
            "ciphers": profile.tls.ciphers,
        }
        if certs
        else None,
        mechanisms=sorted(mechanisms),
        privileged=ident.privileged,
        run_user=ident.user,
        run_group=ident.group,
        mail_uid=ident.uid,
        mail_gid=ident.gid,
        plaintext_passdb=bool(plain),
        mail_services=mail_services,
        process_limits=process_limits,
        plaintext_by_protocol=plaintext_by_protocol,
        hook_user=ident.user,
        # the warning runs Python, whose files may be readable by root only (it drops to the mail user itself)
        quota_user="root" if ident.privileged else ident.user,
        mail_user=ident.user,
        python=sys.executable,
        quota_warning=QUOTA_WARNING_PERCENT,
    )
    conf = gen / "dovecot.conf"
    write_private(conf, text)
    # script-login runs the hook as the mail user with an empty environment. The hook is copied in
    # here, behind the records' directory, rather than run from the installation: the mail user may
    # not be able to reach that folder (a checkout under a private directory, /root).
    wrapper = gen / "postlogin"
    hook = (HOOKS / "postlogin.sh").read_text(encoding="utf-8").split("\n", 1)[1]  # without its #! line
    write_private(
        wrapper,
        "#!/bin/sh\n# generated by tayori run from runtime/hooks/postlogin.sh\n"
        f"TAYORI_POP_LOGINS={shlex.quote(str(paths.pop_logins))}\n" + hook,
    )
    os.chmod(wrapper, 0o755)
    warn = gen / "quota-warning"
    write_private(
        warn,
        "#!/bin/sh\n# generated by tayori run: quota-warning PERCENT USER\n"
        f"exec {shlex.quote(sys.executable)} -m tayori.runtime.hooks.quota_warning "
        f'--root {shlex.quote(str(paths.root))} "$@"\n',
    )
    os.chmod(warn, 0o755)
    if ident.privileged:
        # Dovecot's unprivileged auth worker reads the user files
        for name in os.listdir(gen):
            if name.startswith(("passwd", "deny-")):
                os.chown(gen / name, 0, grp.getgrnam("dovecot").gr_gid if _has_group("dovecot") else 0)
                os.chmod(gen / name, 0o640)
    return conf


def _has_group(name: str) -> bool:
    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True
