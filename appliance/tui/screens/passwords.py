"""Wizard, after a migration: accounts without a usable password, each settable here."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Footer, Header, Static

from tayori.appliance.tui.errors import TuiError
from tayori.appliance.tui.profile_edit import read_profile, set_password, without_password
from tayori.appliance.tui.screens.base import TayoriScreen, plain
from tayori.appliance.tui.screens.dialogs import InputDialog


class PasswordsScreen(TayoriScreen):
    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(classes="form"):
            yield Static(id="pw-title", classes="title")
            yield Static(id="pw-intro")
            yield DataTable(id="pw-table", cursor_type="row")
            with Horizontal(classes="buttons"):
                yield Button(id="back")
                yield Button(id="set")
                yield Button(id="next", variant="primary")
        yield Footer()

    def apply_texts(self) -> None:
        self.query_one("#pw-title", Static).update(self.t("pw.title"))
        self.query_one("#back", Button).label = self.t("app.back")
        self.query_one("#set", Button).label = self.t("pw.set")
        self.query_one("#next", Button).label = self.t("app.next")
        self.fill()

    def fill(self) -> None:
        table = self.query_one("#pw-table", DataTable)
        table.clear(columns=True)
        table.add_column(self.t("acct.col.address"), key="address")
        table.add_column(self.t("acct.col.name"), key="name")
        try:
            missing = without_password(read_profile(self.tapp.paths.profile))
        except TuiError as exc:
            self.query_one("#pw-intro", Static).update(self.error_text(exc))
            return
        self.query_one("#pw-intro", Static).update(self.t("pw.intro") if missing else self.t("pw.none"))
        for a in missing:
            table.add_row(plain(a.address), plain(a.name or ""), key=a.address)
        self.query_one("#set", Button).disabled = not missing

    def selected(self) -> str | None:
        table = self.query_one("#pw-table", DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    @on(Button.Pressed, "#set")
    def _set(self) -> None:
        address = self.selected()
        if address is None:
            return

        def done(password: str | None) -> None:
            if not password:
                return
            try:
                set_password(self.tapp.paths.profile, address, password)
            except TuiError as exc:
                self.notify(self.error_text(exc), severity="error")
                return
            self.notify(self.t("pw.done", address=address))
            self.fill()

        self.app.push_screen(InputDialog(self.t("pw.prompt", address=address), password=True), done)

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        from tayori.appliance.tui.screens.finish import FinishScreen

        self.app.push_screen(FinishScreen(profile_text=None))
