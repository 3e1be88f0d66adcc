"""SMTP hardening (tayori.runtime.smtp_guard): byte-string tables and property tests."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tayori.runtime.smtp_guard import (
    MAX_AUTH_LINE,
    CommandReader,
    DataReader,
    DataResult,
    PipeliningGuard,
    Problem,
    check_command_line,
    dot_stuff,
)

# ---------------------------------------------------------------------------------------------------------
# command lines

COMMAND_TABLE = [
    (b"EHLO client.example\r\n", None),
    (b"MAIL FROM:<a@example.org>\r\n", None),
    (b"EHLO x\n", Problem.CMD_BARE_LF),
    (b"EHLO x\r\r\n", Problem.CMD_BARE_CR),
    (b"MAIL FROM:<a@x>\rRCPT TO:<b@y>\r\n", Problem.CMD_BARE_CR),
    (b"MAIL FROM:<a@x>\nRCPT TO:<b@y>\r\n", Problem.CMD_BARE_LF),
    (b"HELO a\x00b\r\n", Problem.CMD_NUL),
    (b"NOOP " + b"x" * 505 + b"\r\n", None),  # 512 with CRLF
    (b"NOOP " + b"x" * 506 + b"\r\n", Problem.LINE_TOO_LONG),
    (b"AUTH PLAIN " + b"A" * 5000 + b"\r\n", None),
    (b"AUTH PLAIN " + b"A" * MAX_AUTH_LINE + b"\r\n", Problem.LINE_TOO_LONG),
]


@pytest.mark.parametrize(("line", "expected"), COMMAND_TABLE)
def test_command_line_table(line: bytes, expected: Problem | None) -> None:
    assert check_command_line(line) is expected


def test_esmtp_mail_may_be_longer() -> None:
    line = b"MAIL FROM:<" + b"a" * 600 + b"@x> SIZE=1 BODY=8BITMIME\r\n"
    assert check_command_line(line) is Problem.LINE_TOO_LONG
    assert check_command_line(line, esmtp=True) is None
    assert check_command_line(b"RCPT TO:<" + b"a" * 990 + b">\r\n", esmtp=True) is Problem.LINE_TOO_LONG


def test_auth_continuation_line_limit() -> None:
    assert check_command_line(b"QUFB" * 1000 + b"\r\n") is Problem.LINE_TOO_LONG
    assert check_command_line(b"QUFB" * 1000 + b"\r\n", auth=True) is None


def test_command_reader_splits_and_flags_pipelining() -> None:
    r = CommandReader()
    r.receive(b"EHLO a\r\nMAIL FROM:<x@y>\r")
    first = r.next_line()
    assert first is not None and first.line == b"EHLO a" and first.problem is None and first.pipelined
    assert r.next_line() is None
    r.receive(b"\n")
    second = r.next_line()
    assert second is not None and second.verb == "MAIL" and not second.pipelined and second.problem is None


def test_command_reader_overlong_line_is_bounded_and_resyncs() -> None:
    r = CommandReader()
    for _ in range(100):
        r.receive(b"x" * 1000)
        assert r.next_line() is None
        assert len(r._buf) <= MAX_AUTH_LINE + 2
    r.receive(b"yyy\r\nQUIT\r\n")
    bad = r.next_line()
    assert bad is not None and bad.problem is Problem.LINE_TOO_LONG and bad.pipelined
    ok = r.next_line()
    assert ok is not None and ok.line == b"QUIT" and ok.problem is None


def test_command_reader_hands_over_data() -> None:
    r = CommandReader()
    r.receive(b"DATA\r\nSubject: x\r\n\r\nhi\r\n.\r\n")
    line = r.next_line()
    assert line is not None and line.verb == "DATA" and line.pipelined
    d = DataReader()
    res = d.feed(r.take_unprocessed())
    assert res is not None and res.problem is None and res.size == len(b"Subject: x\r\n\r\nhi\r\n")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=20))
def test_command_reader_never_raises(chunks: list[bytes]) -> None:
    r = CommandReader()
    for c in chunks:
        r.receive(c)
        while (line := r.next_line()) is not None:
            assert line.problem is None or line.problem.code == 500
            if line.problem is None:
                assert b"\r" not in line.line and b"\n" not in line.line and b"\x00" not in line.line


# ---------------------------------------------------------------------------------------------------------
# DATA and SMTP smuggling

BODY = b"From: a@example.org\r\nTo: b@example.test\r\nSubject: test\r\n\r\nhello\r\n"
SMUGGLED = (
    b"MAIL FROM:<admin@example.test>\r\nRCPT TO:<victim@example.test>\r\nDATA\r\n"
    b"From: admin@example.test\r\nSubject: SMUGGLED EMAIL\r\n\r\nevil\r\n"
)

# (name, bytes sent after the last CRLF-ended body line, problem reported at the real end)
SMUGGLING_VECTORS = [
    ("lflf", b"\n.\n", Problem.BARE_LF),
    ("crcr", b"\r.\r", Problem.BARE_CR),
    ("crlf", b"\r.\n", Problem.BARE_LF),
    ("lfcr", b"\n.\r", Problem.BARE_LF),
    ("lfcrlf", b"\n.\r\n", Problem.BARE_LF),
    ("crlflf", b"\r\n.\n", Problem.BARE_LF),
    ("crcrlf", b"\r.\r\n", Problem.BARE_CR),
    ("crlfcr", b"\r\n.\r", Problem.BARE_CR),
    ("nullbefore", b"\r\n\x00.\r\n", Problem.NUL),
    ("nullafter", b"\r\n.\x00\r\n", Problem.NUL),
    ("crlf-crcrlf", b"\r\n.\r\r\n", Problem.BARE_CR),
    ("crcrlf-crcrlf", b"\r\r\n.\r\r\n", Problem.BARE_CR),
    ("lf-dot-crlf-prefix", b"x\n.\r\n", Problem.BARE_LF),
    ("cr-dot-cr-lf", b"\r.\r\n\r\n", Problem.BARE_CR),
]


def _feed_all(reader: DataReader, data: bytes, step: int | None = None) -> DataResult | None:
    if step is None:
        return reader.feed(data)
    res = None
    for i in range(0, len(data), step):
        res = reader.feed(data[i : i + step])
        if res is not None:
            return res
    return res


@pytest.mark.parametrize(("name", "vector", "problem"), SMUGGLING_VECTORS, ids=[v[0] for v in SMUGGLING_VECTORS])
@pytest.mark.parametrize("step", [None, 1, 2, 3, 7])
def test_smuggling_vector_never_ends_data(name: str, vector: bytes, problem: Problem, step: int | None) -> None:
    sunk: list[bytes] = []
    r = DataReader(max_size=10_000, sink=sunk.append)
    # Without the real terminator the message must still be open, whatever the chunking.
    assert _feed_all(r, BODY + vector + SMUGGLED, step) is None
    res = _feed_all(r, b".\r\nQUIT\r\n", step)
    assert res is not None
    assert res.problem is problem, name
    assert res.problem.code in (550, 500) and res.reply is not None and res.reply.startswith("5")
    assert res.unconsumed.endswith(b"QUIT\r\n") or step is not None


@pytest.mark.parametrize(("name", "vector", "problem"), SMUGGLING_VECTORS, ids=[v[0] for v in SMUGGLING_VECTORS])
def test_smuggling_vector_alone_then_real_end(name: str, vector: bytes, problem: Problem) -> None:
    r = DataReader()
    res = r.feed(BODY + vector + b"\r\n.\r\n")
    assert res is not None and res.problem is problem and res.unconsumed == b""


def test_clean_message_and_pipelined_rest() -> None:
    sunk: list[bytes] = []
    r = DataReader(sink=sunk.append)
    res = r.feed(BODY + b"..leading dot\r\n.\r\nMAIL FROM:<x@y>\r\n")
    assert res is not None and res.problem is None
    assert b"".join(sunk) == BODY + b".leading dot\r\n"
    assert res.size == len(BODY) + len(b".leading dot\r\n")
    assert res.unconsumed == b"MAIL FROM:<x@y>\r\n"
    with pytest.raises(RuntimeError):
        r.feed(b"more")


def test_empty_message() -> None:
    res = DataReader().feed(b".\r\n")
    assert res is not None and res.problem is None and res.size == 0


def test_dot_space_is_not_the_end() -> None:
    r = DataReader()
    assert r.feed(b"a\r\n. \r\n.x\r\n") is None
    res = r.feed(b".\r\n")
    assert res is not None and res.problem is None and res.size == len(b"a\r\n \r\nx\r\n")


@pytest.mark.parametrize("step", [None, 1, 100, 999])
def test_line_length_limit(step: int | None) -> None:
    ok_line = b"x" * 998 + b"\r\n"  # 1000 with CRLF
    stuffed_ok = b".." + b"x" * 997 + b"\r\n"  # content 1000 after unstuffing, 1001 on the wire
    long_line = b"y" * 999 + b"\r\n"
    r = DataReader()
    res = _feed_all(r, ok_line + stuffed_ok + b".\r\n", step)
    assert res is not None and res.problem is None
    r = DataReader()
    res = _feed_all(r, ok_line + long_line + b".\r\n", step)
    assert res is not None and res.problem is Problem.TEXT_LINE_TOO_LONG


def test_huge_line_memory_is_bounded_and_resyncs() -> None:
    r = DataReader()
    for _ in range(200):
        assert r.feed(b"z" * 10_000) is None
        assert len(r._pending) <= 1
    res = r.feed(b"\r\nnext\r\n.\r\nQUIT\r\n")
    assert res is not None and res.problem is Problem.TEXT_LINE_TOO_LONG and res.unconsumed == b"QUIT\r\n"


def test_too_big_consumes_to_the_end_and_stops_sinking() -> None:
    sunk: list[bytes] = []
    r = DataReader(max_size=1000, sink=sunk.append)
    line = b"x" * 78 + b"\r\n"
    for _ in range(100):
        assert r.feed(line) is None
    res = r.feed(b".\r\nRSET\r\n")
    assert res is not None and res.problem is Problem.TOO_BIG and res.size == 8000
    assert res.reply is not None and res.reply.startswith("552 5.3.4")
    assert sum(map(len, sunk)) <= 1000
    assert res.unconsumed == b"RSET\r\n"


def test_smuggling_outranks_size() -> None:
    r = DataReader(max_size=10)
    res = r.feed(b"x" * 50 + b"\r\nbare\nlf\r\n.\r\n")
    assert res is not None and res.problem is Problem.BARE_LF


def test_big_message_is_fast() -> None:
    import time

    line = b"X" * 78 + b"\r\n"
    block = line * 800  # 64 KB
    r = DataReader(max_size=64 << 20, sink=lambda b: None)
    t = time.perf_counter()
    for _ in range(512):  # 32 MiB
        assert r.feed(block) is None
    res = r.feed(b".\r\n")
    assert res is not None and res.problem is None and res.size == 512 * len(block)
    assert time.perf_counter() - t < 5


lines_strategy = st.lists(
    st.binary(max_size=120).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"").replace(b"\x00", b"")),
    max_size=30,
)


@settings(max_examples=400, deadline=None)
@given(lines_strategy, st.integers(min_value=1, max_value=64))
def test_dot_stuffing_round_trips(lines: list[bytes], step: int) -> None:
    content = b"".join(x + b"\r\n" for x in lines)
    wire = dot_stuff(content) + b"NEXT"
    sunk: list[bytes] = []
    r = DataReader(sink=sunk.append)
    res = None
    for i in range(0, len(wire), step):
        res = r.feed(wire[i : i + step])
        if res is not None:
            break
    assert res is not None and res.problem is None
    assert b"".join(sunk) == content and res.size == len(content)
    # What follows the terminator in the last chunk is handed back, nothing else.
    assert res.unconsumed + wire[i + step :] == b"NEXT"


smtpish = st.lists(
    st.sampled_from([b"\r", b"\n", b"\r\n", b".", b"\x00", b"a", b"..", b"\r\n.\r\n", b"x" * 700, b" "]),
    max_size=60,
).map(b"".join)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.binary(max_size=3000), smtpish), st.lists(st.integers(1, 50), min_size=1, max_size=10))
def test_random_streams_give_documented_outcomes_independent_of_chunking(data: bytes, cuts: list[int]) -> None:
    def run(step_sizes: list[int]) -> tuple[object, int, int | None]:
        r = DataReader(max_size=1500)
        pos = k = 0
        while pos < len(data):
            step = step_sizes[k % len(step_sizes)]
            k += 1
            res = r.feed(data[pos : pos + step])
            if res is not None:
                return res.problem, res.size, min(pos + step, len(data)) - len(res.unconsumed)
            pos += step
        return "open", r.size, None

    whole = run([len(data) or 1])
    chunked = run(cuts)
    assert whole == chunked
    problem = whole[0]
    assert problem == "open" or problem is None or isinstance(problem, Problem)
    if problem is not None and problem != "open":
        assert problem.key.startswith("data-") and problem.reply[0] == "5"
    if whole[2] is not None:
        # The end is always a real CRLF.CRLF (or "." CRLF as the very first line).
        end = whole[2]
        assert data[:end].endswith(b"\r\n.\r\n") or data[:end] == b".\r\n"


# ---------------------------------------------------------------------------------------------------------
# pipelining and early talkers


def test_early_talker() -> None:
    g = PipeliningGuard()
    assert g.before_greeting(b"EHLO x\r\n") is Problem.EARLY_TALKER
    assert g.before_greeting(0) is None
    assert g.on_command("EHLO", pending=False) is Problem.EARLY_TALKER
    g.greeting_sent()
    assert g.on_command("EHLO", pending=False) is None


def test_helo_session_may_not_pipeline() -> None:
    g = PipeliningGuard()
    g.greeting_sent()
    assert g.on_command("HELO", pending=False) is None
    assert g.on_command("MAIL", pending=True) is Problem.UNAUTH_PIPELINING
    assert Problem.UNAUTH_PIPELINING.close and Problem.UNAUTH_PIPELINING.reply.startswith("554 5.5.0")


def test_before_ehlo_no_pipelining() -> None:
    g = PipeliningGuard()
    g.greeting_sent()
    assert g.on_command("EHLO", pending=True) is Problem.UNAUTH_PIPELINING


@pytest.mark.parametrize("verb", ["EHLO", "DATA", "VRFY", "EXPN", "TURN", "NOOP", "STARTTLS", "AUTH", "HELP"])
def test_group_enders(verb: str) -> None:
    g = PipeliningGuard(advertise_pipelining=True)
    g.greeting_sent()
    assert g.on_command("EHLO", pending=False) is None
    assert g.on_command("MAIL", pending=True) is None
    assert g.on_command("RCPT", pending=True) is None
    assert g.on_command("RSET", pending=True) is None
    assert g.on_command(verb, pending=True) is Problem.PIPELINING_AFTER_GROUP_END


def test_quit_is_exempt() -> None:
    g = PipeliningGuard()
    g.greeting_sent()
    assert g.on_command("QUIT", pending=True) is None


def test_pipelining_not_advertised() -> None:
    g = PipeliningGuard(advertise_pipelining=False)
    g.greeting_sent()
    g.on_command("EHLO", pending=False)
    assert g.on_command("MAIL", pending=True) is Problem.UNAUTH_PIPELINING


def test_starttls_resets_pipelining() -> None:
    g = PipeliningGuard()
    g.greeting_sent()
    g.on_command("EHLO", pending=False)
    g.on_command("STARTTLS", pending=False)
    assert g.on_command("MAIL", pending=True) is Problem.UNAUTH_PIPELINING


def test_after_end_of_data() -> None:
    g = PipeliningGuard()
    g.greeting_sent()
    g.on_command("HELO", pending=False)
    assert g.on_data_end(pending=True) is Problem.UNAUTH_PIPELINING
    g2 = PipeliningGuard()
    g2.greeting_sent()
    g2.on_command("EHLO", pending=False)
    assert g2.on_data_end(pending=True) is None  # RFC 2920: content may start a group


def test_smtpsmug_pipelining_probe_in_a_helo_session() -> None:
    """The whole 'pipelining' probe through CommandReader + DataReader + PipeliningGuard."""
    stream = (
        b"HELO x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n"
        + BODY
        + b".\r\n"
        + SMUGGLED
        + b".\r\n"
    )
    g = PipeliningGuard()
    g.greeting_sent()
    r = CommandReader()
    r.receive(stream)
    line = r.next_line()
    assert line is not None
    assert g.on_command(line.verb, line.pipelined) is Problem.UNAUTH_PIPELINING
