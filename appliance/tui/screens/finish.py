"""Wizard, last step: preflight checks, then the profile is written and the services started."""

from __future__ import annotations

import os
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Footer, Header, Static

from tayori.appliance.tui.preflight import Check, run_checks
from tayori.appliance.tui.screens.base import TayoriScreen, plain
from tayori.profiles.loader import ProfileError, load_profile_text
from tayori.profiles.model import Profile


class FinishScreen(TayoriScreen):
    """`profile_text`: the fresh profile still to be written; None when a migration already wrote it."""

    AUTO_FOCUS = "#write"

    def __init__(self, profile_text: str | None) -> None:
        super().__init__()
        self.profile_text = profile_text
        self.checks: list[Check] = []
        self.result: tuple[str, dict[str, Any]] | None = None
        self.written = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(classes="form"):
            yield Static(id="finish-title", classes="title")
            yield Static(id="checks-title")
            yield DataTable(id="checks", cursor_type="none")
            yield Static(id="finish-result", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(id="back")
                yield Button(id="write", variant="primary")
                yield Button(id="dashboard", variant="success")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#dashboard", Button).display = False
        self.preflight()

    def apply_texts(self) -> None:
        self.query_one("#finish-title", Static).update(self.t("finish.title"))
        self.query_one("#checks-title", Static).update(self.t("finish.checks"))
        self.query_one("#back", Button).label = self.t("app.back")
        start = self.tapp.start_services_after_wizard
        self.query_one("#write", Button).label = self.t("finish.write" if start else "finish.write_only")
        self.query_one("#dashboard", Button).label = self.t("finish.dashboard")
        self.fill()
        self.show_result()

    def _profile(self) -> tuple[Profile | None, str]:
        try:
            if self.profile_text is not None:
                return load_profile_text(self.profile_text, "profile.yaml").profile, ""
            path = self.tapp.paths.profile
            return load_profile_text(path.read_text(encoding="utf-8"), str(path)).profile, ""
        except ProfileError as exc:
            return None, "; ".join(str(p) for p in exc.problems[:3])
        except OSError as exc:
            return None, str(exc)

    @work(thread=True, exclusive=True)
    def preflight(self) -> None:
        profile, problem = self._profile()
        if profile is None:
            checks = [Check("check.profile", {}, "fail", "app.error", {"error": problem})]
        else:
            checks = [Check("check.profile", {}, "ok", "check.profile.ok")]
            checks += run_checks(profile, self.tapp.paths.root, self.tapp.resolver)
        self.app.call_from_thread(self.checked, checks)

    def checked(self, checks: list[Check]) -> None:
        self.checks = checks
        self.query_one("#write", Button).disabled = any(
            c.label == "check.profile" and c.status == "fail" for c in checks
        )
        self.fill()

    def fill(self) -> None:
        table = self.query_one("#checks", DataTable)
        table.clear(columns=True)
        table.add_column(self.t("finish.col.check"), key="check")
        table.add_column(self.t("finish.col.result"), key="result")
        marks = {"ok": "✔", "warn": "!", "fail": "✘"}
        for c in self.checks:
            result = f"{marks.get(c.status, '?')} {self.t('check.' + c.status)}: {self.t(c.result, **c.result_params)}"
            table.add_row(plain(self.t(c.label, **c.label_params)), plain(result))

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#write")
    def _write(self) -> None:
        self.query_one("#write", Button).disabled = True
        self.write_and_start()

    @work(thread=True, exclusive=True)
    def write_and_start(self) -> None:
        paths = self.tapp.paths
        try:
            if self.profile_text is not None:
                paths.etc.mkdir(parents=True, exist_ok=True)
                tmp = paths.profile.with_name(f".{paths.profile.name}.{os.getpid()}.tmp")
                tmp.write_text(self.profile_text, encoding="utf-8")
                tmp.replace(paths.profile)
        except OSError as exc:
            self.app.call_from_thread(self.finished, ("app.error", {"error": str(exc)}))
            return
        if not self.tapp.start_services_after_wizard:
            self.app.call_from_thread(self.finished, ("finish.written", {"path": str(paths.profile)}))
            return
        from tayori.appliance.tui.launcher import start_services

        key, params = start_services(paths)
        self.app.call_from_thread(self.finished, (key, params))

    def finished(self, result: tuple[str, dict[str, Any]]) -> None:
        self.result = result
        self.written = result[0] != "app.error"
        self.query_one("#write", Button).disabled = self.written
        self.show_result()
        if not self.written:
            return
        if not self.tapp.start_services_after_wizard:
            self.app.exit("written")  # the entrypoint starts the services itself
            return
        self.query_one("#dashboard", Button).display = True
        self.query_one("#dashboard", Button).focus()

    def show_result(self) -> None:
        out = self.query_one("#finish-result", Static)
        if self.result is None:
            out.update("")
            return
        key, params = self.result
        lines = [self.t("finish.written", path=str(self.tapp.paths.profile))] if self.written else []
        if key != "finish.written":
            lines.append(self.t(key, **params))
        out.update("\n".join(lines))

    @on(Button.Pressed, "#dashboard")
    def _dashboard(self) -> None:
        self.tapp.open_dashboard()
