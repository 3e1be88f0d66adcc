"""The guide's five effect.dat truth tables (I–V), listed client and other clients, as probe tables.

Each table is compiled from a matching effect.dat (saved as `Effect.Dat`: Windows names match
case-insensitively) and every cell is probed. A cell may differ from the guide only when the table
marks it `upgraded: true`, and then the report must carry the one `decide` entry that explains it;
answering that decision with the legacy table must give back the guide's table exactly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from epost_helpers import FIXTURES, TABLES, Run, compile_folder

from tayori.compiler.epost.relay import DECISION_ID, DECISION_KEY, LEGACY_DEFAULT
from tayori.compiler.report import Kind
from tayori.profiles.probe import ProbeTable, load_table, mismatches, run_table

CASES = [
    ("table_i.yaml", "effect_i.dat"),
    ("table_i_empty.yaml", "effect_i_empty.dat"),
    ("table_ii.yaml", "effect_ii.dat"),
    ("table_iii.yaml", "effect_iii.dat"),
    ("table_iv.yaml", "effect_iv.dat"),
    ("table_v.yaml", "effect_v.dat"),
]


def _install(tmp_path: Path, effect: str) -> Path:
    folder = tmp_path / "epost"
    shutil.copytree(FIXTURES / "relay_base", folder)
    shutil.copyfile(FIXTURES / "effect" / effect, folder / "MS" / "Effect.Dat")
    return folder


def _load(name: str) -> ProbeTable:
    table = load_table(TABLES / name)
    assert len(table.probes) == 18  # 3 senders x 3 recipients, from the listed client and from others
    return table


@pytest.mark.parametrize(("table", "effect"), CASES)
def test_every_cell_matches_or_is_a_reported_upgrade(tmp_path: Path, table: str, effect: str) -> None:
    run: Run = compile_folder(_install(tmp_path, effect))
    assert run.builder.unaccounted() == {}
    results = run_table(run.result.profile, _load(table))
    assert [f"{r.probe.name}: {r.outcome}" for r in mismatches(results)] == []
    upgraded = [r for r in results if r.upgraded]
    assert all(r.probe.note and r.probe.note.startswith("upgraded") for r in upgraded)
    decisions = [e for e in run.report.entries if e.kind == Kind.DECIDE and e.id == DECISION_ID]
    if upgraded:
        assert len(decisions) == 1, "the upgrade must be explained by exactly one decide entry"
        assert decisions[0].decide is not None and decisions[0].decide.value == "secure-default"
    else:
        assert decisions == []


@pytest.mark.parametrize(("table", "effect"), CASES)
def test_answering_the_decision_with_legacy_restores_the_guide(tmp_path: Path, table: str, effect: str) -> None:
    run = compile_folder(_install(tmp_path, effect), answers={DECISION_KEY: LEGACY_DEFAULT})
    results = run_table(run.result.profile, _load(table))
    assert [r.probe.name for r in results if r.outcome != r.probe.legacy] == []
