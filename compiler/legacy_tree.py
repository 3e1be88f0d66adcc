"""A legacy installation folder, read-only, with Windows' case-insensitive file names.

Readers ask for `effect.dat` and get `EFFECT.DAT` if that is what is on disk; reports keep the
name as on disk, relative to the folder the admin pointed at.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

# A legacy file larger than this is not read whole: settings files are small, and a huge file
# where a small one is expected is junk or a mistake worth reporting rather than loading.
MAX_SETTINGS_FILE = 64 * 1024 * 1024


NOT_REGULAR = "not a regular file (a FIFO, socket or device)"


def is_special(path: str | os.PathLike[str]) -> bool:
    """Something other than a file or a folder (FIFO, socket, device) stands at `path`."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def open_regular(path: str | os.PathLike[str]) -> tuple[int, int]:
    """Open a legacy file for reading: (descriptor, size). Never blocks: a FIFO or a device where a
    settings file is expected would hang a plain open() for ever; it is refused as not a regular
    file, and a folder raises IsADirectoryError as open() does."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder", os.fspath(path))
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, NOT_REGULAR)
    except BaseException:
        os.close(fd)
        raise
    return fd, st.st_size


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
        fd, _ = open_regular(path)
        with os.fdopen(fd, "rb") as fh:
            return fh.read(MAX_SETTINGS_FILE + 1)
