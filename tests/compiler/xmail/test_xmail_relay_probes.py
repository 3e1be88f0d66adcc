"""XMail's documented relay rules for the sample, run through the compiled policy."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import HERE, compile_root

from tayori.compiler.report import Kind

probe = pytest.importorskip("tayori.profiles.probe")

TABLE = HERE / "relay_probes.yaml"
NOW = 1_700_000_000.0


def test_every_probe_agrees_or_is_a_listed_upgrade(sample_root: Path) -> None:
    run = compile_root(sample_root)
    table = probe.load_table(TABLE)
    results = probe.run_table(run.result.profile, table, now=NOW)
    assert probe.mismatches(results) == [], probe.format_results(results)
    upgrades = set(run.kinds(Kind.UPGRADED))
    for r in results:
        p = r.probe
        assert p.legacy is not None, f"{p.name}: every probe states XMail's behaviour"
        if p.legacy != p.expect:
            assert p.explained_by in upgrades, p.name


def test_the_table_covers_each_relay_source(sample_root: Path) -> None:
    table = probe.load_table(TABLE)
    clients = {p.client for p in table.probes}
    # smtprelay.tab (both forms), spammers (each code), a stranger, POP-before-SMTP, submission
    assert {
        "192.168.10.21",
        "10.20.3.4",
        "127.0.0.1",
        "203.0.113.5",
        "198.51.100.7",
        "198.51.100.70",
        "198.18.0.10",
        "198.18.0.30",
    } <= clients
    assert any(p.pop_login for p in table.probes)
    assert any(p.listener == "submission" and p.auth is None for p in table.probes)


def _check_generated(root: Path) -> int:
    run = compile_root(root)
    table = probe.parse_table({"probes": run.result.legacy_probes})
    upgrades = set(run.kinds(Kind.UPGRADED))
    results = probe.run_table(run.result.profile, table, now=NOW)
    for r in results:
        if r.outcome != r.probe.legacy:
            assert r.probe.explained_by in upgrades, probe.format_results([r]) + str(r.steps)
    return len(results)


def test_generated_legacy_probes_for_the_sample(sample_root: Path) -> None:
    assert _check_generated(sample_root) >= 12


def test_generated_legacy_probes_for_the_hostile_fixture(tmp_path: Path, hostile_maker) -> None:  # type: ignore[no-untyped-def]
    _check_generated(hostile_maker.write(tmp_path))
