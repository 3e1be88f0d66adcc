"""The one-IP-pattern-per-line tables: `hiddensmtpip.dat`, `rejectsmtpip.dat`, `passdb.dat`,
`passfilter.dat`, `pass3rd.dat`, `ccdisableip.dat` …, and `ordb.dat` (`zone[,expected answer]`).

The first token, up to `'`, a space or a TAB, is the pattern; lines starting with `'` or a space
are comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tayori.compiler.epost.effect import client_patterns
from tayori.compiler.legacy_text import Line
from tayori.compiler.problems import Problem

_ZONE = re.compile(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+\.?$")


@dataclass
class IpEntry:
    line: int
    pattern: str
    clients: list[str]
    rest: str  # what follows the pattern (rejectsmtpip.dat: expiry serial or `true`)


@dataclass
class IpFile:
    entries: list[IpEntry] = field(default_factory=list)
    comments: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Zone:
    line: int
    zone: str
    answer: str | None


@dataclass
class ZoneFile:
    zones: list[Zone] = field(default_factory=list)
    comments: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _first_token(text: str) -> tuple[str, str]:
    m = re.match(r"^([^'\s]*)(.*)$", text)
    assert m is not None  # the pattern matches every string
    return m.group(1), m.group(2).strip()


def parse_iplist(lines: list[Line]) -> IpFile:
    out = IpFile()
    for line in lines:
        text = line.text
        if text.strip() == "" or text[0] in "' \u3000":
            out.comments.append(line.number)
            continue
        token, rest = _first_token(text)
        parsed = client_patterns(token) if token else None
        if parsed is None:
            out.problems.append(Problem(line.number, "epost.iplist.bad_ip", {"pattern": token}, "ip"))
            continue
        out.entries.append(IpEntry(line.number, token, parsed[0], "" if rest.startswith("'") else rest))
    return out


def parse_zones(lines: list[Line]) -> ZoneFile:
    out = ZoneFile()
    for line in lines:
        text = line.text
        if text.strip() == "" or text[0] in "' \u3000":
            out.comments.append(line.number)
            continue
        token, _ = _first_token(text)
        zone, _, answer = token.partition(",")
        if not _ZONE.match(zone):
            out.problems.append(Problem(line.number, "epost.ordb.bad_zone", {"zone": zone}, "zone"))
            continue
        out.zones.append(Zone(line.number, zone.rstrip(".").lower(), answer or None))
    return out
