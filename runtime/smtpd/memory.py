"""Drive a session without a socket: an in-memory transport and a tiny client.

`tayori probe` runs its tables through the real session code this way, with any client address, an
optional pre-authenticated login, a fixture resolver and a `NullSink`; tests use it for every policy
knob without starting a server.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from tayori.profiles.probe import Step
from tayori.runtime.smtpd.session import SessionFactory, TayoriSMTP

_LAST_LINE = re.compile(rb"(?:^|\r\n)(\d{3}) [^\r\n]*\r\n$")


class MemoryTransport(asyncio.Transport):
    def __init__(self, protocol: TayoriSMTP, peer: tuple[Any, ...], sockname: tuple[Any, ...]) -> None:
        super().__init__({"peername": peer, "sockname": sockname})
        self._protocol = protocol
        self.out = bytearray()
        self.closed = False
        self.changed = asyncio.Event()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self.closed:
            self.out += data
            self.changed.set()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.changed.set()
        asyncio.get_running_loop().call_soon(self._protocol.connection_lost, None)

    def is_closing(self) -> bool:
        return self.closed

    def abort(self) -> None:
        self.close()

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._protocol

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._protocol = protocol  # type: ignore[assignment]

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def is_reading(self) -> bool:
        return not self.closed

    def can_write_eof(self) -> bool:
        return False

    def get_write_buffer_size(self) -> int:
        return 0


class MemoryClient:
    """Send bytes, read whole replies. `await c.cmd("MAIL FROM:<a@b>")` returns ``(code, text)``."""

    def __init__(
        self,
        factory: SessionFactory,
        listener: str,
        client_ip: str,
        *,
        preauth_login: str | None = None,
        tls: bool = False,
    ) -> None:
        # tls=True: the session behaves as on a TLS connection (AUTH offered), as behind 465
        self.protocol = factory.protocol(listener, client_ip=client_ip, preauth_login=preauth_login, implicit_tls=tls)
        family_v6 = ":" in client_ip
        peer = (client_ip, 40000, 0, 0) if family_v6 else (client_ip, 40000)
        self.transport = MemoryTransport(self.protocol, peer, ("::1", 25, 0, 0) if family_v6 else ("127.0.0.1", 25))
        self._seen = 0
        self.greeting: tuple[int, str] = (0, "")

    async def connect(self, timeout: float = 10.0) -> tuple[int, str]:
        self.protocol.connection_made(self.transport)
        self.greeting = await self.reply(timeout)
        return self.greeting

    def send(self, data: bytes) -> None:
        if not self.transport.closed:
            self.protocol.data_received(data)

    async def reply(self, timeout: float = 10.0) -> tuple[int, str]:
        """The next complete reply (multi-line replies joined with newlines); (0, "") on close."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            buf = bytes(self.transport.out[self._seen :])
            end = 0
            for m in re.finditer(rb"\r\n", buf):
                line = buf[end : m.start()]
                end = m.end()
                if len(line) >= 4 and line[3:4] == b" ":
                    text = buf[:end].decode("utf-8", "replace")
                    self._seen += end
                    lines = text.rstrip("\r\n").split("\r\n")
                    return int(lines[-1][:3]), "\n".join(x[4:] for x in lines)
            if self.transport.closed:
                return 0, ""
            self.transport.changed.clear()
            left = deadline - loop.time()
            if left <= 0:
                raise TimeoutError("no reply from the session")
            try:
                await asyncio.wait_for(self.transport.changed.wait(), left)
            except TimeoutError:
                raise TimeoutError("no reply from the session") from None

    async def cmd(self, line: str | bytes, timeout: float = 10.0) -> tuple[int, str]:
        data = line.encode() if isinstance(line, str) else line
        self.send(data + b"\r\n")
        return await self.reply(timeout)

    async def data(self, content: bytes, timeout: float = 10.0) -> tuple[int, str]:
        """DATA, then ``content`` (CRLF lines) dot-stuffed with its terminator."""
        from tayori.runtime.smtp_guard import dot_stuff

        code, text = await self.cmd("DATA", timeout)
        if code != 354:
            return code, text
        self.send(dot_stuff(content))
        return await self.reply(timeout)

    def close(self) -> None:
        if not self.transport.closed:
            self.protocol.eof_received()
            self.transport.close()

    @property
    def closed(self) -> bool:
        return self.transport.closed


async def probe_steps(
    factory: SessionFactory,
    listener: str,
    client_ip: str,
    *,
    helo: str | None,
    auth_login: str | None,
    mail_from: str,
    rcpt_to: list[str],
    size: int | None = None,
) -> list[Step]:
    """One probe through the real session (what `tayori probe` runs): the same `Step`s as the pure
    runner `tayori.profiles.probe.run_probe` produces, so the two can be compared line by line."""
    # As on a TLS connection: a probe asks about the policy, not about the transport.
    c = MemoryClient(factory, listener, client_ip, preauth_login=auth_login, tls=True)
    steps: list[Step] = []
    try:
        code, text = await c.connect()
        if code != 220:
            return [_step("CONNECT", code, text)]
        if helo:
            code, text = await c.cmd(f"EHLO {helo}")
            if code != 250:
                return [_step("HELO", code, text)]
        mail = f"MAIL FROM:<{mail_from}>" + (f" SIZE={size}" if size is not None else "")
        code, text = await c.cmd(mail)
        steps.append(_step(f"MAIL FROM:<{mail_from}>", code, text))
        if code != 250:
            return steps
        for rcpt in rcpt_to:
            code, text = await c.cmd(f"RCPT TO:<{rcpt}>")
            steps.append(_step(f"RCPT TO:<{rcpt}>", code, text))
        await c.cmd("QUIT")
        return steps
    finally:
        c.close()


def _step(command: str, code: int, text: str) -> Step:
    status, _, rest = text.partition(" ")
    if not (status[:1].isdigit() and status.count(".") == 2):
        status, rest = "", text
    return Step(command, code, status, rest)
