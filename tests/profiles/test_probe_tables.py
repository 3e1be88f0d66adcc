"""The probe table format and its pure runner, including DNS fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from tayori.profiles.dnscheck import FixtureResolver, spf
from tayori.profiles.model import Profile
from tayori.profiles.probe import ProbeFormatError, format_results, load_table, mismatches, parse_table, run_table

P = Profile.model_validate(
    {
        "profile_version": 1,
        "server": {"hostname": "mail.example.co.jp"},
        "domains": [{"name": "example.co.jp"}],
        "accounts": [{"address": "a@example.co.jp"}],
        "policy": {
            "dnsbl": {"zones": [{"zone": "bl.example.org"}]},
            "rdns": "refuse",
            "spf": "refuse",
            "unknown_sender_domain": "refuse",
            "pop_before_smtp": {"enabled": True, "window": "10m", "match": "ip"},
            "relay": {"rules": [{"clients": ["192.0.2.0/24"], "table": "trust", "origin": "effect.dat:3"}]},
        },
        "listeners": {"smtp": {"relay_with_auth": True}},
    }
)

DNS = {
    "ptr": {"198.51.100.5": ["mx.example.net"], "198.51.100.9": ["mx.example.net"]},
    "a": {"mx.example.net": ["198.51.100.5"]},
    "mx": {"example.net": [[10, "mx.example.net"]]},
    "txt": {"example.net": ["v=spf1 mx -all"]},
    "dnsbl": {"bl.example.org": ["198.51.100.66"]},
}

TABLE = {
    "dns": DNS,
    "probes": [
        {
            "name": "good",
            "client": "198.51.100.5",
            "mail_from": "x@example.net",
            "rcpt_to": "a@example.co.jp",
            "expect": "accept",
        },
        {
            "name": "listed",
            "client": "198.51.100.66",
            "mail_from": "x@example.net",
            "rcpt_to": "a@example.co.jp",
            "expect": "refuse",
            "code": 554,
        },
        {
            "name": "no rdns",
            "client": "198.51.100.7",
            "mail_from": "x@example.net",
            "rcpt_to": "a@example.co.jp",
            "expect": "refuse",
            "code": 550,
        },
        {
            "name": "rdns not confirmed",
            "client": "198.51.100.9",
            "mail_from": "x@example.net",
            "rcpt_to": "a@example.co.jp",
            "expect": "refuse",
        },
        {
            "name": "spf fail",
            "client": "192.0.2.8",
            "mail_from": "x@example.net",
            "rcpt_to": "a@example.co.jp",
            "expect": "refuse",
            "code": 550,
        },
        {
            "name": "mixed",
            "client": "198.51.100.5",
            "mail_from": "x@example.net",
            "rcpt_to": ["a@example.co.jp", "b@example.co.jp"],
        },
        {
            "name": "wrong expectation",
            "client": "198.51.100.5",
            "mail_from": "x@example.net",
            "rcpt_to": "v@example.org",
            "expect": "accept",
        },
    ],
}


def test_runner_answers_like_a_session_would() -> None:
    results = run_table(P, parse_table(TABLE))
    got = {r.probe.name: (r.outcome, r.deciding_code) for r in results}
    assert got == {
        "good": ("accept", 250),
        "listed": ("refuse", 554),
        "no rdns": ("refuse", 550),
        "rdns not confirmed": ("refuse", 550),
        "spf fail": ("refuse", 550),
        "mixed": ("mixed", 250),
        "wrong expectation": ("refuse", 554),
    }
    assert [r.probe.name for r in mismatches(results)] == ["wrong expectation"]
    text = format_results(results)
    assert "7 probes, 6 as expected, 1 mismatched" in text
    assert "✗" in text.splitlines()[-2]


def test_dns_checks_are_skipped_not_passed_without_fixture() -> None:
    table = parse_table([{"client": "198.51.100.66", "mail_from": "x@example.net", "rcpt_to": "a@example.co.jp"}])
    (r,) = run_table(P, table)
    assert set(r.skipped) == {"dnsbl:bl.example.org", "rdns", "sender-domain", "spf"}


def test_pop_before_smtp_probe() -> None:
    base = {
        "client": "203.0.113.7",
        "helo": "pc.example",
        "mail_from": "a@example.co.jp",
        "rcpt_to": "v@example.org",
        "expect": "accept",
    }
    p = P.model_copy(
        update={
            "policy": P.policy.model_copy(
                update={
                    "rdns": "off",
                    "spf": "off",
                    "dnsbl": P.policy.dnsbl.model_copy(update={"zones": []}),
                    "unknown_sender_domain": "accept",
                }
            )
        }
    )
    recent = run_table(p, parse_table([{**base, "pop_login": {"login": "a@example.co.jp", "age": "1m"}}]))
    stale = run_table(p, parse_table([{**base, "pop_login": {"login": "a@example.co.jp", "age": "11m"}}]))
    assert recent[0].outcome == "accept"
    assert stale[0].outcome == "refuse"


def test_format_errors_are_one_line(tmp_path: Path) -> None:
    f = tmp_path / "t.yaml"
    f.write_text("probes:\n  - client: 1.2.3.4\n", encoding="utf-8")
    with pytest.raises(ProbeFormatError) as exc:
        load_table(f)
    assert str(exc.value) == f"{f}: probes.0.mail_from: Field required"


@pytest.mark.parametrize(
    ("record", "ip", "expected"),
    [
        ("v=spf1 ip4:192.0.2.0/24 -all", "192.0.2.9", "pass"),
        ("v=spf1 ip4:192.0.2.0/24 -all", "198.51.100.1", "fail"),
        ("v=spf1 ip4:192.0.2.0/24 ~all", "198.51.100.1", "softfail"),
        ("v=spf1 a -all", "198.51.100.5", "pass"),
        ("v=spf1 include:inc.example -all", "203.0.113.3", "pass"),
        ("v=spf1 redirect=inc.example", "203.0.113.3", "pass"),
        ("v=spf1 ip6:2001:db8::/32 -all", "2001:db8::1", "pass"),
        ("v=spf1 exists:%{i}.x.example -all", "192.0.2.1", "permerror"),
        ("v=spf1 ?all", "192.0.2.1", "neutral"),
    ],
)
def test_spf(record: str, ip: str, expected: str) -> None:
    r = FixtureResolver(
        {
            "txt": {"s.example": [record], "inc.example": ["v=spf1 ip4:203.0.113.0/24 -all"]},
            "a": {"s.example": ["198.51.100.5"]},
        }
    )
    assert spf(ip, "x@s.example", None, r).outcome == expected
