"""RFC 3464 delivery status notifications: bounces and delay warnings, as bytes plus an envelope.

Rules kept here, so the delivery process cannot get them wrong:
- never a DSN to the null sender (``mail_from == ""``): a bounce of a bounce would loop;
- DSNs go out with the null sender themselves (RFC 5321 §4.5.5) and ``Auto-Submitted: auto-replied``;
- the original comes back as ``text/rfc822-headers`` (``delivery.dsn.include: headers``) or as
  ``message/rfc822`` (``full``), but a full original larger than :data:`RETURN_LIMIT` is cut back to its
  headers (no bounce amplification, as Postfix's ``bounce_size_limit``);
- the postmaster gets a copy when ``delivery.dsn.postmaster_copy`` says so;
- everything a remote server or a client wrote (replies, addresses) is cleaned of control characters
  before it goes into a header (no header injection).

Mail refused at RCPT is never queued, so it never gets here: no backscatter.
"""

from __future__ import annotations

import quopri
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy as email_policy
from email.generator import BytesGenerator
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.parser import BytesParser
from email.utils import format_datetime, formatdate, make_msgid
from io import BytesIO
from pathlib import Path
from typing import Any

from tayori.runtime.outbound.result import Result, clean

RETURN_LIMIT = 50_000  # bytes of the original returned at most (Postfix bounce_size_limit)
_POLICY = email_policy.compat32.clone(linesep="\r\n", max_line_length=78)


@dataclass(frozen=True)
class RecipientReport:
    """One recipient for a DSN: its address, what happened (a Result), optional ORCPT."""

    address: str
    result: Result
    orcpt: str | None = None
    last_attempt: float | None = None


@dataclass(frozen=True)
class OutboundMessage:
    """A message Tayori itself sends: queue it with ``mail_from`` (always ``""`` for DSNs) and ``rcpts``."""

    mail_from: str
    rcpts: list[str]
    data: bytes


def _hostname(profile: Any) -> str:
    return str(profile.server.hostname)


def postmaster_address(profile: Any) -> str | None:
    if profile.server.postmaster:
        return str(profile.server.postmaster)
    if profile.accounts:
        return str(profile.accounts[0].address)
    return None


def _rfc822_date(t: float) -> str:
    return format_datetime(datetime.fromtimestamp(t, UTC))


def _addr_type(addr: str) -> str:
    return f"rfc822; {clean(addr)}" if addr.isascii() else f"utf-8; {clean(addr)}"


def _headers_of(original: bytes) -> bytes:
    end = original.find(b"\r\n\r\n")
    head = original if end < 0 else original[: end + 2]
    if len(head) > RETURN_LIMIT:
        cut = head.rfind(b"\r\n", 0, RETURN_LIMIT)
        head = head[: cut + 2] if cut > 0 else head[:RETURN_LIMIT]
    return head


def _read_original(message: bytes | str | Path, limit: int) -> tuple[bytes, bool]:
    """Up to ``limit`` + 1 bytes of the original, and whether it is complete."""
    if isinstance(message, bytes):
        return message[: limit + 1], len(message) <= limit
    with open(message, "rb") as fh:
        data = fh.read(limit + 1)
    return data, len(data) <= limit


def _text(kind: str, rcpts: list[RecipientReport], hostname: str, retry_until: float | None) -> str:
    lines_en = []
    lines_ja = []
    for r in rcpts:
        lines_en.append(f"<{clean(r.address)}>: {r.result.reply}")
        lines_ja.append(f"<{clean(r.address)}>: {r.result.reply}")
    if kind == "failed":
        ja = (
            f"このメールは {hostname} のメールシステムから送信しています。\n\n"
            "お送りいただいたメールは、次の宛先に配信できませんでした。\n"
            "元のメールのヘッダー（または本文）を添付します。\n\n" + "\n".join(lines_ja)
        )
        en = (
            f"This is the mail system at host {hostname}.\n\n"
            "Your message could not be delivered to the following recipients.\n"
            "The headers (or the whole message) are attached.\n\n" + "\n".join(lines_en)
        )
    else:
        until = formatdate(retry_until, localtime=False) if retry_until else "-"
        ja = (
            f"このメールは {hostname} のメールシステムから送信しています。\n\n"
            "お送りいただいたメールは、次の宛先にまだ配信できていません。再送を続けます。\n"
            f"再送期限: {until}\n何もする必要はありません。\n\n" + "\n".join(lines_ja)
        )
        en = (
            f"This is the mail system at host {hostname}.\n\n"
            "Your message has not been delivered yet to the following recipients. Delivery will be retried.\n"
            f"Retries continue until: {until}\nYou do not need to do anything.\n\n" + "\n".join(lines_en)
        )
    return ja + "\n\n----------------------------------------------------------------------\n\n" + en + "\n"


