"""Log tail with a filter: the last lines of one service's log under `StatePaths.logs`."""

from __future__ import annotations

import os
from pathlib import Path

TAIL_BYTES = 256 * 1024


def log_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix == ".log")


def tail(path: Path, lines: int = 500, needle: str = "") -> list[str]:
    """The last `lines` lines (of the file's last 256 KiB) that contain `needle`, case-insensitively."""
    try:
        with open(path, "rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            start = max(0, size - TAIL_BYTES)
            fh.seek(start)
            data = fh.read()
    except OSError:
        return []
    text = data.decode("utf-8", "replace").splitlines()
    if start:
        text = text[1:]  # the first line is cut
    if needle:
        low = needle.lower()
        text = [line for line in text if low in line.lower()]
    return text[-lines:]
