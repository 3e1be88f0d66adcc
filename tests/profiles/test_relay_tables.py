"""Relay policy as tables: every named table, every cell of the E-Post guide's tables I–V."""

from __future__ import annotations

from typing import Any

import pytest

from tayori.profiles.model import Profile
from tayori.profiles.probe import Probe, run_probe
from tayori.profiles.relay_tables import BUILTIN_TABLES, RECIPIENT_CLASSES, SENDER_CLASSES

DOMAIN = "example.co.jp"
ADDR = {  # an address of each class, as sender and as recipient
    "local": f"yamada@{DOMAIN}",
    "local-unknown": f"nobody@{DOMAIN}",
    "external": "someone@example.net",
}
LISTED, OTHER = "192.168.0.20", "203.0.113.9"


def profile(rules: list[dict[str, Any]], fallback: str, auth_on_25: bool = False) -> Profile:
    smtp: dict[str, Any] = {"port": 25}
    if auth_on_25:
        smtp.update(auth=True, relay_with_auth=True, plaintext_auth_without_tls=True)
    return Profile.model_validate(
        {
            "profile_version": 1,
            "server": {"hostname": f"mail.{DOMAIN}"},
            "listeners": {"smtp": smtp},
            "domains": [{"name": DOMAIN}],
            "accounts": [{"address": f"yamada@{DOMAIN}"}, {"address": f"suzuki@{DOMAIN}"}],
            "policy": {"relay": {"rules": rules, "fallback": fallback}, "spf": "off"},
        }
    )


def outcome(p: Profile, client: str, sender: str, rcpt: str, auth: str | None = None) -> str:
    probe = Probe(client=client, listener="smtp", mail_from=sender, rcpt_to=[rcpt], auth=auth)
    return run_probe(p, probe).outcome


@pytest.mark.parametrize("name", sorted(BUILTIN_TABLES))
@pytest.mark.parametrize("sclass", SENDER_CLASSES)
@pytest.mark.parametrize("rclass", RECIPIENT_CLASSES)
def test_every_named_table_cell(name: str, sclass: str, rclass: str) -> None:
    table = BUILTIN_TABLES[name]
    expected = {"local": table.local, "local-unknown": table.local_unknown, "external": table.external}[sclass][
        RECIPIENT_CLASSES.index(rclass)
    ]
    p = profile([{"clients": [LISTED], "table": name}], "refuse")
    assert outcome(p, LISTED, ADDR[sclass], ADDR[rclass]) == expected


# The guide's tables: rows = From (内部アカウント有り, 内部アカウント無し, 外部), columns = recipient in the
# same order; o = accepted, x = refused. Transcribed from reference/epost.md §3.1.
I_DEFAULT = ["oxo", "xxx", "oxx"]
ALL_OPEN = ["oxo", "oxo", "oxo"]
ALL_SHUT = ["xxx", "xxx", "xxx"]
NORELAY = ["oxx", "xxx", "oxx"]
ONLY_OTHERS = ["xxx", "xxx", "oxx"]

# effect.dat rule → (rules, fallback) as the E-Post reader compiles them, before any safety upgrade
GUIDE = {
    "I default": ([], "legacy-default", I_DEFAULT, I_DEFAULT),
    "II true": ([{"clients": ["192.168.0.*"], "table": "trust"}], "legacy-default", ALL_OPEN, I_DEFAULT),
    "III false": ([{"clients": ["192.168.0.*"], "table": "refuse"}], "legacy-default", ALL_SHUT, I_DEFAULT),
    "IV norelay": ([{"clients": ["192.168.0.*"], "table": "receive-only"}], "legacy-default", NORELAY, I_DEFAULT),
    "IV norelay,0": (
        [{"clients": ["192.168.0.*"], "table": "receive-only", "auth": "ignore"}],
        "legacy-default",
        NORELAY,
        I_DEFAULT,
    ),
    "IV norelay,2": (
        [{"clients": ["192.168.0.*"], "table": "receive-only", "auth": "relay"}],
        "legacy-default",
        NORELAY,
        I_DEFAULT,
    ),
    "V only": ([{"clients": ["192.168.0.*"], "table": "legacy-default"}], "only-others", I_DEFAULT, ONLY_OTHERS),
}


