"""`tayori compile`: legacy folder → profile + secrets + migration report.

The reader does the dialect's work; this module does what is the same for every dialect:
detection, hashing the passwords on all cores, carrying the admin's earlier answers over,
accounting for every line the reader opened, and writing the three files atomically.
"""

from __future__ import annotations

import json
import os
import re
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from tayori.compiler.legacy_tree import LegacyTree
from tayori.compiler.messages import render
from tayori.compiler.registry import (
    BROKEN,
    READER_MODULES,
    Progress,
    Reader,
    ReaderResult,
    available_readers,
    detect,
    load_reader,
)
from tayori.compiler.report import Kind, Report, ReportBuilder
from tayori.profiles.gc_batch import batch_allocations
from tayori.profiles.model import Decision, Profile
from tayori.profiles.passwords import hash_password
from tayori.profiles.roundtrip import apply_model, dump_document, load_document, profile_data
from tayori.profiles.semantics import semantic_problems

if TYPE_CHECKING:
    from tayori.profiles.probe import ProbeResult

# libyaml's emitter: a 10,000-account profile takes seconds with the pure-Python one
_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CompileError(Exception):
    """Nothing usable could be produced (exit 1)."""


@dataclass
class Compiled:
    profile: Profile
    report: Report
    secrets: dict[str, Any]
    reader: Reader
    timings: dict[str, float] = field(default_factory=dict)
    legacy_probes: list[dict[str, Any]] = field(default_factory=list)


def _hash_one(item: tuple[str, str]) -> tuple[str, str]:
    return item[0], hash_password(item[1])


def hash_passwords(
    passwords: dict[str, str], progress: Progress | None = None, workers: int | None = None
) -> dict[str, str]:
    """Hash plaintexts on all cores (SHA512-CRYPT is slow by design)."""
    items = list(passwords.items())
    out: dict[str, str] = {}
    if not items:
        return out
    total = len(items)
    if total < 64:  # a pool costs more than it saves for a handful
        for n, item in enumerate(items, 1):
            k, h = _hash_one(item)
            out[k] = h
            if progress:
                progress(n, total, "hashing passwords")
        return out
    # fork, also when other threads run (the TUI compiles in a worker thread): the children only run
    # crypt(3) and the pool's own queues, so no lock another thread might hold at the fork is ever
    # needed there. The other start methods need a real stderr for their resource tracker, which a
    # full-screen UI has replaced.
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1, mp_context=get_context("fork")) as pool:
        for n, (k, h) in enumerate(pool.map(_hash_one, items, chunksize=32), 1):
            out[k] = h
            if progress and (n % 50 == 0 or n == total):
                progress(n, total, "hashing passwords")
    return out


