"""mail.dat blocks → profile filters (server filters at DATA, or a user's filters at delivery).

Tayori matches decoded header text, so E-Post's three spellings of one Japanese token (raw Shift-JIS,
ISO-2022-JP and UTF-8 MIME-B) compile to the same condition; the repeats are reported, not doubled.
"""

from __future__ import annotations

import email.errors
import email.header
from typing import Any

from tayori.compiler.epost.context import Ctx
from tayori.compiler.epost.maildat import HEADER_KEYS, FilterBlock, MailDat, parse_level
from tayori.profiles.model import Filter

# Level A digit -> (action at DATA, also forward at delivery)
ACTIONS: dict[int, tuple[str | None, bool]] = {
    0: ("pass", False),
    1: ("reject", False),
    3: ("tag_subject", False),
    4: ("add_header", False),
    5: (None, True),
    6: ("tag_subject", True),
    7: ("add_header", True),
}


def decode_token(value: str) -> str:
    """A MIME-B/Q encoded token as text; anything else as written."""
    if "=?" not in value:
        return value
    try:
        parts = email.header.decode_header(value)
    except (ValueError, LookupError, email.errors.HeaderParseError):
        return value
    out = []
    for data, charset in parts:
        if isinstance(data, bytes):
            try:
                out.append(data.decode(charset or "ascii", errors="strict"))
            except (LookupError, UnicodeDecodeError):
                return value
        else:
            out.append(data)
    return "".join(out)


def _value(raw: str) -> dict[str, Any]:
    v = raw.strip()
    if v == "#blank":
        return {"empty": True}
    if v.startswith("##"):
        v = v[1:]  # "##" escapes a literal "#"
    return {"contains": decode_token(v)}


def compile_maildat(ctx: Ctx, rel: str, parsed: MailDat, *, per_user: bool) -> list[Filter]:
    report = ctx.report
    for n in parsed.separators:
        report.mapped(rel, n)
    out: list[Filter] = []
    seen: dict[str, int] = {}
    for block in parsed.blocks:
        out.extend(_block(ctx, rel, block, per_user, seen))
    return out


