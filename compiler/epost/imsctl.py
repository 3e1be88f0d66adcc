"""`IMS.CTL`: per-mailbox forwarding or auto-reply (EMWAC heritage, written by メール制御).

E-Post's parser: section headers only set the mode, and the last of `[AutoForward]`/`[AutoReply]`
wins; keys are recognised in any section, prefix-matched and case-insensitive, separated by `=` or a
space; `yes` (any case) is true, anything else false. The Subject may be ISO-2022-JP, so values are
re-decoded from the raw bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tayori.compiler.legacy_text import Line, decode_jis_or_cp932
from tayori.compiler.problems import Problem

KEYS = (
    "ForwardSubject",
    "ForwardFrom",
    "ForwardTo",
    "RecordForward",
    "RecordReplies",
    "RecordDate",
    "DataDiscard",
    "DataSize",
    "Subject",
    "ReplyFrom",
    "ReplyTo",
    "EchoMessage",
    "EchoSubject",
    "DeleteHeader",
    "CopyReplies",
    "Module",
    "CharSet",
    "Discard",
)
MODES = {"[autoforward]": "forward", "[autoreply]": "reply"}
OTHER_SECTIONS = ("[delivery]", "[autoprocess]")
# E-Post reads lines into a 256-byte buffer: longer lines are cut
MAX_LINE = 255


@dataclass
class CtlValue:
    value: str
    line: int


@dataclass
class ImsCtl:
    mode: str | None = None  # forward, reply or None
    mode_line: int | None = None
    values: dict[str, CtlValue] = field(default_factory=dict)  # canonical key -> last value
    overridden: list[int] = field(default_factory=list)  # earlier lines of a repeated key
    sections: list[int] = field(default_factory=list)
    comments: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    losing_mode_lines: list[int] = field(default_factory=list)  # section headers that lost

    def get(self, key: str) -> CtlValue | None:
        return self.values.get(key)

    def flag(self, key: str) -> bool:
        v = self.values.get(key)
        return v is not None and v.value.strip().lower() == "yes"


def parse_imsctl(lines: list[Line]) -> ImsCtl:
    out = ImsCtl()
    for line in lines:
        text = line.text.strip()
        if text == "" or text.startswith(";"):
            out.comments.append(line.number)
            continue
        if len(line.raw) > MAX_LINE:
            out.problems.append(Problem(line.number, "epost.imsctl.long_line", {"limit": MAX_LINE}, "long"))
        low = text.lower()
        if low.startswith("["):
            if low in MODES:
                if out.mode_line is not None:
                    out.losing_mode_lines.append(out.mode_line)
                out.mode, out.mode_line = MODES[low], line.number
            elif low in OTHER_SECTIONS:
                out.sections.append(line.number)
            else:
                out.problems.append(Problem(line.number, "epost.imsctl.unknown_section", {"section": text}, "section"))
            continue
        key = next((k for k in KEYS if low.startswith(k.lower())), None)
        if key is None:
            out.problems.append(Problem(line.number, "epost.imsctl.unknown_key", {}, "key"))
            continue
        raw_text, _ = decode_jis_or_cp932(line.raw)
        rest = raw_text.strip()[len(key) :]
        m = re.match(r"^[^=\s]*\s*(=\s*|\s+)?(.*)$", rest)
        value = m.group(2) if m else ""
        previous = out.values.get(key)
        if previous is not None:
            out.overridden.append(previous.line)
        out.values[key] = CtlValue(value.rstrip(), line.number)
    return out