def _build(
    profile: Any,
    kind: str,
    *,
    envelope_id: str,
    mail_from: str,
    rcpts: Iterable[RecipientReport],
    original: bytes | str | Path,
    received: float,
    now: float | None,
    envid: str | None,
    retry_until: float | None,
) -> OutboundMessage | None:
    if not mail_from or mail_from == "<>":
        return None
    reports = list(rcpts)
    if not reports:
        return None
    now = time.time() if now is None else now
    hostname = _hostname(profile)
    dsn_cfg = profile.delivery.dsn
    sender = f"{profile.delivery.bounce_from}@{hostname}"
    to = clean(mail_from)

    outer = MIMEMultipart("report", report_type="delivery-status", policy=_POLICY)
    outer["From"] = f"Mail Delivery System <{sender}>"
    outer["To"] = f"<{to}>"
    if kind == "failed":
        subject = "Undelivered Mail Returned to Sender / 配信できなかったメールの返送"
    else:
        subject = "Delayed Mail (still being retried) / 配信遅延のお知らせ（再送中）"
    outer["Subject"] = Header(subject, "utf-8").encode()
    outer["Date"] = formatdate(now, localtime=False)
    outer["Message-ID"] = make_msgid(idstring=clean(envelope_id, 40) or None, domain=hostname)
    outer["Auto-Submitted"] = "auto-replied"
    outer["MIME-Version"] = "1.0"
    outer.preamble = "This is a MIME-encapsulated message (RFC 3464 delivery status notification)."

    outer.attach(MIMEText(_text(kind, reports, hostname, retry_until), "plain", "utf-8", policy=_POLICY))

    status = Message(policy=_POLICY)
    status["Content-Type"] = "message/delivery-status"
    fields = Message(policy=_POLICY)
    fields["Reporting-MTA"] = f"dns; {hostname}"
    if envid:
        fields["Original-Envelope-Id"] = clean(envid, 100)
    fields["X-Tayori-Queue-ID"] = clean(envelope_id, 40)
    fields["Arrival-Date"] = _rfc822_date(received)
    blocks: list[Message | str] = [fields]
    for r in reports:
        b = Message(policy=_POLICY)
        if r.orcpt:
            b["Original-Recipient"] = clean(r.orcpt) if ";" in r.orcpt else _addr_type(r.orcpt)
        b["Final-Recipient"] = _addr_type(r.address)
        b["Action"] = "failed" if kind == "failed" else "delayed"
        code = r.result.dsn_status or ("5.0.0" if kind == "failed" else "4.0.0")
        if kind == "failed" and not code.startswith("5"):
            code = "5" + code[1:] if len(code) > 1 else "5.0.0"  # given up after 4xx: RFC 3463 says 5.x.x
        b["Status"] = code
        if r.result.remote_mta:
            b["Remote-MTA"] = f"dns; {clean(r.result.remote_mta, 255)}"
        b["Diagnostic-Code"] = r.result.diagnostic
        b["Last-Attempt-Date"] = _rfc822_date(r.last_attempt or now)
        if kind == "delayed" and retry_until:
            b["Will-Retry-Until"] = _rfc822_date(retry_until)
        blocks.append(b)
    status.set_payload(blocks)
    outer.attach(status)

    data, complete = _read_original(original, RETURN_LIMIT)
    if dsn_cfg.include == "full" and complete:
        inner = BytesParser(policy=_POLICY).parsebytes(data)
        outer.attach(MIMEMessage(inner, policy=_POLICY))
    else:
        headers = MIMEBase("text", "rfc822-headers", policy=_POLICY)
        raw = _headers_of(data).replace(b"\r\n", b"\n")
        if raw.isascii():
            headers.set_payload(raw.decode("ascii"))
            headers["Content-Transfer-Encoding"] = "7bit"
        else:
            # 8-bit header text (raw UTF-8 or Shift_JIS) is kept byte for byte but made 7-bit safe.
            headers.set_payload(quopri.encodestring(raw).decode("ascii"))
            headers["Content-Transfer-Encoding"] = "quoted-printable"
        outer.attach(headers)

    buf = BytesIO()
    BytesGenerator(buf, mangle_from_=False, policy=_POLICY).flatten(outer)
    rcpts_out = [to]
    pm = postmaster_address(profile)
    if dsn_cfg.postmaster_copy and pm and pm.lower() != to.lower():
        rcpts_out.append(pm)
    return OutboundMessage("", rcpts_out, buf.getvalue())


def make_dsn(
    profile: Any,
    *,
    envelope_id: str,
    mail_from: str,
    failed: Iterable[RecipientReport],
    original: bytes | str | Path,
    received: float,
    now: float | None = None,
    envid: str | None = None,
) -> OutboundMessage | None:
    """A bounce for ``failed`` recipients; None for the null sender (or nothing to report).

    ``original`` is the queued message (its path or bytes). Queue the result with its envelope:
    ``mail_from`` "" and ``rcpts`` (the sender, plus the postmaster when the profile asks).
    """
    return _build(
        profile,
        "failed",
        envelope_id=envelope_id,
        mail_from=mail_from,
        rcpts=failed,
        original=original,
        received=received,
        now=now,
        envid=envid,
        retry_until=None,
    )


def make_delay_warning(
    profile: Any,
    *,
    envelope_id: str,
    mail_from: str,
    delayed: Iterable[RecipientReport],
    original: bytes | str | Path,
    received: float,
    now: float | None = None,
    envid: str | None = None,
) -> OutboundMessage | None:
    """A delay warning (Action: delayed) for recipients still being retried; None for the null sender.

    Call it when :func:`tayori.runtime.outbound.retry.delay_warning_due` says so.
    """
    until = received + float(profile.delivery.give_up_after)
    return _build(
        profile,
        "delayed",
        envelope_id=envelope_id,
        mail_from=mail_from,
        rcpts=delayed,
        original=original,
        received=received,
        now=now,
        envid=envid,
        retry_until=until,
    )
