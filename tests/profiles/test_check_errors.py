"""Invalid profiles: each gives one exact line with line and column (user story: an admin's typo)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tayori.profiles.loader import ProfileError, load_profile

BASE = "profile_version: 1\ndomains:\n  - name: example.test\naccounts:\n  - address: a@example.test\n"

CASES = [
    (
        "size",
        BASE + "    quota: 50MB\n",
        'p.yaml:6:12: accounts[0].quota: "50MB" is not a size (use e.g. 50M or 52428800)',
    ),
    ("tab", BASE + "\tquota: 1M\n", "p.yaml:6:1: tab character: YAML indents with spaces, not tabs"),
    (
        "bracket",
        "profile_version: 1\ndomains: [ {name: a.test}\n",
        "p.yaml:3:1: YAML syntax: did not find expected ',' or ']' "
        "(while parsing a flow sequence: a bracket is not closed)",
    ),
    (
        "duplicate-key",
        "profile_version: 1\nserver:\n  hostname: a.test\n  hostname: b.test\n",
        'p.yaml:4:3: duplicate key "hostname" (first at line 3)',
    ),
    ("typo", BASE + "    qouta: 1M\n", "p.yaml:6:5: accounts[0].qouta: unknown setting (did you mean quota?)"),
    ("version", "profile_version: 2\n", "p.yaml:1:18: profile_version: 2: this Tayori reads profile_version 1"),
    (
        "no-version",
        "server: {hostname: a.test}\n",
        "p.yaml:1:1: profile_version: missing: this Tayori reads profile_version 1",
    ),
    (
        "port-range",
        BASE + "listeners:\n  smtp: {port: 70000}\n",
        "p.yaml:7:16: listeners.smtp.port: 70000 is out of range (less than or equal to 65535)",
    ),
    (
        "literal",
        BASE + "listeners:\n  smtp: {tls: tsl}\n",
        'p.yaml:7:15: listeners.smtp.tls: "tsl" is not allowed (use none, starttls or implicit)',
    ),
    (
        "foreign-domain",
        BASE + "  - address: b@other.test\n",
        'p.yaml:6:14: accounts[1].address: domain "other.test" is not one of the local domains',
    ),
    (
        "unknown-table",
        BASE + "policy:\n  relay:\n    rules:\n      - {clients: [10.0.0.0/8], table: trusted}\n",
        'p.yaml:9:40: policy.relay.rules[0].table: unknown table "trusted" (use legacy-default, only-others, '
        "receive-any, receive-only, refuse, secure-default, trust)",
    ),
    (
        "duration",
        BASE + "delivery:\n  give_up_after: 5 days\n",
        'p.yaml:7:18: delivery.give_up_after: "5 days" is not a duration (use e.g. 30s, 5m, 4h or 5d)',
    ),
    ("bool", BASE + "    enabled: maybe\n", 'p.yaml:6:14: accounts[0].enabled: "maybe" is not true or false'),
    (
        "address",
        BASE + "  - address: nobody\n",
        'p.yaml:6:14: accounts[1].address: "nobody" is not a mail address (use local@domain)',
    ),
    (
        "missing",
        BASE + "aliases:\n  - address: x@example.test\n",
        "p.yaml:7:5: aliases[0].targets: is required but missing",
    ),
    (
        "port-clash",
        BASE + "listeners:\n  submission: {port: 25}\n",
        "p.yaml:7:22: listeners.submission.port: port 25 is also used by listeners.smtp",
    ),
    (
        "hash",
        BASE + "    password_hash: secret123\n",
        "p.yaml:6:20: accounts[0].password_hash: not a password hash (use `tayori passwd` to make one)",
    ),
    (
        "filter-args",
        BASE + "filters:\n  - match: [{header: Subject, contains: x}]\n    action: tag_subject\n",
        "p.yaml:7:5: filters[0]: action tag_subject needs `tag`",
    ),
    (
        "client",
        BASE + "policy:\n  relay:\n    rules:\n      - {clients: [10.0.0.300], table: trust}\n",
        'p.yaml:9:20: policy.relay.rules[0].clients[0]: "10.0.0.300" is not a client address, '
        "wildcard (192.168.0.*) or network (10.0.0.0/8)",
    ),
    (
        "duplicate-address",
        BASE + "  - address: a@example.test\n",
        'p.yaml:6:14: accounts[1].address: "a@example.test" is already defined (accounts[0].address)',
    ),
    (
        "min",
        BASE + "policy:\n  limits: {max_recipients: 0}\n",
        "p.yaml:7:28: policy.limits.max_recipients: 0 is out of range (greater than or equal to 1)",
    ),
    ("not-mapping", "profile_version: 1\nserver: [a, b]\n", "p.yaml:2:9: server: a list is not a mapping of settings"),
    ("top-level-list", "- a\n- b\n", "p.yaml:1:1: a profile is a YAML mapping (profile_version: 1, …)"),
    (
        "regex",
        BASE + "filters:\n  - match: [{header: Subject, regex: '(['}]\n    action: reject\n",
        'p.yaml:7:38: filters[0].match[0].regex: "([" is not a regular expression '
        "(unterminated character set at position 1)",
    ),
    (
        "time",
        BASE + "    allowed_hours: [{start: '8:00'}]\n",
        'p.yaml:6:29: accounts[0].allowed_hours[0].start: "8:00" is not a time (use HH:MM, e.g. 08:30)',
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_invalid_profile_gives_one_exact_line(tmp_path: Path, name: str, text: str, expected: str) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as exc:
        load_profile(f, display="p.yaml")
    errors = [str(p) for p in exc.value.problems if p.severity == "error"]
    assert errors == [expected]


def test_all_errors_are_reported_at_once(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(BASE + "    quota: 5 MB\n    enabled: maybe\nlisteners:\n  smtp: {port: 0}\n", encoding="utf-8")
    with pytest.raises(ProfileError) as exc:
        load_profile(f, display="p.yaml")
    assert [p.path for p in exc.value.problems] == ["accounts[0].quota", "accounts[0].enabled", "listeners.smtp.port"]


def test_not_utf8_is_one_line(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_bytes(b"profile_version: 1\nserver:\n  hostname: \x82\xa0\n")
    with pytest.raises(ProfileError) as exc:
        load_profile(f, display="p.yaml")
    assert [str(p) for p in exc.value.problems] == ["p.yaml:3:1: not UTF-8 text (profiles are UTF-8)"]


def test_pending_decision_is_a_warning(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(
        "profile_version: 1\ndecisions:\n  epost.relay.local-sender:\n    value: refuse\n    options: [refuse, keep]\n",
        encoding="utf-8",
    )
    loaded = load_profile(f, display="p.yaml")
    assert [str(w) for w in loaded.warnings] == [
        "p.yaml:4:5: decisions.epost.relay.local-sender: decision pending: the value in force is the safe one"
    ]
