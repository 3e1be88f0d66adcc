"""The pure runner and the real SMTP session give the same answers on the same tables.

The E-Post guide's relay tables (I–V) against profiles compiled from matching effect.dat files, and
XMail's relay rules (the hand-written table and the one the reader generates) against the sample
MailRoot: every probe, step by step — command, code, enhanced status, the rule that decided and its
legacy origin, and the DNS checks reported as skipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from probe_helpers import (
    EPOST_CASES,
    EPOST_TABLES,
    XMAIL_TABLE,
    compile_with,
    disagreements,
    epost_install,
    step_keys,
)

from tayori.compiler.report import Kind
from tayori.profiles.probe import load_table, mismatches, parse_table, run_table
from tayori.runtime.probe_session import run_session_table

NOW = 1_700_000_000.0


@pytest.mark.parametrize(("table", "effect"), EPOST_CASES)
def test_epost_guide_tables_agree(tmp_path: Path, table: str, effect: str) -> None:
    result, report = compile_with("epost", epost_install(tmp_path, effect))
    probes = load_table(EPOST_TABLES / table)
    pure = run_table(result.profile, probes, now=NOW)
    session = run_session_table(result.profile, probes, now=NOW)
    assert disagreements(pure, session) == []
    assert [r.probe.name for r in mismatches(session)] == []
    # every difference from the guide is an explained upgrade: the reader's one decide entry
    upgraded = [r for r in session if r.outcome != r.probe.legacy]
    assert all(r.probe.note and r.probe.note.startswith("upgraded") for r in upgraded)
    if upgraded:
        assert any(e.kind == Kind.DECIDE for e in report.entries)


def test_xmail_relay_table_agrees(shared: Path) -> None:
    result, report = compile_with("xmail", shared / "samples" / "xmail" / "MailRoot")
    probes = load_table(XMAIL_TABLE)
    pure = run_table(result.profile, probes, now=NOW)
    session = run_session_table(result.profile, probes, now=NOW)
    assert disagreements(pure, session) == []
    assert [r.probe.name for r in mismatches(session)] == []
    upgrades = {e.id for e in report.entries if e.kind == Kind.UPGRADED}
    for r in session:
        if r.outcome != r.probe.legacy:
            assert r.probe.explained_by in upgrades, r.probe.name
    # POP-before-SMTP came from the probe's fixture through the session's pop_logins hook
    assert any(
        r.probe.pop_login and r.outcome == "accept" and "pop-before-smtp" in (r.steps[-1].rule or "") for r in session
    )


def test_xmail_generated_legacy_probes_agree(shared: Path) -> None:
    result, report = compile_with("xmail", shared / "samples" / "xmail" / "MailRoot")
    probes = parse_table({"probes": result.legacy_probes})
    assert len(probes.probes) >= 12
    pure = run_table(result.profile, probes, now=NOW)
    session = run_session_table(result.profile, probes, now=NOW)
    assert disagreements(pure, session) == []
    upgrades = {e.id for e in report.entries if e.kind == Kind.UPGRADED}
    for r in session:
        if r.outcome != r.probe.legacy:
            assert r.probe.explained_by in upgrades, r.probe.name


def test_dns_checks_agree_with_a_fixture_and_are_skipped_without(shared: Path) -> None:
    result, _ = compile_with("xmail", shared / "samples" / "xmail" / "MailRoot")
    zones = [z.zone for z in result.profile.policy.dnsbl.zones]
    assert zones, "the sample uses DNSBLs"
    table = {
        "dns": {"dnsbl": {zones[0]: ["198.18.0.99"]}, "mx": {"example.net": [[10, "mx.example.net"]]}},
        "probes": [
            {
                "name": "listed",
                "client": "198.18.0.99",
                "mail_from": "a@example.net",
                "rcpt_to": "tanaka@sakura-kogyo.test",
            },
            {
                "name": "clean",
                "client": "198.18.0.10",
                "mail_from": "a@example.net",
                "rcpt_to": "tanaka@sakura-kogyo.test",
            },
            {
                "name": "no such sender domain",
                "client": "198.18.0.10",
                "mail_from": "a@nowhere.invalid",
                "rcpt_to": "tanaka@sakura-kogyo.test",
            },
        ],
    }
    probes = parse_table(table)
    pure = run_table(result.profile, probes, now=NOW)
    session = run_session_table(result.profile, probes, now=NOW)
    assert disagreements(pure, session) == []
    assert [r.outcome for r in session] == ["refuse", "accept", "refuse"]
    assert step_keys(session[0])[0][:2] == ("CONNECT", 554)
    assert all(r.skipped == [] for r in session)
    # without answers nothing is silently passed: each DNS check is named as skipped
    bare = parse_table({"probes": table["probes"]})
    pure, session = run_table(result.profile, bare, now=NOW), run_session_table(result.profile, bare, now=NOW)
    assert disagreements(pure, session) == []
    assert [r.outcome for r in session] == ["accept", "accept", "accept"]
    assert {f"dnsbl:{z}" for z in zones} <= set(session[0].skipped)


def test_epost_sample_generated_probes_agree(shared: Path) -> None:
    result, _ = compile_with("epost", shared / "samples" / "epost")
    probes = parse_table({"probes": result.legacy_probes})
    assert probes.probes
    pure = run_table(result.profile, probes, now=NOW)
    session = run_session_table(result.profile, probes, now=NOW)
    assert disagreements(pure, session) == []
    assert [r.probe.name for r in mismatches(session)] == []
