"""Address resolution as a table: what each recipient address means."""

from __future__ import annotations

import pytest

from tayori.profiles.model import Profile
from tayori.profiles.resolve import Directory

P = Profile.model_validate(
    {
        "profile_version": 1,
        "server": {"postmaster": "boss@example.co.jp"},
        "domains": [
            {"name": "example.co.jp", "aliases": ["example.jp"]},
            {"name": "shop.example", "catch_all": "orders@shop.example"},
            {"name": "plain.example", "subaddress_separator": None},
        ],
        "accounts": [
            {"address": "boss@example.co.jp", "origin": "mailusers.tab:1"},
            {"address": "Yamada@example.co.jp"},
            {"address": "off@example.co.jp", "enabled": False},
            {"address": "full@example.co.jp", "receive": False},
            {"address": "orders@shop.example"},
            {"address": "p@plain.example"},
        ],
        "aliases": [
            {"address": "info@example.co.jp", "targets": ["boss@example.co.jp", "x@partner.example"]},
            {"address": "sales-*@example.co.jp", "targets": ["yamada@example.co.jp"], "origin": "aliases.tab:3"},
            {"address": "loop1@example.co.jp", "targets": ["loop2@example.co.jp"]},
            {"address": "loop2@example.co.jp", "targets": ["loop1@example.co.jp"]},
        ],
        "lists": [{"address": "all@example.co.jp"}],
    }
)
D = Directory.build(P)

CASES = [
    ("boss@example.co.jp", "mailbox", "boss@example.co.jp", None),
    ("BOSS@Example.CO.JP", "mailbox", "boss@example.co.jp", None),
    ("yamada@example.co.jp", "mailbox", "Yamada@example.co.jp", None),
    ("boss@example.jp", "mailbox", "boss@example.co.jp", None),  # domain alias
    ("boss+news@example.co.jp", "mailbox", "boss@example.co.jp", None),  # sub-addressing
    ("p+x@plain.example", "unknown", None, "no such user"),  # sub-addressing off
    ("off@example.co.jp", "unknown", "off@example.co.jp", "account disabled"),
    ("full@example.co.jp", "unknown", "full@example.co.jp", "account does not receive mail"),
    ("info@example.co.jp", "alias", "info@example.co.jp", None),
    ("sales-tokyo@example.co.jp", "alias", "sales-*@example.co.jp", None),
    ("all@example.co.jp", "list", "all@example.co.jp", None),
    ("anything@shop.example", "alias", "*@shop.example", None),  # catch-all
    ("postmaster@example.co.jp", "alias", "postmaster@example.co.jp", "RFC 5321 requires postmaster"),
    ("ghost@example.co.jp", "unknown", None, "no such user"),
    ("someone@example.net", "external", None, "not a local domain"),
    ("not an address", "unknown", None, "not a mail address"),
    ("<boss@example.co.jp>", "mailbox", "boss@example.co.jp", None),
]


@pytest.mark.parametrize(("address", "kind", "target", "reason"), CASES, ids=[c[0] for c in CASES])
def test_resolution(address: str, kind: str, target: str | None, reason: str | None) -> None:
    r = D.resolve(address)
    assert (r.kind, r.target, r.reason) == (kind, target, reason)


def test_origin_and_path_are_kept() -> None:
    r = D.resolve("sales-x@example.co.jp")
    assert (r.origin, r.path) == ("aliases.tab:3", "aliases[1]")
    assert D.resolve("boss@example.co.jp").origin == "mailusers.tab:1"


def test_expansion_follows_aliases_and_cuts_loops() -> None:
    e = D.expand("info@example.co.jp")
    assert e.mailboxes == ("boss@example.co.jp",) and e.forwards == ("x@partner.example",)
    loop = D.expand("loop1@example.co.jp")
    assert loop.mailboxes == () and loop.forwards == ()
    assert D.expand("postmaster@example.jp").mailboxes == ("boss@example.co.jp",)
    assert D.expand("all@example.co.jp").lists == ("all@example.co.jp",)


def test_login_owns_its_addresses() -> None:
    assert D.owns("boss@example.co.jp", "boss@example.co.jp")
    assert D.owns("boss@example.co.jp", "Boss+tag@example.jp")
    assert not D.owns("boss@example.co.jp", "yamada@example.co.jp")
    assert not D.owns("nobody@example.co.jp", "nobody@example.co.jp")


def test_list_roles_and_srs() -> None:
    p = Profile.model_validate(
        {
            "profile_version": 1,
            "domains": [{"name": "example.co.jp"}],
            "lists": [{"address": "staff@example.co.jp", "join_by_mail": True}],
        }
    )
    srs = {"SRS0=abcd=TT=example.net=bob@example.co.jp": "bob@example.net"}
    d = Directory.build(p, reverse_srs=lambda a: srs.get(a))
    assert (d.resolve("staff-owner@example.co.jp").kind, d.resolve("staff-owner@example.co.jp").role) == (
        "list",
        "owner",
    )
    assert d.resolve("staff-join@example.co.jp").role == "join"
    assert d.resolve("staff-leave@example.co.jp").kind == "unknown"  # leave by mail is off
    good = d.resolve("SRS0=abcd=TT=example.net=bob@example.co.jp")
    assert (good.kind, good.forwards) == ("alias", ("bob@example.net",))
    assert d.resolve("SRS0=forged=TT=evil.example=x@example.co.jp").reason == "not a valid SRS address"
    assert Directory.build(p).resolve("SRS0=abcd=TT=example.net=bob@example.co.jp").kind == "unknown"
