"""Server content filters (`filters:` with `stage: data`), applied at the end of DATA.

A filter's conditions all hold (or, with `negate`, fail) → its action: `reject` (5xx, nothing
queued), `quarantine` (kept under var/lib/tayori/quarantine, never delivered; the client gets 250),
`tag_subject`, `add_header`, or `pass` (stop filtering, accept as is). Filters run in order; tags and
headers accumulate, `reject`/`quarantine`/`pass` end the run. Parsing happens only when the profile
has a DATA filter, so the common path never parses messages.
"""

from __future__ import annotations

import email.parser
import email.policy
import fnmatch
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message

from tayori.profiles.model import Filter, FilterMatch

HEADER_LIMIT = 256 * 1024  # only this much of the head is parsed for header conditions
BODY_LIMIT = 2 * 1024 * 1024  # body text searched, per message


@dataclass
class FilterOutcome:
    action: str = "accept"  # accept, reject, quarantine
    reply: str | None = None
    tags: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)  # profile paths of the filters that applied


def data_filters(filters: list[Filter]) -> list[tuple[int, Filter]]:
    return [(i, f) for i, f in enumerate(filters) if f.stage == "data"]


def _body_text(msg: Message) -> str:
    out: list[str] = []
    total = 0
    for part in msg.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        try:
            text = part.get_content() if isinstance(part, EmailMessage) else str(part.get_payload(decode=True))
        except (LookupError, ValueError, AssertionError):
            payload = part.get_payload(decode=True)
            text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
        out.append(str(text))
        total += len(out[-1])
        if total > BODY_LIMIT:
            break
    return "\n".join(out)


def _attachments(msg: Message) -> list[str]:
    names = []
    for part in msg.walk():
        name = part.get_filename()
        if name:
            names.append(str(name))
    return names


def _test(value: str, cond: FilterMatch) -> bool:
    if cond.regex is not None:
        return re.search(cond.regex, value, re.IGNORECASE) is not None
    if cond.contains is not None:
        return cond.contains.lower() in value.lower()
    return bool(value)


def _match_one(cond: FilterMatch, msg: Message, size: int) -> bool:
    ok = True
    if cond.size_over is not None:
        ok = ok and size > cond.size_over
    if cond.attachment is not None:
        ok = ok and any(fnmatch.fnmatch(n.lower(), cond.attachment.lower()) for n in _attachments(msg))
    if cond.header is not None:
        values = [str(v) for v in (msg.get_all(cond.header) or [])]
        if cond.empty is not None:
            ok = ok and ((not values or all(not v.strip() for v in values)) == cond.empty)
        if cond.contains is not None or cond.regex is not None:
            ok = ok and any(_test(v, cond) for v in values)
    elif cond.body:
        ok = ok and _test(_body_text(msg), cond)
    return (not ok) if cond.negate else ok


def evaluate(filters: list[tuple[int, Filter]], content: bytes) -> FilterOutcome:
    out = FilterOutcome()
    if not filters:
        return out
    msg = email.parser.BytesParser(policy=email.policy.default).parsebytes(content)
    for i, f in filters:
        if not all(_match_one(c, msg, len(content)) for c in f.match):
            continue
        out.matched.append(f"filters[{i}]" + (f" ({f.name})" if f.name else ""))
        if f.action == "reject":
            out.action = "reject"
            out.reply = f.reply
            return out
        if f.action == "quarantine":
            out.action = "quarantine"
            return out
        if f.action == "pass":
            return out
        if f.action == "tag_subject" and f.tag:
            out.tags.append(f.tag)
        if f.action == "add_header" and f.header:
            out.headers.append(f.header)
    return out


_SAFE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def rewrite(content: bytes, tags: list[str], headers: list[str]) -> bytes:
    """The message with subject tags and added headers (CR/LF in profile text never splits a header)."""
    if not tags and not headers:
        return content
    head_end = content.find(b"\r\n\r\n")
    head, body = (content, b"") if head_end < 0 else (content[: head_end + 2], content[head_end + 2 :])
    prefix = "".join(_SAFE.sub(" ", t).strip() + " " for t in tags).encode("utf-8")
    if prefix:
        m = re.search(rb"(?im)^subject:[ \t]*", head)
        if m:
            head = head[: m.end()] + prefix + head[m.end() :]
        else:
            head += b"Subject: " + prefix.rstrip() + b"\r\n"
    extra = b"".join(_SAFE.sub(" ", h).strip().encode("utf-8") + b"\r\n" for h in headers)
    return extra + head + body
