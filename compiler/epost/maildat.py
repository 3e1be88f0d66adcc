"""`mail.dat` (and `virus.dat`): E-Post's content filter blocks, `Virus:<name>` … `VirusEnd:`.

Keys are case-sensitive and end at the first `:`; a line without `:` is ignored by E-Post (the
guide's `-----` separators). `Body:`/`BodyEnd:`, `EncBody:`/`EncBodyEnd:` and `Warning:`/`WarningEnd:`
enclose up to five free-text lines. `Level:` is three digits ABC: A the action, B keep a copy, C add
the client to effect.dat.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tayori.compiler.legacy_text import Line
from tayori.compiler.problems import Problem

HEADER_KEYS = (
    "Received",
    "Subject",
    "From",
    "To",
    "Content-Type",
    "Content-Transfer-Encoding",
    "X-Mailer",
    "X-UIDL",
)
SINGLE_KEYS = (*HEADER_KEYS, "Unique-Header", "Level", "Folder", "Tag", "RBL", "Forward", "Comp")
SECTIONS = {"Body": "BodyEnd", "EncBody": "EncBodyEnd", "Warning": "WarningEnd"}
MAX_SECTION_LINES = 5


@dataclass
class Item:
    key: str
    value: str
    line: int


@dataclass
class FilterBlock:
    name: str
    first_line: int
    last_line: int = 0
    items: list[Item] = field(default_factory=list)  # single-line keys, in order
    sections: dict[str, list[Item]] = field(default_factory=dict)  # Body/EncBody/Warning -> lines
    section_marks: list[int] = field(default_factory=list)  # the Body:/BodyEnd: … lines themselves
    ignored: list[int] = field(default_factory=list)  # lines without `:` inside the block
    closed: bool = False

    def get(self, key: str) -> Item | None:
        for item in self.items:
            if item.key == key:
                return item
        return None

    def all(self, key: str) -> list[Item]:
        return [i for i in self.items if i.key == key]


@dataclass
class MailDat:
    blocks: list[FilterBlock] = field(default_factory=list)
    separators: list[int] = field(default_factory=list)  # lines E-Post ignores outside blocks
    problems: list[Problem] = field(default_factory=list)


def parse_level(value: str) -> tuple[int, int, int] | None:
    v = value.strip()
    if not v.isdigit() or len(v) > 3:
        return None
    v = v.zfill(3)
    return int(v[0]), int(v[1]), int(v[2])


def parse_maildat(lines: list[Line]) -> MailDat:
    out = MailDat()
    block: FilterBlock | None = None
    section: str | None = None
    for line in lines:
        text = line.text
        if section is not None and block is not None:
            if text.strip() == SECTIONS[section] + ":":
                block.section_marks.append(line.number)
                section = None
                continue
            if text.startswith("VirusEnd:"):
                out.problems.append(Problem(line.number, "epost.maildat.section_open", {"section": section}, "section"))
                section = None
            else:
                items = block.sections.setdefault(section, [])
                if len(items) >= MAX_SECTION_LINES:
                    out.problems.append(
                        Problem(line.number, "epost.maildat.section_long", {"section": section}, "section")
                    )
                else:
                    items.append(Item(section, text, line.number))
                continue
        key, colon, value = text.partition(":")
        if not colon or " " in key or key == "":
            if block is None:
                out.separators.append(line.number)
            else:
                block.ignored.append(line.number)
            continue
        if key == "Virus":
            if block is not None and not block.closed:
                out.problems.append(Problem(block.first_line, "epost.maildat.unclosed", {}, "unclosed"))
                block.last_line = line.number - 1
            block = FilterBlock(value.strip(), line.number)
            out.blocks.append(block)
            continue
        if block is None or block.closed:
            out.problems.append(Problem(line.number, "epost.maildat.outside", {"key": key}, "outside"))
            continue
        if key == "VirusEnd":
            block.closed = True
            block.last_line = line.number
            continue
        if key in SECTIONS:
            block.section_marks.append(line.number)
            section = key
            continue
        if key in SINGLE_KEYS:
            block.items.append(Item(key, value, line.number))
            continue
        out.problems.append(Problem(line.number, "epost.maildat.unknown_key", {"key": key}, "key"))
    if block is not None and not block.closed:
        out.problems.append(Problem(block.first_line, "epost.maildat.unclosed", {}, "unclosed"))
        block.last_line = lines[-1].number if lines else block.first_line
    return out
