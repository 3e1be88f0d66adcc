"""Wizard, first screen: start fresh or migrate, and the language."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Header, Static

from tayori.appliance.tui.screens.base import TayoriScreen


class WelcomeScreen(TayoriScreen):
    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="welcome", classes="form"):
            yield Static(id="welcome-title", classes="title")
            yield Static(id="welcome-intro")
            yield Static(id="welcome-existing", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(id="fresh", variant="primary")
                yield Button(id="migrate", variant="primary")
                yield Button(id="lang")
        yield Footer()

    def apply_texts(self) -> None:
        self.query_one("#welcome-title", Static).update(self.t("welcome.title"))
        self.query_one("#welcome-intro", Static).update(self.t("welcome.intro"))
        existing = self.tapp.paths.profile
        self.query_one("#welcome-existing", Static).update(
            self.t("welcome.existing", path=str(existing)) if existing.exists() else ""
        )
        self.query_one("#fresh", Button).label = self.t("welcome.fresh")
        self.query_one("#migrate", Button).label = self.t("welcome.migrate")
        self.query_one("#lang", Button).label = self.t("app.lang")

    @on(Button.Pressed, "#fresh")
    def _fresh(self) -> None:
        from tayori.appliance.tui.screens.fresh import FreshScreen

        self.app.push_screen(FreshScreen())

    @on(Button.Pressed, "#migrate")
    def _migrate(self) -> None:
        from tayori.appliance.tui.screens.migrate import MigrateScreen

        self.app.push_screen(MigrateScreen())

    @on(Button.Pressed, "#lang")
    def _lang(self) -> None:
        self.tapp.action_toggle_language()
