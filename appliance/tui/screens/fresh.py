"""Wizard, start fresh: host name, first domain, admin address and password, TLS."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Header, Input, Label, RadioButton, RadioSet, Static

from tayori.appliance.tui.fresh_profile import FreshAnswers, default_template, render_fresh, validate
from tayori.appliance.tui.screens.base import TayoriScreen

FIELDS = ("domain", "admin", "password", "hostname")


class FreshScreen(TayoriScreen):
    AUTO_FOCUS = "#domain"

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="fresh-form", classes="form"):
            yield Static(id="fresh-title", classes="title")
            for name in FIELDS:
                with Horizontal(classes="field"):
                    yield Label(id=f"l-{name}")
                    yield Input(id=name, password=name == "password")
            with Horizontal(classes="field"):
                yield Label(id="l-tls")
                with RadioSet(id="tls"):
                    yield RadioButton(id="tls-self", value=True)
                    yield RadioButton(id="tls-files")
            with Horizontal(classes="field", id="row-cert"):
                yield Label(id="l-cert")
                yield Input(id="cert")
            with Horizontal(classes="field", id="row-key"):
                yield Label(id="l-key")
                yield Input(id="key")
            yield Static(id="fresh-errors", classes="errors", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(id="back")
                yield Button(id="next", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.show_files(False)

    def apply_texts(self) -> None:
        self.query_one("#fresh-title", Static).update(self.t("fresh.title"))
        for name in (*FIELDS, "tls", "cert", "key"):
            self.query_one(f"#l-{name}", Label).update(self.t(f"fresh.{name}"))
        self.query_one("#tls-self", RadioButton).label = self.t("fresh.tls.self")
        self.query_one("#tls-files", RadioButton).label = self.t("fresh.tls.files")
        self.query_one("#back", Button).label = self.t("app.back")
        self.query_one("#next", Button).label = self.t("app.next")
        self.query_one("#hostname", Input).placeholder = "mail.<domain>"
        self.query_one("#admin", Input).placeholder = "admin@<domain>"

    @on(RadioSet.Changed, "#tls")
    def _tls(self, event: RadioSet.Changed) -> None:
        self.show_files(event.pressed.id == "tls-files")

    def show_files(self, files: bool) -> None:
        self.query_one("#row-cert").display = files
        self.query_one("#row-key").display = files

    def answers(self) -> FreshAnswers:
        def value(name: str) -> str:
            return self.query_one(f"#{name}", Input).value.strip()

        domain = value("domain").lower()
        admin = value("admin")
        if admin and "@" not in admin:
            admin = f"{admin}@{domain}"  # a bare local part means "in the first domain"
        return FreshAnswers(
            hostname=value("hostname") or (f"mail.{domain}" if domain else ""),
            domain=domain,
            admin=admin,
            password=self.query_one("#password", Input).value,
            tls="files" if self.query_one("#tls-files", RadioButton).value else "self",
            cert=value("cert"),
            key=value("key"),
        )

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.app.pop_screen()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        # Enter moves on; on the last field it goes to the next step, so the keyboard alone suffices.
        if event.input.id in ("hostname", "key"):
            self._next()
        else:
            self.focus_next()

    @on(Button.Pressed, "#next")
    def _next(self) -> None:
        answers = self.answers()
        problems = validate(answers)
        errors = self.query_one("#fresh-errors", Static)
        if problems:
            errors.update("\n".join(self.error_text(p) for p in problems))
            return
        errors.update("")
        template = self.tapp.template_text or default_template()
        text = render_fresh(answers, template)
        from tayori.appliance.tui.screens.finish import FinishScreen

        self.app.push_screen(FinishScreen(profile_text=text))
