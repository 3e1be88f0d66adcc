"""The migrate wizard's work: detect the dialect, compile into the state root, keep the report there."""

from __future__ import annotations

from pathlib import Path

from tayori.compiler.compile import CompileError, compile_legacy, write_profile, write_secrets
from tayori.compiler.legacy_tree import LegacyTree
from tayori.compiler.registry import Progress, detect
from tayori.compiler.render import render_json, render_text
from tayori.compiler.report import Report
from tayori.profiles.model import Source
from tayori.runtime.paths import StatePaths

REPORT_NAME = "migration.report"


def detect_title(folder: Path) -> str | None:
    """The detected product's name, or None when nothing is recognised (never raises)."""
    if not folder.is_dir():
        return None
    try:
        found = detect(LegacyTree(folder))
    except Exception:  # a reader's detect() must not take the wizard down on odd folders
        return None
    return found[0][1].title if found else None


def report_paths(paths: StatePaths) -> tuple[Path, Path]:
    return paths.reports / f"{REPORT_NAME}.json", paths.reports / f"{REPORT_NAME}.txt"


def compile_into_root(folder: Path, paths: StatePaths, progress: Progress | None = None) -> Report:
    """Compile `folder` into the root's live profile (merging, so comments and answers survive).

    Raises CompileError with a message for the admin when nothing usable comes out."""
    paths.etc.mkdir(parents=True, exist_ok=True)
    paths.reports.mkdir(parents=True, exist_ok=True)
    compiled = compile_legacy(folder, into=paths.profile, progress=progress)
    json_path, text_path = report_paths(paths)
    rel_report = str(json_path.relative_to(paths.root))
    profile = compiled.profile.model_copy(
        update={"source": Source(dialect=compiled.reader.name, folder=str(folder), report=rel_report)}
    )
    report = compiled.report.model_copy(update={"profile": str(paths.profile)})
    json_path.write_text(render_json(report), encoding="utf-8")
    text_path.write_text(render_text(report), encoding="utf-8")
    write_profile(paths.profile, profile, rel_report)
    if compiled.secrets:
        write_secrets(paths.secrets, compiled.secrets)
    return report


def load_report(paths: StatePaths) -> Report | None:
    json_path, _ = report_paths(paths)
    candidates = [json_path] if json_path.exists() else sorted(paths.reports.glob("*.report.json"))
    for p in candidates:
        try:
            return Report.model_validate_json(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
    return None


__all__ = ["CompileError", "compile_into_root", "detect_title", "load_report", "report_paths"]
