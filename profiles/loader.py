"""Loading and checking profiles: every error at once, one line each, with line and column.

Loading is fast on purpose (libyaml's C parser, then pydantic's compiled validators): `tayori check`
of a 10,000-account profile must stay under 3 s cold. Line and column numbers are only worked out
when there is something to report, by composing the YAML node tree once more.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import os
import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from tayori.profiles.gc_batch import batch_allocations
from tayori.profiles.model import PROFILE_VERSION, Profile
from tayori.profiles.semantics import semantic_problems

_Loader: type[yaml.SafeLoader]
try:
    _Loader = yaml.CSafeLoader  # type: ignore[assignment,unused-ignore]
except AttributeError:  # libyaml missing: slower, same results
    _Loader = yaml.SafeLoader

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One finding in a profile; `severity` is error or warning."""

    file: str
    line: int
    column: int
    path: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        if self.path:
            return f"{where}: {self.path}: {self.message}"
        return f"{where}: {self.message}"


class ProfileError(Exception):
    """A profile that cannot be used; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class _UniqueKeyLoader(_Loader):  # type: ignore[valid-type,misc]
    """Refuses duplicate keys: YAML says they are an error and PyYAML would keep the last silently."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                continue
            if key in seen:
                first = seen[key].start_mark
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f'duplicate key "{key}" (first at line {first.line + 1})',
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


def format_path(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _yaml_problem(file: str, exc: yaml.YAMLError) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else 1
    col = mark.column + 1 if mark is not None else 1
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    if "\\t" in str(problem) or "'\\t'" in str(problem) or "tab" in str(problem).lower():
        message = "tab character: YAML indents with spaces, not tabs"
    elif problem.startswith("duplicate key"):
        message = problem
    elif context and ("flow sequence" in context or "flow mapping" in context):
        message = f"YAML syntax: {problem} ({context}: a bracket is not closed)"
    elif context:
        message = f"YAML syntax: {problem} ({context})"
    else:
        message = f"YAML syntax: {problem}"
    return Problem(file, line, col, "", message)


def parse_yaml(text: str, file: str) -> Any:
    """Plain data from YAML text; raises ProfileError with a positioned message."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise ProfileError([_yaml_problem(file, exc)]) from None


class Positions:
    """Path → (line, column), from the YAML node tree; built only when there are errors."""

    def __init__(self, text: str) -> None:
        try:
            self.root: yaml.Node | None = yaml.compose(text, Loader=_Loader)
        except yaml.YAMLError:
            self.root = None

    def find(self, path: Path_, key: bool = False) -> tuple[int, int]:
        node = self.root
        if node is None:
            return (1, 1)
        best = node.start_mark
        for i, part in enumerate(path):
            last = i == len(path) - 1
            if isinstance(node, yaml.MappingNode):
                nxt = None
                for k, v in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.value == str(part):
                        nxt = k if (last and key) else v
                        break
                if nxt is None:
                    break
                node = nxt
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
            else:
                break
            best = node.start_mark
        return (best.line + 1, best.column + 1)


def _fields_at(model: type[BaseModel], loc: Path_) -> list[str]:
    """Field names valid at the place an unknown key was found (for 'did you mean')."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(str(part))
        if field is None:
            return []
        ann = field.annotation
        current = _model_in(ann)
    if isinstance(current, type) and issubclass(current, BaseModel):
        names = []
        for name, f in current.model_fields.items():
            names.append(f.alias or name)
        return names
    return []


def _model_in(ann: Any) -> Any:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null (empty)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)


def _message(err: Any) -> str:
    kind = err["type"]
    value = err.get("input")
    msg = str(err["msg"])
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    if kind == "missing":
        return "is required but missing"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"{_shown(value)} is not allowed (use {expected.replace(chr(39), '')})"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{_shown(value)} is not a whole number"
    if kind in ("bool_parsing", "bool_type"):
        return f"{_shown(value)} is not true or false"
    if kind in ("string_type",):
        return f"{_shown(value)} is not text"
    if kind in ("list_type",):
        return f"{_shown(value)} is not a list"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"{_shown(value)} is not a mapping of settings"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return f"{_shown(value)} is out of range ({msg.removeprefix('Input should be ')})"
    if kind in ("too_short", "too_long"):
        return msg.replace("List should have", "needs").replace("Input should have", "needs")
    return msg


