"""A legacy installation folder, read-only, with Windows' case-insensitive file names.

Readers ask for `effect.dat` and get `EFFECT.DAT` if that is what is on disk; reports keep the
name as on disk, relative to the folder the admin pointed at.
"""

from __future__ import annotations

import os
from pathlib import Path

# A legacy file larger than this is not read whole: settings files are small, and a huge file
# where a small one is expected is junk or a mistake worth reporting rather than loading.
MAX_SETTINGS_FILE = 64 * 1024 * 1024


class LegacyTree:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._prefix = os.fspath(self.root).rstrip("/") + "/"
        self._dir_cache: dict[Path, dict[str, str]] = {}

    def _listing(self, directory: Path) -> dict[str, str]:
        cached = self._dir_cache.get(directory)
        if cached is None:
            try:
                names = os.listdir(directory)
            except OSError:
                names = []
            cached = {}
            for name in sorted(names):
                cached.setdefault(name.casefold(), name)
            self._dir_cache[directory] = cached
        return cached

    def find(self, *parts: str) -> Path | None:
        """Resolve a relative path case-insensitively; None when any part is missing."""
        current = self.root
        for part in parts:
            for piece in part.replace("\\", "/").split("/"):
                if not piece:
                    continue
                actual = self._listing(current).get(piece.casefold())
                if actual is None:
                    return None
                current = current / actual
        return current

    def rel(self, path: str | os.PathLike[str]) -> str:
        """The path relative to the legacy folder, with forward slashes, as on disk."""
        text = os.fspath(path)
        # Plain string work: readers build paths from the root and listed names, so they are
        # already normal, and pathlib costs more than the read itself on a 10,000-file install.
        if text.startswith(self._prefix):
            return text[len(self._prefix) :]
        p = Path(text)
        try:
            return p.relative_to(self.root).as_posix()
        except ValueError:
            return p.as_posix()

    def children(self, *parts: str, dirs: bool | None = None) -> list[Path]:
        base = self.find(*parts) if parts else self.root
        if base is None or not base.is_dir():
            return []
        out = []
        for name in self._listing(base).values():
            p = base / name
            if dirs is None or p.is_dir() == dirs:
                out.append(p)
        return out

    def read_bytes(self, path: str | os.PathLike[str]) -> bytes:
        with open(path, "rb") as fh:
            return fh.read(MAX_SETTINGS_FILE + 1)
