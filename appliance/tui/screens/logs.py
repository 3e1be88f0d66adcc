"""Dashboard tab: the tail of one service's log, filtered by a text, following new lines."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Log, Select, Static

from tayori.appliance.tui.logs import log_files, tail
from tayori.appliance.tui.screens.base import Pane

FOLLOW_SECONDS = 2.0


class LogsPane(Pane):
    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.shown: list[str] = []

    def compose(self) -> ComposeResult:
        with Horizontal(classes="toolbar"):
            yield Select[str]([], id="log-file", allow_blank=True)
            yield Input(id="log-filter")
        yield Static(id="log-status", markup=False)
        yield Log(id="log-view", highlight=False)

    def on_mount(self) -> None:
        self.set_interval(FOLLOW_SECONDS, self.follow)

    def apply_texts(self) -> None:
        self.query_one("#log-filter", Input).placeholder = self.t("logs.filter")
        self.query_one("#log-file", Select).prompt = self.t("logs.file")

    @property
    def directory(self) -> Path:
        return self.tapp.paths.logs

    def reload(self) -> None:
        select = self.query_one("#log-file", Select)
        files = log_files(self.directory)
        current = select.value
        options = [(p.name, str(p)) for p in files]
        with select.prevent(Select.Changed):
            select.set_options(options)
            if files:
                select.value = (
                    current if isinstance(current, str) and current in dict(options).values() else str(files[0])
                )
        self.show()

    def current(self) -> Path | None:
        value = self.query_one("#log-file", Select).value
        return Path(value) if isinstance(value, str) else None

    def show(self) -> None:
        path = self.current()
        status = self.query_one("#log-status", Static)
        view = self.query_one("#log-view", Log)
        if path is None:
            status.update(self.t("logs.none", path=str(self.directory)))
            view.clear()
            self.shown = []
            return
        status.update(str(path))
        lines = tail(path, needle=self.query_one("#log-filter", Input).value.strip())
        if lines != self.shown:
            view.clear()
            view.write_lines(lines)
            self.shown = lines

    def follow(self) -> None:
        if self.display and self.is_attached:
            self.show()

    @on(Select.Changed, "#log-file")
    @on(Input.Changed, "#log-filter")
    def _changed(self) -> None:
        self.show()
