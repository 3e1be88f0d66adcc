"""Editing profiles without losing the admin's comments and key order.

`tayori check` and the runtime load profiles fast (loader.py); editors (the TUI, `compile` into an
existing profile) go through here: ruamel.yaml's round-trip mode keeps comments, and
`apply_model` writes a changed model back into the same document, touching only what changed.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from tayori.profiles.model import _LISTENER_DEFAULTS, Listener, Profile
from tayori.profiles.units import parse_duration, parse_size


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # never fold long values (hashes, regexes) onto a second line
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def load_document(text: str) -> Any:
    return _yaml().load(text)


def dump_document(doc: Any) -> str:
    buf = io.StringIO()
    _yaml().dump(doc, buf)
    return buf.getvalue()


def profile_data(profile: Profile) -> dict[str, Any]:
    """The model as plain YAML-ready data, defaults left out so the file stays short."""
    data: dict[str, Any] = profile.model_dump(mode="json", exclude_defaults=True, by_alias=True)
    data["profile_version"] = profile.profile_version
    # Each listener has defaults of its own (submission: port 587, AUTH on), not the class's:
    # compare with those, or a listener would silently change on the next load.
    listeners = {}
    for name, lst in profile.listeners.model_dump(mode="json", by_alias=True).items():
        if lst is None:
            continue
        own = Listener(**_LISTENER_DEFAULTS[name]).model_dump(mode="json", by_alias=True)
        changed = {k: v for k, v in lst.items() if own.get(k) != v}
        if changed:
            listeners[name] = changed
    data.pop("listeners", None)
    if listeners:
        data["listeners"] = listeners
    # `pending` is what the admin flips to answer: always written, even while it is the default
    for key, decision in profile.decisions.items():
        if key in data.get("decisions", {}):
            data["decisions"][key]["pending"] = decision.pending
    order = list(Profile.model_fields)
    data = {k: data[k] for k in sorted(data, key=order.index)}
    return data


def _same(old: Any, new: Any) -> bool:
    """Equal values, allowing for how the admin spelled them (`300` vs `5m`, quotes)."""
    if old == new:
        return True
    for parse in (parse_size, parse_duration):
        try:
            if parse(old) == parse(new):
                return True
        except ValueError:
            pass
    return False


def _merge(node: Any, full: Any, sparse: Any) -> Any:
    """Make `node` say what `full` says, in place where possible so comments on surviving keys and
    items stay. `full` is the model with defaults, `sparse` without: a key the admin wrote that
    still holds is kept even when it is the default; a new key is only added when not a default."""
    if isinstance(node, CommentedMap) and isinstance(full, dict):
        sparse_map = sparse if isinstance(sparse, dict) else {}
        for key in list(node):
            if key not in full or (full[key] is None and key not in sparse_map):
                del node[key]
            else:
                node[key] = _merge(node[key], full[key], sparse_map.get(key))
        for key, value in sparse_map.items():
            if key not in node:
                node[key] = value
        return node
    if isinstance(node, CommentedSeq) and isinstance(full, list):
        sparse_list = sparse if isinstance(sparse, list) else []
        del node[len(full) :]
        for i, value in enumerate(full):
            part = sparse_list[i] if i < len(sparse_list) else value
            if i < len(node):
                node[i] = _merge(node[i], value, part)
            else:
                node.append(part)
        return node
    if not isinstance(full, (dict, list)) and _same(node, full):
        return node  # keep the admin's spelling (quotes, 50M vs 52428800)
    return sparse if sparse is not None else full


def apply_model(doc: Any, profile: Profile) -> Any:
    """Update a round-trip document to say what `profile` says."""
    sparse = profile_data(profile)
    if not isinstance(doc, CommentedMap):
        return sparse
    full = profile.model_dump(mode="json", by_alias=True)
    return _merge(doc, full, sparse)


def update_profile_file(path: Path, profile: Profile) -> None:
    """Rewrite a profile file from a model, keeping comments; atomic (temp file + rename)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    doc = load_document(text) if text.strip() else CommentedMap()
    doc = apply_model(doc, profile)
    out = dump_document(doc)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(out, encoding="utf-8")
    tmp.replace(path)
