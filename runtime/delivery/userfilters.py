"""Per-user filters (stage `delivery`) and the sending limits that apply when mail is delivered.

Filters run in profile order, server ones (`filters:` with `stage: delivery`) before the account's
own. `discard` drops the copy, `keep` and `pass` stop evaluation and store it, `forward` sends a copy
to `forward_to` and goes on (legacy FILTER rules forward and keep unless told to delete).

Allowed hours and destinations restrict what an account may *send*; smtpd checks them at RCPT, and
delivery applies them again to what an alias or forward expands to, and holds remote mail an
account submitted outside its hours until the next window opens.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import Message
from zoneinfo import ZoneInfo

from tayori.profiles.model import Account, Filter, FilterMatch, TimeWindow
from tayori.runtime.delivery.patterns import any_matches

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class FilterOutcome:
    keep: bool = True
    forward_to: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)


def _header_text(msg: Message, name: str) -> str | None:
    from tayori.runtime.delivery.mime import decoded_header

    values = msg.get_all(name)
    if not values:
        return None
    return " ".join(decoded_header(v) for v in values)


def _one(m: FilterMatch, msg: Message, size: int) -> bool:
    from tayori.runtime.delivery.mime import attachment_names, body_text

    if m.size_over is not None and size <= m.size_over:
        return False
    if m.attachment is not None and not any(
        fnmatch.fnmatch(n.lower(), m.attachment.lower()) for n in attachment_names(msg)
    ):
        return False
    text: str | None
    if m.header is not None:
        text = _header_text(msg, m.header)
        if m.empty is not None and m.empty != (not text):
            return False
    elif m.body:
        text = body_text(msg)
    else:
        text = None
    if m.contains is not None and (text is None or m.contains.lower() not in text.lower()):
        return False
    return not (m.regex is not None and (text is None or re.search(m.regex, text, re.IGNORECASE) is None))


def filter_matches(f: Filter, msg: Message, size: int) -> bool:
    return all(_one(m, msg, size) != m.negate for m in f.match)


def apply_filters(filters: list[Filter], msg: Message, size: int) -> FilterOutcome:
    out = FilterOutcome()
    for i, f in enumerate(filters):
        if f.stage != "delivery" or not filter_matches(f, msg, size):
            continue
        out.matched.append(f.name or f"#{i}")
        if f.action == "discard":
            out.keep = False
            return out
        if f.action in ("keep", "pass"):
            return out
        if f.action == "forward":
            out.forward_to.extend(t for t in f.forward_to if t not in out.forward_to)
    return out


def destination_allowed(acct: Account, rcpt: str) -> bool:
    return not acct.allowed_destinations or any_matches(acct.allowed_destinations, rcpt)


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _in(w: TimeWindow, t: datetime) -> bool:
    minute = t.hour * 60 + t.minute
    return _DAYS[t.weekday()] in w.days and _minutes(w.start) <= minute < _minutes(w.end)


def next_allowed(acct: Account, now: datetime, tz: str) -> datetime | None:
    """None when the account may send now; otherwise when its next window opens (within a week)."""
    if not acct.allowed_hours:
        return None
    try:
        zone = ZoneInfo(tz)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    if any(_in(w, local) for w in acct.allowed_hours):
        return None
    best: datetime | None = None
    for d in range(8):
        day = (local + timedelta(days=d)).replace(hour=0, minute=0, second=0, microsecond=0)
        for w in acct.allowed_hours:
            if _DAYS[day.weekday()] not in w.days:
                continue
            start = day + timedelta(minutes=_minutes(w.start))
            if start > local and (best is None or start < best):
                best = start
    return best
