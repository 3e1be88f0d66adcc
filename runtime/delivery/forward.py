"""Forwarding: which copies an account's forward rule makes, and with which envelope sender.

Per-sender conditions come from legacy rules (PMailServer2 `forward.txt` FILTER* actions, E-Post
PERMITFROM): with `senders`, only mail from matching senders is forwarded, the rest is only kept.
The envelope sender of a forwarded copy is SRS-rewritten by default (RFC 5321 keeps the original
sender, but SPF at the next hop then fails); `original` and `account` are kept for legacy setups.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from tayori.profiles.model import Account
from tayori.runtime.delivery.patterns import any_matches

LOOP_HEADER = "X-Tayori-Forwarded"
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


@dataclass(frozen=True)
class ForwardPlan:
    targets: tuple[str, ...]
    keep_copy: bool
    envelope: str  # srs, original, account


def plan(acct: Account, sender: str, already_forwarded_by: set[str]) -> ForwardPlan | None:
    fw = acct.forward
    if fw is None or not fw.targets:
        return None
    if acct.address.lower() in already_forwarded_by:
        return None  # a forward loop back to this account: store, do not send round again
    if fw.senders and not any_matches(fw.senders, sender):
        return None
    return ForwardPlan(tuple(fw.targets), fw.keep_copy, fw.envelope)


class Srs:
    """Sender Rewriting Scheme (SRS0 as in libsrs2): `SRS0=HHHH=TT=domain=local@forwarder`."""

    def __init__(self, key_file: Path) -> None:
        self.key = self._load(key_file)

    @staticmethod
    def _load(path: Path) -> bytes:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            key = secrets.token_bytes(32)
            tmp = path.with_name(f".{path.name}.{os.getpid()}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(key)
            try:
                os.link(tmp, path)  # first writer wins; everyone then reads the same key
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
            return path.read_bytes()

    def _hash(self, *parts: str) -> str:
        mac = hmac.new(self.key, "".join(parts).lower().encode("utf-8", "surrogateescape"), hashlib.sha1).digest()
        return base64.b64encode(mac).decode("ascii")[:4]

    def forward(self, sender: str, domain: str, now: float | None = None) -> str:
        if not sender or "@" not in sender:
            return sender  # the null sender stays null
        local, _, sdom = sender.rpartition("@")
        if local.upper().startswith("SRS0="):
            return sender  # already rewritten once by us: keep the first rewriting
        day = int((time.time() if now is None else now) // 86400) % 1024
        tt = _B32[day >> 5] + _B32[day & 31]
        return f"SRS0={self._hash(tt, sdom, local)}={tt}={sdom}={local}@{domain}"

    def reverse(self, address: str, max_age_days: int = 21) -> str | None:
        local, _, _ = address.rpartition("@")
        if not local.upper().startswith("SRS0="):
            return None
        try:
            _, h, tt, sdom, orig = local.split("=", 4)
        except ValueError:
            return None
        if not hmac.compare_digest(h, self._hash(tt, sdom, orig)):
            return None
        try:
            then = _B32.index(tt[0].upper()) * 32 + _B32.index(tt[1].upper())
        except (ValueError, IndexError):
            return None
        today = int(time.time() // 86400) % 1024
        if (today - then) % 1024 > max_age_days:
            return None
        return f"{orig}@{sdom}"


def forwarded_by(headers: list[str]) -> set[str]:
    return {h.strip().lower() for h in headers}
