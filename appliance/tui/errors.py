"""An error the admin reads: a catalogue key and its parameters, shown in the current language."""

from __future__ import annotations

from typing import Any


class TuiError(Exception):
    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params
