"""Checks before the first start that work offline: ports free, certificate valid, host name resolves.

Each check gives a status (ok, warn, fail) and a catalogue key with parameters, so the screen can show it
in either language. Failing checks are shown, never raised: the admin decides whether to go on.
"""

from __future__ import annotations

import datetime as dt
import errno
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tayori.profiles.model import Profile

Resolver = Callable[[str], list[str]]

# RFC 2606 / RFC 6761 names never resolve on the internet; asking a resolver about them is pointless.
RESERVED_SUFFIXES = (".test", ".example", ".invalid", ".localhost", ".local")


@dataclass
class Check:
    label: str
    label_params: dict[str, Any]
    status: str  # ok | warn | fail
    result: str
    result_params: dict[str, Any] = field(default_factory=dict)


def system_resolver(name: str) -> list[str]:
    infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    return sorted({str(i[4][0]) for i in infos})


def check_ports(profile: Profile) -> list[Check]:
    out: list[Check] = []
    for name in type(profile.listeners).model_fields:
        lst = getattr(profile.listeners, name)
        if lst is None or not lst.enabled:
            continue
        for bind in lst.bind:
            params = {"name": name, "bind": bind, "port": lst.port}
            out.append(_port_check(params, bind, lst.port))
    return out


def _port_check(params: dict[str, Any], bind: str, port: int) -> Check:
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    try:
        s = socket.socket(family, socket.SOCK_STREAM)
    except OSError:
        return Check("check.port", params, "warn", "check.port.noaddr")
    try:
        # Binding without listen() claims nothing visible to clients and shows whether start-up could bind.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((bind, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            return Check("check.port", params, "warn", "check.port.used")
        if exc.errno == errno.EACCES:
            return Check("check.port", params, "fail", "check.port.denied")
        return Check("check.port", params, "fail", "check.port.noaddr")
    finally:
        s.close()
    return Check("check.port", params, "ok", "check.port.free")


def _resolve_path(root: Path, value: str) -> Path:
    p = Path(value)
    return p if p.is_absolute() else root / p


def check_certificate(profile: Profile, root: Path, now: dt.datetime | None = None) -> Check:
    if not profile.tls.cert or not profile.tls.key:
        return Check("check.cert", {}, "ok", "check.cert.self")
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        cert_bytes = _resolve_path(root, profile.tls.cert).read_bytes()
        key_bytes = _resolve_path(root, profile.tls.key).read_bytes()
        cert = x509.load_pem_x509_certificates(cert_bytes)[0]
        key = serialization.load_pem_private_key(key_bytes, password=None)
    except (OSError, ValueError, TypeError, IndexError) as exc:
        return Check("check.cert", {}, "fail", "check.cert.unreadable", {"error": str(exc) or type(exc).__name__})
    now = now or dt.datetime.now(dt.UTC)
    until, since = cert.not_valid_after_utc, cert.not_valid_before_utc
    fmt = "%Y-%m-%d"
    if now > until:
        return Check("check.cert", {}, "fail", "check.cert.expired", {"until": until.strftime(fmt)})
    if now < since:
        return Check("check.cert", {}, "fail", "check.cert.notyet", {"since": since.strftime(fmt)})
    pub = serialization.PublicFormat.SubjectPublicKeyInfo
    enc = serialization.Encoding.DER
    if cert.public_key().public_bytes(enc, pub) != key.public_key().public_bytes(enc, pub):
        return Check("check.cert", {}, "fail", "check.cert.mismatch")
    host = profile.server.hostname
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns_names = [n.lower() for n in names.get_values_for_type(x509.DNSName)]
    except x509.ExtensionNotFound:
        dns_names = []
    if not any(_name_matches(pattern, host) for pattern in dns_names):
        return Check("check.cert", {}, "warn", "check.cert.name", {"host": host})
    return Check("check.cert", {}, "ok", "check.cert.ok", {"until": until.strftime(fmt)})


def _name_matches(pattern: str, host: str) -> bool:
    if pattern.startswith("*."):
        return host.count(".") == pattern.count(".") and host.endswith(pattern[1:])
    return pattern == host


def check_hostname(profile: Profile, resolver: Resolver | None = None) -> Check:
    host = profile.server.hostname
    params = {"host": host}
    if host == "localhost" or host.endswith(RESERVED_SUFFIXES):
        return Check("check.host", params, "warn", "check.host.reserved")
    try:
        addresses = (resolver or system_resolver)(host)
    except OSError as exc:
        return Check("check.host", params, "warn", "check.host.fail", {"error": exc.strerror or str(exc)})
    if not addresses:
        return Check("check.host", params, "warn", "check.host.fail", {"error": "-"})
    return Check("check.host", params, "ok", "check.host.ok", {"addresses": ", ".join(addresses)})


def run_checks(profile: Profile, root: Path, resolver: Resolver | None = None) -> list[Check]:
    return [*check_ports(profile), check_certificate(profile, root), check_hostname(profile, resolver)]
