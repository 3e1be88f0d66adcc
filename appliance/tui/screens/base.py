"""What every screen and pane shares: the current language and the admin-facing error display."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual.containers import Vertical
from textual.screen import Screen

from tayori.appliance.tui.errors import TuiError

if TYPE_CHECKING:
    from tayori.appliance.tui.app import TayoriApp


def plain(value: object) -> Text:
    """Data shown as is: legacy text and addresses may hold `[` that markup would swallow."""
    return Text(str(value))


class _Texts:
    app: Any

    @property
    def tapp(self) -> TayoriApp:
        return cast("TayoriApp", self.app)

    def t(self, key: str, /, **params: Any) -> str:
        return self.tapp.t(key, **params)

    def apply_texts(self) -> None:
        """Set every visible text in the current language (on mount and on a language switch)."""

    def error_text(self, exc: TuiError) -> str:
        return self.t(exc.key, **exc.params)


class TayoriScreen(_Texts, Screen[Any]):
    def on_mount(self) -> None:
        self.apply_texts()


class Pane(_Texts, Vertical):
    """A dashboard tab's content."""

    def on_mount(self) -> None:
        self.apply_texts()
        self.reload()

    def reload(self) -> None:
        """Read the current state again."""