def existing_answers(profile_path: Path | None) -> dict[str, Any]:
    """Answers the admin gave in a profile we are compiling into again."""
    if profile_path is None or not profile_path.exists():
        return {}
    try:
        text = profile_path.read_text(encoding="utf-8")
        # Only `decisions:` is needed: parsing 10,000 accounts to find it took longer than the compile.
        data = yaml.load(_top_level_block(text, "decisions") or text, Loader=_Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    decisions = (data or {}).get("decisions") if isinstance(data, dict) else None
    if not isinstance(decisions, dict):
        return {}
    return {
        k: v.get("value")
        for k, v in decisions.items()
        if isinstance(v, dict) and v.get("pending") is False and "value" in v
    }


def _top_level_block(text: str, key: str) -> str | None:
    """The text of one block-style top-level key (`key:` at column 0 up to the next top-level
    line), or None when the document does not have it in that shape."""
    m = re.search(rf"^{re.escape(key)}:[ \t]*(?:#.*)?$", text, re.MULTILINE)
    if m is None:
        return None
    end = re.compile(r"^[^\s#]", re.MULTILINE).search(text, m.end())
    return text[m.start() : end.start() if end else len(text)]


def choose_reader(tree: LegacyTree, dialect: str | None) -> Reader:
    if dialect:
        reader = load_reader(dialect) if dialect in READER_MODULES else None
        if reader is None:
            readers = available_readers()
            raise CompileError(f"unknown dialect {dialect!r} (known: {', '.join(sorted(readers)) or 'none'})")
        return reader
    found = detect(tree)
    if not found:
        known = ", ".join(r.title for r in available_readers().values()) or "none installed"
        if BROKEN:
            known += "; not loaded: " + ", ".join(sorted(BROKEN))
        raise CompileError(
            f"{tree.root}: no legacy mail server installation recognised here (readers: {known}); "
            "point at the folder that holds the settings files (XMail: MailRoot; E-Post: the folder with ms/ "
            "or effect.dat; PMailServer2: the folder with Data/pmail.ini)"
        )
    return found[0][1]


def compile_legacy(
    folder: Path,
    *,
    dialect: str | None = None,
    into: Path | None = None,
    hash_passwords_too: bool = True,
    progress: Progress | None = None,
    probe: bool = False,
) -> Compiled:
    with batch_allocations():
        return _compile_legacy(folder, dialect, into, hash_passwords_too, progress, probe)


def _compile_legacy(
    folder: Path,
    dialect: str | None,
    into: Path | None,
    hash_passwords_too: bool,
    progress: Progress | None,
    probe: bool,
) -> Compiled:
    if not folder.is_dir():
        raise CompileError(f"{folder}: not a folder")
    tree = LegacyTree(folder)
    reader = choose_reader(tree, dialect)
    builder = ReportBuilder(reader.name, tree)
    builder.answers = existing_answers(into)
    t0 = time.perf_counter()
    result: ReaderResult = reader.read(tree, builder, progress)
    t1 = time.perf_counter()
    if probe:
        run_legacy_probes(result, builder)
    for rel, lines in builder.unaccounted().items():
        for n in lines:
            builder.unmapped(f"coverage.{rel}.{n}", "input.unaccounted", file=rel, line=n)
    profile = result.profile
    hashed: dict[str, str] = {}
    if hash_passwords_too and result.passwords:
        hashed = hash_passwords(result.passwords, progress)
    t2 = time.perf_counter()
    if hashed:
        accounts = [
            a.model_copy(update={"password_hash": hashed[a.address]}) if a.address in hashed else a
            for a in profile.accounts
        ]
        profile = profile.model_copy(update={"accounts": accounts})
    report = builder.build(source=str(folder), profile=str(into) if into else None)
    decisions = dict(profile.decisions)
    for e in report.entries:
        if e.kind == Kind.DECIDE and e.decide is not None:
            decisions[e.decide.key] = Decision(
                value=e.decide.value,
                pending=e.decide.pending,
                options=list(e.decide.options),
                question=f"{render(e.message, e.params, 'ja')} / {render(e.message, e.params, 'en')}",
                origin=e.location() or None,
            )
    profile = profile.model_copy(update={"decisions": decisions})
    # A reader must never hand the runtime something `tayori check` would refuse. Field values were
    # validated when the reader built its objects; what needs the whole profile is checked here.
    broken = [(path, msg) for path, msg, severity in semantic_problems(profile) if severity == "error"]
    if broken:
        listed = "; ".join(f"{'.'.join(str(x) for x in path)}: {msg}" for path, msg in broken[:10])
        raise CompileError(f"the {reader.name} reader produced a profile that does not check ({listed})")
    timings = {"read": t1 - t0, "hash": t2 - t1, "total": time.perf_counter() - t0}
    return Compiled(profile, report, result.secrets, reader, timings, result.legacy_probes)


def run_legacy_probes(result: ReaderResult, builder: ReportBuilder) -> list[ProbeResult]:
    """Run the legacy product's documented behaviour against the compiled profile (pure runner: the
    compiler never imports the runtime). A difference the reader explained (a decision, an upgrade)
    is counted; any other difference becomes an `upgraded` entry saying what changed."""
    if not result.legacy_probes:
        builder.info("probe.none", "compile.probe.none", {"dialect": builder.dialect})
        return []
    from tayori.profiles.probe import parse_table, run_table  # only with --probe

    table = parse_table({"probes": result.legacy_probes}, "legacy probes")
    results = run_table(result.profile, table)
    explained: dict[str, int] = {}
    unexplained = 0
    for r in results:
        if r.outcome == r.probe.legacy:
            continue
        if r.probe.explained_by:
            explained[r.probe.explained_by] = explained.get(r.probe.explained_by, 0) + 1
            continue
        unexplained += 1
        p = r.probe
        builder.upgraded(
            f"probe.difference.{p.client}.{p.mail_from}.{','.join(p.rcpt_to)}",
            "compile.probe.difference",
            {
                "client": p.client,
                "sender": p.mail_from or "<>",
                "rcpt": ", ".join(p.rcpt_to),
                "legacy": p.legacy,
                "now": r.outcome,
                "rule": r.steps[-1].rule if r.steps else "",
            },
            paths=["policy.relay"],
        )
    builder.info(
        "probe.summary",
        "compile.probe.summary",
        {
            "total": len(results),
            "same": sum(1 for r in results if r.outcome == r.probe.legacy),
            "explained": sum(explained.values()),
            "by": ", ".join(f"{k} ({v})" for k, v in sorted(explained.items())) or "-",
            "unexplained": unexplained,
        },
        paths=["policy.relay"],
    )
    return results


def _atomic_write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, mode)
    os.replace(tmp, path)


