"""`tayori probe` against a real `tayori run` on loopback: for a table of cases, the probe's replies
are the ones real SMTP clients get from the running listeners — same codes, same texts — and the
rule a probe names is the rule the running smtpd logged for the same refusal.

Loopback clients are 127.0.0.1 (trusted by a relay rule here) and ::1 (a stranger). AUTH on 587
(STARTTLS) and 465 (implicit TLS) uses a real password over the wire; the probe names the login
only. DATA is sent only to local recipients (delivered by Dovecot LMTP inside the root), never to an
external address, so nothing leaves the machine; the other cases stop after RCPT.
"""

from __future__ import annotations

import os
import shutil
import smtplib
import ssl
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
import yaml

from tayori.appliance.cli import main
from tayori.profiles.passwords import hash_password
from tests.runtime.smtpd.live_helpers import Appliance, running_appliance

pytestmark = pytest.mark.live

PASSWORD = "probe-pass-1"
MESSAGE = b"From: <a@example.net>\r\nTo: <alice@example.test>\r\nSubject: probe\r\n\r\nhello\r\n"


def profile_text(ports: dict[str, int]) -> str:
    return f"""profile_version: 1
server: {{hostname: mx.example.test}}
listeners:
  smtp: {{bind: [127.0.0.1, "::1"], port: {ports["smtp"]}, tls: starttls, tls_required: false}}
  submission: {{bind: [127.0.0.1], port: {ports["submission"]}, tls: starttls, auth: true, relay_with_auth: true}}
  submissions: {{bind: [127.0.0.1], port: {ports["submissions"]}, tls: implicit, auth: true, relay_with_auth: true}}
  pop3: {{bind: [127.0.0.1], port: {ports["pop3"]}}}
  pop3s: {{bind: [127.0.0.1], port: {ports["pop3s"]}}}
  imap: {{bind: [127.0.0.1], port: {ports["imap"]}}}
  imaps: {{bind: [127.0.0.1], port: {ports["imaps"]}}}
domains:
  - name: example.test
accounts:
  - address: alice@example.test
    password_hash: "{hash_password(PASSWORD)}"
  - address: bob@example.test
    password_hash: "{hash_password(PASSWORD)}"
aliases:
  - address: postmaster@example.test
    targets: [alice@example.test]
policy:
  spf: "off"
  relay:
    rules:
      - clients: [127.0.0.1]
        table: trust
        origin: probe-test:1
  limits: {{connections_per_minute_per_ip: null, messages_per_minute_per_ip: null, max_protocol_errors: 50}}
"""


@pytest.fixture(scope="module")
def running() -> Iterator[Appliance]:
    if shutil.which("dovecot") is None and not os.path.exists("/usr/sbin/dovecot"):
        pytest.skip("dovecot is not installed")
    with running_appliance(profile_text, port_timeout=60) as app:
        yield app


# (name, client, listener, auth, sender, recipients, send DATA)
CASES: list[tuple[str, str, str, str | None, str, list[str], bool]] = [
    ("stranger to a local user", "::1", "smtp", None, "a@example.net", ["alice@example.test"], True),
    ("stranger relays", "::1", "smtp", None, "a@example.net", ["b@example.org"], False),
    ("forged local sender relays", "::1", "smtp", None, "alice@example.test", ["b@example.org"], False),
    ("stranger to an unknown user", "::1", "smtp", None, "a@example.net", ["nobody@example.test"], False),
    ("null sender to an alias", "::1", "smtp", None, "", ["postmaster@example.test"], True),
    ("mixed recipients", "::1", "smtp", None, "a@example.net", ["b@example.org", "bob@example.test"], False),
    ("source route", "::1", "smtp", None, "a@example.net", ["@relay.example:b@example.org"], False),
    ("trusted client relays", "127.0.0.1", "smtp", None, "someone@example.net", ["b@example.org"], False),
    ("submission without AUTH", "127.0.0.1", "submission", None, "alice@example.test", ["b@example.org"], False),
    ("submission with AUTH relays", "127.0.0.1", "submission", "alice@example.test", "alice@example.test",
     ["b@example.org", "bob@example.test"], False),
    ("AUTH with someone else's sender", "127.0.0.1", "submission", "alice@example.test", "bob@example.test",
     ["b@example.org"], False),
    ("submissions with AUTH", "127.0.0.1", "submissions", "bob@example.test", "bob@example.test",
     ["alice@example.test"], True),
]  # fmt: skip


