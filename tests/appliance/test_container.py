"""Container smoke test: build the image, run it with published ports, send mail (smtplib), read it
(poplib, imaplib), stop, start again, the mail is still there; a client seen through the published
port (podman's gateway address, not loopback) cannot make the server relay."""

from __future__ import annotations

import imaplib
import os
import poplib
import shutil
import smtplib
import socket
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.live
REPO = Path(__file__).resolve().parents[2]
IMAGE = "localhost/tayori:dev"
ENV = {**os.environ, "CONTAINERS_CONF": str(REPO / "appliance" / "containers.conf")}


def podman(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], capture_output=True, text=True, env=ENV, timeout=timeout, check=check)


@pytest.fixture(scope="module")
def image() -> str:
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed (apt-get install podman buildah runc debootstrap)")
    r = subprocess.run([sys.executable, "-m", "tayori.appliance.cli", "run", "--help"], capture_output=True)
    if r.returncode != 0:
        pytest.skip("`tayori run` does not exist yet (`tayori run --help` fails)")
    build = subprocess.run(
        [str(REPO / "scripts" / "build-image"), IMAGE], capture_output=True, text=True, env=ENV, cwd=REPO, timeout=900
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    probe = podman("run", "--rm", "--entrypoint", "true", IMAGE, check=False)
    if probe.returncode != 0:
        pytest.skip(f"podman cannot run containers here: {probe.stderr.strip()[-300:]}")
    return IMAGE


@pytest.fixture
def container(image: str) -> Iterator[str]:
    name = f"tayori-test-{uuid.uuid4().hex[:8]}"
    volume = f"{name}-data"
    podman("volume", "create", volume)
    try:
        podman(
            "run",
            "-d",
            "--name",
            name,
            "-v",
            f"{volume}:/data",
            "-p",
            "127.0.0.1::25",
            "-p",
            "127.0.0.1::110",
            "-p",
            "127.0.0.1::143",
            image,
        )
        yield name
    finally:
        podman("rm", "-f", "-t", "2", name, check=False)
        podman("volume", "rm", "-f", volume, check=False)


def port(name: str, inner: int) -> int:
    out = podman("port", name, f"{inner}/tcp").stdout.strip().splitlines()[0]
    return int(out.rsplit(":", 1)[1])


def wait_ready(name: str, timeout: float = 90) -> dict[int, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            ports = {p: port(name, p) for p in (25, 110, 143)}
            with socket.create_connection(("127.0.0.1", ports[25]), timeout=3) as s:
                if s.recv(100).startswith(b"220"):
                    with socket.create_connection(("127.0.0.1", ports[110]), timeout=3) as p:
                        if p.recv(100).startswith(b"+OK"):
                            return ports
        except (OSError, IndexError, subprocess.CalledProcessError):
            pass
        time.sleep(0.5)
    raise AssertionError("the appliance did not come up:\n" + podman("logs", name, check=False).stderr[-3000:])


def tls() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # the appliance's self-signed certificate
    return ctx


def pop_count(p: int) -> int:
    pop = poplib.POP3("127.0.0.1", p, timeout=10)
    try:
        pop.stls(tls())
        pop.user("demo@example.test")
        pop.pass_("tayori-demo")
        return int(pop.stat()[0])
    finally:
        pop.quit()


def imap_count(p: int) -> int:
    im = imaplib.IMAP4("127.0.0.1", p, timeout=10)
    try:
        im.starttls(tls())
        im.login("demo@example.test", "tayori-demo")
        typ, data = im.select("INBOX", readonly=True)
        assert typ == "OK"
        return int(data[0])
    finally:
        im.logout()


def eventually(check, timeout: float = 30):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
            if value:
                return value
        except (OSError, poplib.error_proto, imaplib.IMAP4.error):
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            return value
        time.sleep(0.5)


def test_container_mail_survives_restart_and_refuses_relay(container: str) -> None:
    ports = wait_ready(container)
    with smtplib.SMTP("127.0.0.1", ports[25], timeout=15) as c:
        c.ehlo("client.test")
        assert c.sendmail("someone@elsewhere.test", ["demo@example.test"], b"Subject: smoke\r\n\r\nhello\r\n") == {}
        # The client arrives through podman's port forwarding as the bridge's gateway address; whatever
        # it is, an unauthenticated stranger must not relay to another domain.
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            c.sendmail("someone@elsewhere.test", ["victim@remote.test"], b"Subject: relay\r\n\r\nx\r\n")
        assert refused.value.recipients["victim@remote.test"][0] == 554
    assert eventually(lambda: pop_count(ports[110]) >= 1)
    assert imap_count(ports[143]) >= 1
    stop = podman("stop", "-t", "10", container)
    assert stop.returncode == 0
    state = podman("inspect", "--format", "{{.State.ExitCode}}", container).stdout.strip()
    assert state == "0", podman("logs", container, check=False).stderr[-2000:]
    podman("start", container)
    ports = wait_ready(container)
    assert eventually(lambda: pop_count(ports[110]) >= 1)
    assert imap_count(ports[143]) >= 1