# Lists longer than this (accounts, aliases of a large install) are written one item per line.
LINE_PER_ITEM = 500

HEADER = (
    "# Tayori profile compiled by `tayori compile` from {dialect} ({folder}).\n"
    "# Migration report / 移行レポート: {report}\n"
    "# Edit freely: comments and key order are kept by the TUI and by re-compiling.\n"
)


def write_profile(path: Path, profile: Profile, report_name: str) -> None:
    """Write a new profile, or merge into an existing one keeping the admin's comments."""
    data = profile_data(profile)
    if path.exists() and _has_admin_comments(path.read_text(encoding="utf-8")):
        # only then the slow round-trip merge: it is what keeps the admin's comments
        try:
            doc = load_document(path.read_text(encoding="utf-8"))
        except Exception:  # an unreadable old profile is replaced, not merged
            doc = None
        if doc is not None:
            _atomic_write(path, dump_document(apply_model(doc, profile)))
            return
    src = profile.source
    head = HEADER.format(dialect=src.dialect if src else "?", folder=src.folder if src else "?", report=report_name)
    big = {k: v for k, v in data.items() if isinstance(v, list) and len(v) > LINE_PER_ITEM}
    small = {k: v for k, v in data.items() if k not in big}
    body = yaml.dump(small, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096)
    for key, items in big.items():
        # One item per line as a JSON-style flow mapping (valid YAML): a 10,000-account office stays
        # greppable and diffable, and writing it takes milliseconds instead of a second in the emitter.
        body += f"{key}:\n" + "".join(f"- {json.dumps(item, ensure_ascii=False)}\n" for item in items)
    _atomic_write(path, head + body)


def _has_admin_comments(text: str) -> bool:
    """Whether a profile holds comments beyond the header `tayori compile` writes."""
    ours = ("# Tayori profile compiled", "# Migration report", "# Edit freely")
    for line in text.splitlines():
        if line.startswith(ours):
            continue
        if "#" in line:
            return True
    return False


def write_secrets(path: Path, secrets: dict[str, Any]) -> None:
    text = (
        "# Tayori secrets: plaintexts kept on purpose (APOP, CRAM-MD5) and relay passwords.\n"
        "# Mode 0600. Never share this file / このファイルは共有しないでください。\n"
        + yaml.safe_dump({"secrets_version": 1, **secrets}, allow_unicode=True, sort_keys=False)
    )
    _atomic_write(path, text, mode=0o600)


def secrets_path_for(profile_path: Path) -> Path:
    name = profile_path.name
    stem = name[: -len(".yaml")] if name.endswith(".yaml") else name
    return profile_path.with_name(stem + ".secrets.yaml")
