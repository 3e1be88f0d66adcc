"""SMTP AUTH through Dovecot's auth service, plus our own failed-login limits.

One password database for every protocol: the login and password go to Dovecot's auth client
socket (`StatePaths.auth_socket`) with `service=smtp`, so Dovecot applies its passdbs, the
`deny-smtp` file and its brute-force penalty exactly as for POP3 and IMAP. Protocol: Dovecot's
auth protocol 1.2 (`VERSION`, `CPID`, then `AUTH`/`CONT` requests multiplexed by id on one
connection; answers `OK`, `FAIL`, `CONT`).

On top, `AuthLimiter` counts failures per client address and per account (`policy.auth`): after
`max_failures` within `failure_window`, that address or account is refused for `lockout` seconds
without asking Dovecot, with the same reply as a wrong password, so a client cannot tell locked
from wrong.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tayori.profiles.model import AuthPolicy
from tayori.runtime.smtpd.ratelimit import Lockout, client_key


@dataclass(frozen=True)
class AuthOutcome:
    ok: bool
    login: str | None = None
    temporary: bool = False  # the auth service could not answer: 454, not 535
    reason: str = ""


Ask = Callable[[bytes], Awaitable[bytes | None]]


class AuthBackend(Protocol):
    async def plain(self, login: str, password: str, *, client_ip: str, secured: bool) -> AuthOutcome: ...

    async def cram_md5(self, ask: Ask, *, client_ip: str, secured: bool) -> AuthOutcome:
        """``ask(challenge)`` sends a 334 challenge and returns the client's decoded answer (None: aborted)."""
        ...


def _esc(value: str) -> str:
    # auth protocol values are TAB-separated lines; escape as Dovecot's str_tabescape does
    return value.replace("\x01", "\x011").replace("\t", "\x01t").replace("\n", "\x01n").replace("\r", "\x01r")


