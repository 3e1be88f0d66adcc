"""A real terminal: tmux runs `tayori tui`, keys go through the fresh-install wizard, the wizard starts
the appliance, and the resulting profile runs and accepts mail (SMTP) and logins (POP3)."""

from __future__ import annotations

import os
import poplib
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tayori.appliance.tui.fresh_profile import default_template
from tayori.appliance.tui.launcher import pid_file
from tayori.runtime.paths import StatePaths

pytestmark = pytest.mark.live
REPO = Path(__file__).resolve().parents[2]


def tayori_has_run() -> bool:
    r = subprocess.run([sys.executable, "-m", "tayori.appliance.cli", "run", "--help"], capture_output=True)
    return r.returncode == 0


def free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def wait_for(predicate, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}: {getattr(predicate, 'screen', lambda: '')()}")


@pytest.fixture
def scratch() -> Iterator[Path]:
    base = Path(tempfile.mkdtemp(prefix="tayori-tmux-", dir="/tmp"))
    base.chmod(0o755)
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_wizard_in_tmux_then_mail_flows(scratch: Path) -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (apt-get install tmux)")
    if not tayori_has_run():
        pytest.skip("`tayori run` does not exist yet (`tayori run --help` fails)")
    ports = dict(
        zip(["smtp", "submission", "submissions", "pop3", "pop3s", "imap", "imaps"], free_ports(7), strict=True)
    )
    template = default_template()
    for name, default in [
        ("smtp", 2525),
        ("submission", 2587),
        ("submissions", 2465),
        ("pop3", 2110),
        ("pop3s", 2995),
        ("imap", 2143),
        ("imaps", 2993),
    ]:
        template = template.replace(f"port: {default},", f"port: {ports[name]},")
    (scratch / "template.yaml").write_text(template, encoding="utf-8")
    root = scratch / "root"
    sockets = Path(tempfile.mkdtemp(prefix="tmx", dir="/tmp"))
    session = f"tayori-{os.getpid()}"
    # Textual draws on stderr, which must stay the terminal; tmux gives the pane the server's
    # environment, not ours: name the variables on the command line.
    command = (
        f"env TAYORI_SOCKET_DIR={sockets} TAYORI_LANG=en TERM=xterm-256color "
        f"{sys.executable} -m tayori.appliance.tui --root {root} --template {scratch / 'template.yaml'}"
    )
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", "-c", str(REPO), command], check=True
    )
    paths = StatePaths.at(root)

    def screen() -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout

    def keys(*k: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", session, *k], check=True)
        time.sleep(0.3)

    try:
        wait_for(lambda: "Start fresh" in screen(), 60, "the welcome screen")
        keys("Enter")  # the focused button: Start fresh
        wait_for(lambda: "First domain" in screen(), 30, "the start-fresh form")
        keys("-l", "office.test")
        keys("Enter")
        keys("-l", "admin")
        keys("Enter")
        keys("-l", "tmux-password-1")
        keys("Enter")
        keys("Enter")  # host name left empty: mail.office.test
        wait_for(lambda: "Preflight checks" in screen(), 30, "the checks")
        keys("Enter")  # Write the profile and start services
        wait_for(lambda: "Appliance started" in screen() or "Services started" in screen(), 60, "the start")
        assert paths.profile.exists()
        wait_for(lambda: _banner(ports["smtp"]), 60, "the SMTP listener")
        with smtplib.SMTP("127.0.0.1", ports["smtp"], timeout=10) as c:
            c.ehlo("client.test")
            assert c.sendmail("someone@elsewhere.test", ["admin@office.test"], b"Subject: via tmux\r\n\r\nhi\r\n") == {}
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE

        def delivered() -> bool:
            pop = poplib.POP3("127.0.0.1", ports["pop3"], timeout=10)
            try:
                pop.stls(ctx)
                pop.user("admin@office.test")
                pop.pass_("tmux-password-1")
                return pop.stat()[0] >= 1
            finally:
                pop.quit()

        wait_for(delivered, 60, "the message in the mailbox")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
        pf = pid_file(paths)
        if pf.exists():
            pid = int(pf.read_text().strip())
            try:
                os.kill(pid, signal.SIGTERM)
                wait_for(lambda: not _alive(pid), 20, "the appliance to stop")
            except ProcessLookupError:
                pass
        shutil.rmtree(sockets, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # our own child's zombie counts as gone
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True


def _banner(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            return s.recv(100).startswith(b"220")
    except OSError:
        return False