def _validation_problems(file: str, text: str, exc: ValidationError) -> list[Problem]:
    positions = Positions(text)
    problems = []
    for err in exc.errors():
        loc: Path_ = tuple(p for p in err["loc"] if isinstance(p, (str, int)))
        # pydantic appends union/function tags to the location: keep only real keys
        clean = tuple(p for p in loc if isinstance(p, int) or not ("[" in p or p.startswith("function-")))
        path = format_path(clean)
        if err["type"] == "extra_forbidden":
            line, col = positions.find(clean, key=True)
            parent = clean[:-1]
            candidates = _fields_at(Profile, parent)
            guess = difflib.get_close_matches(str(clean[-1]), candidates, n=1)
            hint = f" (did you mean {guess[0]}?)" if guess else ""
            problems.append(Problem(file, line, col, path, f"unknown setting{hint}"))
            continue
        if err["type"] == "missing":
            line, col = positions.find(clean[:-1])
        else:
            line, col = positions.find(clean)
        problems.append(Problem(file, line, col, path, _message(err)))
    # one error per place is enough: unions can report the same spot twice
    seen: set[tuple[int, int, str]] = set()
    out = []
    for p in sorted(problems, key=lambda p: (p.line, p.column)):
        key = (p.line, p.column, p.path)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def summarize_warnings(warnings: Sequence[Problem], shown: int = 5) -> list[str]:
    """Every kind of warning, but not 10,000 times: after a few of one kind, one line says how many more."""
    seen: dict[str, int] = {}
    lines = []
    for w in warnings:
        n = seen[w.message] = seen.get(w.message, 0) + 1
        if n <= shown:
            lines.append(f"{w} (warning)")
    lines += [f"… {n - shown} more warnings like this: {m}" for m, n in seen.items() if n > shown]
    return lines


@dataclass
class Loaded:
    profile: Profile
    warnings: list[Problem]


@functools.cache
def _code_fingerprint() -> bytes:
    here = Path(__file__).resolve().parent
    h = hashlib.sha256(PROFILE_VERSION.to_bytes(2, "big"))
    for name in ("model.py", "units.py", "semantics.py", "loader.py", "relay_tables.py"):
        h.update((here / name).read_bytes())
    return h.digest()


def _cache_dir() -> Path | None:
    base = os.environ.get("TAYORI_CACHE") or os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / "tayori"
    home = os.environ.get("HOME")
    return Path(home) / ".cache" / "tayori" if home else None


def load_profile_text(text: str, file: str = "profile.yaml") -> Loaded:
    with batch_allocations():
        return _load_profile_text(text, file)


def _load_profile_text(text: str, file: str) -> Loaded:
    data = parse_yaml(text, file)
    if not isinstance(data, dict):
        raise ProfileError([Problem(file, 1, 1, "", "a profile is a YAML mapping (profile_version: 1, …)")])
    version = data.get("profile_version")
    if version != PROFILE_VERSION:
        line, col = Positions(text).find(("profile_version",)) if "profile_version" in data else (1, 1)
        shown = "missing" if version is None else _shown(version)
        raise ProfileError(
            [
                Problem(
                    file, line, col, "profile_version", f"{shown}: this Tayori reads profile_version {PROFILE_VERSION}"
                )
            ]
        )
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(_validation_problems(file, text, exc)) from None
    errors: list[Problem] = []
    warnings: list[Problem] = []
    semantic = semantic_problems(profile)
    if semantic:
        positions = Positions(text)
        for loc, message, severity in semantic:
            line, col = positions.find(loc)
            target = errors if severity == "error" else warnings
            target.append(Problem(file, line, col, format_path(loc), message, severity))
    errors.sort(key=lambda p: (p.line, p.column))
    warnings.sort(key=lambda p: (p.line, p.column))
    if errors:
        raise ProfileError(errors + warnings)
    return Loaded(profile, warnings)


def load_profile(path: str | Path, display: str | None = None, cache: bool = False) -> Loaded:
    """Load and check a profile file. With `cache`, a checked profile is reused by content hash."""
    p = Path(path)
    name = display or str(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ProfileError([Problem(name, 1, 1, "", f"cannot read: {exc.strerror or exc}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ProfileError([Problem(name, line, 1, "", "not UTF-8 text (profiles are UTF-8)")]) from None
    cache_file = None
    if cache and (cdir := _cache_dir()) is not None:
        # keyed by the code that checked it too: a pickle made by another version of the model or of
        # the checks must never be taken for a checked profile
        digest = hashlib.sha256(raw + _code_fingerprint()).hexdigest()
        cache_file = cdir / f"profile-{digest}.pickle"
        try:
            with open(cache_file, "rb") as fh:
                loaded = pickle.load(fh)
            if isinstance(loaded, Loaded):
                return loaded
        except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError):
            pass
    loaded = load_profile_text(text, name)
    if cache_file is not None:
        try:
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                pickle.dump(loaded, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, cache_file)
        except OSError:
            pass
    return loaded
