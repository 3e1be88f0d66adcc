"""LMTP client towards Dovecot: one reply per recipient after DATA (RFC 2033).

`smtplib.LMTP` speaks the protocol up to DATA but reads a single reply there; LMTP sends one reply
per accepted recipient, in RCPT order, and those replies are what decides each mailbox's fate:
250 delivered, 4xx retry, 5xx (over quota included) bounce. Connections are reused (RSET between
messages): Dovecot's LMTP process keeps its caches warm and no socket is set up per message.
"""

from __future__ import annotations

import contextlib
import smtplib
from dataclasses import dataclass
from pathlib import Path

# Dovecot answers quickly; a long stall means a stuck mail process, and the message is retried
TIMEOUT = 120.0


@dataclass(frozen=True)
class Reply:
    code: int
    text: str

    @property
    def delivered(self) -> bool:
        return self.code == 250

    @property
    def temporary(self) -> bool:
        return not self.delivered and self.code < 500

    def __str__(self) -> str:
        return f"{self.code} {self.text}".strip()


def _reply(code: int, text: bytes | str) -> Reply:
    t = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return Reply(code, " ".join(t.split()))


class LmtpClient:
    """A reusable LMTP session on a Unix socket (or `host:port` for a peer Dovecot in benchmarks)."""

    def __init__(self, address: str | Path, hostname: str = "localhost", timeout: float = TIMEOUT) -> None:
        self.address = str(address)
        self.hostname = hostname
        self.timeout = timeout
        self._conn: smtplib.LMTP | None = None

    def _connect(self) -> smtplib.LMTP:
        if self._conn is not None:
            try:
                code, _ = self._conn.rset()
                if code == 250:
                    return self._conn
            except (smtplib.SMTPException, OSError):
                pass
            self.close()
        if self.address.startswith("/"):
            conn = smtplib.LMTP(self.address, local_hostname=self.hostname, timeout=self.timeout)
        else:
            host, _, port = self.address.rpartition(":")
            conn = smtplib.LMTP(host, int(port), local_hostname=self.hostname, timeout=self.timeout)
        code, text = conn.ehlo()
        if code != 250:
            conn.close()
            raise smtplib.SMTPResponseException(code, text)
        self._conn = conn
        return conn

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (smtplib.SMTPException, OSError):
                with contextlib.suppress(OSError):
                    self._conn.close()
            self._conn = None

    def deliver(self, mail_from: str, rcpts: list[str], message: bytes, eight_bit: bool = False) -> dict[str, Reply]:
        """Deliver one message; the reply for every recipient. Connection trouble is a 4xx for all."""
        try:
            return self._deliver(mail_from, rcpts, message, eight_bit)
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            self.close()
            code = getattr(exc, "smtp_code", None)
            text = getattr(exc, "smtp_error", None) or str(exc) or type(exc).__name__
            if isinstance(code, int) and 400 <= code < 600:
                return {r: _reply(code, text) for r in rcpts}
            return {r: Reply(451, f"4.4.1 LMTP connection failed: {_reply(0, text).text}") for r in rcpts}

    def _deliver(self, mail_from: str, rcpts: list[str], message: bytes, eight_bit: bool) -> dict[str, Reply]:
        conn = self._connect()
        opts = ["BODY=8BITMIME"] if eight_bit and conn.has_extn("8bitmime") else []
        code, text = conn.mail(mail_from, opts)
        if code != 250:
            return {r: _reply(code, text) for r in rcpts}
        out: dict[str, Reply] = {}
        accepted: list[str] = []
        for r in rcpts:
            code, text = conn.rcpt(r)
            if code in (250, 251):
                accepted.append(r)
            else:
                out[r] = _reply(code, text)
        if not accepted:
            conn.rset()
            return out
        try:
            code, text = conn.data(message)
        except smtplib.SMTPDataError as exc:
            # refused DATA itself: same answer for everyone accepted
            for r in accepted:
                out[r] = _reply(exc.smtp_code, exc.smtp_error)
            return out
        out[accepted[0]] = _reply(code, text)
        for i, r in enumerate(accepted[1:], start=1):
            try:
                code, text = conn.getreply()
            except (smtplib.SMTPException, OSError):
                # the replies already read stand: only the rest are retried
                self.close()
                for rest in accepted[i:]:
                    out[rest] = Reply(451, "4.4.1 LMTP connection lost before the reply")
                break
            out[r] = _reply(code, text)
        return out
