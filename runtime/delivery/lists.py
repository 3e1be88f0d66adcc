"""Mailing lists: poster policy, subject tag with a persistent counter, Reply-To, footer, archive,
RFC 2369/2919 headers, join/leave by mail, and an envelope sender that sends bounces to the admins.

State under StatePaths.lists/<list address>/: `counter` (the next post number, rewritten atomically
under `lock`, so it survives restarts and is shared by parallel workers), `members.json` (who joined
or left by mail; the profile's members stay the base) and `archive/<number>.eml`.

Special addresses of a list `edxg@example.jp`: `edxg-owner@` (the admins; bounces go here),
`edxg-join@` and `edxg-leave@` (when the list allows it).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.utils import getaddresses, parseaddr
from pathlib import Path

from tayori.profiles.model import MailingList
from tayori.runtime.delivery import mime

ROLES = ("owner", "join", "leave")


@dataclass
class Post:
    """What a post becomes: a new message for the members, from the list's envelope sender."""

    sender: str
    rcpts: list[str]
    message: bytes
    number: int | None


@dataclass
class Refused:
    code: str  # enhanced status, for the DSN
    text: str


@dataclass
class Notice:
    """A short mail from the list to one address (join/leave confirmation)."""

    sender: str
    rcpts: list[str]
    message: bytes


@dataclass
class Outcome:
    posts: list[Post | Notice] = field(default_factory=list)
    refused: Refused | None = None
    log: str = ""


def owner_address(ml: MailingList) -> str:
    local, _, dom = ml.address.rpartition("@")
    return f"{local}-owner@{dom}"


def envelope_sender(ml: MailingList) -> str:
    return ml.list_sender or owner_address(ml)


def admins(ml: MailingList) -> list[str]:
    out = list(ml.admins)
    out += [m.address for m in ml.members if m.admin and m.address not in out]
    return out


def _list_id(ml: MailingList) -> str:
    local, _, dom = ml.address.rpartition("@")
    ident = f"{re.sub(r'[^A-Za-z0-9-]', '-', local)}.{dom}"
    return f"{mime.encode_header(ml.name)} <{ident}>" if ml.name else f"<{ident}>"


