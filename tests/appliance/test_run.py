"""`tayori run`: installing a profile into a state root, and the services coming up for real."""

from __future__ import annotations

import os
import poplib
import signal
import socket
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tayori.appliance.run import RunError, install
from tayori.runtime.paths import StatePaths
from tests.livenet import free_port, wait_port

REPO = Path(__file__).resolve().parents[2]
DEFAULT = REPO / "profiles/default.yaml"


def test_install_only_when_the_root_has_none(tmp_path: Path) -> None:
    paths = StatePaths.at(tmp_path / "root")
    paths.ensure()
    assert install(DEFAULT, paths).startswith("installed")
    other = tmp_path / "other.yaml"
    other.write_text(DEFAULT.read_text(encoding="utf-8").replace("2525", "2626"), encoding="utf-8")
    msg = install(other, paths)
    assert "already has a live profile" in msg and "--replace" in msg
    assert "2525" in paths.profile.read_text(encoding="utf-8")
    assert install(None, paths).startswith("running the live profile")


def test_no_profile_at_all_is_a_clear_error(tmp_path: Path) -> None:
    paths = StatePaths.at(tmp_path / "root")
    with pytest.raises(RunError, match="has no profile yet"):
        install(None, paths)


def test_replace_keeps_answered_decisions_and_copies_companions(tmp_path: Path) -> None:
    paths = StatePaths.at(tmp_path / "root")
    paths.ensure()
    live = DEFAULT.read_text(encoding="utf-8") + (
        "decisions:\n  epost.relay.x:\n    value: keep\n    pending: false\n    options: [safe, keep]\n"
    )
    paths.profile.write_text(live, encoding="utf-8")
    new = tmp_path / "office.yaml"
    new.write_text(
        DEFAULT.read_text(encoding="utf-8")
        + "decisions:\n  epost.relay.x:\n    value: safe\n    pending: true\n    options: [safe, keep]\n",
        encoding="utf-8",
    )
    (tmp_path / "office.secrets.yaml").write_text("secrets_version: 1\n", encoding="utf-8")
    (tmp_path / "office.report.json").write_text("{}", encoding="utf-8")
    install(new, paths, replace=True)
    data = yaml.safe_load(paths.profile.read_text(encoding="utf-8"))
    assert data["decisions"]["epost.relay.x"]["value"] == "keep"
    assert data["decisions"]["epost.relay.x"]["pending"] is False
    assert (paths.secrets.stat().st_mode & 0o777) == 0o600
    assert (paths.reports / "profile.report.json").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the mail user apart")
def test_unreachable_root_is_a_clear_error(tmp_path: Path) -> None:
    hidden = tmp_path / "private"
    hidden.mkdir(mode=0o700)
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "tayori.appliance.cli",
            "--root",
            str(hidden / "r"),
            "run",
            str(DEFAULT),
            "--prepare-only",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 1
    assert "which the mail user 'tayori' cannot enter" in r.stderr and "chmod o+x" in r.stderr


def test_a_broken_live_profile_stops_the_start(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("profile_version: 1\naccounts:\n  - address: a@nowhere.test\n", encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-m", "tayori.appliance.cli", "--root", str(tmp_path / "r"), "run", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 1
    assert "bad" not in r.stdout
    assert 'accounts[0].address: domain "nowhere.test" is not one of the local domains' in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.live
@pytest.mark.skipif(not Path("/usr/sbin/dovecot").exists(), reason="dovecot is not installed")
def test_run_brings_up_dovecot_and_stops_cleanly(tmp_path: Path, state_root: Path) -> None:
    ports = {name: free_port() for name in ("smtp", "submission", "submissions", "pop3", "pop3s", "imap", "imaps")}
    text = DEFAULT.read_text(encoding="utf-8")
    for name, default in (
        ("smtp", 2525),
        ("submission", 2587),
        ("submissions", 2465),
        ("pop3", 2110),
        ("pop3s", 2995),
        ("imap", 2143),
        ("imaps", 2993),
    ):
        text = text.replace(f"port: {default}", f"port: {ports[name]}")
    prof = tmp_path / "p.yaml"
    prof.write_text(text, encoding="utf-8")
    env = {**os.environ, "TAYORI_SOCKET_DIR": f"/tmp/tyt-{os.getpid()}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tayori.appliance.cli", "--root", str(state_root), "run", str(prof)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        wait_port(ports["pop3"], timeout=30)
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        pop = poplib.POP3("127.0.0.1", ports["pop3"], timeout=10)
        assert b"Tayori ready" in pop.getwelcome()
        pop.stls(ctx)
        pop.user("demo@example.test")
        assert pop.pass_("tayori-demo").startswith(b"+OK")
        pop.quit()
        bad = poplib.POP3_SSL("127.0.0.1", ports["pop3s"], context=ctx, timeout=10)
        bad.user("demo@example.test")
        with pytest.raises(poplib.error_proto):
            bad.pass_("wrong")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0, out.decode(errors="replace")[-2000:]
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", ports["pop3"]), timeout=1).close()
