"""Whether a folder is an E-Post installation, and where its program folder is.

Kept apart from the reader so that detection imports nothing heavy: `tayori compile` asks every
dialect, then loads only the reader that recognised the folder.
"""

from __future__ import annotations

from pathlib import Path

from tayori.compiler.legacy_tree import LegacyTree

PROGRAM_MARKERS = ("effect.dat", "mail.dat", "gateway.dat", "header.dat", "backup/epst-ms.reg")


def tree_rel(tree: LegacyTree, path: Path) -> str:
    """The path relative to the tree, "" for the root itself."""
    rel = tree.rel(path)
    return "" if rel in (".", "") else rel


def find_program(tree: LegacyTree) -> Path | None:
    """The folder holding effect.dat & co: the root itself, or one or two levels below it."""
    candidates = [tree.root]
    for child in tree.children(dirs=True):
        candidates.append(child)
        candidates.extend(tree.children(tree.rel(child), dirs=True))
    best: tuple[int, Path] | None = None
    for c in candidates:
        rel = tree_rel(tree, c)
        hits = sum(1 for m in PROGRAM_MARKERS if (tree.find(rel, m) if rel else tree.find(m)) is not None)
        if hits and (best is None or hits > best[0]):
            best = (hits, c)
    return best[1] if best else None


def detect(tree: LegacyTree) -> int:
    program = find_program(tree)
    if program is None:
        return 0
    rel = tree.rel(program)
    score = 0
    for marker in PROGRAM_MARKERS:
        if tree.find(rel, marker) if rel not in ("", ".") else tree.find(marker):
            score += 30
    if any(p.name.lower().endswith(".idx") for p in tree.children(rel) if p.is_file()):
        score += 20
    return min(score, 100)
