"""YAML → model → YAML keeps the admin's comments, key order and spelling, section by section."""

from __future__ import annotations

from pathlib import Path

import pytest

from tayori.profiles.model import Profile
from tayori.profiles.roundtrip import apply_model, dump_document, load_document, update_profile_file

PROFILES = Path(__file__).resolve().parents[2] / "profiles"

SECTIONS = {
    "server": "server:\n  hostname: mail.example.test  # 外向きの名前\n  timezone: Asia/Tokyo\n",
    "listeners": "listeners:\n  # 社内だけ\n  smtp: {bind: [127.0.0.1], port: 2525}\n  pop3:\n    port: 2110 # POP\n",
    "tls": "tls:\n  min_version: TLSv1.3  # 新しい端末のみ\n  self_signed: true\n",
    "domains": "domains:\n  - name: example.test  # 主ドメイン\n    aliases: [example.jp]\n    dkim: {selector: s1}\n",
    "accounts": "domains:\n  - name: example.test\naccounts:\n  # 社長\n  - address: boss@example.test\n"
    "    quota: 50M   # 50 MiB\n    forward:\n      targets: [x@example.net]\n      keep_copy: false\n"
    "    auto_reply:\n      subject: 不在\n      period: 1d\n",
    "aliases": "domains:\n  - name: example.test\naliases:\n  - address: sales-*@example.test  # 営業\n"
    "    targets: [a@example.test]\n",
    "lists": "domains:\n  - name: example.test\nlists:\n  - address: ml@example.test\n"
    "    subject_tag: '[ml:{counter:05d}]'  # 通し番号\n    members:\n      - {address: a@example.test, admin: true}\n",
    "policy": "policy:\n  relay:\n    rules:\n      - clients: ['192.168.0.*']  # LAN\n        table: trust\n"
    "        origin: effect.dat:3\n    fallback: secure-default\n  limits:\n    max_message_size: 20M\n"
    "  pop_before_smtp: {enabled: true, window: 30s}\n",
    "filters": "filters:\n  # 添付\n  - match:\n      - attachment: '*.exe'\n    action: reject\n",
    "delivery": "delivery:\n  retry_schedule: [5m, 15m, 1h]  # 再送\n  give_up_after: 5d\n  routes:\n"
    "    - {domains: ['*.example.net'], host: relay.example.net, port: 587}\n",
    "logging": "logging:\n  level: debug  # 調査中\n  levels: {smtpd: info}\n",
    "decisions": "decisions:\n  epost.relay.x:\n    value: refuse  # 安全側\n    pending: true\n"
    "    options: [refuse, keep]\n",
}


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_section_round_trips_with_comments(section: str) -> None:
    text = "# 先頭のコメント\nprofile_version: 1\n" + SECTIONS[section]
    model = Profile.model_validate(load_document(text))
    out = dump_document(apply_model(load_document(text), model))
    assert out == text


@pytest.mark.parametrize("name", ["default.yaml", "example.yaml"])
def test_shipped_profiles_round_trip(name: str) -> None:
    text = (PROFILES / name).read_text(encoding="utf-8")
    model = Profile.model_validate(load_document(text))
    assert dump_document(apply_model(load_document(text), model)) == text


def test_an_edit_keeps_the_other_comments(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(
        "profile_version: 1  # 版\ndomains:\n  - name: example.test  # 主\naccounts:\n"
        "  - address: a@example.test  # Aさん\n    quota: 1G  # 容量\n",
        encoding="utf-8",
    )
    model = Profile.model_validate(load_document(f.read_text(encoding="utf-8")))
    acct = model.accounts[0].model_copy(update={"quota": 2 * 1024**3, "name": "エー"})
    update_profile_file(f, model.model_copy(update={"accounts": [acct]}))
    out = f.read_text(encoding="utf-8")
    assert "quota: 2G  # 容量" in out
    assert "# Aさん" in out and "# 主" in out and "# 版" in out
    assert "name: エー" in out


def test_removed_item_disappears_and_new_one_is_added() -> None:
    text = "profile_version: 1\ndomains:\n  - name: a.test  # A\n  - name: b.test  # B\n"
    model = Profile.model_validate(load_document(text))
    from tayori.profiles.model import Domain

    changed = model.model_copy(update={"domains": [model.domains[0], Domain(name="c.test")]})
    out = dump_document(apply_model(load_document(text), changed))
    assert "a.test  # A" in out and "b.test" not in out and "c.test" in out
