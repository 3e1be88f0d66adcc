"""Helpers for the `tayori probe` tests: compile the sample installs in-process, compare runners."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from tayori.compiler.epost.reader import READER as EPOST
from tayori.compiler.legacy_tree import LegacyTree
from tayori.compiler.registry import ReaderResult
from tayori.compiler.report import Report, ReportBuilder
from tayori.compiler.xmail.reader import READER as XMAIL
from tayori.profiles.probe import ProbeResult, Step

TESTS = Path(__file__).resolve().parents[2]
EPOST_FIXTURES = TESTS / "fixtures" / "epost"
EPOST_TABLES = TESTS / "compiler" / "epost" / "tables"
XMAIL_TABLE = TESTS / "compiler" / "xmail" / "relay_probes.yaml"
EPOST_CASES = [
    ("table_i.yaml", "effect_i.dat"),
    ("table_i_empty.yaml", "effect_i_empty.dat"),
    ("table_ii.yaml", "effect_ii.dat"),
    ("table_iii.yaml", "effect_iii.dat"),
    ("table_iv.yaml", "effect_iv.dat"),
    ("table_v.yaml", "effect_v.dat"),
]


def compile_with(dialect: str, folder: Path) -> tuple[ReaderResult, Report]:
    """The reader alone, as `tayori compile` runs it (no password hashing)."""
    tree = LegacyTree(folder)
    builder = ReportBuilder(dialect, tree)
    result = (EPOST if dialect == "epost" else XMAIL).read(tree, builder)
    return result, builder.build(str(folder))


def epost_install(tmp: Path, effect: str) -> Path:
    """The guide's relay base with one effect.dat (saved as `Effect.Dat`, as on Windows)."""
    folder = tmp / "epost"
    shutil.copytree(EPOST_FIXTURES / "relay_base", folder)
    shutil.copyfile(EPOST_FIXTURES / "effect" / effect, folder / "MS" / "Effect.Dat")
    return folder


def _kind(command: str) -> str:
    # The session says which greeting it sent (EHLO name); the pure runner says HELO.
    word = command.split()[0].split(":")[0]
    return "HELO" if word == "EHLO" else word


def _why(s: Step) -> str | None:
    # The pure runner folds the origin into the rule text ("rule cell (origin)"); the session keeps it apart.
    if s.rule is None or not s.origin or f"({s.origin})" in s.rule:
        return s.rule
    return f"{s.rule} ({s.origin})"


def step_keys(r: ProbeResult) -> list[tuple[str, int, str, str | None]]:
    """What must agree between runners: each step's command, code, status and deciding rule."""
    return [(_kind(s.command), s.code, s.status, _why(s)) for s in r.steps]


def disagreements(pure: Sequence[ProbeResult], session: Sequence[ProbeResult]) -> list[str]:
    out = []
    for a, b in zip(pure, session, strict=True):
        if (a.outcome, a.matches, step_keys(a), sorted(a.skipped)) != (
            b.outcome,
            b.matches,
            step_keys(b),
            sorted(b.skipped),
        ):
            out.append(f"{a.probe.name}: pure {[s.line() for s in a.steps]} session {[s.line() for s in b.steps]}")
    return out
