"""The import into a running `tayori run` (the appliance's own rendered Dovecot config): POP3 UIDL
shows the legacy UIDLs, IMAP the flags, and a second run while it serves adds nothing."""

from __future__ import annotations

import contextlib
import imaplib
import os
import poplib
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tayori.profiles.loader import load_profile
from tayori.runtime.importmail.cli import mail_owner
from tayori.runtime.importmail.importer import Importer, Options
from tayori.runtime.paths import StatePaths

from .dovecot_peer import available, free_port

pytestmark = [pytest.mark.live, pytest.mark.skipif(not available(), reason="dovecot is not installed")]

# SHA512-CRYPT of "tayori-demo" (the README's demo password)
HASH = (
    "{SHA512-CRYPT}$6$zej09nSQwujKP4D1$OPD9ExvHSEuba20/Rkc/IXfON8QVbb1WXI4421J82xBmoLgXhXGuxmAIlIFIBVhf"
    "xLTP.S32dOe8dAThqVA/00"
)
PASSWORD = "tayori-demo"
LISTENERS = ("smtp", "submission", "submissions", "pop3", "pop3s", "imap", "imaps")


def _profile(ports: dict[str, int]) -> str:
    accounts = "".join(
        f'  - address: {u}@example.test\n    password_hash: "{HASH}"\n' for u in ("tanaka", "suzuki", "sato")
    )
    lst = "".join(
        f"  {n}: {{bind: [127.0.0.1], port: {ports[n]}, plaintext_auth_without_tls: true}}\n"
        if n in ("pop3", "imap")
        else f"  {n}: {{bind: [127.0.0.1], port: {ports[n]}}}\n"
        for n in LISTENERS
    )
    return (
        "profile_version: 1\nserver: {hostname: mail.example.test, postmaster: tanaka@example.test}\n"
        f"listeners:\n{lst}domains:\n  - name: example.test\naccounts:\n{accounts}"
    )


@contextlib.contextmanager
def appliance(tmp: Path) -> Iterator[tuple[StatePaths, dict[str, int], Path]]:
    ports = {n: free_port() for n in LISTENERS}
    prof = tmp / "office.yaml"
    prof.write_text(_profile(ports), encoding="utf-8")
    root = tmp / "root"
    sockdir = f"/tmp/tyi-{os.getpid()}-{os.urandom(3).hex()}"
    env = {**os.environ, "TAYORI_SOCKET_DIR": sockdir}
    log = open(tmp / "run.log", "wb")  # noqa: SIM115 -- closed in finally
    proc = subprocess.Popen(
        [sys.executable, "-m", "tayori.appliance.cli", "--root", str(root), "run", str(prof)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 40
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", ports["pop3"]), timeout=0.5):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("tayori run did not start:\n" + (tmp / "run.log").read_text(errors="replace")[-3000:])
            time.sleep(0.1)
        yield StatePaths.at(root), ports, prof
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        subprocess.run(["rm", "-rf", sockdir], check=False)


def test_import_into_running_appliance(legacy: Callable[[str], Path], scratch: Path) -> None:
    src = legacy("pmail")
    with appliance(scratch) as (paths, ports, prof):
        profile = load_profile(prof).profile
        report = Importer(src, profile, paths, Options(owner=mail_owner())).run()
        assert report.ok, report.render("en")
        p = poplib.POP3("127.0.0.1", ports["pop3"], timeout=10)
        try:
            p.user("tanaka@example.test")
            p.pass_(PASSWORD)
            uidls = [line.decode().split(" ", 1)[1] for line in p.uidl()[1]]
        finally:
            p.quit()
        assert uidls == [
            "s450SeVCDybn76u21RySA66Bb29kXvO5",
            "t551TfWDEzco87v32SzTB77Cc30lYwP6",
            "u662UgXEFadp98w43TaUC88Dd41mZxQ7",
            "v773VhYFGbeq09x54UbVD99Ee52nAyR8",
        ]
        m = imaplib.IMAP4("127.0.0.1", ports["imap"], timeout=10)
        try:
            m.login("suzuki@example.test", PASSWORD)
            m.select("INBOX", readonly=True)
            _, rows = m.fetch("1:*", "(UID FLAGS)")
            flags = [r.decode().split("FLAGS ", 1)[1].rstrip(")") + ")" for r in rows if isinstance(r, bytes)]
            assert flags == [r"(\Seen)", r"(\Answered \Seen)", "()", "()"]
            typ, folders = m.list()
            assert typ == "OK" and any(b"Sent" in f for f in folders if isinstance(f, bytes))
        finally:
            m.logout()
        again = Importer(src, profile, paths, Options(owner=mail_owner())).run()
        assert again.ok and again.imported_now == 0
