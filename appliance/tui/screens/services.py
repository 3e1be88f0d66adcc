"""Dashboard tab: service status and restart, through supervisord's XML-RPC socket."""

from __future__ import annotations

import xmlrpc.client

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Static

from tayori.appliance.tui.launcher import apply_and_restart
from tayori.appliance.tui.screens.base import Pane, plain
from tayori.appliance.tui.supervisor_client import Service, ServiceControl


class ServicesPane(Pane):
    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.services: list[Service] = []
        self.error = ""

    def compose(self) -> ComposeResult:
        yield DataTable(id="svc-table", cursor_type="row")
        yield Static(id="svc-status", markup=False)
        with Horizontal(classes="toolbar"):
            yield Button(id="svc-restart")
            yield Button(id="svc-restart-all")
            yield Button(id="svc-refresh")

    @property
    def control(self) -> ServiceControl:
        return ServiceControl(self.tapp.paths.supervisor_socket, timeout=3.0)

    def apply_texts(self) -> None:
        self.query_one("#svc-restart", Button).label = self.t("svc.restart")
        self.query_one("#svc-restart-all", Button).label = self.t("svc.restart_all")
        self.query_one("#svc-refresh", Button).label = self.t("app.refresh")
        self.fill()

    def reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="services")
    def load(self) -> None:
        try:
            services, error = self.control.services(), ""
        except (OSError, xmlrpc.client.Error) as exc:
            services, error = [], str(exc) or type(exc).__name__
        self.app.call_from_thread(self.loaded, services, error)

    def loaded(self, services: list[Service], error: str) -> None:
        self.services, self.error = services, error
        self.fill()

    def fill(self) -> None:
        table = self.query_one("#svc-table", DataTable)
        table.clear(columns=True)
        for key in ("name", "state", "desc"):
            table.add_column(self.t(f"svc.col.{key}"), key=key)
        for s in self.services:
            table.add_row(plain(s.full_name), plain(s.state), plain(s.description), key=s.full_name)
        self.query_one("#svc-status", Static).update(self.t("svc.down", error=self.error) if self.error else "")
        for bid in ("#svc-restart", "#svc-restart-all"):
            self.query_one(bid, Button).disabled = bool(self.error)

    def selected(self) -> str | None:
        table = self.query_one("#svc-table", DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    @on(Button.Pressed, "#svc-refresh")
    def _refresh(self) -> None:
        self.reload()

    @on(Button.Pressed, "#svc-restart")
    def _restart(self) -> None:
        name = self.selected()
        if name is not None:
            self.restart(name)

    @on(Button.Pressed, "#svc-restart-all")
    def _restart_all(self) -> None:
        self.restart(None)

    @work(thread=True, exclusive=True, group="services")
    def restart(self, name: str | None) -> None:
        try:
            apply_and_restart(self.tapp.paths, self.control, name)
            message, severity = self.t("svc.restarted", name=name or "*"), "information"
        except (OSError, RuntimeError, xmlrpc.client.Error) as exc:
            message, severity = self.t("app.error", error=str(exc)), "error"
        self.app.call_from_thread(self.notify, message, severity=severity)
        try:
            services, error = self.control.services(), ""
        except (OSError, xmlrpc.client.Error) as exc:
            services, error = [], str(exc)
        self.app.call_from_thread(self.loaded, services, error)
