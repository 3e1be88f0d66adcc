"""The Tayori TUI: a thin App that holds the shared state and opens the wizard or the dashboard."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from tayori.appliance.tui.i18n import Translator, detect_language
from tayori.appliance.tui.preflight import Resolver
from tayori.runtime.paths import StatePaths


class TayoriApp(App[str]):
    """`wizard`: None opens the wizard only when the root has no profile. `start_services`: False when
    the caller starts them itself (the container entrypoint). `resolver` replaces DNS in tests."""

    CSS_PATH = "styles/tayori.tcss"
    TITLE = "Tayori"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "toggle_language", "日本語/English"),
        Binding("ctrl+q", "quit", "Quit/終了", priority=True),
    ]

    def __init__(
        self,
        root: Path | str,
        *,
        lang: str | None = None,
        wizard: bool | None = None,
        template_text: str | None = None,
        start_services: bool = True,
        resolver: Resolver | None = None,
    ) -> None:
        super().__init__()
        self.paths = StatePaths.at(root)
        self.t = Translator(lang or detect_language())
        self.force_wizard = wizard
        self.template_text = template_text
        self.start_services_after_wizard = start_services
        self.resolver = resolver

    def on_mount(self) -> None:
        self.title = self.t("app.title")
        wizard = self.force_wizard if self.force_wizard is not None else not self.paths.profile.exists()
        if wizard:
            from tayori.appliance.tui.screens.welcome import WelcomeScreen

            self.push_screen(WelcomeScreen())
        else:
            self.open_dashboard()

    def open_dashboard(self) -> None:
        from tayori.appliance.tui.screens.dashboard import DashboardScreen

        # The wizard's screens are done with: the dashboard replaces the whole stack.
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(DashboardScreen())

    def action_toggle_language(self) -> None:
        self.t.toggle()
        self.title = self.t("app.title")
        for screen in self.screen_stack:
            apply = getattr(screen, "apply_texts", None)
            if apply is not None:
                apply()
