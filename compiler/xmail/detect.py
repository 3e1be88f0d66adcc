"""Whether a folder is an XMail MailRoot (light: see compiler/epost/detect.py)."""

from __future__ import annotations

from tayori.compiler.legacy_tree import LegacyTree


def detect(tree: LegacyTree) -> int:
    found = [tree.find(n) is not None for n in ("server.tab", "mailusers.tab", "domains.tab")]
    score = 30 * sum(found)
    if score and tree.find("domains") is not None:
        score += 10
    return min(score, 100)
