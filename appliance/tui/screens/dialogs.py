"""Small modal dialogs: a text or password prompt, a choice among options, a confirmation, a text view."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class _Dialog(ModalScreen[Any]):
    BINDINGS = [("escape", "dismiss_none", "Cancel")]  # noqa: RUF012

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

    def tr(self, key: str) -> str:
        return self.app.t(key)  # type: ignore[attr-defined,no-any-return]


class InputDialog(_Dialog):
    def __init__(self, prompt: str, *, password: bool = False, value: str = "") -> None:
        super().__init__()
        self.prompt, self.password, self.value = prompt, password, value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.prompt, id="dlg-prompt", markup=False)
            yield Input(value=self.value, password=self.password, id="dlg-input")
            with Horizontal(classes="buttons"):
                yield Button(self.tr("app.ok"), id="dlg-ok", variant="primary")
                yield Button(self.tr("app.cancel"), id="dlg-cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#dlg-ok")
    def _ok(self) -> None:
        self.dismiss(self.query_one("#dlg-input", Input).value)

    @on(Button.Pressed, "#dlg-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class ChoiceDialog(_Dialog):
    def __init__(self, prompt: str, options: list[Any]) -> None:
        super().__init__()
        self.prompt, self.options = prompt, options

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.prompt, id="dlg-prompt", markup=False)
            with Vertical(classes="choices"):
                for i, option in enumerate(self.options):
                    yield Button(str(option), id=f"dlg-opt-{i}")
            with Horizontal(classes="buttons"):
                yield Button(self.tr("app.cancel"), id="dlg-cancel")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        bid = event.button.id or ""
        if bid.startswith("dlg-opt-"):
            self.dismiss(self.options[int(bid.removeprefix("dlg-opt-"))])
        else:
            self.dismiss(None)


class ConfirmDialog(_Dialog):
    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.message, id="dlg-prompt", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(self.tr("app.ok"), id="dlg-ok", variant="error")
                yield Button(self.tr("app.cancel"), id="dlg-cancel")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "dlg-ok")


class TextDialog(_Dialog):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            with VerticalScroll(id="dlg-scroll"):
                yield Static(self.text, id="dlg-text", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(self.tr("app.ok"), id="dlg-ok", variant="primary")

    @on(Button.Pressed)
    def _pressed(self) -> None:
        self.dismiss(None)
