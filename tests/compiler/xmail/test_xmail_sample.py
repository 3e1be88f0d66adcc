"""The synthetic sample MailRoot compiles into the profile XMail's behaviour calls for."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import compile_root

from tayori.compiler.messages import CATALOGUE
from tayori.compiler.report import Kind
from tayori.compiler.xmail.reader import READER
from tayori.profiles.loader import load_profile_text
from tayori.profiles.model import Profile

PACKAGE = Path(__file__).resolve().parents[3] / "compiler" / "xmail"


def test_detects_a_mailroot(sample_root: Path) -> None:
    from tayori.compiler.legacy_tree import LegacyTree

    assert READER.detect(LegacyTree(sample_root)) >= 90
    assert READER.detect(LegacyTree(sample_root / "domains")) == 0


def test_every_line_is_accounted_for(sample_root: Path) -> None:
    run = compile_root(sample_root)
    assert run.unaccounted == {}
    assert run.kinds(Kind.ERROR) == []
    assert "server.tab" in run.report.coverage and "mailusers.tab" in run.report.coverage


def test_profile_passes_check(sample_root: Path) -> None:
    run = compile_root(sample_root)
    data = Profile.model_validate(run.result.profile.model_dump(mode="json", by_alias=True))
    import yaml

    text = yaml.safe_dump(data.model_dump(mode="json", by_alias=True, exclude_none=True), allow_unicode=True)
    loaded = load_profile_text(text)
    assert loaded is not None


def test_accounts_and_passwords(sample_root: Path) -> None:
    run = compile_root(sample_root)
    p = run.result.profile
    addrs = {a.address: a for a in p.accounts}
    assert set(run.result.passwords) == {
        "tanaka@sakura-kogyo.test",
        "suzuki@sakura-kogyo.test",
        "sato@sakura-shop.test",
        "takahashi@sakura-shop.test",
        "fukugoki@sakura-kogyo.test",
    }
    assert run.result.passwords["tanaka@sakura-kogyo.test"] == "Sakura#1956"
    assert run.result.passwords["takahashi@sakura-shop.test"] == "Misaki0423"
    # No APOP/CRAM-MD5 kept by default: no account plaintext in the secrets file.
    assert "accounts" not in run.result.secrets
    assert run.result.secrets["smarthosts"] == {"smarthost-smtp.isp.test": "isp-smtp-pass"}
    assert addrs["tanaka@sakura-kogyo.test"].quota == 102400 * 1024
    assert addrs["tanaka@sakura-kogyo.test"].name == "田中 一郎"
    assert addrs["takahashi@sakura-shop.test"].may_relay is False
    assert addrs["suzuki@sakura-kogyo.test"].may_relay is True
    assert addrs["suzuki@sakura-kogyo.test"].max_send_size == 10240 * 1024
    assert addrs["suzuki@sakura-kogyo.test"].send_as == ["hanako.suzuki@isp.test"]
    fwd = addrs["suzuki@sakura-kogyo.test"].forward
    assert fwd is not None and fwd.targets == ["hanako.s@keitai.test"] and fwd.keep_copy
    dev = addrs["fukugoki@sakura-kogyo.test"]
    assert not dev.services.pop3 and dev.may_relay and not dev.receive
    assert "eigyo@sakura-kogyo.test" not in addrs


def test_no_secret_reaches_the_report(sample_root: Path) -> None:
    run = compile_root(sample_root)
    text = run.report.model_dump_json()
    for secret in (
        "Sakura#1956",
        "hana2015!",
        "ml-eigyo-7731",
        "Sato@shop7",
        "Misaki0423",
        "Ctrl#Pass2015",
        "isp-pop-pass",
        "Scan2015",
        "isp-smtp-pass",
    ):
        assert secret not in text


def test_lists_aliases_domains(sample_root: Path) -> None:
    p = compile_root(sample_root).result.profile
    ml = p.lists[0]
    assert ml.address == "eigyo@sakura-kogyo.test" and ml.name == "営業部 代表"
    assert ml.poster_policy == "members" and ml.list_sender == "tanaka@sakura-kogyo.test"
    members = {m.address: m for m in ml.members}
    assert members["sato@sakura-shop.test"].post is False
    assert members["yamamoto@partner.test"].receive and members["yamamoto@partner.test"].post
    aliases = {a.address: a.targets for a in p.aliases}
    assert aliases["order-*@sakura-shop.test"] == ["takahashi@sakura-shop.test"]
    assert aliases["postmaster@sakura-shop.test"] == ["tanaka@sakura-kogyo.test"]
    assert aliases["recruit@sakura-kogyo.test"] == ["tanaka@sakura-kogyo.test", "suzuki@sakura-kogyo.test"]
    assert p.domains[0].name == "sakura-kogyo.test"
    assert p.domains[0].aliases == ["sakura.test", "old-sakura.test"]


def test_relay_policy_shape(sample_root: Path) -> None:
    p = compile_root(sample_root).result.profile
    relay = p.policy.relay
    assert relay.fallback == "receive-any"
    trust = [c for r in relay.rules if r.table == "trust" and not r.listeners for c in r.clients]
    assert sorted(trust) == ["10.20.0.0/16", "127.0.0.1", "192.168.10.0/24"]
    refused = [c for r in relay.rules if r.table == "refuse" and r.auth == "ignore" for c in r.clients]
    assert refused == ["203.0.113.0/24"]
    senders = [s for r in relay.rules for s in r.senders]
    assert senders == ["*@bulk-mailer.test", "*-noreply@spam.example.net"]
    assert all(r.origin for r in relay.rules if r.clients != ["*"])
    assert p.policy.pop_before_smtp.enabled and p.policy.pop_before_smtp.match == "ip+account"
    assert [z.zone for z in p.policy.dnsbl.zones] == ["zen.spamhaus.org", "bl.spamcop.net"]
    assert p.delivery.routes[0].host == "smtp.isp.test" and p.delivery.routes[0].port == 587
    assert p.delivery.routes[0].tls == "starttls"


def test_hazard_and_upgrades_are_reported(sample_root: Path) -> None:
    run = compile_root(sample_root)
    hazard = [e for e in run.report.entries if e.message == "xmail.tab.backslash"]
    assert [(e.file, e.line) for e in hazard] == [("domains/sakura-kogyo.test/eigyo/user.tab", 1)]
    ups = set(run.kinds(Kind.UPGRADED))
    assert "xmail.custdomains.unknown_users.old-sakura.test" in ups
    assert "xmail.listeners.smtp_auth" in ups
    decide = run.report.pending_decisions
    assert [e.decide.key for e in decide if e.decide] == ["accounts.legacy_auth"]


def test_keeping_legacy_auth_fills_secrets(sample_root: Path) -> None:
    run = compile_root(sample_root, answers={"accounts.legacy_auth": "apop"})
    accounts = run.result.secrets["accounts"]
    assert accounts["tanaka@sakura-kogyo.test"] == "Sakura#1956"
    assert "fukugoki@sakura-kogyo.test" in accounts
    tanaka = next(a for a in run.result.profile.accounts if a.address == "tanaka@sakura-kogyo.test")
    assert tanaka.legacy_auth == ["apop"]
    assert "APOP" in run.result.profile.listeners.pop3.auth_mechanisms
    assert run.report.pending_decisions == []


def test_every_message_key_is_registered() -> None:
    import tayori.compiler.xmail.messages  # noqa: F401

    used: set[str] = set()
    for f in PACKAGE.glob("*.py"):
        used |= set(re.findall(r'"(xmail\.[a-z0-9_.]+[a-z0-9_])"', f.read_text(encoding="utf-8")))
    missing = sorted(k for k in used if k not in CATALOGUE and not k.endswith("."))
    assert missing == []
    for key, (ja, en) in CATALOGUE.items():
        if key.startswith("xmail."):
            assert set(re.findall(r"{(\w+)}", ja)) == set(re.findall(r"{(\w+)}", en)), key


def test_an_empty_smtpperms_is_the_accounts_own_setting(sample_root: Path, tmp_path: Path) -> None:
    """`"SmtpPerms" ""` in user.tab takes every right away; it does not fall back to DefaultSmtpPerms ("MR")."""
    import shutil

    root = tmp_path / "MailRoot"
    shutil.copytree(sample_root, root)
    user_tab = root / "domains" / "sakura-kogyo.test" / "tanaka" / "user.tab"
    user_tab.write_bytes(user_tab.read_bytes().replace(b'"SmtpPerms"\t"MRVZ"', b'"SmtpPerms"\t""'))
    accounts = {a.address: a for a in compile_root(root).result.profile.accounts}
    assert accounts["tanaka@sakura-kogyo.test"].may_relay is False
    assert accounts["sato@sakura-shop.test"].may_relay is True