class Lists:
    def __init__(self, directory: Path, lists: list[MailingList], hostname: str) -> None:
        self.directory = directory
        self.hostname = hostname
        self.by_address = {ml.address.lower(): ml for ml in lists}
        self.special: dict[str, tuple[MailingList, str]] = {}
        for ml in lists:
            local, _, dom = ml.address.rpartition("@")
            for role in ROLES:
                self.special[f"{local}-{role}@{dom}".lower()] = (ml, role)

    def role_of(self, address: str) -> tuple[MailingList, str] | None:
        hit = self.special.get(address.lower())
        if hit is None:
            return None
        ml, role = hit
        if (role == "join" and not ml.join_by_mail) or (role == "leave" and not ml.leave_by_mail):
            return None
        return hit

    # -- state ---------------------------------------------------------------------------------------
    def _dir(self, ml: MailingList) -> Path:
        d = self.directory / ml.address.lower()
        d.mkdir(parents=True, exist_ok=True)
        return d

    @contextlib.contextmanager
    def _locked(self, ml: MailingList) -> Iterator[Path]:
        d = self._dir(ml)
        fd = os.open(d / "lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield d
        finally:
            os.close(fd)

    @staticmethod
    def _write(path: Path, text: str) -> None:
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    def next_number(self, ml: MailingList) -> int:
        with self._locked(ml) as d:
            try:
                n = int((d / "counter").read_text(encoding="ascii").strip())
            except (OSError, ValueError):
                n = ml.counter_start
            n = max(n, ml.counter_start)
            self._write(d / "counter", f"{n + 1}\n")
            return n

    def _changes(self, d: Path) -> dict[str, list[str]]:
        try:
            data = json.loads((d / "members.json").read_text(encoding="utf-8"))
            return {"joined": list(data.get("joined", [])), "left": list(data.get("left", []))}
        except (OSError, ValueError, AttributeError):
            return {"joined": [], "left": []}

    def members(self, ml: MailingList) -> tuple[list[str], list[str]]:
        """(receivers, posters) after joins and leaves by mail."""
        ch = self._changes(self._dir(ml))
        left = {a.lower() for a in ch["left"]}
        receivers = [m.address for m in ml.members if m.receive and m.address.lower() not in left]
        posters = [m.address for m in ml.members if m.post and m.address.lower() not in left]
        known = {a.lower() for a in receivers}
        for a in ch["joined"]:
            if a.lower() not in known and a.lower() not in left:
                receivers.append(a)
                posters.append(a)
                known.add(a.lower())
        return receivers, posters

    def _membership(self, ml: MailingList, address: str, join: bool) -> bool:
        with self._locked(ml) as d:
            ch = self._changes(d)
            key = address.lower()
            joined = [a for a in ch["joined"] if a.lower() != key]
            left = [a for a in ch["left"] if a.lower() != key]
            profile_member = any(m.address.lower() == key for m in ml.members)
            if join:
                if not profile_member:
                    joined.append(address)
            else:
                left.append(address)
            changed = (joined, left) != (ch["joined"], ch["left"])
            self._write(d / "members.json", json.dumps({"joined": joined, "left": left}, ensure_ascii=False))
            return changed

    # -- mail ----------------------------------------------------------------------------------------
    def handle(self, ml: MailingList, role: str, sender: str, raw: bytes) -> Outcome:
        if role == "owner":
            return Outcome([Notice(envelope_sender(ml), admins(ml), raw)], log="to list admins")
        if role in ("join", "leave"):
            if not sender or "@" not in sender:
                return Outcome(log=f"{role} ignored: null sender")
            changed = self._membership(ml, sender, role == "join")
            words = {
                "join": ("参加しました / You joined", "joined"),
                "leave": ("退会しました / You left", "left"),
            }[role]
            body = f"{ml.address}: {words[0]}.\r\n"
            msg = (
                f"From: {owner_address(ml)}\r\nTo: {sender}\r\n"
                f"Subject: {mime.encode_header(f'[{ml.name or ml.address}] {words[0]}', 'iso-2022-jp')}\r\n"
                f"Auto-Submitted: auto-replied\r\nList-Id: {_list_id(ml)}\r\nMIME-Version: 1.0\r\n"
                f"Content-Type: text/plain; charset=iso-2022-jp\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
            ).encode("ascii") + body.encode("iso-2022-jp")
            return Outcome(
                [Notice("", [sender], msg)], log=f"{sender} {words[1]}" + ("" if changed else " (no change)")
            )
        return self.post(ml, sender, raw)

    def may_post(self, ml: MailingList, sender: str, from_header: str | None) -> bool:
        if ml.poster_policy == "anyone":
            return True
        candidates = {sender.lower()}
        if from_header:
            candidates |= {a.lower() for _, a in getaddresses([from_header]) if a}
        if ml.poster_policy == "admins":
            return bool(candidates & {a.lower() for a in admins(ml)})
        _, posters = self.members(ml)
        return bool(candidates & {a.lower() for a in posters + admins(ml)})

    def post(self, ml: MailingList, sender: str, raw: bytes) -> Outcome:
        msg = mime.parse(raw)
        if (msg.get("X-Loop") or "").strip().lower() == ml.address.lower():
            return Outcome(log="loop: the post came back from the list itself; dropped")
        if ml.max_size is not None and len(raw) > ml.max_size:
            return Outcome(refused=Refused("5.3.4", f"message too big for list {ml.address} (limit {ml.max_size})"))
        if not self.may_post(ml, sender, msg.get("From")):
            return Outcome(refused=Refused("5.7.1", f"{sender or '<>'} may not post to {ml.address}"))
        receivers, _ = self.members(ml)
        number = self.next_number(ml) if ml.subject_tag else None
        if ml.subject_tag is not None and number is not None:
            self._tag_subject(msg, ml, number)
        if ml.reply_to == "list":
            mime.set_header(msg, "Reply-To", ml.address)
        elif ml.reply_to == "sender":
            mime.set_header(msg, "Reply-To", msg.get("From") or sender)
        if ml.footer:
            mime.append_text(msg, ml.footer)
        local, _, dom = ml.address.rpartition("@")
        headers = {
            "List-Id": _list_id(ml),
            "List-Post": f"<mailto:{ml.address}>",
            "List-Owner": f"<mailto:{owner_address(ml)}>",
            "List-Help": f"<mailto:{owner_address(ml)}>",
            "Precedence": "list",
            "X-Loop": ml.address,
        }
        if ml.join_by_mail:
            headers["List-Subscribe"] = f"<mailto:{local}-join@{dom}>"
        if ml.leave_by_mail:
            headers["List-Unsubscribe"] = f"<mailto:{local}-leave@{dom}>"
        if number is not None:
            headers["X-Mail-Count"] = str(number)
        for name, value in headers.items():
            mime.set_header(msg, name, value)
        out = mime.serialize(msg)
        if ml.archive:
            self._archive(ml, number, out)
        post_sender = envelope_sender(ml)
        rcpts = [r for r in receivers if r.lower() != post_sender.lower()]
        if not rcpts:
            return Outcome(log="no members receive mail")
        return Outcome([Post(post_sender, rcpts, out, number)], log=f"post {number if number is not None else ''}")

    def _tag_subject(self, msg: Message, ml: MailingList, number: int) -> None:
        assert ml.subject_tag is not None
        local = ml.address.rpartition("@")[0]
        raw_subject = str(msg.get("Subject") or "")
        prefer = mime.header_charset(raw_subject)
        subject = mime.decoded_header(raw_subject).strip()
        # any earlier tag of this list (replies carry it): the number part matches any digits
        pattern = r"\d+".join(
            re.escape(part.replace("{{", "{").replace("}}", "}").replace("{name}", local))
            for part in re.split(r"\{counter[^}]*\}", ml.subject_tag)
        )
        subject = re.sub(r"\s*" + pattern + r"\s*", " ", subject).strip()
        subject = re.sub(r"^((re|fwd?|aw)\s*:\s*)+", "Re: ", subject, flags=re.IGNORECASE)
        tagged = f"{ml.subject_tag.format(counter=number, name=local)} {subject}".strip()
        mime.set_header(msg, "Subject", mime.encode_header(tagged, prefer))

    def _archive(self, ml: MailingList, number: int | None, data: bytes) -> None:
        d = self._dir(ml) / "archive"
        d.mkdir(exist_ok=True)
        name = f"{number:08d}.eml" if number is not None else f"{os.getpid()}-{os.urandom(4).hex()}.eml"
        tmp = d / f".{name}"
        tmp.write_bytes(data)
        os.replace(tmp, d / name)


def sender_of(from_header: str | None) -> str:
    return parseaddr(from_header or "")[1]
