"""POP-before-SMTP records, as Dovecot's post-login hook writes them, turned into `PopLogin` facts.

Format (agreed with the local-delivery side, which writes it): under `StatePaths.pop_logins`, one
file per client address, named by the address in its canonical text form (`192.0.2.7`,
`2001:db8::7`); each line is `login<TAB>unix-time`, newest last. The hook appends; nobody needs to
truncate, because only the tail is read and only logins inside the profile's window count.
"""

from __future__ import annotations

import ipaddress
import os
import time
from pathlib import Path

from tayori.profiles.relay import PopLogin
from tayori.runtime.smtpd.ratelimit import client_key

TAIL_BYTES = 4096  # a few dozen records: more than enough for any window


def record_path(directory: Path, ip: str) -> Path | None:
    """The file for a client address, or None if ``ip`` is not an address (never a path outside)."""
    key = client_key(ip)
    try:
        ipaddress.ip_address(key)
    except ValueError:
        return None
    return directory / key


def read_logins(directory: Path, ip: str, window: float, now: float | None = None) -> tuple[PopLogin, ...]:
    """Logins from ``ip`` within ``window`` seconds before ``now``, newest first; () on any problem."""
    path = record_path(directory, ip)
    if path is None:
        return ()
    now = time.time() if now is None else now
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > TAIL_BYTES:
                f.seek(size - TAIL_BYTES)
            data = f.read(TAIL_BYTES)
    except OSError:
        return ()
    lines = data.split(b"\n")
    if size > TAIL_BYTES:
        lines = lines[1:]  # the first piece may be a partial line
    out: list[PopLogin] = []
    for raw in reversed(lines):
        login, sep, stamp = raw.decode("utf-8", "replace").strip().partition("\t")
        if not sep or not login:
            continue
        try:
            t = float(stamp)
        except ValueError:
            continue
        if now - window <= t <= now + 5:
            out.append(PopLogin(client_key(ip), login.strip().lower(), t))
    return tuple(out)


def write_login(directory: Path, ip: str, login: str, when: float | None = None) -> None:
    """Append one record (what the post-login hook does; used by tests and tools)."""
    path = record_path(directory, ip)
    if path is None or "\t" in login or "\n" in login:
        raise ValueError("bad POP-before-SMTP record")
    directory.mkdir(parents=True, exist_ok=True)
    line = f"{login}\t{int(time.time() if when is None else when)}\n".encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
