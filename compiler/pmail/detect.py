"""Whether a folder is a PMailServer2 installation (light: see compiler/epost/detect.py)."""

from __future__ import annotations

from tayori.compiler.legacy_tree import LegacyTree


def detect(tree: LegacyTree) -> int:
    score = 0
    if tree.find("Data", "pmail.ini") or tree.find("pmail.ini"):
        score += 70
    if tree.find("Data", "account.dat") or tree.find("account.dat"):
        score += 20
    if tree.find("pmservice.exe") or tree.find("pmman.exe"):
        score += 10
    return min(score, 100)
