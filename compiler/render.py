"""The migration report for people (text, Japanese and English) and for programs (JSON)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from tayori.compiler.messages import render
from tayori.compiler.report import Entry, Kind, Report

# What the admin must act on comes first.
ORDER = [Kind.DECIDE, Kind.ERROR, Kind.UPGRADED, Kind.UNMAPPED, Kind.MAPPED]
TITLES = {
    Kind.DECIDE: ("判断が必要な項目", "Decisions for the admin"),
    Kind.ERROR: ("読み取れなかった入力", "Input that could not be read"),
    Kind.UPGRADED: ("安全な設定に置き換えた項目", "Upgraded to a safe setting"),
    Kind.UNMAPPED: ("対応する機能がない項目", "No equivalent (not migrated)"),
    Kind.MAPPED: ("移行した項目 (注記)", "Mapped (notes)"),
}


def _entry_lines(e: Entry, langs: list[str]) -> list[str]:
    loc = e.location() or "-"
    out = [f"  {loc}  [{e.id}]"]
    for lang in langs:
        out.append(f"    {lang}: {render(e.message, e.params, lang)}")
    if e.raw:
        out.append(f"    > {e.raw}")
    if e.decide is not None:
        state = "未回答 / pending" if e.decide.pending else "回答済み / answered"
        opts = ", ".join(str(o) for o in e.decide.options)
        out.append(
            f"    decisions.{e.decide.key}: {json.dumps(e.decide.value, ensure_ascii=False)}"
            f"  ({state}; 選択肢 / options: {opts})"
        )
    if e.paths:
        out.append(f"    profile: {', '.join(e.paths)}")
    return out


def render_text(report: Report, langs: list[str] | None = None) -> str:
    langs = langs or ["ja", "en"]
    counts = {k: len(report.by_kind(k)) for k in ORDER}
    lines = [
        "Tayori 移行レポート / migration report",
        f"方式 / dialect: {report.dialect}    移行元 / source: {report.source}",
    ]
    if report.profile:
        lines.append(f"プロファイル / profile: {report.profile}")
    lines.append("件数 / counts: " + ", ".join(f"{TITLES[k][0]} / {k.value}: {counts[k]}" for k in ORDER))
    total_lines = sum(c.lines for c in report.coverage.values())
    lines.append(f"読み取ったファイル / files read: {len(report.coverage)} ({total_lines} lines/records)")
    for kind in ORDER:
        entries = report.by_kind(kind)
        if not entries:
            continue
        ja, en = TITLES[kind]
        lines.append("")
        lines.append(f"== {ja} / {en} ({len(entries)}) ==")
        by_file: dict[str, list[Entry]] = defaultdict(list)
        for e in entries:
            by_file[e.file or ""].append(e)
        for file in sorted(by_file):
            lines.append(f"-- {file or '(全体 / general)'}")
            for e in sorted(by_file[file], key=lambda x: (x.line or x.record or 0, x.id)):
                lines.extend(_entry_lines(e, langs))
    lines.append("")
    return "\n".join(lines)


def render_json(report: Report) -> str:
    data: dict[str, Any] = report.model_dump(mode="json", exclude_none=True)
    coverage = data.pop("coverage") if data.get("coverage") else None
    text = json.dumps(data, ensure_ascii=False, indent=1)
    if coverage:
        # One file per line, written by the C encoder (the indenting one is pure Python): a
        # 10,000-account install has 10,000 files here, and they stay greppable.
        files = ",\n".join(
            f"  {json.dumps(name, ensure_ascii=False)}: {json.dumps(cov, ensure_ascii=False)}"
            for name, cov in coverage.items()
        )
        text = text[: text.rindex("}")].rstrip() + ',\n "coverage": {\n' + files + "\n }\n}"
    return text + "\n"


def report_schema() -> dict[str, Any]:
    schema = Report.model_json_schema()
    schema["$id"] = "https://tayori.invalid/schema/report-v1.json"
    schema["title"] = "Tayori migration report, report_version 1"
    return schema
