"""`tayori probe` as an admin types it: one probe, a batch, the live profile, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tayori.appliance.cli import main

PROFILE = """profile_version: 1
server: {hostname: mx.example.test}
listeners:
  smtp: {bind: [127.0.0.1], port: 2525}
  submission: {bind: [127.0.0.1], port: 2587, auth: true, relay_with_auth: true}
  submissions: {bind: [127.0.0.1], port: 2465, auth: true, relay_with_auth: true}
domains:
  - name: example.test
accounts:
  - address: alice@example.test
aliases:
  - address: postmaster@example.test
    targets: [alice@example.test]
policy:
  spf: "off"
  rdns: "off"
"""


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    path = tmp_path / "profile.yaml"
    path.write_text(PROFILE)
    return path


def probe(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(["probe", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return rc, out, err


def test_one_probe_prints_each_step_with_its_rule(profile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = probe(
        capsys,
        str(profile),
        "--client", "203.0.113.5",
        "--from", "a@example.net",
        "--to", "b@example.org",
        "--to", "alice@example.test",
    )  # fmt: skip
    assert rc == 0
    lines = out.splitlines()
    assert lines[0].startswith("MAIL FROM:<a@example.net> 250 2.1.0 ")
    assert lines[1].startswith("RCPT TO:<b@example.org> 554 5.7.1 ") and "[policy.relay.fallback " in lines[1]
    assert lines[2].startswith("RCPT TO:<alice@example.test> 250 2.1.5 ")
    assert "outcome: mixed" in out


def test_expect_decides_the_exit_code(profile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = [str(profile), "--client", "203.0.113.5", "--from", "a@example.net", "--to", "b@example.org"]
    assert probe(capsys, *base, "--expect", "refuse")[0] == 0
    rc, out, _ = probe(capsys, *base, "--expect", "accept")
    assert rc == 1 and "MISMATCH" in out and "不一致" in out
    # mixed is neither accept nor refuse
    assert probe(capsys, *base, "--to", "alice@example.test", "--expect", "refuse")[0] == 1


def test_auth_without_password_relays_on_submission(profile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = probe(
        capsys, str(profile), "--client", "198.51.100.9", "--port", "587", "--auth", "alice@example.test",
        "--from", "alice@example.test", "--to", "b@example.org", "--expect", "accept", "--format", "json",
    )  # fmt: skip
    assert rc == 0
    data = json.loads(out)
    assert data["outcome"] == "accept" and data["matches"] is True
    assert [s["code"] for s in data["steps"]] == [250, 250]
    assert data["steps"][1]["rule"] and data["steps"][1]["line"].startswith("RCPT TO:<b@example.org> 250")
    # someone else's sender is refused even when authenticated
    rc, out, _ = probe(
        capsys, str(profile), "--client", "198.51.100.9", "--listener", "submission", "--auth", "alice@example.test",
        "--from", "boss@example.org", "--to", "b@example.org", "--expect", "refuse",
    )  # fmt: skip
    assert rc == 0, out


def test_data_runs_the_data_stage(profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    msg = tmp_path / "m.eml"
    msg.write_bytes(b"Subject: hi\n\n.line starting with a dot\nbody\n")
    rc, out, _ = probe(
        capsys, str(profile), "--client", "203.0.113.5", "--from", "a@example.net", "--to", "alice@example.test",
        "--data", str(msg), "--expect", "accept",
    )  # fmt: skip
    assert rc == 0
    assert out.splitlines()[2].startswith("DATA 250 2.0.0 ")


def test_dns_checks_are_skipped_without_a_fixture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(PROFILE + "  dnsbl: {zones: [{zone: bl.example.org, action: refuse}]}\n")
    base = [str(path), "--client", "198.18.0.7", "--from", "a@example.net", "--to", "alice@example.test"]
    rc, out, _ = probe(capsys, *base)
    assert rc == 0 and "skipped" in out and "dnsbl:bl.example.org" in out and "省略" in out
    fixture = tmp_path / "dns.yaml"
    fixture.write_text(yaml.safe_dump({"dnsbl": {"bl.example.org": ["198.18.0.7"]}}))
    rc, out, _ = probe(capsys, *base, "--dns-fixture", str(fixture), "--expect", "refuse")
    assert rc == 0 and out.startswith("CONNECT 554 5.7.1 ") and "[policy.dnsbl" in out and "skipped" not in out


def test_batch_table_marks_mismatches(profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "probes.yaml"
    table.write_text(
        yaml.safe_dump(
            {
                "probes": [
                    {"name": "stranger relays", "client": "203.0.113.5", "mail_from": "a@example.net",
                     "rcpt_to": "b@example.org", "expect": "refuse", "code": 554},
                    {"name": "inbound", "client": "203.0.113.5", "mail_from": "a@example.net",
                     "rcpt_to": "postmaster@example.test", "expect": "accept"},
                ]
            }
        )
    )  # fmt: skip
    rc, out, _ = probe(capsys, str(profile), "--batch", str(table))
    assert rc == 0 and "2 probes, 2 as expected, 0 mismatched" in out
    data = yaml.safe_load(table.read_text())
    data["probes"][1]["expect"] = "refuse"
    data["probes"].append({"client": "203.0.113.5", "mail_from": "", "rcpt_to": "b@example.org", "legacy": "accept"})
    table.write_text(yaml.safe_dump(data))
    rc, out, _ = probe(capsys, str(profile), "--batch", str(table))
    assert rc == 1 and "1 mismatched" in out
    assert any(line.startswith("✗") and "203.0.113.5" in line for line in out.splitlines())
    assert "≠ legacy accept, now refuse" in out
    rc, out, _ = probe(capsys, str(profile), "--batch", str(table), "--format", "json")
    data = json.loads(out)
    assert rc == 1 and data["mismatched"] == 1 and [r["matches"] for r in data["results"]] == [True, False, True]


def test_live_profile_of_the_root(profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "root"
    live = root / "etc/tayori/profile.yaml"
    live.parent.mkdir(parents=True)
    live.write_text(profile.read_text())
    argv = ["--client", "203.0.113.5", "--from", "a@example.net", "--to", "alice@example.test", "--expect", "accept"]
    assert main(["--root", str(root), "probe", *argv]) == 0
    capsys.readouterr()
    rc = main(["--root", str(tmp_path / "empty"), "probe", *argv])
    err = capsys.readouterr().err
    assert rc == 1 and "no live profile" in err and "プロファイル" in err


@pytest.mark.parametrize(
    ("argv", "rc", "needle"),
    [
        (["--client", "203.0.113.5", "--from", "a@x.test"], 2, "--to"),
        (["--batch", "t.yaml", "--client", "203.0.113.5"], 2, "--client"),
        (
            ["--port", "25", "--listener", "smtp", "--client", "1.2.3.4", "--from", "a@x", "--to", "b@y"],
            2,
            "not allowed",
        ),
        (["--client", "not-an-ip", "--from", "a@x.test", "--to", "b@y.test"], 1, "not an IP address"),
        (["--client", "192.0.2.1", "--port", "2600", "--from", "a@x.test", "--to", "b@y.test"], 1, "port 2600"),
        (["--batch", "missing.yaml"], 1, "bad probe table"),
        (["--client", "192.0.2.1", "--from", "a@x.test\r\nRSET", "--to", "b@y.test"], 1, "control characters"),
        (["--client", "192.0.2.1", "--from", "a@x.test", "--to", "b@y.test", "--data", "nope.eml"], 1, "nope.eml"),
        (["--client", "192.0.2.1", "--from", "a@x.test", "--to", "b@y.test", "--dns-fixture", "nope"], 1, "DNS"),
    ],
)
def test_bad_input_is_one_line_never_a_traceback(
    profile: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], rc: int, needle: str
) -> None:
    argv = [str(tmp_path / a) if a in ("t.yaml", "missing.yaml", "nope.eml", "nope") else a for a in argv]
    try:
        got = main(["probe", str(profile), *argv])
    except SystemExit as exc:  # argparse's own usage errors
        got = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert got == rc and needle in err and "Traceback" not in out + err


def test_broken_profile_and_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("profile_version: 1\nserver: {hostname: [oops]}\n")
    rc, _, err = probe(capsys, str(bad), "--client", "192.0.2.1", "--from", "a@x.test", "--to", "b@y.test")
    assert rc == 1 and "tayori check" in err and len(err.strip().splitlines()) == 1
    good = tmp_path / "good.yaml"
    good.write_text(PROFILE)
    table = tmp_path / "t.yaml"
    table.write_text("probes:\n  - {client: 192.0.2.1, mail_from: a@x.test, rcpt_to: b@y.test, expect: maybe}\n")
    rc, _, err = probe(capsys, str(good), "--batch", str(table))
    assert rc == 1 and "probes.0.expect" in err


def test_help_is_english_and_japanese(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["probe", "--help"])
    out = capsys.readouterr().out
    assert exc.value.code == 0 and "--dns-fixture" in out and "省略" in out and "Nothing" in out


@pytest.mark.parametrize("sample", ["xmail/MailRoot", "epost"])
def test_compile_probe_table_runs_as_a_batch(
    shared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], sample: str
) -> None:
    """`tayori compile --probe` writes the legacy behaviour beside the profile; `tayori probe --batch`
    runs it through the real session: no mismatch, and every difference from legacy is explained."""
    out = tmp_path / "profile.yaml"
    assert main(["compile", str(shared / "samples" / sample), "-o", str(out), "--probe", "--no-hash", "-q"]) in (0, 3)
    probes = tmp_path / "profile.probes.yaml"
    assert probes.exists()
    capsys.readouterr()
    rc, out_text, _ = probe(capsys, str(out), "--batch", str(probes), "--format", "json")
    data = json.loads(out_text)
    assert rc == 0 and data["mismatched"] == 0 and data["probes"] >= 12
    report = json.loads((tmp_path / "profile.report.json").read_text())
    ids = {e["id"] for e in report["entries"] if e["kind"] in ("upgraded", "decide")}
    for r in data["results"]:
        if r["legacy"] and r["outcome"] != r["legacy"]:
            # explained by the reader (explained_by) or listed by compile --probe as a difference
            listed = f"probe.difference.{r['client']}.{r['mail_from']}.{','.join(r['rcpt_to'])}"
            assert r["explained_by"] in ids or listed in ids, r["name"]