class DovecotAuth:
    """A client of Dovecot's auth socket, shared by all sessions of a process."""

    def __init__(self, socket_path: Path | str, *, service: str = "smtp", timeout: float = 15.0) -> None:
        self.socket_path = str(socket_path)
        self.service = service
        self.timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._connect_lock = asyncio.Lock()
        self._next_id = 0
        self._waiting: dict[str, asyncio.Future[list[str]]] = {}
        self._reader_task: asyncio.Task[None] | None = None
        self.mechanisms: set[str] = set()

    async def _connect(self) -> None:
        async with self._connect_lock:
            if self._writer is not None and not self._writer.is_closing():
                return
            reader, writer = await asyncio.wait_for(asyncio.open_unix_connection(self.socket_path), self.timeout)
            writer.write(f"VERSION\t1\t2\nCPID\t{os.getpid()}\n".encode())
            await writer.drain()
            mechs: set[str] = set()
            while True:
                line = await asyncio.wait_for(reader.readline(), self.timeout)
                if not line:
                    writer.close()
                    raise ConnectionError("auth service closed the connection during handshake")
                parts = line.decode("utf-8", "replace").rstrip("\n").split("\t")
                if parts[0] == "VERSION" and (len(parts) < 2 or parts[1] != "1"):
                    writer.close()
                    raise ConnectionError(f"auth service speaks protocol {parts[1:]}")
                if parts[0] == "MECH" and len(parts) > 1:
                    mechs.add(parts[1].upper())
                if parts[0] == "DONE":
                    break
            self.mechanisms = mechs
            self._reader, self._writer = reader, writer
            self._reader_task = asyncio.get_running_loop().create_task(self._read_loop(reader))

    async def _read_loop(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                parts = line.decode("utf-8", "replace").rstrip("\n").split("\t")
                if len(parts) >= 2 and parts[0] in ("OK", "FAIL", "CONT"):
                    fut = self._waiting.pop(parts[1], None)
                    if fut is not None and not fut.done():
                        fut.set_result(parts)
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            for fut in self._waiting.values():
                if not fut.done():
                    fut.set_exception(ConnectionError("auth service connection lost"))
            self._waiting.clear()
            if self._writer is not None:
                self._writer.close()
            self._writer = None

    async def _request(self, line: str, rid: str) -> list[str]:
        await self._connect()
        assert self._writer is not None
        fut: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()
        self._waiting[rid] = fut
        self._writer.write(line.encode("utf-8", "surrogateescape"))
        await self._writer.drain()
        try:
            return await asyncio.wait_for(fut, self.timeout)
        finally:
            self._waiting.pop(rid, None)

    def _new_id(self) -> str:
        self._next_id = (self._next_id + 1) % 2_000_000_000
        return str(self._next_id or 1)

    def _auth_line(self, rid: str, mech: str, client_ip: str, secured: bool, resp: str | None) -> str:
        fields = ["AUTH", rid, mech, f"service={self.service}", "nologin"]
        if secured:
            fields.append("secured")
        fields.append(f"rip={_esc(client_ip)}")
        if resp is not None:
            fields.append(f"resp={resp}")
        return "\t".join(fields) + "\n"

    @staticmethod
    def _outcome(parts: list[str]) -> AuthOutcome:
        args = dict(p.partition("=")[::2] for p in parts[2:])
        if parts[0] == "OK":
            return AuthOutcome(True, args.get("user"))
        temporary = "temp" in parts[2:] or "code=temp_fail" in parts[2:]
        return AuthOutcome(False, args.get("user"), temporary=temporary, reason=args.get("reason", ""))

    async def plain(self, login: str, password: str, *, client_ip: str, secured: bool) -> AuthOutcome:
        raw = b"\x00" + login.encode("utf-8", "surrogateescape") + b"\x00" + password.encode("utf-8", "surrogateescape")
        resp = base64.b64encode(raw).decode("ascii")
        rid = self._new_id()
        try:
            parts = await self._request(self._auth_line(rid, "PLAIN", client_ip, secured, resp), rid)
        except (OSError, ConnectionError, TimeoutError) as exc:
            return AuthOutcome(False, temporary=True, reason=f"auth service: {exc}")
        return self._outcome(parts)

    async def cram_md5(self, ask: Ask, *, client_ip: str, secured: bool) -> AuthOutcome:
        """CRAM-MD5 with Dovecot's own challenge, relayed to the client."""
        rid = self._new_id()
        try:
            parts = await self._request(self._auth_line(rid, "CRAM-MD5", client_ip, secured, None), rid)
            if parts[0] != "CONT" or len(parts) < 3:
                return self._outcome(parts)
            challenge = base64.b64decode(parts[2])
            answer = await ask(challenge)
            if answer is None:
                with contextlib.suppress(Exception):
                    await self._request(f"CONT\t{rid}\t*\n", rid)
                return AuthOutcome(False, reason="aborted")
            parts = await self._request(f"CONT\t{rid}\t{base64.b64encode(answer).decode('ascii')}\n", rid)
        except (OSError, ConnectionError, TimeoutError, ValueError) as exc:
            return AuthOutcome(False, temporary=True, reason=f"auth service: {exc}")
        return self._outcome(parts)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._reader_task is not None:
            self._reader_task.cancel()
            with contextlib.suppress(BaseException):
                await self._reader_task


class StaticAuth:
    """An in-process backend (tests, `tayori probe`): logins and plaintext passwords from a mapping."""

    def __init__(self, passwords: Mapping[str, str]) -> None:
        self.passwords = {k.lower(): v for k, v in passwords.items()}

    async def plain(self, login: str, password: str, *, client_ip: str, secured: bool) -> AuthOutcome:
        want = self.passwords.get(login.lower())
        if want is not None and hmac.compare_digest(want.encode(), password.encode("utf-8", "surrogateescape")):
            return AuthOutcome(True, login.lower())
        return AuthOutcome(False)

    async def cram_md5(self, ask: Ask, *, client_ip: str, secured: bool) -> AuthOutcome:
        challenge = f"<{os.urandom(8).hex()}@tayori>".encode()
        answer = await ask(challenge)
        if answer is None:
            return AuthOutcome(False, reason="aborted")
        login, _, digest = answer.decode("utf-8", "surrogateescape").rpartition(" ")
        want = self.passwords.get(login.lower())
        if want is None:
            return AuthOutcome(False)
        expect = hmac.new(want.encode(), challenge, hashlib.md5).hexdigest()
        return AuthOutcome(hmac.compare_digest(expect, digest.lower()), login.lower())


class AuthLimiter:
    """Failed-AUTH limits per client address and per account (`policy.auth`)."""

    def __init__(self, policy: AuthPolicy) -> None:
        self.by_ip = Lockout(policy.max_failures, float(policy.failure_window), float(policy.lockout))
        # An account under attack from many addresses: a higher bar, so one user mistyping from a
        # shared office address does not lock the whole office out of that account quickly.
        self.by_account = Lockout(policy.max_failures * 2, float(policy.failure_window), float(policy.lockout))

    def locked(self, ip: str, login: str | None) -> bool:
        return self.by_ip.locked(client_key(ip)) or (login is not None and self.by_account.locked(login.lower()))

    def failed(self, ip: str, login: str | None) -> bool:
        """Record a failure; True if the address (or account) is now locked."""
        a = self.by_ip.fail(client_key(ip))
        b = login is not None and self.by_account.fail(login.lower())
        return a or b

    def succeeded(self, ip: str, login: str) -> None:
        self.by_ip.succeed(client_key(ip))
        self.by_account.succeed(login.lower())
