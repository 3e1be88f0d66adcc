"""SMTP input hardening as pure state machines fed with bytes (h11 style: no I/O, no clock).

aiosmtpd 1.4.6 accepts bare LF and bare CR in commands and in DATA, processes unadvertised
pipelining without a synchronization check and holds every message in RAM. This module decides,
from bytes alone, what the server must refuse; the aiosmtpd subclass only moves bytes and replies.

Pieces
------
* ``check_command_line(line, esmtp=..., auth=...)`` judges one command line as read by aiosmtpd's
  ``readuntil()`` (which splits on LF only, so the LF is included) and returns ``None`` or a
  ``Problem``.  ``CommandReader`` does the same for a raw byte stream and also says, per line,
  whether more client bytes were already waiting (the input needed by the pipelining check).
* ``DataReader`` consumes DATA content: ends only at ``<CRLF>.<CRLF>``, undoes dot-stuffing,
  streams the content to a sink (e.g. ``tayori.runtime.queue.Spool.write``) and, at the real end of
  data, returns a ``DataResult`` whose ``problem`` is ``None`` (queue it, reply 250) or the reason
  to refuse the whole message.  It never stops early on an error: it keeps consuming to the real
  terminator, so the session stays in sync and nothing after a bogus terminator is ever read as
  commands (SMTP smuggling, CVE-2023-51764/51765/51766, aiosmtpd CVE-2024-27305).
* ``PipeliningGuard`` implements RFC 2920 synchronization and the early-talker (pregreet) check.

Policy (the decisions, all in one place)
----------------------------------------
* Command lines end with CRLF.  A bare LF ending, a CR anywhere else, or a NUL byte refuses the line
  (``500 5.5.2``); the session continues.
* Command line limits, including CRLF: 512 octets (RFC 5321 4.5.3.1.4); in an EHLO session ``MAIL``
  and ``RCPT`` may use 1000 octets, because SIZE/BODY/SMTPUTF8/DSN parameters extend them (RFC 5321
  4.5.3.1 lets extensions do so); ``AUTH`` and AUTH continuation lines may use 12288 octets
  (RFC 4954 4).  ``CommandReader`` never buffers more than ``MAX_AUTH_LINE`` + 2 bytes.
* DATA: lines are framed by CRLF only.  A bare LF or bare CR anywhere, or a NUL byte, refuses the
  message with ``550 5.5.2``/``550 5.6.0``; a content line longer than 1000 octets including CRLF
  (counted after removing the stuffing dot) refuses it with ``500 5.5.2``; content above
  ``max_size`` refuses it with ``552 5.3.4``.  All are reported only at the real ``<CRLF>.<CRLF>``.
  When several problems occur, the reported one is the first of ``DATA_PRIORITY``, independently of
  how the bytes were chunked.
* Pipelining: before the greeting, any client byte is an early talker.  Without PIPELINING in force
  (HELO session, before EHLO, after STARTTLS until the next EHLO, or PIPELINING not advertised) any
  byte already waiting after a command or after the end of data is a violation.  With PIPELINING,
  bytes waiting after a command that must end a group (RFC 2920 3.1: EHLO, DATA, VRFY, EXPN, TURN,
  NOOP; plus HELO, STARTTLS (RFC 3207), AUTH, ETRN, HELP and unknown verbs) are a violation.  QUIT is
  exempt: the session ends anyway.  Violations answer ``554 5.5.0`` and close the connection.

Wiring into an aiosmtpd 1.4.6 ``SMTP`` subclass (``aiosmtpd/smtp.py``)
-------------------------------------------------------------------
aiosmtpd has no hook points for any of this, so the subclass overrides two coroutines, copying their
1.4.6 bodies and inserting the calls below (keep the copy small and pinned to 1.4.6):

1. ``_handle_client``: create ``guard = PipeliningGuard(advertise_pipelining=...)`` per connection.
   Right before ``await self.push('220 ...')`` optionally ``await asyncio.sleep(pregreet_wait)``, then
   ``guard.before_greeting(len(self._reader._buffer))`` -> on a problem push its reply, close, return;
   then ``guard.greeting_sent()``.
2. In the same loop, right after ``line = await self._reader.readuntil()`` and before the
   ``rstrip``: ``p = check_command_line(line, esmtp=self.session.extended_smtp)``; on a problem push
   ``p.reply`` and ``continue`` (``close`` if ``p.close``).  In the ``LimitOverrunError`` branch reply
   ``Problem.LINE_TOO_LONG.reply`` instead of aiosmtpd's text.  Then, with the verb parsed:
   ``p = guard.on_command(verb, pending=bool(self._reader._buffer))`` -> push ``p.reply``, close.
   ``command_size_limit``/``command_size_limits`` should be raised so that aiosmtpd's own length check
   never fires before ours (set ``command_size_limit = MAX_AUTH_LINE + 2``) and the StreamReader
   ``limit`` must be at least ``MAX_AUTH_LINE + 2`` (``line_length_limit`` class attribute).
   ``challenge_auth`` reads AUTH continuation lines with ``readline()``: check them with
   ``check_command_line(line, auth=True)``.
3. ``smtp_DATA``: replace the body after ``push('354 ...')`` with a loop that feeds a
   ``DataReader(max_size=..., sink=spool.write)``: ``line = await self._reader.readuntil(b'\\r\\n')``
   (on ``LimitOverrunError`` feed ``await self._reader.read(e.consumed)``), ``res = reader.feed(line)``
   until ``res`` is not ``None``.  Because every piece ends at a CRLF (or is a prefix of a line),
   ``res.unconsumed`` is always empty there.  (A faster variant reads 64 KiB blocks with
   ``read()`` and puts ``res.unconsumed`` back in front of ``self._reader._buffer``.)  Then
   ``p = guard.on_data_end(pending=bool(self._reader._buffer))``; if ``res.problem`` push
   ``res.problem.reply`` and discard the spool, else commit the spool to the queue and reply 250.
4. ``smtp_EHLO``/``smtp_HELO``/``smtp_STARTTLS``: nothing to add; ``on_command`` tracks them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "DATA_PRIORITY",
    "GROUP_PIPELINABLE",
    "MAX_AUTH_LINE",
    "MAX_COMMAND_LINE",
    "MAX_ESMTP_ADDRESS_LINE",
    "MAX_TEXT_LINE",
    "CommandLine",
    "CommandReader",
    "DataReader",
    "DataResult",
    "PipeliningGuard",
    "Problem",
    "check_command_line",
    "command_line_limit",
    "dot_stuff",
]

MAX_COMMAND_LINE = 512  # RFC 5321 4.5.3.1.4, including CRLF
MAX_ESMTP_ADDRESS_LINE = 1000  # MAIL/RCPT in an EHLO session: room for extension parameters
MAX_AUTH_LINE = 12288  # RFC 4954 4: AUTH with initial response, and continuation lines
MAX_TEXT_LINE = 1000  # RFC 5321 4.5.3.1.6, including CRLF

CRLF = b"\r\n"


class Problem(enum.Enum):
    """Why input is refused: a stable key, the SMTP reply (without CRLF), and whether to close."""

    # commands
    CMD_BARE_LF = ("cmd-bare-lf", "500 5.5.2 Error: bare <LF> received; lines must end with <CR><LF>", False)
    CMD_BARE_CR = ("cmd-bare-cr", "500 5.5.2 Error: bare <CR> received; lines must end with <CR><LF>", False)
    CMD_NUL = ("cmd-nul", "500 5.5.2 Error: NUL byte in command", False)
    LINE_TOO_LONG = ("cmd-too-long", "500 5.5.2 Error: command line too long", False)
    # DATA
    BARE_LF = (
        "data-bare-lf",
        "550 5.5.2 Error: bare <LF> in message data; lines must end with <CR><LF>",
        False,
    )
    BARE_CR = (
        "data-bare-cr",
        "550 5.5.2 Error: bare <CR> in message data; lines must end with <CR><LF>",
        False,
    )
    NUL = ("data-nul", "550 5.6.0 Error: NUL byte in message data", False)
    TEXT_LINE_TOO_LONG = ("data-line-too-long", "500 5.5.2 Error: line too long (RFC 5321 4.5.3.1.6)", False)
    TOO_BIG = ("data-too-big", "552 5.3.4 Error: message size exceeds fixed limit", False)
    # synchronization
    EARLY_TALKER = (
        "early-talker",
        "554 5.5.0 Error: SMTP protocol synchronization (talked before greeting)",
        True,
    )
    UNAUTH_PIPELINING = ("unauth-pipelining", "554 5.5.0 Error: SMTP protocol synchronization", True)
    PIPELINING_AFTER_GROUP_END = (
        "pipelining-after-group-end",
        "554 5.5.0 Error: SMTP protocol synchronization",
        True,
    )

    def __init__(self, key: str, reply: str, close: bool) -> None:
        self.key = key
        self.reply = reply
        self.close = close

    @property
    def code(self) -> int:
        return int(self.reply[:3])


# Reported DATA problem when several occur: the smuggling class first, because it is the one an
# administrator must see in the log; size last, because it is the least surprising.
DATA_PRIORITY: tuple[Problem, ...] = (
    Problem.BARE_LF,
    Problem.BARE_CR,
    Problem.NUL,
    Problem.TEXT_LINE_TOO_LONG,
    Problem.TOO_BIG,
)


# ---------------------------------------------------------------------------------------------------------
# Command lines


def command_line_limit(verb: str, *, esmtp: bool = False, auth: bool = False) -> int:
    """Maximum octets, CRLF included, of a command line starting with ``verb`` (see module policy)."""
    if auth or verb == "AUTH":
        return MAX_AUTH_LINE
    if esmtp and verb in ("MAIL", "RCPT"):
        return MAX_ESMTP_ADDRESS_LINE
    return MAX_COMMAND_LINE


def _verb(line: bytes) -> str:
    return line.split(b" ", 1)[0].rstrip(b"\r\n").upper().decode("ascii", "replace")


def check_command_line(line: bytes, *, esmtp: bool = False, auth: bool = False) -> Problem | None:
    """Judge one complete command line, LF included (as returned by ``StreamReader.readuntil()``).

    ``auth=True`` for a line answering a ``334`` AUTH challenge.  A line without any LF is treated
    as ended by the connection and refused as a bare-CR/bare-LF case only if it holds a CR; callers
    should not pass such fragments.
    """
    if b"\x00" in line:
        return Problem.CMD_NUL
    if line.endswith(b"\n"):
        if not line.endswith(CRLF):
            return Problem.CMD_BARE_LF
        body = line[:-2]
    else:
        body = line
    if b"\n" in body:
        return Problem.CMD_BARE_LF
    if b"\r" in body:
        return Problem.CMD_BARE_CR
    if len(body) + 2 > command_line_limit(_verb(body), esmtp=esmtp, auth=auth):
        return Problem.LINE_TOO_LONG
    return None


@dataclass(frozen=True)
class CommandLine:
    """One line from ``CommandReader``.

    ``line`` is the command without its line ending (empty if the line was refused for length);
    ``problem`` is ``None`` for an acceptable line; ``pipelined`` says that client bytes beyond this
    line had already been received when it was taken (input for ``PipeliningGuard.on_command``).
    """

    line: bytes
    problem: Problem | None
    pipelined: bool

    @property
    def verb(self) -> str:
        return _verb(self.line)


class CommandReader:
    """Splits a raw client byte stream into command lines (h11 style).

    ``receive(data)`` buffers; ``next_line()`` returns the next ``CommandLine`` or ``None`` when more
    bytes are needed.  Before switching to DATA (after a ``354``) take the remaining bytes with
    ``take_unprocessed()`` and feed them to a ``DataReader``.  Memory is bounded by
    ``MAX_AUTH_LINE`` + 2 whatever the client sends.
    """

    def __init__(self, *, esmtp: bool = False) -> None:
        self.esmtp = esmtp
        self.auth_continuation = False  # set by the session while an AUTH exchange waits for a line
        self._buf = bytearray()
        self._discarding = False  # inside an over-long line, dropping bytes up to its LF
        self._overlong_pending = False  # an over-long line ended: report it before later lines
        self._hard_limit = MAX_AUTH_LINE + 2

    def receive(self, data: bytes) -> None:
        if self._discarding:
            i = data.find(b"\n")
            if i < 0:
                return
            self._discarding = False
            self._overlong_pending = True
            data = data[i + 1 :]
        self._buf += data
        if b"\n" not in self._buf and len(self._buf) > self._hard_limit:
            self._start_discard()

    def _start_discard(self) -> None:
        self._buf.clear()
        self._discarding = True

    def next_line(self) -> CommandLine | None:
        if self._overlong_pending:
            self._overlong_pending = False
            return CommandLine(b"", Problem.LINE_TOO_LONG, bool(self._buf))
        i = self._buf.find(b"\n")
        if i < 0:
            if len(self._buf) > self._hard_limit:
                self._start_discard()
            return None
        raw = bytes(self._buf[: i + 1])
        del self._buf[: i + 1]
        problem = check_command_line(raw, esmtp=self.esmtp, auth=self.auth_continuation)
        line = raw[:-2] if raw.endswith(CRLF) else raw[:-1]
        if problem is Problem.LINE_TOO_LONG:
            line = b""
        return CommandLine(line, problem, bool(self._buf) or self._discarding)

    def take_unprocessed(self) -> bytes:
        """Bytes received but not yet returned as lines (e.g. message content after ``DATA``)."""
        data = bytes(self._buf)
        self._buf.clear()
        return data

    @property
    def pending(self) -> bool:
        return bool(self._buf) or self._discarding or self._overlong_pending


# ---------------------------------------------------------------------------------------------------------
# DATA


@dataclass(frozen=True)
class DataResult:
    """End of one DATA phase.

    ``problem`` is ``None`` if the message may be queued.  ``size`` is the number of content octets
    after dot-unstuffing (all of them, even past ``max_size``); ``unconsumed`` holds the bytes that
    followed ``<CRLF>.<CRLF>`` in the last fed chunk (pipelined commands).
    """

    problem: Problem | None
    size: int
    unconsumed: bytes

    @property
    def reply(self) -> str | None:
        return self.problem.reply if self.problem else None


def dot_stuff(content: bytes) -> bytes:
    """Wire form of CRLF-framed ``content`` plus the terminator (RFC 5321 4.5.2), for clients/tests."""
    if content and not content.endswith(CRLF):
        content += CRLF
    stuffed = content.replace(b"\r\n.", b"\r\n..")
    if stuffed.startswith(b"."):
        stuffed = b"." + stuffed
    return stuffed + b".\r\n"


class DataReader:
    """Streaming DATA consumer: feed raw bytes that follow the ``354`` reply.

    ``feed(data)`` returns ``None`` while the message continues and a ``DataResult`` once the real
    ``<CRLF>.<CRLF>`` has been consumed; after that, ``feed`` raises ``RuntimeError``.  Content
    (dot-unstuffed, CRLF line endings as received) goes to ``sink`` until the first problem; after
    a problem the caller must discard whatever the sink received.  Nothing but ``None``, a
    ``DataResult`` and that ``RuntimeError`` for misuse ever comes out of ``feed``.

    The work per chunk is a few C-level scans (``find``, ``count``, ``replace``, ``split``), not a
    Python loop per line, so a 32 MiB message costs milliseconds.
    """

    def __init__(
        self,
        *,
        max_size: int | None = None,
        max_line: int = MAX_TEXT_LINE,
        sink: Callable[[bytes], object] | None = None,
    ) -> None:
        self.max_size = max_size
        self.max_line = max_line
        self.sink = sink
        self.size = 0
        self._seen: set[Problem] = set()
        self._pending = b""  # a partial line; always starts at a line start unless discarding
        self._discarding = False  # inside an over-long line: only scan, keep nothing
        self._done = False

    @property
    def problem(self) -> Problem | None:
        for p in DATA_PRIORITY:
            if p in self._seen:
                return p
        return None

    @property
    def done(self) -> bool:
        return self._done

    def feed(self, data: bytes) -> DataResult | None:
        if self._done:
            raise RuntimeError("DataReader already reached the end of data")
        buf = self._pending + bytes(data)
        self._pending = b""
        pos = 0
        if self._discarding:
            i = buf.find(CRLF)
            if i < 0:
                # Keep a trailing CR: it may pair with the LF at the start of the next chunk.
                keep = 1 if buf.endswith(b"\r") else 0
                self._scan_fragment(buf[: len(buf) - keep])
                self._pending = buf[len(buf) - keep :]
                return None
            self._scan_fragment(buf[:i])
            self._count(2)
            self._discarding = False
            pos = i + 2
        # Complete lines: everything up to the last CRLF.
        last = buf.rfind(CRLF, pos)
        if last >= 0:
            end_block = last + 2
            # The terminator is the line "." at a line start: at pos, or right after a CRLF.  Lines
            # are framed by CRLF alone, so a dot after a bare LF or CR is never a line start.
            if buf.startswith(b".\r\n", pos):
                term = pos
            else:
                k = buf.find(b"\r\n.\r\n", pos, end_block)
                term = k + 2 if k >= 0 else -1
            if term >= 0:
                self._process_block(buf[pos:term])
                self._done = True
                return DataResult(self.problem, self.size, buf[term + 3 :])
            self._process_block(buf[pos:end_block])
            pos = end_block
        rest = buf[pos:]
        if len(rest) > self.max_line + 1:
            # No CRLF in max_line + 2 octets: the content line exceeds max_line whatever follows.
            self._seen.add(Problem.TEXT_LINE_TOO_LONG)
            keep = 1 if rest.endswith(b"\r") else 0
            self._scan_fragment(rest[: len(rest) - keep])
            if rest.startswith(b"."):
                self._count(-1)  # the stuffing dot is not content
            self._pending = rest[len(rest) - keep :]
            self._discarding = True
        else:
            self._pending = rest
        return None

    def _count(self, n: int) -> None:
        self.size += n
        if self.max_size is not None and self.size > self.max_size:
            self._seen.add(Problem.TOO_BIG)

    def _scan_fragment(self, frag: bytes) -> None:
        # A fragment of an over-long line contains no CRLF, so every CR or LF in it is bare.
        self._count(len(frag))
        if b"\n" in frag:
            self._seen.add(Problem.BARE_LF)
        if b"\r" in frag:
            self._seen.add(Problem.BARE_CR)
        if b"\x00" in frag:
            self._seen.add(Problem.NUL)

    def _process_block(self, block: bytes) -> None:
        """``block`` is whole CRLF-ended lines (wire form), starting at a line start."""
        if not block:
            return
        pairs = block.count(CRLF)
        if block.count(b"\n") != pairs:
            self._seen.add(Problem.BARE_LF)
        if block.count(b"\r") != pairs:
            self._seen.add(Problem.BARE_CR)
        if b"\x00" in block:
            self._seen.add(Problem.NUL)
        lines = block.split(CRLF)
        lines.pop()  # block ends with CRLF: the last piece is empty
        longest = max(map(len, lines))
        if longest + 2 > self.max_line and any(len(x) + 2 - x.startswith(b".") > self.max_line for x in lines):
            self._seen.add(Problem.TEXT_LINE_TOO_LONG)
        content = block.replace(b"\r\n.", b"\r\n")
        if content.startswith(b"."):
            content = content[1:]
        self._count(len(content))
        if self.sink is not None and not self._seen:
            self.sink(content)


# ---------------------------------------------------------------------------------------------------------
# Pipelining (RFC 2920) and early talkers

# RFC 2920 3.1: these may appear anywhere in a group; every other command must end its group.
GROUP_PIPELINABLE = frozenset({"RSET", "MAIL", "SEND", "SOML", "SAML", "RCPT"})


class PipeliningGuard:
    """RFC 2920 synchronization check for one connection.

    Feed it events in order: ``before_greeting`` (bytes already received when the greeting is about
    to be sent), ``greeting_sent``, then ``on_command(verb, pending)`` for every command line read
    and ``on_data_end(pending)`` after each end of data, where ``pending`` says whether more client
    bytes were already received at that moment.  Each returns ``None`` or a ``Problem`` whose reply
    is sent before closing the connection.
    """

    def __init__(self, *, advertise_pipelining: bool = True) -> None:
        self.advertise_pipelining = advertise_pipelining
        self.greeted = False
        self.pipelining = False  # PIPELINING in force for this client right now

    def before_greeting(self, received: int | bytes) -> Problem | None:
        n = received if isinstance(received, int) else len(received)
        return Problem.EARLY_TALKER if n > 0 else None

    def greeting_sent(self) -> None:
        self.greeted = True

    def on_command(self, verb: str, pending: bool) -> Problem | None:
        verb = verb.upper()
        if not self.greeted:
            return Problem.EARLY_TALKER
        problem: Problem | None = None
        if pending and verb != "QUIT":
            if not self.pipelining:
                problem = Problem.UNAUTH_PIPELINING
            elif verb not in GROUP_PIPELINABLE:
                problem = Problem.PIPELINING_AFTER_GROUP_END
        # The new state applies to the commands that follow (the reply to this one comes first).
        if verb == "EHLO":
            self.pipelining = self.advertise_pipelining
        elif verb in ("HELO", "STARTTLS"):
            self.pipelining = False
        return problem

    def on_data_end(self, pending: bool) -> Problem | None:
        # RFC 2920 3.1: message content may be the first "command" of a group, so with PIPELINING the
        # client may send the next MAIL right after the final dot.
        if pending and not self.pipelining:
            return Problem.UNAUTH_PIPELINING
        return None
