"""The MailRoot's folders as the XMail reader sees them: case-insensitive listings, settings files
read, decoded and parsed, and stored-message counts, each computed once.

A 10,000-account MailRoot has 10,000 account folders, and reading them is most of a compile. The
reads are pure (a path in, its bytes decoded and parsed out), so `read_ahead` can do a batch of
account folders in worker processes while this process interprets the previous batch. The reader
still interprets every line itself, in file order, through the same `Folders` methods: a folder
read ahead and one read here give the same listings, texts and records, so the report does not
depend on whether (or how far) anything was read ahead.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any

from tayori.compiler.legacy_text import DecodedText, Line, decode_legacy
from tayori.compiler.legacy_tree import MAX_SETTINGS_FILE, Listing, list_folder, open_regular
from tayori.compiler.xmail import tab
from tayori.compiler.xmail.tab import TabLine

# What an account (or list) folder may hold that the reader opens.
ACCOUNT_FILES = ("user.tab", "mailproc.tab", "pop3.ipmap.tab", "mlusers.tab")
# Where XMail (mailbox) or a Maildir conversion (new, cur) keeps an account's messages.
MAIL_FOLDERS = (("mailbox",), ("Maildir", "new"), ("Maildir", "cur"))

# Below this many folders a pool costs more than it saves.
READ_AHEAD_MIN = 400
BATCH = 250


@dataclass(slots=True)
class Read:
    """One file: decoded text and its lines parsed with XMail's grammar, or why there is none."""

    decoded: DecodedText | None = None
    lines: list[TabLine] = field(default_factory=list)
    too_large: int = 0  # size on disk when over MAX_SETTINGS_FILE
    problem: str = ""  # the OS error when the file could not be read
    # neither: not a regular file (a folder, or gone), which callers treat as absent


def read_file(path: str) -> Read:
    try:
        # One open and one fstat per file: a 10,000-account MailRoot has over 10,000 files.
        fd, size = open_regular(path)
        with os.fdopen(fd, "rb") as fh:
            if size > MAX_SETTINGS_FILE:
                return Read(too_large=size)
            data = fh.read()
    except (IsADirectoryError, FileNotFoundError, NotADirectoryError):
        return Read()
    except OSError as exc:
        return Read(problem=str(exc))
    decoded = decode_legacy(data)
    limit = tab.LINE_MAX.get(os.path.basename(path).lower(), tab.DEFAULT_LINE_MAX)
    return Read(decoded, list(tab.parse(decoded, limit)))


@dataclass
class Folders:
    listings: dict[str, Listing] = field(default_factory=dict)
    reads: dict[str, Read] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def child(self, base: str | os.PathLike[str], name: str, *, directory: bool | None = None) -> str | None:
        """`base/name` matched case-insensitively like Windows, or None; with `directory`, only a
        folder (True) or only a non-folder (False)."""
        key = os.fspath(base)
        listing = self.listings.get(key)
        if listing is None:
            listing = self.listings[key] = list_folder(key)
        found = listing.get(name.casefold())
        if found is None or (directory is not None and found[1] != directory):
            return None
        return f"{key}/{found[0]}"

    def read(self, path: str | os.PathLike[str]) -> Read:
        # Taken out of the cache: the reader opens each file once, and memory stays flat.
        key = os.fspath(path)
        done = self.reads.pop(key, None)
        return done if done is not None else read_file(key)

    def count_mail(self, home: str) -> int:
        """Messages stored for an account; XMail's POP3 ignores dot files, so does the count."""
        done = self.counts.pop(home, None)
        if done is not None:
            return done
        count = 0
        for parts in MAIL_FOLDERS:
            d: str | None = home
            for part in parts:
                d = self.child(d, part, directory=True) if d is not None else None
            if d is None:
                continue
            try:
                with os.scandir(d) as it:
                    count += sum(1 for p in it if p.name[0] != "." and p.is_file())
            except OSError:
                continue
        return count

    def warm(self, home: str) -> None:
        """Everything the reader will ask about an account folder."""
        for name in ACCOUNT_FILES:
            path = self.child(home, name, directory=False)
            if path is not None:
                self.reads[path] = read_file(path)
        self.counts[home] = self.count_mail(home)

    def merge(self, wire: Wire) -> None:
        listings, reads, counts = wire
        self.listings.update(listings)
        self.reads.update((k, _from_wire(v)) for k, v in reads.items())
        self.counts.update(counts)


# What a worker sends back: plain tuples pickle in a third of the time named tuples and dataclasses
# take, and the workers' pickling was what the reader waited for.
WireText = tuple[str, list[tuple[int, str, bytes]], list[tuple[int, str]], bool, str]
WireRead = tuple[WireText | None, list[tuple[Any, ...]], int, str]
Wire = tuple[dict[str, Listing], dict[str, WireRead], dict[str, int]]


def _to_wire(r: Read) -> WireRead:
    d = r.decoded
    text: WireText | None = None
    if d is not None:
        text = (d.encoding, [(x.number, x.text, x.raw) for x in d.lines], d.problems, d.bom, d.line_endings)
    return (text, [tuple(x) for x in r.lines], r.too_large, r.problem)


def _from_wire(w: WireRead) -> Read:
    text, lines, too_large, problem = w
    decoded = None
    if text is not None:
        encoding, raw_lines, problems, bom, endings = text
        decoded = DecodedText(encoding, [Line._make(x) for x in raw_lines], problems, bom, endings)
    return Read(decoded, [TabLine._make(x) for x in lines], too_large, problem)


def _warm_batch(homes: Sequence[str]) -> Wire:
    folders = Folders()
    for home in homes:
        folders.warm(home)
    return folders.listings, {k: _to_wire(v) for k, v in folders.reads.items()}, folders.counts


def read_ahead(folders: Folders, homes: Sequence[str | None], workers: int | None = None) -> Iterator[None]:
    """Yield once per entry of `homes` (None: an entry without a folder), after its folder has been
    read into `folders`. With enough folders and more than one core, batches are read in worker
    processes, in order, while the caller works on the entries already yielded."""
    cores = workers if workers is not None else min(os.cpu_count() or 1, 4)
    present = sum(1 for h in homes if h is not None)
    # Only from a single-threaded process: fork copies just the calling thread, and the workers
    # decode and parse in library code that a lock held elsewhere at the fork could stall. The TUI
    # compiles beside its own threads; there the folders are read here, which is only slower.
    if cores < 2 or present < READ_AHEAD_MIN or threading.active_count() > 1:
        yield from (None for _ in homes)
        return
    batches = [homes[i : i + BATCH] for i in range(0, len(homes), BATCH)]
    try:
        pool = ProcessPoolExecutor(max_workers=cores, mp_context=get_context("fork"))
    except (OSError, ValueError):
        yield from (None for _ in homes)
        return
    try:
        futures: list[Future[Wire]] = [
            pool.submit(_warm_batch, [h for h in batch if h is not None]) for batch in batches
        ]
        for batch, future in zip(batches, futures, strict=True):
            _merge_or_read_here(folders, future.result)
            yield from (None for _ in batch)
    finally:
        # also when the caller stops early (an exception, Ctrl-C): batches not started are dropped
        pool.shutdown(wait=True, cancel_futures=True)


def _merge_or_read_here(folders: Folders, result: Callable[[], Wire]) -> None:
    # A worker that died (killed, out of memory) costs speed, not correctness: its folders are
    # read here, on demand, like any folder not read ahead.
    try:
        folders.merge(result())
    except Exception:
        return
