"""Value converters named in the key table (`keys.py`, column `converter`).

Each converter turns the raw INI text into a typed value or raises `ConvertError` with a message
key; the reader turns that into a `file:line` entry. Delphi's TIniFile writes booleans as 1/0 and
radio groups as their item index, so `choice:` converters accept the index (0-based) and also the
symbolic name, in case a real file spells it out.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any


class ConvertError(ValueError):
    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


_TRUE = {"1", "true", "on", "yes", "-1"}
_FALSE = {"0", "false", "off", "no", ""}


def to_bool(raw: str) -> bool:
    v = raw.strip().casefold()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise ConvertError("pmail.value.not_bool")


def to_int(raw: str) -> int:
    # Sizes appear with thousands separators in PMMAN's account list; accept them here too.
    v = raw.strip().replace(",", "")
    if not re.fullmatch(r"[+-]?\d{1,12}", v):
        raise ConvertError("pmail.value.not_int")
    return int(v)


def to_count(raw: str) -> int:
    n = to_int(raw)
    if n < 0:
        raise ConvertError("pmail.value.negative")
    return n


def to_port(raw: str) -> int:
    n = to_int(raw)
    if not 0 < n < 65536:
        raise ConvertError("pmail.value.not_port")
    return n


def to_str(raw: str) -> str:
    return raw


def to_opt_ip(raw: str) -> str | None:
    v = raw.strip()
    if not v:
        return None
    try:
        return str(ipaddress.ip_address(v))
    except ValueError:
        raise ConvertError("pmail.value.not_ip") from None


def to_tz(raw: str) -> str:
    v = raw.strip()
    m = re.fullmatch(r"([+-])(\d{1,2}):?(\d{2})", v)
    if not m or int(m.group(2)) > 14 or int(m.group(3)) >= 60:
        raise ConvertError("pmail.value.not_tz")
    return f"{m.group(1)}{int(m.group(2)):02d}:{m.group(3)}"


def to_intlist(raw: str) -> list[int]:
    parts = [p.strip() for p in raw.split(",")]
    if not raw.strip() or any(not re.fullmatch(r"\d{1,9}", p) for p in parts):
        raise ConvertError("pmail.value.not_intlist")
    return [int(p) for p in parts]


def to_loglevel(raw: str) -> int:
    n = to_int(raw)
    if not 0 <= n <= 3:
        raise ConvertError("pmail.value.not_loglevel")
    return n


def to_network(raw: str) -> str:
    """`IP,mask` (PMMAN's list format), `IP/prefix` or a bare IP -> CIDR text."""
    v = raw.strip().replace(" ", "")
    try:
        if "," in v:
            ip, mask = v.split(",", 1)
            return str(ipaddress.ip_network(f"{ip}/{mask}", strict=False))
        return str(ipaddress.ip_network(v, strict=False))
    except ValueError:
        raise ConvertError("pmail.value.not_network") from None


def to_hours(raw: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{1,2})\s*-\s*(\d{1,2})\s*", raw)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 23:
        raise ConvertError("pmail.value.not_hours")
    return int(m.group(1)), int(m.group(2))


def _choice(spec: str) -> Callable[[str], str]:
    names = spec.split("|")

    def convert(raw: str) -> str:
        v = raw.strip()
        if re.fullmatch(r"\d{1,3}", v) and int(v) < len(names):
            return names[int(v)]
        for name in names:
            if name.casefold() == v.casefold():
                return name
        raise ConvertError("pmail.value.bad_choice", choices=", ".join(f"{i}={n}" for i, n in enumerate(names)))

    return convert


CONVERTERS: dict[str, Callable[[str], Any]] = {
    "bool": to_bool,
    "int": to_int,
    "count": to_count,
    "port": to_port,
    "str": to_str,
    "ip": to_opt_ip,
    "tz": to_tz,
    "intlist": to_intlist,
    "loglevel": to_loglevel,
    "network": to_network,
    "hours": to_hours,
}


def converter(name: str) -> Callable[[str], Any]:
    """The converter for a table entry; `choice:a|b|c` builds one from its choices."""
    if name.startswith("choice:"):
        return _choice(name[len("choice:") :])
    return CONVERTERS[name]


def convert(name: str, raw: str) -> Any:
    """Convert or raise ConvertError; never any other exception for any input text."""
    return converter(name)(raw)