def _tls() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def live_session(run: Appliance, case: tuple[Any, ...]) -> list[tuple[str, int, str]]:
    """The same conversation with smtplib against the running listener: (command, code, reply text)."""
    _name, client, listener, auth, sender, rcpts, data = case
    port = run.ports[listener]
    s: smtplib.SMTP = (
        smtplib.SMTP_SSL(client, port, context=_tls(), timeout=30)
        if listener == "submissions"
        else smtplib.SMTP(client, port, timeout=30)
    )
    steps = []
    try:
        s.ehlo("client.example.net")
        if listener == "submission":
            s.starttls(context=_tls())
            s.ehlo("client.example.net")
        if auth:
            s.login(auth, PASSWORD)
        code, text = s.mail(sender)
        steps.append((f"MAIL FROM:<{sender}>", code, text.decode()))
        if code != 250:
            return steps
        accepted = 0
        for r in rcpts:
            code, text = s.rcpt(r)
            steps.append((f"RCPT TO:<{r}>", code, text.decode()))
            accepted += code < 300
        if data and accepted:
            code, text = s.data(MESSAGE)
            steps.append(("DATA", code, text.decode()))
        else:
            s.rset()
    finally:
        with suppress(smtplib.SMTPException, OSError):
            s.quit()
    return steps


def _table(run: Appliance) -> dict[str, Any]:
    return {
        "probes": [
            {
                "name": name,
                "client": client,
                "port": run.ports[listener],
                "auth": auth,
                "mail_from": sender,
                "rcpt_to": rcpts,
                "helo": "client.example.net",
            }
            for name, client, listener, auth, sender, rcpts, _ in CASES
        ]
    }


def _probe_json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> Any:
    import json

    capsys.readouterr()
    rc = main(argv)
    out, err = capsys.readouterr()
    assert rc == 0, err
    return json.loads(out)


def _same(step: dict[str, Any], live: tuple[str, int, str]) -> bool:
    command, code, text = live
    probe_text = f"{step['status']} {step['text']}".strip()
    if command == "DATA":  # the queue id differs by nature
        return step["code"] == code and probe_text.split(" queued as ")[0] == text.split(" queued as ")[0]
    return (step["command"], step["code"], probe_text) == (command, code, text)


def test_probe_table_agrees_with_live_sessions(
    running: Appliance, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live = [live_session(running, case) for case in CASES]
    table = tmp_path / "live.yaml"
    table.write_text(yaml.safe_dump(_table(running)))
    message = tmp_path / "m.eml"
    message.write_bytes(MESSAGE)
    # PROFILE omitted: the root's live profile, the one `tayori run` is running
    got = _probe_json(capsys, ["--root", str(running.root), "probe", "--batch", str(table), "--format", "json"])
    results = got["results"]
    assert len(results) == len(CASES)
    problems = []
    for case, result, steps in zip(CASES, results, live, strict=True):
        wanted = [s for s in result["steps"] if s["command"] != "DATA"]
        if case[6]:
            # DATA through the probe as well: one single probe with --data, as an admin would run it
            one = _probe_json(capsys, _single_argv(running, case, message))
            wanted = one["steps"]
        if len(wanted) != len(steps) or not all(_same(a, b) for a, b in zip(wanted, steps, strict=True)):
            problems.append(f"{case[0]}: probe {[s['line'] for s in wanted]} live {steps}")
    assert problems == []
    outcomes = {c[0]: r["outcome"] for c, r in zip(CASES, results, strict=True)}
    assert outcomes["stranger relays"] == "refuse" and outcomes["trusted client relays"] == "accept"
    assert outcomes["mixed recipients"] == "mixed" and outcomes["submission with AUTH relays"] == "accept"


def _single_argv(run: Appliance, case: tuple[Any, ...], message: Path) -> list[str]:
    _name, client, listener, auth, sender, rcpts, _ = case
    argv = ["--root", str(run.root), "probe", "--client", client, "--listener", listener, "--from", sender]
    argv += ["--helo", "client.example.net", "--data", str(message), "--format", "json"]
    for r in rcpts:
        argv += ["--to", r]
    if auth:
        argv += ["--auth", auth]
    return argv


def test_probe_names_the_rule_the_running_smtpd_logged(
    running: Appliance, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live_session(running, CASES[1])  # a stranger relays: refused at RCPT, logged with its rule
    end = time.monotonic() + 10
    logged: list[str] = []
    while not logged and time.monotonic() < end:
        with suppress(OSError):
            logged = [
                x
                for x in running.smtpd_log.read_text().splitlines()
                if "smtpd: reject stage=rcpt" in x and "b@example.org" in x
            ]
        time.sleep(0.1)
    assert logged, "smtpd logged no refusal"
    got = _probe_json(
        capsys,
        ["--root", str(running.root), "probe", "--client", "::1", "--from", "a@example.net", "--to", "b@example.org",
         "--format", "json"],
    )  # fmt: skip
    rule = got["steps"][-1]["rule"].split()[0]
    assert f"rule={rule} " in logged[-1] + " "
