"""Wizard, migrate: the legacy folder, its dialect detected, compiled into the root with progress."""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Header, Input, Label, ProgressBar, Static

from tayori.appliance.tui.migration import CompileError, compile_into_root, detect_title
from tayori.appliance.tui.screens.base import TayoriScreen
from tayori.compiler.report import Report


class MigrateScreen(TayoriScreen):
    AUTO_FOCUS = "#folder"

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="migrate-form", classes="form"):
            yield Static(id="migrate-title", classes="title")
            yield Label(id="l-folder")
            yield Input(id="folder")
            yield Static(id="detected", markup=False)
            yield ProgressBar(id="progress", show_eta=False)
            yield Static(id="phase", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(id="back")
                yield Button(id="detect")
                yield Button(id="compile", variant="primary")
        yield Footer()

    def apply_texts(self) -> None:
        self.query_one("#migrate-title", Static).update(self.t("migrate.title"))
        self.query_one("#l-folder", Label).update(self.t("migrate.folder"))
        self.query_one("#back", Button).label = self.t("app.back")
        self.query_one("#detect", Button).label = self.t("migrate.detect")
        self.query_one("#compile", Button).label = self.t("migrate.compile")

    def folder(self) -> Path:
        return Path(self.query_one("#folder", Input).value.strip()).expanduser()

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.app.pop_screen()

    @on(Input.Submitted, "#folder")
    @on(Button.Pressed, "#detect")
    def detect(self) -> bool:
        folder = self.folder()
        out = self.query_one("#detected", Static)
        if not str(folder) or not folder.is_dir():
            out.update(self.t("migrate.notfolder", path=str(folder)))
            return False
        title = detect_title(folder)
        out.update(self.t("migrate.detected", title=title) if title else self.t("migrate.unknown"))
        return title is not None

    @on(Button.Pressed, "#compile")
    def _compile(self) -> None:
        if self.detect():
            self.query_one("#compile", Button).disabled = True
            self.run_compile(self.folder())

    def show_progress(self, done: int, total: int, what: str) -> None:
        self.query_one("#progress", ProgressBar).update(total=max(total, 1), progress=done)
        phase = self.t(f"migrate.phase.{what}")
        phase = what if phase.startswith("migrate.phase.") else phase
        self.query_one("#phase", Static).update(self.t("migrate.progress", what=phase, done=done, total=total))

    @work(thread=True, exclusive=True)
    def run_compile(self, folder: Path) -> None:
        def progress(done: int, total: int, what: str) -> None:
            self.app.call_from_thread(self.show_progress, done, total, what)

        try:
            report = compile_into_root(folder, self.tapp.paths, progress)
        except CompileError as exc:
            self.app.call_from_thread(self.failed, str(exc))
            return
        except Exception as exc:  # never a traceback for the admin
            self.app.call_from_thread(self.failed, f"{type(exc).__name__}: {exc}")
            return
        self.app.call_from_thread(self.compiled, report)

    def failed(self, message: str) -> None:
        self.query_one("#compile", Button).disabled = False
        self.query_one("#phase", Static).update(self.t("app.error", error=message))

    def compiled(self, report: Report) -> None:
        from tayori.appliance.tui.screens.report import ReportScreen

        self.query_one("#compile", Button).disabled = False
        self.query_one("#phase", Static).update(
            self.t("migrate.done", accounts=_accounts(self.tapp.paths.profile), pending=len(report.pending_decisions))
        )
        self.app.push_screen(ReportScreen(report))


def _accounts(path: Path) -> int:
    from tayori.appliance.tui.errors import TuiError
    from tayori.appliance.tui.profile_edit import read_profile

    try:
        return len(read_profile(path).accounts)
    except TuiError:
        return 0
