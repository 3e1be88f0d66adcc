"""The `tayori` command as an admin runs it: help, versions, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def tayori(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tayori.appliance.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        timeout=120,
    )


@pytest.mark.parametrize("command", [[], ["check"], ["schema"], ["compile"]])
def test_help_everywhere(command: list[str]) -> None:
    r = tayori(*command, "--help")
    assert r.returncode == 0
    assert "usage: tayori" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr


def test_version() -> None:
    r = tayori("--version")
    assert r.returncode == 0 and r.stdout.startswith("tayori ")


def test_no_command_is_usage() -> None:
    assert tayori().returncode == 2


def test_bad_option_is_usage() -> None:
    r = tayori("check", "--frobnicate", "x.yaml")
    assert r.returncode == 2
    assert "unrecognized arguments" in r.stderr


def test_check_default_profile_ok() -> None:
    r = tayori("check", "profiles/default.yaml")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "ok — 1 domain(s), 1 account(s)" in r.stderr


def test_check_reports_errors_with_exit_1(tmp_path: Path) -> None:
    f = tmp_path / "office.yaml"
    f.write_text("profile_version: 1\nserver:\n  hostname: mail.example.test\n  helo: x\n", encoding="utf-8")
    r = tayori("check", str(f))
    assert r.returncode == 1
    assert r.stdout.strip() == f"{f}:4:3: server.helo: unknown setting (did you mean helo_name?)"
    assert "Traceback" not in r.stderr


def test_check_missing_file_is_one_line(tmp_path: Path) -> None:
    r = tayori("check", str(tmp_path / "nope.yaml"))
    assert r.returncode == 1
    assert r.stdout.strip() == f"{tmp_path / 'nope.yaml'}:1:1: cannot read: No such file or directory"


def test_check_strict_fails_on_pending_decisions(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text("profile_version: 1\ndecisions:\n  x.y:\n    value: safe\n", encoding="utf-8")
    assert tayori("check", str(f)).returncode == 0
    r = tayori("check", "--strict", str(f))
    assert r.returncode == 1 and "pending" in r.stderr


def test_schema_is_json_schema() -> None:
    r = tayori("schema")
    assert r.returncode == 0
    schema = json.loads(r.stdout)
    assert schema["title"].startswith("Tayori profile")
    assert "accounts" in schema["properties"]
    report = json.loads(tayori("schema", "--report").stdout)
    assert "entries" in report["properties"]


def test_compile_unrecognised_folder(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("nothing here")
    r = tayori("compile", str(tmp_path), "-o", str(tmp_path / "p.yaml"))
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "no legacy mail server installation recognised" in lines[0]
    assert not (tmp_path / "p.yaml").exists()


def test_compile_not_a_folder(tmp_path: Path) -> None:
    r = tayori("compile", str(tmp_path / "missing"), "-o", str(tmp_path / "p.yaml"))
    assert r.returncode == 1
    assert r.stderr.strip() == f"tayori compile: {tmp_path / 'missing'}: not a folder"


def test_compile_needs_output(tmp_path: Path) -> None:
    assert tayori("compile", str(tmp_path)).returncode == 2


def test_progress_rate_is_measured_from_the_first_report(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tayori.appliance import cli

    clock = iter([100.0, 100.0, 103.0, 104.0])
    monkeypatch.setattr(cli.time, "monotonic", lambda: next(clock))
    show = cli._progress_printer(True)
    assert show is not None
    show(500, 2000, "mailusers.tab")  # first report, part-way: no rate yet, never "0/s, ETA 0s"
    show(1100, 2000, "mailusers.tab")  # 600 more in 3 s
    show(2000, 2000, "mailusers.tab")
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "mailusers.tab: 500/2000 (25%)",
        "mailusers.tab: 1100/2000 (55%, 200/s, ETA 4s)",
        "mailusers.tab: 2000/2000 (100%, 375/s, ETA 0s)",
    ]
