"""The migration report: entries filtered by kind, `decide` items answered in place, answers applied by
compiling again into the same profile (the reader then acts on them; comments survive)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Footer, Header, ProgressBar, Select, Static

from tayori.appliance.tui.errors import TuiError
from tayori.appliance.tui.migration import compile_into_root, report_paths
from tayori.appliance.tui.profile_edit import answer_decision
from tayori.appliance.tui.screens.base import Pane, TayoriScreen, plain
from tayori.appliance.tui.screens.dialogs import ChoiceDialog
from tayori.compiler.messages import render
from tayori.compiler.render import ORDER, render_json
from tayori.compiler.report import Decide, Entry, Kind, Report

ALL = "all"


class ReportView(Pane):
    """Used by the wizard's report step and by the dashboard's report tab."""

    def __init__(self, report: Report | None, **kw: Any) -> None:
        super().__init__(**kw)
        self.report = report
        self.kind = ALL
        self.shown: list[Entry] = []

    def compose(self) -> ComposeResult:
        yield Static(id="report-summary", markup=False)
        with Horizontal(classes="toolbar"):
            yield Select[str]([(ALL, ALL)], id="kind-filter", allow_blank=False, value=ALL)
            yield Button(id="answer")
            yield Button(id="apply")
        yield DataTable(id="report-table", cursor_type="row", zebra_stripes=True)
        yield ProgressBar(id="report-progress", show_eta=False)
        yield Static(id="report-detail", markup=False)

    def apply_texts(self) -> None:
        select = self.query_one("#kind-filter", Select)
        options = [(self.t("report.all"), ALL)] + [(self.t(f"report.kind.{k.value}"), k.value) for k in ORDER]
        with select.prevent(Select.Changed):
            select.set_options(options)
            select.value = self.kind
        self.query_one("#answer", Button).label = self.t("report.answer")
        self.query_one("#apply", Button).label = self.t("report.apply")
        self.fill()

    def fill(self) -> None:
        table = self.query_one("#report-table", DataTable)
        table.clear(columns=True)
        summary = self.query_one("#report-summary", Static)
        if self.report is None:
            summary.update(self.t("report.none"))
            return
        rep = self.report
        summary.update(
            f"{rep.dialect}: {rep.source}\n"
            + self.t("report.counts", pending=len(rep.pending_decisions), total=len(rep.entries))
        )
        for key in ("kind", "where", "message", "value"):
            table.add_column(self.t(f"report.col.{key}"), key=key)
        lang = self.tapp.t.lang
        order = {k: i for i, k in enumerate(ORDER)}
        self.shown = sorted(
            (e for e in rep.entries if self.kind in (ALL, e.kind.value)),
            key=lambda e: (order[e.kind], e.file or "", e.line or e.record or 0),
        )
        for e in self.shown:
            value = ""
            if e.decide is not None:
                value = json.dumps(e.decide.value, ensure_ascii=False) + (" *" if e.decide.pending else "")
            table.add_row(
                plain(self.t(f"report.kind.{e.kind.value}")),
                plain(e.location() or "-"),
                plain(render(e.message, e.params, lang)),
                plain(value),
                key=e.id,
            )

    def selected(self) -> Entry | None:
        table = self.query_one("#report-table", DataTable)
        if not self.shown or table.cursor_row < 0 or table.cursor_row >= len(self.shown):
            return None
        return self.shown[table.cursor_row]

    @on(Select.Changed, "#kind-filter")
    def _filter(self, event: Select.Changed) -> None:
        self.kind = str(event.value)
        self.fill()

    @on(DataTable.RowHighlighted, "#report-table")
    def _highlight(self) -> None:
        e = self.selected()
        detail = self.query_one("#report-detail", Static)
        if e is None:
            detail.update("")
            return
        lines = [f"[{e.id}] {e.location()}", render(e.message, e.params, self.tapp.t.lang)]
        if e.raw:
            lines.append(f"> {e.raw}")
        if e.decide is not None:
            lines.append(
                f"decisions.{e.decide.key} = {json.dumps(e.decide.value, ensure_ascii=False)} "
                f"({', '.join(str(o) for o in e.decide.options)})"
            )
        detail.update("\n".join(lines))

    @on(Button.Pressed, "#answer")
    def _answer(self) -> None:
        e = self.selected()
        if e is None or e.decide is None:
            self.notify(self.t("report.not_decide"), severity="warning")
            return
        question = render(e.message, e.params, self.tapp.t.lang)
        decide = e.decide

        def done(value: Any) -> None:
            if value is not None:
                self.answer(e, decide, value)

        self.app.push_screen(ChoiceDialog(self.t("report.pick", question=question), list(decide.options)), done)

    def answer(self, entry: Entry, decide: Decide, value: Any) -> None:
        try:
            answer_decision(self.tapp.paths.profile, decide.key, value)
        except TuiError as exc:
            self.notify(self.error_text(exc), severity="error")
            return
        entry.decide = decide.model_copy(update={"value": value, "pending": False})
        self._save()
        self.notify(self.t("report.answered", key=decide.key, value=value))
        row = self.query_one("#report-table", DataTable).cursor_row
        self.fill()
        self.query_one("#report-table", DataTable).move_cursor(row=row)

    def _save(self) -> None:
        if self.report is not None:
            json_path, _ = report_paths(self.tapp.paths)
            json_path.parent.mkdir(parents=True, exist_ok=True)
            json_path.write_text(render_json(self.report), encoding="utf-8")

    @on(Button.Pressed, "#apply")
    def _apply(self) -> None:
        if self.report is not None:
            self.query_one("#apply", Button).disabled = True
            self.recompile(Path(self.report.source))

    @work(thread=True, exclusive=True)
    def recompile(self, folder: Path) -> None:
        def progress(done: int, total: int, what: str) -> None:
            self.app.call_from_thread(
                self.query_one("#report-progress", ProgressBar).update, total=max(total, 1), progress=done
            )

        try:
            report: Report | str = compile_into_root(folder, self.tapp.paths, progress)
        except Exception as exc:  # shown, never a traceback
            report = f"{type(exc).__name__}: {exc}"
        self.app.call_from_thread(self.recompiled, report)

    def recompiled(self, report: Report | str) -> None:
        self.query_one("#apply", Button).disabled = False
        if isinstance(report, str):
            self.notify(self.t("app.error", error=report), severity="error")
            return
        self.report = report
        self.fill()


class ReportScreen(TayoriScreen):
    """Wizard step after compiling."""

    def __init__(self, report: Report) -> None:
        super().__init__()
        self.report = report

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="report-title", classes="title")
        yield ReportView(self.report, id="report-view")
        with Horizontal(classes="buttons"):
            yield Button(id="back")
            yield Button(id="next", variant="primary")
        yield Footer()

    def apply_texts(self) -> None:
        self.query_one("#report-title", Static).update(self.t("report.title"))
        self.query_one("#back", Button).label = self.t("app.back")
        self.query_one("#next", Button).label = self.t("app.next")
        self.query_one(ReportView).apply_texts()

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        from tayori.appliance.tui.screens.passwords import PasswordsScreen

        self.app.push_screen(PasswordsScreen())


def kinds() -> list[Kind]:
    return list(ORDER)
