"""`forward.txt` in a mailbox folder — the vendor documents this syntax (reference §4.2):

    <address>[,<address>...],<action>,[<filter>[,<filter>...]],[<disable flag>]

The action is the first field that is one of the six keywords; fields before it are targets, after
it filters (a sender address or an `@domain` substring, used by the FILTER* actions only); a last
field that is neither is the disable flag, whose literal value the vendor does not document.
PMailServer2 runs the first matching line only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from tayori.compiler.legacy_text import Line
from tayori.compiler.problems import Problem

ACTIONS = ("NONE", "DELETE", "FILTERNONE", "FILTERDELETE", "SUBJECTONLY", "FILTERSUBJECTONLY")
_ADDRESS = re.compile(r"^[^@\s,\"<>]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+$")
_DOMAIN_FILTER = re.compile(r"^@?[A-Za-z0-9.-]+\.[A-Za-z0-9-]+$")


@dataclass
class ForwardRule:
    line: int
    targets: list[str]
    action: str  # one of ACTIONS
    filters: list[str] = field(default_factory=list)
    disable_flag: str | None = None

    @property
    def conditional(self) -> bool:
        return self.action.startswith("FILTER")

    @property
    def keep_copy(self) -> bool:
        return "DELETE" not in self.action


@dataclass
class ForwardFile:
    rules: list[ForwardRule] = field(default_factory=list)
    structure: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def is_address(text: str) -> bool:
    return bool(_ADDRESS.match(text))


def parse_forward(lines: Iterable[Line]) -> ForwardFile:
    out = ForwardFile()
    for line in lines:
        text = line.text.strip()
        if not text:
            out.structure.append(line.number)
            continue
        fields = [f.strip() for f in text.split(",")]
        index = next((i for i, f in enumerate(fields) if f.upper() in ACTIONS), None)
        if index is None:
            out.problems.append(Problem(line.number, "pmail.forward.no_action"))
            continue
        targets = [f for f in fields[:index] if f]
        bad = [t for t in targets if not is_address(t)]
        if not targets or bad:
            out.problems.append(Problem(line.number, "pmail.forward.bad_target", {"target": ", ".join(bad) or "-"}))
            continue
        rest = fields[index + 1 :]
        while rest and not rest[-1]:
            rest.pop()
        flag = None
        if rest and not (is_address(rest[-1]) or _DOMAIN_FILTER.match(rest[-1]) or "@" in rest[-1]):
            flag = rest.pop()
        filters = [f for f in rest if f]
        bad_filters = [f for f in filters if "@" not in f and not _DOMAIN_FILTER.match(f)]
        if bad_filters:
            out.problems.append(Problem(line.number, "pmail.forward.bad_filter", {"filter": ", ".join(bad_filters)}))
            continue
        rule = ForwardRule(line.number, targets, fields[index].upper(), filters, flag)
        if rule.conditional and not filters:
            out.problems.append(Problem(line.number, "pmail.forward.no_filter", {"action": rule.action}))
            continue
        out.rules.append(rule)
    return out


def sender_pattern(filter_text: str) -> str:
    """A forward filter as a profile sender pattern: `@example.jp` -> `*@example.jp`."""
    f = filter_text.strip()
    if f.startswith("@"):
        return "*" + f
    if "@" not in f:
        return "*@" + f
    return f
