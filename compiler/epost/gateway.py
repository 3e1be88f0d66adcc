"""`gateway.dat`: SMTP gateways per recipient domain, `target,gateway,port[*]`, first match wins.

A `*` after the port means implicit TLS. Later builds add `target|sender` matching, up to three
TAB-separated alternative gateways, `:port`, `[IPv6]` literals and per-gateway AUTH written as
`host|<mode><METHOD>|<id>|<password>` (mode 0 none, 1 plain, 2 Base64, 3 SPA obfuscation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tayori.compiler.epost.passwords import base64_decode
from tayori.compiler.legacy_text import Line
from tayori.compiler.problems import Problem

_AUTH = re.compile(r"^([0-3])(CRAM-MD5|LOGIN|PLAIN|XOAUTH2)$", re.IGNORECASE)
_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)$")


@dataclass
class Gateway:
    host: str
    port: int = 25
    implicit_tls: bool = False
    auth_method: str | None = None
    auth_user: str | None = None
    password: str | None = None  # recovered plaintext (a secret)
    password_encoding: int | None = None  # the mode digit, when the password could not be recovered


@dataclass
class GatewayRule:
    line: int
    target: str  # recipient domain or address pattern
    sender: str | None
    gateways: list[Gateway]


@dataclass
class GatewayFile:
    rules: list[GatewayRule] = field(default_factory=list)
    comments: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _gateway(spec: str, port_text: str | None) -> Gateway | None:
    parts = spec.strip().split("|")
    host = parts[0].strip()
    port = 25
    tls = False
    if port_text is None and ":" in host and not host.startswith("["):
        host, _, port_text = host.rpartition(":")
    if port_text is not None:
        p = port_text.strip()
        if p.endswith("*"):
            tls, p = True, p[:-1]
        if not p.isdigit() or not 0 < int(p) < 65536:
            return None
        port = int(p)
    if not _HOST.match(host):
        return None
    gw = Gateway(host.strip("[]"), port, tls)
    if len(parts) > 1:
        if len(parts) != 4:
            return None
        m = _AUTH.match(parts[1].strip())
        if not m:
            return None
        mode = int(m.group(1))
        gw.auth_method, gw.auth_user = m.group(2).upper(), parts[2]
        if mode == 0:
            gw.auth_method = gw.auth_user = None
        elif mode == 1:
            gw.password = parts[3]
        elif mode == 2:
            gw.password = base64_decode(parts[3])
        if gw.auth_method and gw.password is None:
            gw.password_encoding = mode
    return gw


def parse_gateway(lines: list[Line]) -> GatewayFile:
    out = GatewayFile()
    for line in lines:
        text = line.text
        if text == "" or text[0] in "' \t\u3000":
            out.comments.append(line.number)
            continue
        fields = text.rstrip().split(",")
        if len(fields) not in (2, 3):
            out.problems.append(Problem(line.number, "epost.gateway.bad_line", {}, "syntax"))
            continue
        target, spec = fields[0].strip(), fields[1]
        port_text = fields[2] if len(fields) == 3 else None
        sender = None
        if "|" in target:
            target, _, sender = target.partition("|")
        elif "\t" in target:
            target, _, sender = target.partition("\t")
        gateways = [_gateway(s, port_text) for s in spec.split("\t") if s.strip()]
        if not target or not gateways or any(g is None for g in gateways):
            out.problems.append(Problem(line.number, "epost.gateway.bad_line", {}, "syntax"))
            continue
        out.rules.append(
            GatewayRule(line.number, target.lower(), sender or None, [g for g in gateways if g is not None])
        )
    return out