def _cells() -> list[tuple[str, str, str, str, str]]:
    out = []
    for name, (_, _, listed, others) in GUIDE.items():
        for who, grid in (("listed", listed), ("other", others)):
            for si, sclass in enumerate(SENDER_CLASSES):
                for ri, rclass in enumerate(RECIPIENT_CLASSES):
                    out.append((name, who, sclass, rclass, "accept" if grid[si][ri] == "o" else "refuse"))
    return out


@pytest.mark.parametrize(("table", "who", "sclass", "rclass", "expected"), _cells())
def test_epost_guide_cell(table: str, who: str, sclass: str, rclass: str, expected: str) -> None:
    rules, fallback, _, _ = GUIDE[table]
    p = profile(rules, fallback, auth_on_25=True)
    client = LISTED if who == "listed" else OTHER
    assert outcome(p, client, ADDR[sclass], ADDR[rclass]) == expected


@pytest.mark.parametrize(
    ("table", "expected"),
    [("IV norelay", "accept"), ("IV norelay,0", "refuse"), ("IV norelay,2", "accept")],
)
def test_epost_norelay_note_1_authenticated_relay(table: str, expected: str) -> None:
    """※1: an authenticated session from a norelay client may relay, unless `,0`."""
    rules, fallback, _, _ = GUIDE[table]
    p = profile(rules, fallback, auth_on_25=True)
    got = outcome(p, LISTED, ADDR["local"], ADDR["external"], auth=f"yamada@{DOMAIN}")
    assert got == expected


SECURE = profile([], "secure-default")
STRANGER = "198.51.100.23"
RELAY_ATTEMPTS = [
    ("unauthenticated", "spam@example.net", "victim@example.org"),
    ("spoofed local sender", f"yamada@{DOMAIN}", "victim@example.org"),
    ("null sender", "", "victim@example.org"),
    ("ip literal", "spam@example.net", "victim@[192.0.2.1]"),
    ("percent hack", "spam@example.net", f"victim%example.org@{DOMAIN}"),
    ("percent hack to literal", "spam@example.net", f"victim%example.org@[{STRANGER}]"),
    ("source route", "spam@example.net", f"@{DOMAIN}:victim@example.org"),
    ("quoted local part", "spam@example.net", f'"victim@example.org"@{DOMAIN}'),
    ("bang path", "spam@example.net", f"example.org!victim@{DOMAIN}"),
    ("own domain uppercase trick", "spam@example.net", "victim@EXAMPLE.ORG"),
    ("trailing dot domain", "spam@example.net", "victim@example.org."),
    ("local unknown sender", f"ghost@{DOMAIN}", "victim@example.org"),
    ("numeric sender", "x@[203.0.113.1]", "victim@example.org"),
    ("dotless sender", "x@localhost", "victim@example.org"),
]


@pytest.mark.parametrize(("name", "sender", "rcpt"), RELAY_ATTEMPTS, ids=[a[0] for a in RELAY_ATTEMPTS])
@pytest.mark.parametrize("client", [STRANGER, "2001:db8::66", "::ffff:198.51.100.23"])
def test_secure_default_refuses_strangers_relay(name: str, sender: str, rcpt: str, client: str) -> None:
    assert outcome(SECURE, client, sender, rcpt) == "refuse"


def test_secure_default_accepts_mail_for_local_users_and_relays_with_auth() -> None:
    assert outcome(SECURE, STRANGER, "a@example.net", f"yamada@{DOMAIN}") == "accept"
    sub = Probe(
        client=STRANGER,
        listener="submission",
        auth=f"yamada@{DOMAIN}",
        mail_from=f"yamada@{DOMAIN}",
        rcpt_to=["x@example.org"],
    )
    assert run_probe(SECURE, sub).outcome == "accept"
    # AUTH on port 25 does not open relaying: the listener does not allow it by default
    assert outcome(SECURE, STRANGER, f"yamada@{DOMAIN}", "x@example.org", auth=f"yamada@{DOMAIN}") == "refuse"


def test_authenticated_sender_must_own_the_address() -> None:
    sub = Probe(
        client=STRANGER,
        listener="submission",
        auth=f"yamada@{DOMAIN}",
        mail_from=f"suzuki@{DOMAIN}",
        rcpt_to=["x@example.org"],
    )
    r = run_probe(SECURE, sub)
    assert r.outcome == "refuse"
    assert r.steps[0].code == 553
