"""TLS for the SMTP listeners: contexts from the appliance certificate, reloaded when it changes.

`ensure_certificate` makes a self-signed certificate on first start when the profile names none.
A replaced certificate is picked up without a restart: smtpd calls `check()` every few seconds and
on STARTTLS, and a changed pair is loaded into the one context every listener shares.
"""

from __future__ import annotations

import ssl
import time
from pathlib import Path

from tayori.profiles.model import Profile
from tayori.runtime.paths import StatePaths
from tayori.runtime.tlscert import CertFiles, ensure_certificate

_VERSIONS = {"TLSv1.2": ssl.TLSVersion.TLSv1_2, "TLSv1.3": ssl.TLSVersion.TLSv1_3}


def make_context(cert: Path, key: Path, min_version: str = "TLSv1.2", ciphers: str | None = None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = _VERSIONS.get(min_version, ssl.TLSVersion.TLSv1_2)
    ctx.verify_mode = ssl.CERT_NONE  # clients are not asked for certificates
    ctx.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
    if ciphers:
        ctx.set_ciphers(ciphers)
    ctx.load_cert_chain(str(cert), str(key))
    return ctx


class ReloadingTLS:
    """One server context per process, whose certificate is reloaded in place when the files change.

    asyncio keeps the context object it was given for implicit TLS and uses it for every accepted
    connection, so reloading the chain into that same object reaches new connections on every
    listener without rebinding. New files are first loaded into a scratch context: a half-copied
    certificate or a key that does not match keeps the old pair in service."""

    def __init__(self, profile: Profile, paths: StatePaths, check_interval: float = 2.0) -> None:
        self.profile = profile
        self.paths = paths
        self.check_interval = check_interval
        self.files: CertFiles = ensure_certificate(profile, paths)
        self._stamp = self._mtimes()
        self.ctx = make_context(self.files.cert, self.files.key, profile.tls.min_version, profile.tls.ciphers)
        self._checked = time.monotonic()
        self.reloads = 0
        self.last_error: str | None = None

    def _mtimes(self) -> tuple[int, int]:
        try:
            return (self.files.cert.stat().st_mtime_ns, self.files.key.stat().st_mtime_ns)
        except OSError:
            return (0, 0)

    def check(self, force: bool = False) -> bool:
        """Reload if the files changed (at most once per interval); returns True after a reload."""
        now = time.monotonic()
        if not force and now - self._checked < self.check_interval:
            return False
        self._checked = now
        stamp = self._mtimes()
        if stamp == self._stamp:
            return False
        tls = self.profile.tls
        try:
            make_context(self.files.cert, self.files.key, tls.min_version, tls.ciphers)
            self.ctx.load_cert_chain(str(self.files.cert), str(self.files.key))
        except (OSError, ssl.SSLError, ValueError) as exc:
            self.last_error = str(exc)
            return False
        self._stamp = stamp
        self.reloads += 1
        self.last_error = None
        return True

    def context(self) -> ssl.SSLContext:
        self.check()
        return self.ctx
