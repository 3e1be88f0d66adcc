"""Property: any valid profile re-validates after dump → YAML → load, and means the same."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tayori.profiles.loader import load_profile_text
from tayori.profiles.model import Profile
from tayori.profiles.roundtrip import profile_data

label = st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True)
domain = st.builds(lambda a, b: f"{a}.{b}", label, st.sampled_from(["test", "jp", "co.jp", "example"]))
size = st.one_of(st.integers(0, 2**40), st.builds(lambda n, u: f"{n}{u}", st.integers(0, 4096), st.sampled_from("KMG")))
duration = st.one_of(
    st.integers(0, 10**7), st.builds(lambda n, u: f"{n}{u}", st.integers(0, 999), st.sampled_from("smhdw"))
)
text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=30)


@st.composite
def profiles(draw: st.DrawFn) -> dict:
    domains = draw(st.lists(domain, min_size=1, max_size=3, unique=True))
    locals_ = draw(st.lists(label, min_size=0, max_size=6, unique=True))
    accounts = []
    for i, lp in enumerate(locals_):
        acct: dict = {"address": f"{lp}@{domains[i % len(domains)]}"}
        if draw(st.booleans()):
            acct["quota"] = draw(size)
        if draw(st.booleans()):
            acct["name"] = draw(text)
        if draw(st.booleans()):
            acct["forward"] = {"targets": [f"x{i}@elsewhere.example"], "keep_copy": draw(st.booleans())}
        if draw(st.booleans()):
            acct["auto_reply"] = {"subject": draw(text), "body": draw(text), "period": draw(duration)}
        accounts.append(acct)
    aliases = [
        {"address": f"alias{i}@{domains[0]}", "targets": [a["address"] for a in accounts[:2]] or ["x@y.example"]}
        for i in range(draw(st.integers(0, 3)))
    ]
    clients = st.sampled_from(["192.168.0.*", "10.0.0.0/8", "2001:db8::/32", "203.0.113.5", "*"])
    rules = [
        {"clients": [draw(clients)], "table": draw(st.sampled_from(["trust", "refuse", "receive-only"]))}
        for _ in range(draw(st.integers(0, 3)))
    ]
    return {
        "profile_version": 1,
        "server": {"hostname": f"mail.{domains[0]}", "timezone": "Asia/Tokyo"},
        "listeners": {"smtp": {"port": draw(st.integers(1025, 30000)), "max_connections": draw(st.integers(1, 999))}},
        "domains": [{"name": d} for d in domains],
        "accounts": accounts,
        "aliases": aliases,
        "policy": {
            "relay": {"rules": rules, "fallback": "secure-default"},
            "limits": {"max_message_size": draw(size), "greet_pause": draw(duration)},
        },
        "delivery": {
            "retry_schedule": draw(st.lists(duration, min_size=1, max_size=5)),
            "give_up_after": draw(duration),
        },
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles())
def test_valid_profile_survives_dump_and_load(data: dict) -> None:
    first = Profile.model_validate(data)
    dumped = yaml.safe_dump(profile_data(first), allow_unicode=True, sort_keys=False)
    second = load_profile_text(dumped, "gen.yaml").profile
    assert second == first
