"""Where everything lives under the state root (DESIGN.md contract sheet).

Unix sockets go to a short directory of their own (`/tmp/tayori-<hash of root>/`): socket paths
are limited to 107 bytes and test roots are long.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StatePaths:
    root: Path

    @classmethod
    def at(cls, root: str | Path) -> StatePaths:
        return cls(Path(root).resolve())

    # -- etc -------------------------------------------------------------------------------
    @property
    def etc(self) -> Path:
        return self.root / "etc/tayori"

    @property
    def profile(self) -> Path:
        return self.etc / "profile.yaml"

    @property
    def secrets(self) -> Path:
        return self.etc / "secrets.yaml"

    # -- var/lib ---------------------------------------------------------------------------
    @property
    def lib(self) -> Path:
        return self.root / "var/lib/tayori"

    @property
    def queue(self) -> Path:
        return self.lib / "queue"

    @property
    def mail(self) -> Path:
        return self.lib / "mail"

    def maildir_home(self, address: str) -> Path:
        local, _, domain = address.rpartition("@")
        return self.mail / domain.lower() / local.lower()

    @property
    def tls(self) -> Path:
        return self.lib / "tls"

    @property
    def dkim(self) -> Path:
        return self.lib / "dkim"

    @property
    def lists(self) -> Path:
        return self.lib / "lists"

    @property
    def autoreply(self) -> Path:
        return self.lib / "autoreply"

    @property
    def srs_key(self) -> Path:
        """The SRS secret: forwarded mail's envelope senders are signed with it (delivery) and bounces
        to them verified (smtpd at RCPT)."""
        return self.autoreply / "srs.key"

    @property
    def quarantine(self) -> Path:
        return self.lib / "quarantine"

    @property
    def reports(self) -> Path:
        return self.lib / "reports"

    @property
    def generated(self) -> Path:
        return self.lib / "generated"

    @property
    def dovecot_state(self) -> Path:
        return self.lib / "dovecot"

    @property
    def pop_logins(self) -> Path:
        """POP-before-SMTP records written by Dovecot's post-login hook (one file per client IP)."""
        return self.lib / "poplogins"

    # -- logs ------------------------------------------------------------------------------
    @property
    def logs(self) -> Path:
        return self.root / "var/log/tayori"

    # -- sockets ---------------------------------------------------------------------------
    @property
    def instance(self) -> str:
        """A short stable name for this state root (socket directory, process titles)."""
        return hashlib.sha256(str(self.root).encode()).hexdigest()[:12]

    @property
    def sockets(self) -> Path:
        return Path(os.environ.get("TAYORI_SOCKET_DIR") or f"/tmp/tayori-{self.instance}")

    @property
    def dovecot_run(self) -> Path:
        return self.sockets / "dovecot"

    @property
    def auth_socket(self) -> Path:
        """Dovecot's auth client socket (SASL for smtpd)."""
        return self.dovecot_run / "auth-tayori"

    @property
    def lmtp_socket(self) -> Path:
        return self.dovecot_run / "lmtp"

    @property
    def supervisor_socket(self) -> Path:
        return self.sockets / "supervisor.sock"

    @property
    def delivery_wakeup(self) -> Path:
        """A datagram socket smtpd pokes after each commit so delivery starts at once."""
        return self.sockets / "delivery.wake"

    def ensure(self) -> None:
        for d in (
            self.etc,
            self.queue,
            self.mail,
            self.tls,
            self.dkim,
            self.lists,
            self.autoreply,
            self.quarantine,
            self.reports,
            self.generated,
            self.dovecot_state,
            self.pop_logins,
            self.logs,
        ):
            d.mkdir(parents=True, exist_ok=True)
        self.sockets.mkdir(mode=0o755, parents=True, exist_ok=True)
        # other users may pass through (Dovecot's auth process reads its user files here); the
        # files that hold secrets are 0600/0640 themselves
        os.chmod(self.generated, 0o711)
