"""schema.json, the report schema and the README's reference are generated from the models and current."""

from __future__ import annotations

import json
from pathlib import Path

from tayori.compiler.render import report_schema
from tayori.profiles.schema import schema_text, update_readme

REPO = Path(__file__).resolve().parents[2]
FIX = "run scripts/gen-profile-docs"


def test_schema_json_is_current() -> None:
    assert (REPO / "profiles/schema.json").read_text(encoding="utf-8") == schema_text(), FIX


def test_report_schema_is_current() -> None:
    current = json.dumps(report_schema(), ensure_ascii=False, indent=2) + "\n"
    assert (REPO / "compiler/report.schema.json").read_text(encoding="utf-8") == current, FIX


def test_readme_reference_is_current() -> None:
    readme = REPO / "profiles/README.md"
    assert readme.read_text(encoding="utf-8") == update_readme(readme), FIX


def test_every_field_is_documented() -> None:
    from tayori.profiles.schema import field_rows

    undocumented = [path for path, _, _, desc in field_rows() if not desc]
    assert undocumented == []


def test_shipped_profiles_validate_against_the_json_schema() -> None:
    import jsonschema
    import yaml

    schema = json.loads((REPO / "profiles/schema.json").read_text(encoding="utf-8"))
    for name in ("default.yaml", "example.yaml"):
        data = yaml.safe_load((REPO / "profiles" / name).read_text(encoding="utf-8"))
        jsonschema.validate(data, schema)
