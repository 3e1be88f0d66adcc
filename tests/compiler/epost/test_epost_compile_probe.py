"""`tayori compile --probe` for E-Post: the install's own effect.dat, evaluated as E-Post does, against
the compiled policy. Every difference must be explained by the reader (decision or upgrade)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from epost_helpers import FIXTURES

from tayori.compiler.compile import compile_legacy
from tayori.compiler.epost.legacy_probes import legacy_cell
from tayori.compiler.epost.relay import DECISION_KEY, LEGACY_DEFAULT
from tayori.compiler.report import Kind

SAMPLE = Path(__file__).resolve().parents[4] / "shared" / "samples" / "epost"
EFFECTS = ["effect_i.dat", "effect_i_empty.dat", "effect_ii.dat", "effect_iii.dat", "effect_iv.dat", "effect_v.dat"]


def _install(tmp_path: Path, effect: str) -> Path:
    folder = tmp_path / "epost"
    shutil.copytree(FIXTURES / "relay_base", folder)
    shutil.copyfile(FIXTURES / "effect" / effect, folder / "MS" / "Effect.Dat")
    return folder


def _summary(report):  # type: ignore[no-untyped-def]
    (entry,) = [e for e in report.entries if e.id == "epost.probe.summary"]
    return entry.params


@pytest.mark.parametrize("effect", EFFECTS)
def test_every_difference_is_explained(tmp_path: Path, effect: str) -> None:
    compiled = compile_legacy(_install(tmp_path, effect), hash_passwords_too=False, probe=True)
    params = _summary(compiled.report)
    assert params["unexplained"] == 0
    assert params["total"] == len(compiled.legacy_probes) > 0
    assert not [e for e in compiled.report.entries if e.message == "compile.probe.difference"]
    if params["explained"]:
        assert DECISION_KEY in params["by"]


@pytest.mark.parametrize("effect", EFFECTS)
def test_answering_the_decision_with_the_legacy_table_removes_every_difference(tmp_path: Path, effect: str) -> None:
    folder = _install(tmp_path, effect)
    prof = tmp_path / "p.yaml"
    prof.write_text(
        f"profile_version: 1\ndecisions:\n  {DECISION_KEY}:\n    value: {LEGACY_DEFAULT}\n    pending: false\n",
        encoding="utf-8",
    )
    compiled = compile_legacy(folder, into=prof, hash_passwords_too=False, probe=True)
    params = _summary(compiled.report)
    assert (params["explained"], params["unexplained"]) == (0, 0)


def test_the_sample_install(tmp_path: Path) -> None:
    if not SAMPLE.is_dir():
        pytest.skip("shared samples not present")
    compiled = compile_legacy(SAMPLE, hash_passwords_too=False, probe=True)
    assert _summary(compiled.report)["unexplained"] == 0
    assert not [e for e in compiled.report.entries if e.kind == Kind.ERROR]


def test_legacy_evaluator_only_mode() -> None:
    from tayori.compiler.epost.effect import parse_effect
    from tayori.compiler.legacy_text import decode_legacy

    rules = parse_effect(decode_legacy(b"192.168.1.0/28 default\r\n0.0.0.0 only\r\n").lines).rules
    # listed: table I; others: external -> local only
    assert legacy_cell(rules, "192.168.1.3", "a@x.jp", "local", "external")[0] == "accept"
    assert legacy_cell(rules, "203.0.113.1", "a@x.jp", "local", "external")[0] == "refuse"
    assert legacy_cell(rules, "203.0.113.1", "a@x.jp", "local", "local")[0] == "refuse"
    assert legacy_cell(rules, "203.0.113.1", "a@x.jp", "external", "local")[0] == "accept"