def _block(ctx: Ctx, rel: str, block: FilterBlock, per_user: bool, seen: dict[str, int]) -> list[Filter]:
    report = ctx.report
    origin = f"{rel}:{block.first_line}"
    lines = {block.first_line, *block.section_marks, *block.ignored}
    if block.last_line:
        lines.add(block.last_line)
    if not block.closed:
        for item in block.items:
            report.mapped(rel, item.line)
        for items in block.sections.values():
            for item in items:
                report.mapped(rel, item.line)
        report.mapped(rel, *lines)
        return []  # the parser reported the missing VirusEnd:
    level_item = block.get("Level")
    level = parse_level(level_item.value) if level_item else (0, 0, 0)
    if level is None or (level[0] not in ACTIONS and level[0] != 2):
        assert level_item is not None
        report.error(
            "maildat.level",
            "epost.maildat.bad_level",
            {"value": level_item.value},
            file=rel,
            line=level_item.line,
            raw=f"Level:{level_item.value}",
        )
        _cover(ctx, rel, block, lines, skip={level_item.line})
        return []
    action, forward = ACTIONS.get(level[0], (None, False))
    matches: list[dict[str, Any]] = []
    problems: list[tuple[str, int, dict[str, Any]]] = []
    for item in block.items:
        if item.key in HEADER_KEYS:
            matches.append({"header": item.key, **_value(item.value)})
        elif item.key == "Unique-Header":
            name, colon, token = item.value.partition(":")
            if not colon or not name.strip():
                problems.append(("epost.maildat.bad_unique", item.line, {}))
            else:
                matches.append({"header": name.strip(), **_value(token)})
        elif item.key == "RBL":
            problems.append(("epost.maildat.rbl", item.line, {"zone": item.value.strip()}))
    for item in block.sections.get("Body", []):
        if item.value.strip():
            matches.append({"body": True, "contains": item.value.strip()})
    if block.sections.get("EncBody"):
        problems.append(("epost.maildat.encbody", block.sections["EncBody"][0].line, {}))
    if not matches and not problems:
        problems.append(("epost.maildat.no_condition", block.first_line, {}))
    if problems:
        # the block cannot be compiled faithfully: report why, account for the rest of its lines
        for key, line, params in problems:
            report.unmapped("maildat.block", key, {"name": block.name, **params}, file=rel, line=line)
        _cover(ctx, rel, block, lines, skip={p[1] for p in problems})
        return []
    signature = repr(sorted(map(repr, matches))) + repr(level)
    if signature in seen:
        report.info(
            "maildat.duplicate",
            "epost.maildat.duplicate",
            {"name": block.name, "line": seen[signature]},
            file=rel,
            line=block.first_line,
        )
        _cover(ctx, rel, block, lines, skip={block.first_line})
        return []
    seen[signature] = block.first_line
    tag = block.get("Tag")
    fwd = block.get("Forward")
    base: dict[str, Any] = {"name": block.name or None, "match": matches, "origin": origin}
    out: list[Filter] = []
    used: set[int] = set()  # lines that carry their own report entry
    consumed: set[int] = set()  # lines whose value the compiled filter uses
    stage_action = action
    if level[0] == 2:
        report.unmapped(
            "maildat.warning",
            "epost.maildat.warning_body",
            {"name": block.name},
            file=rel,
            line=level_item.line if level_item else block.first_line,
        )
        stage_action = "pass"
        if level_item:
            used.add(level_item.line)
    if per_user and stage_action in ("reject", "tag_subject", "add_header"):
        # a user's mail.dat acts per recipient; at delivery Tayori can only keep, forward or discard
        if stage_action == "reject":
            report.info(
                "maildat.user_reject",
                "epost.maildat.user_reject",
                {"name": block.name},
                file=rel,
                line=block.first_line,
            )
            stage_action = "discard"
        else:
            report.unmapped(
                "maildat.user_tag", "epost.maildat.user_tag", {"name": block.name}, file=rel, line=block.first_line
            )
            stage_action = None
    if stage_action is not None and stage_action != "pass":
        data = dict(base)
        data["action"] = stage_action
        data["stage"] = "delivery" if per_user else "data"
        if stage_action == "tag_subject" and tag:
            data["tag"] = tag.value.strip()
            consumed.add(tag.line)
        if stage_action == "add_header" and tag:
            data["header"] = tag.value.strip()
            consumed.add(tag.line)
        if stage_action == "reject":
            data["reply"] = "Requested mail action aborted: caught by the filter setting."
        f = ctx.build(Filter, data, file=rel, line=block.first_line, area="maildat")
        if f is not None:
            out.append(f)
    if forward:
        if fwd is None or not fwd.value.strip():
            report.error(
                "maildat.forward",
                "epost.maildat.no_forward",
                {"name": block.name},
                file=rel,
                line=level_item.line if level_item else block.first_line,
            )
        else:
            f = ctx.build(
                Filter,
                {**base, "stage": "delivery", "action": "forward", "forward_to": [fwd.value.strip()]},
                file=rel,
                line=fwd.line,
                area="maildat",
            )
            if f is not None:
                out.append(f)
            consumed.add(fwd.line)
    if level[1] == 1:
        report.unmapped(
            "maildat.backup",
            "epost.maildat.backup",
            {"name": block.name},
            file=rel,
            line=level_item.line if level_item else block.first_line,
        )
        if level_item:
            used.add(level_item.line)
    if level[2] == 1:
        item_line = level_item.line if level_item else block.first_line
        if item_line in used:
            report.upgraded(
                "maildat.block_ip", "epost.maildat.block_ip", {"name": block.name}, file=rel, line=block.first_line
            )
            used.add(block.first_line)
        else:
            report.upgraded(
                "maildat.block_ip", "epost.maildat.block_ip", {"name": block.name}, file=rel, line=item_line
            )
            used.add(item_line)
    # keys that the chosen action does not use
    for item in block.items:
        if item.key in ("Tag", "Forward", "Folder", "Comp") and item.line not in used | consumed:
            if item.key == "Comp" or (item.key == "Folder" and level[1] == 1):
                continue  # Comp: Tayori compares case-insensitively anyway; Folder: covered by the backup entry
            report.unmapped(
                f"maildat.unused.{item.key.lower()}",
                "epost.maildat.unused",
                {"key": item.key},
                file=rel,
                line=item.line,
            )
            used.add(item.line)
    for item in block.sections.get("Warning", []):
        if level[0] != 2:
            report.unmapped(
                "maildat.unused.warning", "epost.maildat.unused", {"key": "Warning"}, file=rel, line=item.line
            )
            used.add(item.line)
    _cover(ctx, rel, block, lines, skip=used)
    return out


def _cover(ctx: Ctx, rel: str, block: FilterBlock, lines: set[int], skip: set[int]) -> None:
    """Account for the block's lines; those in `skip` carry their own report entry."""
    every = set(lines)
    every.update(i.line for i in block.items)
    for items in block.sections.values():
        every.update(i.line for i in items)
    ctx.report.mapped(rel, *(every - skip))
