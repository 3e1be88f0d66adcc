"""A legacy parser's complaint about one line, turned into a report entry by its reader (every dialect)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    line: int
    message: str  # message key (registered in messages.py)
    params: dict[str, Any] = field(default_factory=dict)
    what: str = "syntax"  # last part of the stable id
