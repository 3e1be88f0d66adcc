"""Random bytes and random line soup in every file the reader opens never raise."""

from __future__ import annotations

import shutil
from pathlib import Path

from epost_helpers import FIXTURES, compile_folder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tayori.compiler.epost.effect import parse_effect
from tayori.compiler.epost.gateway import parse_gateway
from tayori.compiler.epost.idx import parse_idx
from tayori.compiler.epost.imsctl import parse_imsctl
from tayori.compiler.epost.mailbox import decode_apop, parse_apop, parse_patterns, parse_sender, parse_usetime
from tayori.compiler.epost.maildat import parse_maildat
from tayori.compiler.epost.regfile import parse_reg
from tayori.compiler.legacy_text import decode_legacy

FILES = [
    "ms/backup/epst-ms.reg",
    "ms/effect.dat",
    "ms/mail.dat",
    "ms/gateway.dat",
    "ms/header.dat",
    "ms/ordb.dat",
    "ms/passdb.dat",
    "ms/hiddensmtpip.dat",
    "ms/rejectsmtpip.dat",
    "ms/example.jp.idx",
    "inbox/taro/IMS.CTL",
    "inbox/taro/AUTORPLY.TXT",
    "inbox/taro/NOREPLY.TXT",
    "inbox/taro/PERMITFROM.TXT",
    "inbox/taro/apop.dat",
    "inbox/taro/sender.dat",
    "inbox/taro/usetime.dat",
    "inbox/taro/mail.dat",
    "inbox/taro/effect.dat",
    "export/accounts.txt",
    "export/aliases.txt",
]
TOKENS = [
    "REGEDIT4",
    "Windows Registry Editor Version 5.00",
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\EMWAC\\IMS]",
    '"DomainNamesAreLocal"=hex(7):61,2e,6a,70,00,00',
    '"MailInBoxDir"="C:\\\\IMS\\\\INBOX"',
    "Virus:x",
    "VirusEnd:",
    "Level:111",
    "Body:",
    "BodyEnd:",
    "Warning:",
    "Subject:#blank",
    "[AutoReply]",
    "[AutoForward]",
    "ForwardTo=file:c:\\x.txt",
    "* false",
    "0.0.0.0 only",
    "192.168.0.* norelay,2",
    "#<> default",
    "a.jp,gw,465*",
    "Mon 08:00-20:00",
    "*@a.jp,-1",
    "\x1b$B",
    "\t",
    "=",
    ",",
    "'",
    " ",
    "dGFybwlwdwkJZXhhbXBsZS5qcAk=",
    "taro\tpw\tT\texample.jp\t\t1\t1\t100",
]
PARSERS = [
    parse_effect,
    parse_gateway,
    parse_idx,
    parse_imsctl,
    parse_maildat,
    parse_reg,
    parse_patterns,
    parse_sender,
    parse_usetime,
]


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_parsers_never_raise_on_random_bytes(data: bytes) -> None:
    decoded = decode_legacy(data)
    for parse in PARSERS:
        parse(decoded.lines)
    parse_apop(*decode_apop(data))


def _soup() -> st.SearchStrategy[bytes]:
    line = st.one_of(st.sampled_from(TOKENS), st.text(max_size=30))
    return st.lists(line, max_size=12).map(lambda ls: "\r\n".join(ls).encode("cp932", errors="replace"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(FILES), st.one_of(st.binary(max_size=200), _soup())), max_size=6))
def test_reader_never_raises_and_accounts_for_every_line(tmp_path_factory, files) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("epost")
    shutil.copytree(FIXTURES / "relay_base", folder / "base")
    for rel, data in files:
        p = folder / "base" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    run = compile_folder(Path(folder / "base"))
    assert run.builder.unaccounted() == {}
