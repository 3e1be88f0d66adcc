"""`tayori compile` on a MailRoot: the profile passes `tayori check`, the report comes in both forms."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import yaml

cli = pytest.importorskip("tayori.appliance.cli")


def test_compile_the_sample(sample_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "office.yaml"
    rc = cli.main(["compile", str(sample_root), "-o", str(out), "--report", str(tmp_path / "report.txt"), "-q"])
    assert rc == 3  # complete, with the APOP/CRAM-MD5 decision pending
    assert cli.main(["check", str(out)]) == 0
    text = (tmp_path / "report.txt").read_text(encoding="utf-8")
    assert "営業部 代表" in text and "XMail read this line differently" in text
    assert cli.main(["compile", str(sample_root), "-o", str(out), "--report", str(tmp_path / "r.json"), "-q"]) == 3
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["dialect"] == "xmail" and report["coverage"]["server.tab"]["lines"] == 54
    secrets = out.with_name("office.secrets.yaml")
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    data = yaml.safe_load(secrets.read_text(encoding="utf-8"))
    assert "accounts" not in data and data["smarthosts"]
    assert "Sakura#1956" not in out.read_text(encoding="utf-8")


def test_compile_hostile_input_lists_errors(tmp_path: Path, hostile_maker, capsys) -> None:  # type: ignore[no-untyped-def]
    root = hostile_maker.write(tmp_path / "legacy")
    out = tmp_path / "h.yaml"
    assert cli.main(["compile", str(root), "-o", str(out), "-q"]) == 3
    err = capsys.readouterr()
    assert "Traceback" not in err.err + err.out
    assert cli.main(["check", str(out)]) == 0
