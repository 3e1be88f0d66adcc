"""The profile's JSON Schema and field reference, both generated from the model.

`profiles/schema.json` and the reference table in `profiles/README.md` are generated here and a
test fails when either is out of date (`scripts/gen-profile-docs` rewrites both), like mox's
config reference: the model is the one place a setting is defined.
"""

from __future__ import annotations

import json
import types
import typing
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from tayori.profiles.model import Profile
from tayori.profiles.units import format_duration, format_size

HERE = Path(__file__).resolve().parent
LEGACY_MAP = HERE / "legacy_map.json"
BEGIN = "<!-- BEGIN GENERATED FIELD REFERENCE (scripts/gen-profile-docs) -->"
END = "<!-- END GENERATED FIELD REFERENCE -->"


def profile_schema() -> dict[str, Any]:
    schema = Profile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://tayori.invalid/schema/profile-v1.json"
    schema["title"] = "Tayori profile, profile_version 1"
    return schema


def schema_text() -> str:
    return json.dumps(profile_schema(), ensure_ascii=False, indent=2) + "\n"


def _type_name(ann: Any) -> str:
    origin = get_origin(ann)
    if ann is type(None):
        return "null"
    if origin is Literal:
        return " \\| ".join(str(a) for a in get_args(ann))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in get_args(ann))
    if origin is typing.Annotated:
        base, *meta = get_args(ann)
        names = {getattr(m, "func", None).__name__ for m in meta if hasattr(m, "func")}  # type: ignore[union-attr]
        if "parse_size" in names:
            return "size"
        if "parse_duration" in names:
            return "duration"
        return _type_name(base)
    if origin is list:
        (inner,) = get_args(ann) or (Any,)
        return f"list of {_type_name(inner)}"
    if origin is dict:
        k, v = get_args(ann) or (Any, Any)
        return f"map {_type_name(k)} → {_type_name(v)}"
    if isinstance(ann, type):
        if issubclass(ann, BaseModel):
            return ann.__name__
        return {"str": "text", "int": "integer", "bool": "boolean"}.get(ann.__name__, ann.__name__)
    return str(ann).replace("typing.", "")


def _default(field: FieldInfo, type_name: str) -> str:
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]
    elif field.default is PydanticUndefined:
        return ""
    else:
        value = field.default
    if isinstance(value, BaseModel):
        return "(see below)"
    if value is None:
        return "unset"
    if type_name.startswith("size") and isinstance(value, int):
        return str(format_size(value))
    if type_name.startswith("duration") and isinstance(value, int):
        return format_duration(value)
    if isinstance(value, list) and type_name.startswith("list of duration"):
        return "[" + ", ".join(format_duration(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False) if value else ("[]" if isinstance(value, list) else "{}")
    return str(value)


def _submodel(ann: Any) -> type[BaseModel] | None:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in get_args(ann):
        found = _submodel(arg)
        if found is not None:
            return found
    return None


def field_rows(model: type[BaseModel] = Profile, prefix: str = "") -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        path = f"{prefix}{key}"
        ann = field.annotation
        tname = _type_name(ann)
        rows.append((path, tname, _default(field, tname), field.description or ""))
        sub = _submodel(ann)
        if sub is not None and sub is not model:
            is_list = get_origin(ann) is list or any(get_origin(a) is list for a in get_args(ann))
            is_map = get_origin(ann) is dict
            child = f"{path}[]." if is_list else (f"{path}.<name>." if is_map else f"{path}.")
            rows.extend(field_rows(sub, child))
    return rows


def _legacy_map() -> dict[str, dict[str, str]]:
    if not LEGACY_MAP.exists():
        return {}
    data: dict[str, dict[str, str]] = json.loads(LEGACY_MAP.read_text(encoding="utf-8"))
    return data


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def reference_markdown() -> str:
    legacy = _legacy_map()
    out = [
        BEGIN,
        "",
        "| field | type | default | meaning | legacy settings |",
        "|---|---|---|---|---|",
    ]
    for path, tname, default, desc in field_rows():
        notes = legacy.get(path, {})
        leg = "; ".join(f"**{d}**: {_cell(t)}" for d, t in sorted(notes.items()))
        out.append(f"| `{path}` | {_cell(tname)} | {_cell(default)} | {_cell(desc)} | {leg} |")
    out += ["", END]
    return "\n".join(out)


TABLES_BEGIN = "<!-- BEGIN GENERATED RELAY TABLES (scripts/gen-profile-docs) -->"
TABLES_END = "<!-- END GENERATED RELAY TABLES -->"


def tables_markdown() -> str:
    from tayori.profiles.relay_tables import BUILTIN_TABLES

    mark = {"accept": "○ accept", "refuse": "× refuse"}
    out = [TABLES_BEGIN, ""]
    for name, table in BUILTIN_TABLES.items():
        out += [
            f"#### `{name}` (AUTH: `{table.auth}`)",
            "",
            table.description or "",
            "",
            "| sender \\ recipient | local | local-unknown | external |",
            "|---|---|---|---|",
        ]
        for row, cells in (
            ("local", table.local),
            ("local-unknown", table.local_unknown),
            ("external", table.external),
        ):
            out.append(f"| {row} | " + " | ".join(mark[c] for c in cells) + " |")
        out.append("")
    out.append(TABLES_END)
    return "\n".join(out)


def _replace(text: str, begin: str, end: str, block: str) -> str:
    start, stop = text.index(begin), text.index(end) + len(end)
    return text[:start] + block + text[stop:]


def update_readme(readme: Path) -> str:
    """The README text with its generated blocks brought up to date."""
    text = readme.read_text(encoding="utf-8")
    text = _replace(text, BEGIN, END, reference_markdown())
    if TABLES_BEGIN in text:
        text = _replace(text, TABLES_BEGIN, TABLES_END, tables_markdown())
    return text
