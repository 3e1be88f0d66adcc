"""One SMTP session to one address: greeting, EHLO, STARTTLS per policy, AUTH, then transactions.

Built on the standard library's ``smtplib`` (blocking; :mod:`remote` runs it in worker threads). The
rules that matter for safety live here:

- ``required``: the message is sent only inside TLS. A server that does not offer STARTTLS, or a failed
  handshake, ends the attempt as *deferred*; there is never a plaintext fallback.
- ``opportunistic``: STARTTLS when offered; a failed handshake is retried once in plaintext on a new
  connection (as Postfix does with ``smtp_tls_security_level = may``).
- AUTH (smart hosts) is never sent in plaintext unless the route says ``tls: none``.
- Several recipients of one domain go in one transaction; when the server stops taking more with
  ``452`` (too many recipients), the rest go in a further transaction over the same connection.

Certificates are not verified (encryption without authentication, as Postfix's ``encrypt`` level):
MX host names are not authenticated by DNS without DNSSEC/DANE, which Tayori does not do yet.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass, field

from tayori.runtime.outbound.result import Result, clean

_TOO_MANY = 452


class SessionError(Exception):
    """The session failed before any recipient got an answer; ``result`` says why (deferred/failed)."""

    def __init__(self, result: Result, *, try_next: bool = True) -> None:
        super().__init__(result.reply)
        self.result = result
        self.try_next = try_next  # another MX/address may do better


@dataclass
class SessionOptions:
    helo: str
    tls: str  # none | opportunistic | required | implicit
    timeout: float = 30.0
    auth_user: str | None = None
    password: str | None = None
    server_name: str | None = None  # for SNI and logs
    tls_context: ssl.SSLContext | None = None
    log: list[str] = field(default_factory=list)


def client_tls_context() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


class Session:
    """An open, greeted (and, per policy, encrypted and authenticated) SMTP connection."""

    def __init__(self, address: str, port: int, opts: SessionOptions) -> None:
        self.address = address
        self.port = port
        self.opts = opts
        self.name = opts.server_name or address
        self.encrypted = False
        self.smtp: smtplib.SMTP | None = None
        self._open(plaintext_fallback=False)

    # -- set-up ------------------------------------------------------------------------------------

    def _fail(self, reason: str, status: str = "4.4.1", code: int | None = None, text: str = "") -> SessionError:
        self.close()
        if code is not None:
            res = Result.from_reply(code, text, self.name)
            return SessionError(res, try_next=True)
        return SessionError(Result.deferred(reason, status, self.name))

    def _open(self, *, plaintext_fallback: bool) -> None:
        o = self.opts
        ctx = o.tls_context or client_tls_context()
        try:
            if o.tls == "implicit":
                self.smtp = smtplib.SMTP_SSL(local_hostname=o.helo, timeout=o.timeout, context=ctx)
                self.encrypted = True
            else:
                self.smtp = smtplib.SMTP(local_hostname=o.helo, timeout=o.timeout)
            # smtplib takes the TLS server name (SNI) from _host, which connect() does not set.
            self.smtp._host = self.name  # type: ignore[attr-defined]
            code, msg = self.smtp.connect(self.address, self.port)
        except (OSError, smtplib.SMTPException) as exc:
            raise self._fail(f"connect to {self.name}[{self.address}]:{self.port}: {exc}") from None
        if code != 220:
            raise self._fail("greeting", code=code, text=_text(msg))
        try:
            self._ehlo()
            if o.tls in ("opportunistic", "required") and not plaintext_fallback:
                if self.smtp.has_extn("starttls"):
                    code, msg = self.smtp.starttls(context=ctx)
                    if code != 220:
                        if o.tls == "required":
                            raise self._fail(
                                f"{self.name}: STARTTLS refused ({code} {_text(msg)}) and TLS is required "
                                "/ TLS 必須ですが STARTTLS が拒否されました",
                                "4.7.5",
                            )
                    else:
                        self.encrypted = True
                        self._ehlo()
                elif o.tls == "required":
                    raise self._fail(
                        f"{self.name}[{self.address}] does not offer STARTTLS and TLS is required "
                        "/ 相手サーバーが STARTTLS に対応していませんが TLS が必須です",
                        "4.7.4",
                    )
        except ssl.SSLError as exc:
            self.close()
            if o.tls == "opportunistic":
                # The peer offered TLS but cannot do it: the opportunistic policy allows clear text.
                self._open(plaintext_fallback=True)
                return
            raise self._fail(f"{self.name}: TLS handshake failed / TLS ハンドシェイク失敗: {exc}", "4.7.5") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise self._fail(f"{self.name}: connection lost during greeting: {exc}") from None
        if o.auth_user:
            self._auth()

    def _ehlo(self) -> None:
        assert self.smtp is not None
        code, msg = self.smtp.ehlo()
        if code != 250:
            code, msg = self.smtp.helo()
            if code != 250:
                raise self._fail("EHLO", code=code, text=_text(msg))

    def _auth(self) -> None:
        assert self.smtp is not None
        o = self.opts
        if not self.encrypted and o.tls != "none":
            raise self._fail(
                f"{self.name}: refusing to send the password without TLS / TLS なしでは認証しません", "4.7.10"
            )
        if o.password is None:
            raise self._fail(
                f"{self.name}: no password in secrets.yaml for {o.auth_user} / secrets.yaml にパスワードがありません",
                "4.7.8",
            )
        try:
            self.smtp.login(o.auth_user or "", o.password)
        except smtplib.SMTPAuthenticationError as exc:
            # A wrong password stays wrong: keep the mail queued (4xx) until the admin fixes secrets.yaml.
            raise self._fail(
                f"{self.name}: authentication failed: {exc.smtp_code} {_text(exc.smtp_error)} / 認証に失敗しました",
                "4.7.8",
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise self._fail(f"{self.name}: AUTH not offered / AUTH が提供されていません", "4.7.8") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise self._fail(f"{self.name}: AUTH failed: {exc}", "4.7.8") from None

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                with contextlib.suppress(OSError):
                    self.smtp.close()
            self.smtp = None

    @property
    def usable(self) -> bool:
        if self.smtp is None:
            return False
        try:
            return self.smtp.noop()[0] == 250
        except (OSError, smtplib.SMTPException):
            return False

    # -- transactions ------------------------------------------------------------------------------

    def send(self, mail_from: str, rcpts: list[str], data: bytes, mail_options: list[str]) -> dict[str, Result]:
        """Deliver ``data`` to ``rcpts``; one Result per recipient. Raises SessionError when no recipient
        got an answer of its own (MAIL refused, connection lost before RCPT)."""
        results: dict[str, Result] = {}
        todo = list(rcpts)
        while todo:
            batch_results, todo = self._transaction(mail_from, todo, data, mail_options)
            results.update(batch_results)
        return results

    def _transaction(
        self, mail_from: str, rcpts: list[str], data: bytes, mail_options: list[str]
    ) -> tuple[dict[str, Result], list[str]]:
        smtp = self.smtp
        if smtp is None:
            raise SessionError(Result.deferred(f"{self.name}: connection closed"))
        opts = [o for o in mail_options if _supported(smtp, o)]
        if smtp.has_extn("size"):
            opts.append(f"SIZE={len(data)}")
        try:
            code, msg = smtp.mail(mail_from, opts)
        except (OSError, smtplib.SMTPException) as exc:
            raise self._fail(f"{self.name}: connection lost at MAIL FROM: {exc}") from None
        if code != 250:
            res = Result.from_reply(code, _text(msg), self.name)
            self._rset()
            raise SessionError(res, try_next=res.status != "failed")
        results: dict[str, Result] = {}
        accepted: list[str] = []
        later: list[str] = []
        for i, rcpt in enumerate(rcpts):
            try:
                code, msg = smtp.rcpt(rcpt)
            except (OSError, smtplib.SMTPException) as exc:
                for r in rcpts[i:]:
                    results[r] = Result.deferred(f"{self.name}: connection lost at RCPT TO: {exc}", "4.4.2", self.name)
                self.close()
                for r in accepted:
                    results[r] = Result.deferred(f"{self.name}: connection lost before DATA", "4.4.2", self.name)
                return results, []
            if code in (250, 251):
                accepted.append(rcpt)
            elif code == _TOO_MANY and accepted:
                later = rcpts[i:]
                break
            else:
                results[rcpt] = Result.from_reply(code, _text(msg), self.name)
        if not accepted:
            self._rset()
            return results, []
        try:
            code, msg = smtp.data(data)
            final = Result.from_reply(code, _text(msg), self.name)
        except smtplib.SMTPDataError as exc:
            final = Result.from_reply(exc.smtp_code, _text(exc.smtp_error), self.name)
            self._rset()
        except (OSError, smtplib.SMTPException) as exc:
            # The server may have taken the message before the connection broke: retrying can duplicate
            # it, which at-least-once allows; losing it is not allowed.
            final = Result.deferred(f"{self.name}: connection lost during DATA: {exc}", "4.4.2", self.name)
            self.close()
            later = []
        for r in accepted:
            results[r] = final
        return results, later

    def _rset(self) -> None:
        if self.smtp is None:
            return
        try:
            self.smtp.rset()
        except (OSError, smtplib.SMTPException):
            self.close()


def _supported(smtp: smtplib.SMTP, option: str) -> bool:
    name = option.split("=", 1)[0].upper()
    if name == "BODY":
        return smtp.has_extn("8bitmime")
    if name == "SMTPUTF8":
        return smtp.has_extn("smtputf8")
    if name in ("RET", "ENVID"):
        return smtp.has_extn("dsn")
    return False


def _text(msg: bytes | str) -> str:
    if isinstance(msg, bytes):
        msg = msg.decode("utf-8", "replace")
    return clean(msg)


def open_session(address: str, port: int, opts: SessionOptions) -> Session:
    """Connect and set up a session; raises SessionError (never a bare socket error)."""
    try:
        return Session(address, port, opts)
    except SessionError:
        raise
    except (OSError, smtplib.SMTPException) as exc:
        raise SessionError(Result.deferred(f"{opts.server_name or address}: {exc}")) from None
