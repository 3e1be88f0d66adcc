"""Properties of the policy engine and address resolution (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tayori.profiles.model import Profile
from tayori.profiles.probe import Probe, run_probe
from tayori.profiles.relay import Facts, client_matches, engine_for
from tayori.profiles.relay_tables import BUILTIN_TABLES
from tayori.profiles.resolve import Directory

DOMAIN = "example.co.jp"
BASE = {
    "profile_version": 1,
    "domains": [{"name": DOMAIN, "aliases": ["example.jp"], "catch_all": None}],
    "accounts": [{"address": f"a@{DOMAIN}"}, {"address": f"b@{DOMAIN}", "receive": False}],
    "aliases": [{"address": f"sales-*@{DOMAIN}", "targets": [f"a@{DOMAIN}"]}],
    "lists": [{"address": f"all@{DOMAIN}"}],
    "policy": {"spf": "off"},
}

ipv4 = st.ip_addresses(v=4).map(str)
clients = st.one_of(ipv4, st.ip_addresses(v=6).map(str))
patterns = st.one_of(
    ipv4,
    ipv4.map(lambda ip: ".".join(ip.split(".")[:3]) + ".*"),
    ipv4.map(lambda ip: ip + "/24"),
    st.just("*"),
)
tables = st.sampled_from(sorted(BUILTIN_TABLES))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(patterns, tables), min_size=1, max_size=6), clients)
def test_first_matching_rule_decides(rules: list[tuple[str, str]], client: str) -> None:
    p = Profile.model_validate(
        {**BASE, "policy": {"spf": "off", "relay": {"rules": [{"clients": [c], "table": t} for c, t in rules]}}}
    )
    path, _, _ = engine_for(p).match_rule(Facts("smtp", client, mail_from="x@example.net"))
    first = next((i for i, (c, _) in enumerate(rules) if client_matches(c, client)), None)
    assert path == ("policy.relay.fallback" if first is None else f"policy.relay.rules[{first}]")


addresses = st.one_of(
    st.text(max_size=40),
    st.builds(lambda a, b: f"{a}@{b}", st.text(max_size=15), st.text(max_size=15)),
    st.builds(lambda a: f"{a}@{DOMAIN}", st.text(max_size=20)),
    st.sampled_from([f"victim%x.org@{DOMAIN}", f"@{DOMAIN}:v@x.org", f'"v@x.org"@{DOMAIN}', "<>", "", "@", "a@b@c"]),
)


@settings(max_examples=300, deadline=None)
@given(addresses)
def test_resolution_never_raises(address: str) -> None:
    d = Directory.build(Profile.model_validate(BASE))
    r = d.resolve(address)
    assert r.kind in ("mailbox", "alias", "list", "unknown", "external")
    d.expand(address)
    d.owns(f"a@{DOMAIN}", address)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clients, addresses, st.lists(addresses, min_size=1, max_size=3), st.sampled_from(["smtp", "submission"]))
def test_secure_default_never_relays_external_to_external_without_auth(
    client: str, sender: str, rcpts: list[str], listener: str
) -> None:
    """No table reachable from secure-default accepts external → external without AUTH."""
    p = Profile.model_validate(BASE)
    r = run_probe(p, Probe(client=client, listener=listener, mail_from=sender, rcpt_to=rcpts))
    d = Directory.build(p)
    for step, rcpt in zip(r.steps[1:], rcpts, strict=False):
        if step.ok:
            assert d.resolve(rcpt).exists, (sender, rcpt, step)
