"""Reader registry and dialect detection.

Each dialect has exactly one reader module exposing `READER`; the registry imports them lazily so
a broken or missing reader cannot stop the others (or `tayori --help`) from working.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from tayori.compiler.legacy_tree import LegacyTree
    from tayori.compiler.report import ReportBuilder
    from tayori.profiles.model import Profile

# dialect name -> module holding READER
READER_MODULES: dict[str, str] = {
    "xmail": "tayori.compiler.xmail.reader",
    "epost": "tayori.compiler.epost.reader",
    "pmail": "tayori.compiler.pmail.reader",
}

# dialect -> module with a light `detect(tree) -> int`: every dialect is asked, only the one that
# recognises the folder has its reader imported
DETECT_MODULES: dict[str, str] = {name: module.rsplit(".", 1)[0] + ".detect" for name, module in READER_MODULES.items()}

# (done, total, what) — long readers call it so the CLI/TUI can show progress.
Progress = Callable[[int, int, str], None]


@dataclass
class ReaderResult:
    profile: Profile
    # The secrets file's content (see tayori.profiles.secrets): plaintexts kept on purpose only.
    secrets: dict[str, Any] = field(default_factory=dict)
    # account address -> legacy plaintext password. The compiler hashes these on all cores (slow by
    # design, timed apart from reading) into each account's `password_hash`; readers never hash.
    passwords: dict[str, str] = field(default_factory=dict)
    # The legacy product's documented relay behaviour for this install, as probes (the shared
    # probe format, `legacy` = what it did, `explained_by` = the decision or upgrade entry that
    # accounts for a deliberate difference). `tayori compile --probe` runs them.
    legacy_probes: list[dict[str, Any]] = field(default_factory=list)


class Reader(Protocol):
    name: str
    title: str

    def detect(self, tree: LegacyTree) -> int:
        """0 when the folder is not this dialect; higher means more certain (100 = sure)."""
        ...

    def read(self, tree: LegacyTree, report: ReportBuilder, progress: Progress | None = None) -> ReaderResult: ...


# dialect -> why its reader could not be loaded (shown when nothing else recognises a folder)
BROKEN: dict[str, str] = {}


def available_readers() -> dict[str, Reader]:
    """The readers that import; one broken reader must not stop the others."""
    return {name: reader for name in READER_MODULES if (reader := load_reader(name)) is not None}


def load_reader(name: str) -> Reader | None:
    try:
        reader: Reader = importlib.import_module(READER_MODULES[name]).READER
    except Exception as exc:
        BROKEN[name] = f"{type(exc).__name__}: {exc}"
        return None
    return reader


def detect(tree: LegacyTree) -> list[tuple[int, Reader]]:
    """Readers that recognise the folder, most certain first."""
    scored: list[tuple[int, Reader]] = []
    for name, module in DETECT_MODULES.items():
        try:
            score = int(importlib.import_module(module).detect(tree))
        except Exception as exc:
            BROKEN[name] = f"{type(exc).__name__}: {exc}"
            continue
        if score > 0 and (reader := load_reader(name)) is not None:
            scored.append((score, reader))
    return sorted(scored, key=lambda x: -x[0])
