"""Compiling again into the same profile keeps the admin's comments and answers (user story: an admin
answers a decision in the profile, then re-runs the migration after copying the legacy folder again)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "samples" / "epost"


def compile_to(out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tayori.appliance.cli", "compile", str(SAMPLE), "-o", str(out), "-q"],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_recompile_keeps_comments_and_answers(tmp_path: Path) -> None:
    if not SAMPLE.is_dir():
        pytest.skip("shared samples not present")
    out = tmp_path / "office.yaml"
    first = compile_to(out)
    assert first.returncode == 3, first.stderr  # decisions pending
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    key = next(iter(data["decisions"]))
    option = data["decisions"][key]["options"][-1]
    text = out.read_text(encoding="utf-8")
    text = text.replace("server:\n", "server:  # 本社のサーバー\n", 1)
    text = text.replace(f"  {key}:\n", f"  {key}:  # 確認済み\n", 1)
    data_text = yaml.safe_load(text)
    data_text["decisions"][key]["value"] = option
    data_text["decisions"][key]["pending"] = False
    # write the answer the way an admin would: edit the two lines, keep everything else
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"  {key}:"))
    for i in range(start + 1, len(lines)):
        if lines[i].startswith("    value:"):
            lines[i] = f"    value: {yaml.safe_dump(option).splitlines()[0]}"
        elif lines[i].startswith("    pending:"):
            lines[i] = "    pending: false"
        elif not lines[i].startswith("    "):
            break
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    second = compile_to(out)
    assert second.returncode in (0, 3), second.stderr
    after = out.read_text(encoding="utf-8")
    assert "# 本社のサーバー" in after and "# 確認済み" in after
    again = yaml.safe_load(after)
    assert again["decisions"][key]["pending"] is False
    assert again["decisions"][key]["value"] == option
    check = subprocess.run(
        [sys.executable, "-m", "tayori.appliance.cli", "check", str(out)], capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize(
    ("text", "block"),
    [
        (
            "a: 1\ndecisions:\n  k:\n    value: x\n# note\n  j: 2\nb: 3\n",
            "decisions:\n  k:\n    value: x\n# note\n  j: 2\n",
        ),
        ("decisions:  # answered\n  k: 1\n", "decisions:  # answered\n  k: 1\n"),
        ("decisions:\n  k: 1\n...\n", "decisions:\n  k: 1\n"),
        ("decisions: {k: 1}\n", None),  # flow style: the whole document is parsed instead
        ("a:\n  decisions:\n    k: 1\n", None),  # not top level
        ("accounts: []\n", None),
    ],
)
def test_only_the_decisions_block_is_parsed_for_answers(text: str, block: str | None) -> None:
    from tayori.compiler.compile import _top_level_block

    assert _top_level_block(text, "decisions") == block


def test_answers_found_in_either_shape(tmp_path: Path) -> None:
    from tayori.compiler.compile import existing_answers

    p = tmp_path / "office.yaml"
    p.write_text("accounts:\n- {address: a@b.jp}\ndecisions:\n  k:\n    value: apop\n    pending: false\n")
    assert existing_answers(p) == {"k": "apop"}
    p.write_text("{accounts: [], decisions: {k: {value: none, pending: false}, q: {value: x, pending: true}}}\n")
    assert existing_answers(p) == {"k": "none"}
