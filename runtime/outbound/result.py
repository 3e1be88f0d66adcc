"""What happened to one recipient: the vocabulary shared by the SMTP client, deliver_remote and the DSNs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Status = Literal["delivered", "deferred", "failed"]
_ENHANCED = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})\b")
_CTRL = re.compile(r"[\x00-\x1f\x7f]+")


def clean(text: str, limit: int = 400) -> str:
    """One line of printable text: remote replies end up in DSN headers and logs (no header injection)."""
    return _CTRL.sub(" ", text).strip()[:limit]


@dataclass(frozen=True)
class Result:
    """``status``: delivered (remote 250), deferred (4xx or no answer: retry later), failed (5xx: bounce).

    ``reply`` is the remote server's reply or our own reason, one line; ``dsn_status`` the RFC 3463 code
    (``5.1.1``) for the DSN's Status field; ``remote_mta`` the host that answered, if any.
    """

    status: Status
    reply: str
    code: int | None = None
    dsn_status: str = ""
    remote_mta: str | None = None

    @property
    def diagnostic(self) -> str:
        """RFC 3464 Diagnostic-Code value."""
        return f"smtp; {self.reply}" if self.code else f"X-Tayori; {self.reply}"

    @classmethod
    def from_reply(cls, code: int, text: str | bytes, remote_mta: str | None = None) -> Result:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        text = clean(text)
        m = _ENHANCED.match(text)
        klass = code // 100
        dsn = m.group(0) if m and m.group(1) == str(klass) else {2: "2.0.0", 5: "5.0.0"}.get(klass, "4.0.0")
        status: Status = "delivered" if klass == 2 else "failed" if klass == 5 else "deferred"
        return cls(status, f"{code} {text}".strip(), code, dsn, remote_mta)

    @classmethod
    def deferred(cls, reason: str, dsn_status: str = "4.4.1", remote_mta: str | None = None) -> Result:
        return cls("deferred", clean(reason), None, dsn_status, remote_mta)

    @classmethod
    def failed(cls, reason: str, dsn_status: str = "5.0.0", remote_mta: str | None = None) -> Result:
        return cls("failed", clean(reason), None, dsn_status, remote_mta)
