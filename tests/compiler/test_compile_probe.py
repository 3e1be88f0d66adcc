"""`tayori compile --probe` on every dialect's sample: the legacy relay behaviour, replayed against the
compiled policy, differs only where the report explains why."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tayori.compiler.compile import compile_legacy

REPO = Path(__file__).resolve().parents[2]
SAMPLES = {
    "xmail": REPO.parent / "shared/samples/xmail/MailRoot",
    "epost": REPO.parent / "shared/samples/epost",
    "pmail": REPO / "tests/fixtures/pmail/ja5bga",
}


@pytest.mark.parametrize("dialect", sorted(SAMPLES))
def test_no_unexplained_difference(dialect: str) -> None:
    folder = SAMPLES[dialect]
    if not folder.is_dir():
        pytest.skip(f"{folder} not present")
    compiled = compile_legacy(folder, hash_passwords_too=False, probe=True)
    assert compiled.reader.name == dialect
    (summary,) = [e for e in compiled.report.entries if e.id == f"{dialect}.probe.summary"]
    assert summary.params["total"] > 0
    assert summary.params["unexplained"] == 0
    ids = {e.id for e in compiled.report.entries} | {
        e.decide.key for e in compiled.report.entries if e.decide is not None
    }
    for probe in compiled.legacy_probes:
        if probe.get("explained_by"):
            assert probe["explained_by"] in ids, f"{probe['explained_by']} names no report entry"


def test_cli_writes_the_probe_table(tmp_path: Path) -> None:
    out = tmp_path / "office.yaml"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "tayori.appliance.cli",
            "compile",
            str(SAMPLES["pmail"]),
            "-o",
            str(out),
            "--probe",
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 3, r.stderr
    table = yaml.safe_load((tmp_path / "office.probes.yaml").read_text(encoding="utf-8"))
    assert len(table["probes"]) >= 3 and all("legacy" in p for p in table["probes"])
