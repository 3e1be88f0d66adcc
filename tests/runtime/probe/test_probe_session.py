"""What only the real session knows: DATA filters, HELO rules, the decisions behind accepted steps."""

from __future__ import annotations

import yaml

from tayori.profiles.model import Profile
from tayori.profiles.probe import mismatches, parse_table, run_table
from tayori.runtime.probe_session import probe_profile, run_session_probe, run_session_table

BASE = {
    "profile_version": 1,
    "server": {"hostname": "mx.example.test"},
    "domains": [{"name": "example.test"}],
    "accounts": [{"address": "alice@example.test"}],
    "policy": {"spf": "off"},
}


def profile(**policy: object) -> Profile:
    data = yaml.safe_load(yaml.safe_dump(BASE))
    data["policy"].update(policy)
    return Profile.model_validate(data)


def probe(**kw: object):  # type: ignore[no-untyped-def]
    base = {"client": "203.0.113.5", "mail_from": "a@example.net", "rcpt_to": "alice@example.test"}
    return parse_table({"probes": [{**base, **kw}]}).probes[0]


def test_data_filter_refusal_names_its_rule() -> None:
    p = Profile.model_validate(
        {
            **BASE,
            "filters": [
                {
                    "name": "no-exe",
                    "match": [{"header": "Subject", "contains": "invoice.exe"}],
                    "action": "reject",
                    "reply": "No executables",
                    "origin": "filter.tab:3",
                }
            ],
        }
    )
    r = run_session_probe(p, probe(), data=b"Subject: invoice.exe\n\nhi\n")
    assert [s.code for s in r.steps] == [250, 250, 550]
    assert r.steps[-1].command == "DATA" and "No executables" in r.steps[-1].text
    assert r.steps[-1].rule and r.steps[-1].rule.startswith("filters[0]")  # as the session logged it
    assert r.steps[-1].origin == "filter.tab:3"  # from the profile: the session logs no origin here
    clean = run_session_probe(p, probe(), data=b"Subject: hello\n\nhi\n")
    assert [s.code for s in clean.steps] == [250, 250, 250]


def test_helo_refusals_agree_with_the_pure_runner() -> None:
    p = profile(helo={"require_fqdn": True})
    table = parse_table({"probes": [{**probe(helo="nodots").model_dump(), "expect": "refuse"}]})
    pure, session = run_table(p, table), run_session_table(p, table)
    assert mismatches(pure) == [] and mismatches(session) == []
    assert session[0].steps[0].command == "EHLO nodots" and session[0].steps[0].code == pure[0].steps[0].code == 550
    assert session[0].steps[0].rule == "policy.helo"
    # our own name in HELO is refused too (refuse_own_name is on by default)
    r = run_session_probe(p, probe(helo="mx.example.test"))
    assert r.outcome == "refuse" and r.steps[0].rule == "policy.helo"


def test_no_helo_meets_the_sessions_helo_requirement() -> None:
    """The pure runner has no HELO-before-MAIL rule: the session answers 503, a protocol reply."""
    r = run_session_probe(profile(), probe(helo=None))
    assert r.outcome == "refuse" and r.steps[0].code == 503 and r.steps[0].rule == "smtpd"
    r = run_session_probe(profile(helo={"require": False}), probe(helo=None))
    assert r.outcome == "accept"


def test_accepted_steps_carry_the_deciding_rule_and_origin() -> None:
    p = Profile.model_validate(
        {
            **BASE,
            "policy": {
                "spf": "off",
                "relay": {"rules": [{"clients": ["192.0.2.0/24"], "table": "trust", "origin": "effect.dat:4"}]},
            },
        }
    )
    r = run_session_probe(p, probe(client="192.0.2.9", rcpt_to="b@example.org"))
    assert r.outcome == "accept"
    assert r.steps[-1].rule is not None and r.steps[-1].rule.startswith("policy.relay.rules[0] trust[")
    assert r.steps[-1].origin == "effect.dat:4"
    assert r.steps[-1].line().endswith(" effect.dat:4]")


def test_greet_pause_is_not_waited_for() -> None:
    p = profile(limits={"greet_pause": "30s"})
    assert probe_profile(p).policy.limits.greet_pause == 0
    assert run_session_probe(p, probe()).outcome == "accept"  # would take 30 s with the pause
