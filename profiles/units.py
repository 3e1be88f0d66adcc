"""Sizes and durations as admins write them: `50M`, `30s`, `4h`, `5d`.

Sizes use binary units (1K = 1024 bytes, 1M = 1024 K, 1G = 1024 M): that is what the legacy
products meant by "KB" and "MB" and what Dovecot's quota does.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

_SIZE_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
_SIZE_RE = re.compile(r"^\s*(\d+)\s*([KMGT]?)\s*$", re.IGNORECASE)
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION_RE = re.compile(r"^\s*(\d+)\s*([smhdw]?)\s*$")
_DURATION_PART = re.compile(r"(\d+)([smhdw])")


def parse_size(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a size (use e.g. 50M or 52428800)")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{value} is not a size (sizes are not negative)")
        return value
    if isinstance(value, str):
        m = _SIZE_RE.match(value)
        if m:
            return int(m.group(1)) * _SIZE_UNITS[m.group(2).upper()]
    shown = f'"{value}"' if isinstance(value, str) else repr(value)
    raise ValueError(f"{shown} is not a size (use e.g. 50M or 52428800)")


def format_size(value: int) -> str | int:
    for unit in ("T", "G", "M", "K"):
        factor = _SIZE_UNITS[unit]
        if value and value % factor == 0:
            return f"{value // factor}{unit}"
    return value


def parse_duration(value: Any) -> int:
    """Seconds from `90`, `90s`, `5m`, `4h`, `5d`, `1w` or a combination like `1h30m`."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration (use e.g. 30s, 5m, 4h or 5d)")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{value} is not a duration (durations are not negative)")
        return value
    if isinstance(value, str):
        text = value.strip()
        m = _DURATION_RE.match(text)
        if m:
            return int(m.group(1)) * _DURATION_UNITS[m.group(2) or "s"]
        parts = _DURATION_PART.findall(text)
        if parts and "".join(a + b for a, b in parts) == text:
            return sum(int(n) * _DURATION_UNITS[u] for n, u in parts)
    shown = f'"{value}"' if isinstance(value, str) else repr(value)
    raise ValueError(f"{shown} is not a duration (use e.g. 30s, 5m, 4h or 5d)")


def format_duration(value: int) -> str:
    if value == 0:
        return "0s"
    out = []
    rest = value
    for unit in ("d", "h", "m", "s"):
        factor = _DURATION_UNITS[unit]
        if rest >= factor:
            out.append(f"{rest // factor}{unit}")
            rest %= factor
    return "".join(out)


Size = Annotated[
    int,
    BeforeValidator(parse_size),
    PlainSerializer(format_size, return_type=Any, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": r"^\s*\d+\s*[KMGTkmgt]?\s*$"},
            ],
            "description": "bytes, or a number with K, M, G or T (binary: 1M = 1048576)",
        }
    ),
]

Duration = Annotated[
    int,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": r"^\s*(\d+[smhdw]?|(\d+[smhdw])+)\s*$"},
            ],
            "description": "seconds, or a number with s, m, h, d or w (e.g. 30s, 5m, 4h, 5d, 1h30m)",
        }
    ),
]
