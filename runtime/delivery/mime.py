"""Reading and rewriting messages without damaging them (Japanese mail: ISO-2022-JP, Shift_JIS, UTF-8).

The `compat32` policy keeps every header we do not touch byte for byte; only the headers and the
text part a feature changes are re-encoded, in the charset the message already uses.
"""

from __future__ import annotations

import base64
import email
import io
import quopri
from email.generator import BytesGenerator
from email.header import Header, decode_header
from email.message import Message
from email.policy import compat32

_POLICY = compat32.clone(linesep="\r\n")
# names legacy Japanese mailers put in charset= that Python does not know under that name
_ALIASES = {"x-sjis": "shift_jis", "sjis": "shift_jis", "shift-jis": "shift_jis", "windows-31j": "cp932"}


def parse(raw: bytes) -> Message:
    return email.message_from_bytes(raw, policy=compat32)


def serialize(msg: Message) -> bytes:
    buf = io.BytesIO()
    BytesGenerator(buf, mangle_from_=False, maxheaderlen=0, policy=_POLICY).flatten(msg)
    return buf.getvalue()


def charset_name(cs: str | None) -> str:
    c = (cs or "us-ascii").lower()
    return _ALIASES.get(c, c)


def decoded_header(value: str | Header) -> str:
    out = []
    try:
        for part, cs in decode_header(str(value)):
            if isinstance(part, bytes):
                try:
                    out.append(part.decode(charset_name(cs) if cs else "ascii", "replace"))
                except LookupError:
                    out.append(part.decode("utf-8", "replace"))
            else:
                out.append(part)
    except (ValueError, AssertionError):  # malformed encoded words: show them as they are
        return str(value)
    return "".join(out)


def header_charset(value: str) -> str | None:
    """The charset of the first encoded word, if any (to answer in the sender's own encoding)."""
    try:
        for _part, cs in decode_header(value):
            if cs:
                return charset_name(cs)
    except (ValueError, AssertionError):
        return None
    return None


def encode_header(text: str, prefer: str | None = None) -> str:
    """ASCII as is; otherwise MIME encoded words in `prefer` (when it can hold the text) or UTF-8."""
    try:
        text.encode("ascii")
        return text
    except UnicodeEncodeError:
        pass
    for cs in [c for c in (prefer, "iso-2022-jp", "utf-8") if c]:
        try:
            text.encode(cs)
        except (UnicodeEncodeError, LookupError):
            continue
        return Header(text, cs).encode(linesep="\r\n")
    return Header(text, "utf-8").encode(linesep="\r\n")


def _leaves(msg: Message) -> list[Message]:
    return [p for p in msg.walk() if not p.is_multipart()]


def attachment_names(msg: Message) -> list[str]:
    names = []
    for p in _leaves(msg):
        n = p.get_filename()
        if n:
            names.append(decoded_header(n))
    return names


def text_part(msg: Message) -> Message | None:
    """The first text/plain part that is not an attachment."""
    for p in _leaves(msg):
        if p.get_content_type() == "text/plain" and p.get_filename() is None:
            disp = (p.get("Content-Disposition") or "").lower()
            if not disp.startswith("attachment"):
                return p
    return None


def part_text(part: Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    try:
        return data.decode(charset_name(part.get_content_charset()), "replace")
    except LookupError:
        return data.decode("utf-8", "replace")


def body_text(msg: Message) -> str:
    p = text_part(msg)
    return part_text(p) if p is not None else ""


def append_text(msg: Message, footer: str) -> bool:
    """Append `footer` to the first plain text part, in that part's charset and transfer encoding.

    A US-ASCII part that gets a Japanese footer becomes ISO-2022-JP (7bit, what Japanese mailers
    expect). Returns False when the message has no plain text part to extend.
    """
    part = text_part(msg)
    if part is None:
        return False
    cs = charset_name(part.get_content_charset())
    text = part_text(part)
    nl = "\r\n"
    if text and not text.endswith(("\n", "\r")):
        text += nl
    text += footer.replace("\r\n", "\n").replace("\n", nl)
    if not text.endswith(nl):
        text += nl
    try:
        data = text.encode(cs)
    except (UnicodeEncodeError, LookupError):
        cs = "iso-2022-jp" if cs in ("us-ascii", "ascii") else "utf-8"
        try:
            data = text.encode(cs)
        except UnicodeEncodeError:
            cs = "utf-8"
            data = text.encode(cs)
        part.set_param("charset", cs)
    cte = (part.get("Content-Transfer-Encoding") or "7bit").strip().lower()
    if cte == "base64":
        payload = base64.encodebytes(data).decode("ascii")
    elif cte == "quoted-printable":
        payload = quopri.encodestring(data).decode("ascii")
    else:
        if any(b > 127 for b in data) and cte == "7bit":
            if "Content-Transfer-Encoding" in part:
                part.replace_header("Content-Transfer-Encoding", "8bit")
            else:
                part["Content-Transfer-Encoding"] = "8bit"
        payload = data.decode("ascii", "surrogateescape")
    part.set_payload(payload)
    return True


def set_header(msg: Message, name: str, value: str) -> None:
    del msg[name]
    msg[name] = value


def prepend_header(raw: bytes, name: str, value: str) -> bytes:
    """Add a trace-style header at the top without re-serializing the message."""
    return f"{name}: {value}\r\n".encode("utf-8", "surrogateescape") + raw
