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


Listing = dict[str, tuple[str, bool]]  # casefolded name -> (name on disk, is a folder)


def list_folder(folder: str | os.PathLike[str]) -> Listing:
    """A folder's entries for Windows-style lookups; the first name in sorted order wins when two
    differ only in case (Windows could not hold both). An unreadable folder lists as empty."""
    try:
        with os.scandir(folder) as it:
            entries = sorted((e.name, e.is_dir()) for e in it)
    except OSError:
        return {}
    listing: Listing = {}
    for name, is_dir in entries:
        listing.setdefault(name.casefold(), (name, is_dir))
    return listing


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
        self._dir_cache: dict[Path, Listing] = {}

    def _listing(self, directory: Path) -> Listing:
        cached = self._dir_cache.get(directory)
        if cached is None:
            cached = self._dir_cache[directory] = list_folder(directory)
        return cached

    def find(self, *parts: str) -> Path | None:
        """Resolve a relative path case-insensitively; None when any part is missing."""
        current = self.root
        for part in parts:
            for piece in part.replace("\\", "/").split("/"):
                if not piece:
                    continue
                found = self._listing(current).get(piece.casefold())
                if found is None:
                    return None
                current = current / found[0]
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
        for name, is_dir in self._listing(base).values():
            if dirs is None or is_dir == dirs:
                out.append(base / name)
        return out

    def read_bytes(self, path: str | os.PathLike[str]) -> bytes:
        fd, _ = open_regular(path)
        with os.fdopen(fd, "rb") as fh:
            return fh.read(MAX_SETTINGS_FILE + 1)
