"""The durable mail queue: file per message, group commit, crash-safe by construction.

Format and crash-safety argument: ``docs/queue-format.md``.  In short, under the queue root::

    tmp/<owner>/          per-process staging (spools, envelopes being written); <owner>/lock is
                          flock()ed for the life of the process; a tmp dir whose lock is free is dead
    ready/<id>.eml        the message: exactly the bytes received (trace headers written by the caller)
    ready/<id>.json       the envelope; its presence in a state directory IS the commit
    hold/                 same pair, kept out of delivery by the administrator
    corrupt/              pairs recovery could not trust; never delivered, kept for a human

Producer side (smtpd, asyncio)::

    spool = queue.new_spool()                   # memory up to memory_limit, then tmp/<owner>/<id>.eml
    spool.write(received_header)                # then DataReader(sink=spool.write)
    env = await queue.commit(spool, Envelope.new(mail_from, rcpts, client_ip=..., helo=..., auth=...))
    # only now reply "250 2.0.0 Ok: queued as {env.id}"

``commit`` never blocks the event loop: a committer thread takes every submission that arrived while
the previous batch was being synced, syncs all their files (concurrently, so the filesystem journal
merges the flushes), renames them into ``ready/``, syncs ``ready/`` once, and only then resolves the
futures.

Consumer side (delivery; plain blocking calls, run them in a thread from asyncio)::

    queue.recover()                             # at start, in every process that opens the queue
    for env in queue.ready():                   # due, not held, sorted by id (= arrival order)
        try:
            with queue.claim(env.id) as c:      # flock on <id>.eml: dies with the process
                ...                             # c.envelope, c.message_path, c.open_message()
                c.update_recipients({"a@x": ("delivered", None)})   # durable
                c.defer(next_attempt, "451 ...") or c.remove()
        except (Busy, Gone):
            continue                            # another worker has it, or it is already gone
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import random
import secrets
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

__all__ = [
    "FORMAT_VERSION",
    "RCPT_STATUSES",
    "STATES",
    "Busy",
    "Claim",
    "Envelope",
    "Gone",
    "Queue",
    "QueueError",
    "Recipient",
    "RecoveryReport",
    "Spool",
    "new_queue_id",
]

FORMAT_VERSION = 1
STATES = ("ready", "hold", "corrupt")
RCPT_STATUSES = ("pending", "deferred", "delivered", "failed")
FINAL_RCPT_STATUSES = ("delivered", "failed")
DEFAULT_MEMORY_LIMIT = 256 * 1024
_LOCK_NAME = "lock"
_HIDDEN_OWNER_MAX_AGE = 60.0  # seconds; a hidden owner dir older than this was never finished


class QueueError(Exception):
    pass


class Busy(QueueError):
    """The entry is claimed by another worker (or being committed/moved)."""


class Gone(QueueError):
    """The entry does not exist (any more) in that state."""


# ---------------------------------------------------------------------------------------------------------
# ids and times

_id_lock = threading.Lock()
_id_last_us = 0
_B32 = "0123456789abcdefghijklmnopqrstuv"


_rng: tuple[int, random.Random] | None = None


def _id_random() -> random.Random:
    # Seeded once per process from the OS: a getrandom() call per message costs more than the rest
    # of the id, and the bits only keep different processes' ids apart (they are not secrets). The
    # pid check reseeds a forked child, which would otherwise repeat its parent's sequence.
    global _rng
    pid = os.getpid()
    if _rng is None or _rng[0] != pid:
        _rng = (pid, random.Random(os.urandom(32)))
    return _rng[1]


def new_queue_id() -> str:
    """20 characters of ``[0-9a-v]``: 13 hex digits of microseconds since the epoch (strictly increasing
    within a process, so ids sort by arrival) and 7 base-32 digits of randomness (35 bits) that keep
    ids from different processes apart."""
    global _id_last_us
    with _id_lock:
        now = time.time_ns() // 1000
        _id_last_us = now if now > _id_last_us else _id_last_us + 1
        us = _id_last_us
    r = _id_random().getrandbits(35)
    tail = "".join(_B32[(r >> (5 * i)) & 31] for i in range(7))
    return f"{us:013x}{tail}"


def _valid_id(qid: str) -> bool:
    return len(qid) == 20 and all(c in _B32 for c in qid)


def _iso(t: float | datetime | None = None) -> str:
    if t is None:
        dt = datetime.now(UTC)
    elif isinstance(t, datetime):
        dt = t.astimezone(UTC)
    else:
        dt = datetime.fromtimestamp(t, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _epoch(s: str) -> float:
    return datetime.fromisoformat(s).timestamp()


# ---------------------------------------------------------------------------------------------------------
# envelope


@dataclass
class Recipient:
    address: str
    status: str = "pending"  # one of RCPT_STATUSES
    attempts: int = 0
    last_error: str | None = None
    updated: str | None = None
    orcpt: str | None = None  # RFC 3461 ORCPT, when the client gave one
    notify: str | None = None  # RFC 3461 NOTIFY


@dataclass
class Envelope:
    """The ``<id>.json`` record.  ``id``, ``size`` and ``sha256`` are filled in by ``Queue.commit``."""

    mail_from: str
    rcpts: list[Recipient]
    id: str = ""
    received: str = ""
    client_ip: str | None = None
    client_name: str | None = None
    helo: str | None = None
    auth: str | None = None
    listener: str | None = None
    mail_params: list[str] = field(default_factory=list)
    size: int = 0
    sha256: str = ""
    attempts: int = 0
    next_attempt: str | None = None  # None: due now
    last_attempt: str | None = None
    last_error: str | None = None
    version: int = FORMAT_VERSION

    @classmethod
    def new(cls, mail_from: str, rcpts: Iterable[str | Recipient], **fields: Any) -> Envelope:
        rs = [r if isinstance(r, Recipient) else Recipient(r) for r in rcpts]
        return cls(mail_from=mail_from, rcpts=rs, **fields)

    @property
    def done(self) -> bool:
        return all(r.status in FINAL_RCPT_STATUSES for r in self.rcpts)

    def due(self, now: float | None = None) -> bool:
        if self.next_attempt is None:
            return True
        return _epoch(self.next_attempt) <= (time.time() if now is None else now)

    def to_json(self) -> bytes:
        d = dataclasses.asdict(self)
        d = {"version": d.pop("version"), "id": d.pop("id"), **d}
        try:
            return (json.dumps(d, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
        except UnicodeEncodeError:
            # surrogateescape'd bytes from a non-UTF-8 client: keep them losslessly as \\udcXX escapes.
            return (json.dumps(d, ensure_ascii=True, indent=1) + "\n").encode("ascii")

    @classmethod
    def from_json(cls, data: bytes) -> Envelope:
        try:
            d = json.loads(data)
        except (ValueError, UnicodeDecodeError) as e:
            raise ValueError(f"envelope is not JSON: {e}") from e
        if not isinstance(d, dict) or d.get("version") != FORMAT_VERSION:
            raise ValueError("envelope has no supported version")
        known = {f.name for f in dataclasses.fields(cls)}
        rknown = {f.name for f in dataclasses.fields(Recipient)}
        try:
            rcpts = [Recipient(**{k: v for k, v in r.items() if k in rknown}) for r in d["rcpts"]]
            env = cls(**{k: v for k, v in d.items() if k in known and k != "rcpts"}, rcpts=rcpts)
        except (TypeError, KeyError, AttributeError) as e:
            raise ValueError(f"envelope is incomplete: {e}") from e
        if not (
            isinstance(env.mail_from, str)
            and _valid_id(env.id)
            and isinstance(env.size, int)
            and isinstance(env.sha256, str)
            and env.rcpts
            and all(isinstance(r.address, str) and r.status in RCPT_STATUSES for r in env.rcpts)
        ):
            raise ValueError("envelope fields have wrong types or values")
        return env


# ---------------------------------------------------------------------------------------------------------
# low-level helpers


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


_datasync = getattr(os, "fdatasync", os.fsync)


# ---------------------------------------------------------------------------------------------------------
# spool


class Spool:
    """Message content being received: memory up to ``memory_limit`` bytes, then a file.

    The file is ``tmp/<owner>/<id>.eml``, created exclusively and flock()ed, and becomes the queued
    message by a rename, so a large message is never copied.  SHA-256 and size are computed while
    writing.  Writes to the spilled file are buffered page-cache writes (no fsync), cheap enough to
    make from the event loop.  After ``Queue.commit`` or ``discard`` the spool must not be written.
    """

    def __init__(self, directory: Path, qid: str, memory_limit: int = DEFAULT_MEMORY_LIMIT) -> None:
        self.id = qid
        self.path = directory / f"{qid}.eml"
        self.memory_limit = memory_limit
        self.size = 0
        self._hash = hashlib.sha256()
        self._mem: bytearray | None = bytearray()
        self._file: BinaryIO | None = None
        self.closed = False

    @property
    def in_memory(self) -> bool:
        return self._mem is not None

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self.closed:
            raise ValueError("spool is closed")
        self._hash.update(data)
        self.size += len(data)
        if self._mem is not None:
            if len(self._mem) + len(data) <= self.memory_limit:
                self._mem += data
                return
            self._spill()
        assert self._file is not None
        self._file.write(data)

    def _spill(self) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        self._file = open(fd, "wb", buffering=64 * 1024)  # noqa: SIM115 -- lives as long as the spool
        assert self._mem is not None
        self._file.write(self._mem)
        self._mem = None

    def getvalue(self) -> bytes:
        """The content so far (reads the file back if spilled: for filters and tests, not hot paths)."""
        if self._mem is not None:
            return bytes(self._mem)
        assert self._file is not None
        self._file.flush()
        return self.path.read_bytes()

    def _materialize(self) -> int:
        """Committer thread: make sure the content is in ``self.path``; return its locked fd."""
        if self._mem is not None:
            self._spill()
        assert self._file is not None
        self._file.flush()
        return self._file.fileno()

    def _close(self) -> None:
        if self._file is not None:
            self._file.close()  # also releases the flock
            self._file = None
        self._mem = None
        self.closed = True

    def discard(self) -> None:
        if self.closed:
            return
        spilled = self._file is not None
        self._close()
        if spilled:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


# ---------------------------------------------------------------------------------------------------------
# group commit


@dataclass
class _Job:
    spool: Spool
    envelope: Envelope


# (results so far, staged files: (job index, envelope, eml fd, eml tmp path, json fd, json tmp path),
#  sync errors: two per staged message)
_Staged = tuple[
    list["Envelope | BaseException"], list[tuple[int, "Envelope", int, Path, int, Path]], list[BaseException | None]
]


class _Committer:
    """One per (queue, event loop): batches submissions and runs each batch in one thread."""

    def __init__(self, queue: Queue, loop: asyncio.AbstractEventLoop) -> None:
        self.queue = queue
        self.loop = loop
        self.pending: list[tuple[_Job, asyncio.Future[Envelope]]] = []
        self.task: asyncio.Task[None] | None = None
        self.batches = 0

    async def submit(self, job: _Job) -> Envelope:
        fut: asyncio.Future[Envelope] = self.loop.create_future()
        self.pending.append((job, fut))
        if self.task is None or self.task.done():
            self.task = self.loop.create_task(self._drain())
        return await fut

    async def _drain(self) -> None:
        # While one batch is being synced, newcomers pile up in self.pending and form the next batch:
        # each flush covers every message that arrived during the previous one.  The two halves of a
        # commit run as a pipeline: batch N+1 writes and fdatasyncs its files (stage) while batch N
        # renames into ready/ and fsyncs the directory (publish).  Each message keeps its own order
        # (sync, rename, directory sync, ack); the filesystem journal merges the concurrent flushes,
        # so a steady load pays about one journal commit per batch instead of two.
        queue = self.queue
        publishing: asyncio.Task[None] | None = None
        while True:
            if self.pending:
                limit = queue.batch_limit
                batch, self.pending = self.pending[:limit], self.pending[limit:]
                jobs = [job for job, _ in batch]
                try:
                    staged = await self.loop.run_in_executor(queue._thread(), queue._stage_batch, jobs)
                except BaseException as e:  # the executor itself failed, or we are being cancelled
                    self._fail(batch, e)
                    if not isinstance(e, Exception):
                        raise
                    continue
                if publishing is not None:
                    await publishing
                publishing = self.loop.create_task(self._publish(batch, jobs, staged))
                continue
            if publishing is not None:
                await publishing
                publishing = None
                continue
            break

    async def _publish(
        self, batch: list[tuple[_Job, asyncio.Future[Envelope]]], jobs: list[_Job], staged: _Staged
    ) -> None:
        try:
            results = await self.loop.run_in_executor(
                self.queue._publish_thread(), self.queue._publish_batch, jobs, staged
            )
        except BaseException as e:
            self._fail(batch, e)
            if not isinstance(e, Exception):
                raise
            return
        self.batches += 1
        for (_, fut), res in zip(batch, results, strict=True):
            if fut.done():  # the session went away; the message is queued anyway (unacknowledged)
                continue
            if isinstance(res, BaseException):
                fut.set_exception(res)
            else:
                fut.set_result(res)

    @staticmethod
    def _fail(batch: list[tuple[_Job, asyncio.Future[Envelope]]], e: BaseException) -> None:
        for _, fut in batch:
            if not fut.done():
                fut.set_exception(e if isinstance(e, Exception) else QueueError("commit cancelled"))


# ---------------------------------------------------------------------------------------------------------
# recovery report


@dataclass
class RecoveryReport:
    removed_tmp: list[str] = field(default_factory=list)  # dead owners' staging dirs and stray files
    removed_orphans: list[str] = field(default_factory=list)  # <id>.eml without any <id>.json
    repaired_moves: list[str] = field(default_factory=list)  # interrupted hold/release finished
    corrupted: list[str] = field(default_factory=list)  # moved to corrupt/
    busy: list[str] = field(default_factory=list)  # claimed by a live process, left alone
    unknown: list[str] = field(default_factory=list)  # files not made by the queue, left alone
    entries: dict[str, int] = field(default_factory=dict)  # per state, after recovery


# ---------------------------------------------------------------------------------------------------------
# the queue


class Queue:
    """A queue directory shared by any number of processes (smtpd workers, delivery workers, CLI)."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        fsync: bool = True,
        memory_limit: int = DEFAULT_MEMORY_LIMIT,
        batch_limit: int = 512,
        fsync_threads: int = 16,
    ) -> None:
        self.root = Path(root)
        self.fsync = fsync
        self.memory_limit = memory_limit
        self.batch_limit = batch_limit
        self.fsync_threads = fsync_threads
        self.tmp = self.root / "tmp"
        for d in (self.tmp, *(self.root / s for s in STATES)):
            d.mkdir(parents=True, exist_ok=True)
        self._owner_fd, self.owner_dir = self._make_owner_dir()
        self._seq = 0
        self._seq_lock = threading.Lock()
        self._committers: dict[asyncio.AbstractEventLoop, _Committer] = {}
        self._commit_thread: ThreadPoolExecutor | None = None
        self._publisher: ThreadPoolExecutor | None = None
        self._fsync_pool: ThreadPoolExecutor | None = None
        self._pools_lock = threading.Lock()

    # -- ownership of a staging dir ----------------------------------------------------------------------

    def _make_owner_dir(self) -> tuple[int, Path]:
        name = f"{os.getpid()}-{secrets.token_hex(4)}"
        hidden = self.tmp / f".{name}"
        hidden.mkdir()
        fd = os.open(hidden / _LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        final = self.tmp / name
        os.rename(hidden, final)  # visible to recover() only once it is locked
        return fd, final

    def close(self) -> None:
        """Release the staging dir (in-flight spools are lost, as with a crash) and the threads."""
        for pool in (self._commit_thread, self._publisher, self._fsync_pool):
            if pool is not None:
                pool.shutdown(wait=True)
        self._commit_thread = self._publisher = self._fsync_pool = None
        if self._owner_fd >= 0:
            shutil.rmtree(self.owner_dir, ignore_errors=True)
            os.close(self._owner_fd)
            self._owner_fd = -1

    def __enter__(self) -> Queue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _thread(self) -> ThreadPoolExecutor:
        with self._pools_lock:
            if self._commit_thread is None:
                self._commit_thread = ThreadPoolExecutor(1, thread_name_prefix="tayori-queue-commit")
            return self._commit_thread

    def _publish_thread(self) -> ThreadPoolExecutor:
        with self._pools_lock:
            if self._publisher is None:
                self._publisher = ThreadPoolExecutor(1, thread_name_prefix="tayori-queue-publish")
            return self._publisher

    def _pool(self) -> ThreadPoolExecutor:
        with self._pools_lock:
            if self._fsync_pool is None:
                self._fsync_pool = ThreadPoolExecutor(self.fsync_threads, thread_name_prefix="tayori-queue-fsync")
            return self._fsync_pool

    def _tmp_name(self, qid: str, suffix: str) -> Path:
        with self._seq_lock:
            self._seq += 1
            return self.owner_dir / f"{qid}{suffix}.{self._seq}"

    # -- producing ---------------------------------------------------------------------------------------

    def new_spool(self, memory_limit: int | None = None) -> Spool:
        return Spool(self.owner_dir, new_queue_id(), self.memory_limit if memory_limit is None else memory_limit)

    async def commit(self, spool: Spool, envelope: Envelope) -> Envelope:
        """Queue the spool's content with ``envelope``; returns once both are durable (group commit).

        The returned envelope carries ``id``, ``size``, ``sha256`` and ``received``.  Raises ``OSError``
        (e.g. ENOSPC: answer 4xx) if this message could not be made durable.
        """
        loop = asyncio.get_running_loop()
        committer = self._committers.get(loop)
        if committer is None:
            for old in [lp for lp in self._committers if lp.is_closed()]:
                del self._committers[old]
            committer = self._committers[loop] = _Committer(self, loop)
        return await committer.submit(_Job(spool, envelope))

    def commit_sync(self, spool: Spool, envelope: Envelope) -> Envelope:
        """Blocking ``commit`` of one message (CLI, tests, non-asyncio callers)."""
        (res,) = self._commit_batch([_Job(spool, envelope)])
        if isinstance(res, BaseException):
            raise res
        return res

    def _sync_files(self, fds: list[int]) -> list[BaseException | None]:
        def one(fd: int) -> BaseException | None:
            try:
                _datasync(fd)
            except OSError as e:
                return e
            return None

        if not self.fsync:
            return [None] * len(fds)
        if len(fds) <= 2:
            return [one(fd) for fd in fds]
        # Concurrent flushes: ext4's journal merges them into few commits; sequential ones each wait
        # for their own.
        return list(self._pool().map(one, fds))

    def _commit_batch(self, jobs: list[_Job]) -> list[Envelope | BaseException]:
        """Commit protocol (see docs/queue-format.md): write both files in tmp/<owner>, sync them,
        rename the message then the envelope into ready/, sync ready/, then report success."""
        return self._publish_batch(jobs, self._stage_batch(jobs))

    def _stage_batch(self, jobs: list[_Job]) -> _Staged:
        """First half of a commit: both files of every message written in tmp/<owner> and synced."""
        results: list[Envelope | BaseException] = [QueueError("not committed")] * len(jobs)
        staged: list[tuple[int, Envelope, int, Path, int, Path]] = []
        for i, job in enumerate(jobs):
            spool = job.spool
            json_fd = -1
            try:
                if spool.closed:
                    raise QueueError("spool already committed or discarded")
                eml_fd = spool._materialize()
                env = dataclasses.replace(
                    job.envelope,
                    id=spool.id,
                    size=spool.size,
                    sha256=spool.sha256,
                    received=job.envelope.received or _iso(),
                    rcpts=[dataclasses.replace(r) for r in job.envelope.rcpts],
                )
                if not env.rcpts:
                    raise QueueError("an envelope needs at least one recipient")
                json_tmp = self.owner_dir / f"{spool.id}.json"
                json_fd = os.open(json_tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
                _write_all(json_fd, env.to_json())
                staged.append((i, env, eml_fd, spool.path, json_fd, json_tmp))
            except BaseException as e:
                results[i] = e
                if json_fd >= 0:
                    os.close(json_fd)
                    with contextlib.suppress(OSError):
                        os.unlink(self.owner_dir / f"{spool.id}.json")
                spool.discard()
        errors = self._sync_files([fd for s in staged for fd in (s[2], s[4])])
        return results, staged, errors

    def _publish_batch(self, jobs: list[_Job], stage: _Staged) -> list[Envelope | BaseException]:
        """Second half: rename the synced files into ready/ (message, then envelope), sync ready/."""
        results, staged, errors = stage
        ready = self.root / "ready"
        moved: list[tuple[int, Envelope]] = []
        for k, (i, env, _eml_fd, eml_tmp, json_fd, json_tmp) in enumerate(staged):
            err = errors[2 * k] or errors[2 * k + 1]
            try:
                if err is not None:
                    raise err
                # The message first: an <id>.eml without <id>.json is not a queue entry, and it stays
                # locked (flock follows the inode) until the batch is durable, so recover() in another
                # process cannot mistake it for an orphan.
                os.rename(eml_tmp, ready / f"{env.id}.eml")
                os.rename(json_tmp, ready / f"{env.id}.json")  # the commit point
                moved.append((i, env))
            except BaseException as e:
                results[i] = e
                for p in (eml_tmp, json_tmp):
                    with contextlib.suppress(OSError):
                        os.unlink(p)
            finally:
                os.close(json_fd)
        try:
            if moved and self.fsync:
                _fsync_dir(ready)
            for i, env in moved:
                results[i] = env
        except OSError as e:
            # Renamed but not known to be durable: report failure (4xx).  If the entries survive,
            # they are delivered although unacknowledged, which at-least-once allows.
            for i, _ in moved:
                results[i] = e
        finally:
            for i, _env, _eml_fd, _p, _jfd, _jp in staged:
                jobs[i].spool._close()  # releases the message lock
        return results

    # -- reading -----------------------------------------------------------------------------------------

    def _dir(self, state: str) -> Path:
        if state not in STATES:
            raise ValueError(f"unknown queue state {state!r}")
        return self.root / state

    def ids(self, state: str = "ready") -> list[str]:
        """Committed ids in ``state``, sorted (oldest first)."""
        out = []
        for name in os.listdir(self._dir(state)):
            if name.endswith(".json") and _valid_id(name[:-5]):
                out.append(name[:-5])
        return sorted(out)

    def get(self, qid: str, state: str = "ready") -> Envelope:
        try:
            return Envelope.from_json((self._dir(state) / f"{qid}.json").read_bytes())
        except FileNotFoundError:
            raise Gone(qid) from None

    def entries(self, state: str = "ready") -> Iterator[Envelope]:
        """Envelopes in ``state`` by id; entries that vanish or do not parse meanwhile are skipped."""
        for qid in self.ids(state):
            with contextlib.suppress(Gone, ValueError):
                yield self.get(qid, state)

    def ready(self, now: float | None = None) -> list[Envelope]:
        """Entries due for a delivery attempt (``next_attempt`` reached), oldest first."""
        now = time.time() if now is None else now
        return [e for e in self.entries("ready") if e.due(now) and not e.done]

    def message_path(self, qid: str, state: str = "ready") -> Path:
        return self._dir(state) / f"{qid}.eml"

    # -- claiming ----------------------------------------------------------------------------------------

    def claim(self, qid: str, state: str = "ready") -> Claim:
        """Lock one entry for exclusive work.  Raises ``Busy`` or ``Gone``.  Release with ``Claim.release``
        or a ``with`` block; the lock also dies with the process."""
        path = self._dir(state) / f"{qid}.eml"
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            raise Gone(qid) from None
        try:
            if not _try_lock(fd):
                raise Busy(qid)
            # The name may have been unlinked or moved between open() and flock(): check it is still ours.
            try:
                st = os.stat(path)
            except FileNotFoundError:
                raise Gone(qid) from None
            if (st.st_dev, st.st_ino) != (os.fstat(fd).st_dev, os.fstat(fd).st_ino):
                raise Gone(qid)
            env = self.get(qid, state)
        except BaseException:
            os.close(fd)
            raise
        return Claim(self, state, env, fd)

    def claim_next(self, now: float | None = None) -> Claim | None:
        """The oldest due entry that no one else holds, claimed; ``None`` if there is none."""
        for env in self.ready(now):
            try:
                return self.claim(env.id)
            except (Busy, Gone):
                continue
        return None

    def hold(self, qid: str) -> None:
        with self.claim(qid, "ready") as c:
            c.move("hold")

    def release(self, qid: str) -> None:
        with self.claim(qid, "hold") as c:
            c.move("ready")

    def _rewrite_envelope(self, state: str, env: Envelope) -> None:
        tmp = self._tmp_name(env.id, ".json")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            _write_all(fd, env.to_json())
            if self.fsync:
                _datasync(fd)
        finally:
            os.close(fd)
        try:
            os.rename(tmp, self._dir(state) / f"{env.id}.json")
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        if self.fsync:
            _fsync_dir(self._dir(state))

    # -- recovery ----------------------------------------------------------------------------------------

    def recover(self, *, verify: bool = False) -> RecoveryReport:
        """Bring the directory to a clean state after crashes; safe while other processes use it.

        Removes dead owners' staging dirs, deletes messages without an envelope, finishes interrupted
        hold/release moves and moves entries it cannot trust to ``corrupt/``.  Entries locked by live
        processes are left alone.  ``verify=True`` also checks every message's SHA-256 (reads it all).
        """
        rep = RecoveryReport()
        touched: set[Path] = set()
        for name in sorted(os.listdir(self.tmp)):
            p = self.tmp / name
            if p == self.owner_dir:
                continue
            if not p.is_dir() or p.is_symlink():
                with contextlib.suppress(OSError):
                    p.unlink()
                    rep.removed_tmp.append(name)
                continue
            if name.startswith("."):
                with contextlib.suppress(OSError):
                    if time.time() - p.stat().st_mtime > _HIDDEN_OWNER_MAX_AGE:
                        shutil.rmtree(p)
                        rep.removed_tmp.append(name)
                continue
            try:
                fd = os.open(p / _LOCK_NAME, os.O_RDONLY | os.O_CLOEXEC)
            except FileNotFoundError:
                fd = -1
            try:
                if fd < 0 or _try_lock(fd):
                    shutil.rmtree(p, ignore_errors=True)
                    rep.removed_tmp.append(name)
            finally:
                if fd >= 0:
                    os.close(fd)

        def listing() -> dict[str, tuple[set[str], set[str]]]:
            out: dict[str, tuple[set[str], set[str]]] = {}
            for state in STATES:
                jsons: set[str] = set()
                emls: set[str] = set()
                for name in os.listdir(self._dir(state)):
                    stem, dot, ext = name.rpartition(".")
                    if dot and _valid_id(stem) and ext in ("json", "eml"):
                        (jsons if ext == "json" else emls).add(stem)
                    else:
                        rep.unknown.append(f"{state}/{name}")
                out[state] = (jsons, emls)
            return out

        seen = listing()

        def json_anywhere(qid: str) -> bool:
            return any((self._dir(s) / f"{qid}.json").exists() for s in STATES)

        for state in ("ready", "hold"):
            jsons, emls = seen[state]
            for qid in sorted(jsons):
                where = state if qid in emls else next((s for s in STATES if qid in seen[s][1]), None)
                if where is None:
                    # The listing is not a snapshot: a live move may have carried the message between
                    # two directory reads.  Look again before condemning the entry.
                    if any((self._dir(s) / f"{qid}.eml").exists() for s in STATES):
                        rep.busy.append(qid)
                    else:
                        self._to_corrupt(state, qid, None, rep, touched)
                    continue
                eml = self._dir(where) / f"{qid}.eml"
                try:
                    fd = os.open(eml, os.O_RDONLY | os.O_CLOEXEC)
                except FileNotFoundError:
                    continue  # removed meanwhile by its owner
                try:
                    if not _try_lock(fd):
                        rep.busy.append(qid)
                        continue
                    if not (self._dir(state) / f"{qid}.json").exists():
                        continue  # removed or moved meanwhile
                    if where != state:
                        # An interrupted move: the envelope's location is the truth.
                        os.rename(eml, self._dir(state) / f"{qid}.eml")
                        touched.update((self._dir(state), self._dir(where)))
                        rep.repaired_moves.append(qid)
                    if not self._entry_ok(state, qid, fd, verify):
                        self._to_corrupt(state, qid, fd, rep, touched)
                finally:
                    os.close(fd)

        seen = listing()
        rep.unknown = sorted(set(rep.unknown))
        for state in STATES:
            jsons, emls = seen[state]
            for qid in sorted(emls - jsons):
                if any(qid in seen[s][0] for s in STATES):
                    continue  # belongs to an envelope elsewhere (a move in progress, or busy)
                eml = self._dir(state) / f"{qid}.eml"
                try:
                    fd = os.open(eml, os.O_RDONLY | os.O_CLOEXEC)
                except FileNotFoundError:
                    continue
                try:
                    if not _try_lock(fd):
                        rep.busy.append(qid)  # being committed right now
                        continue
                    if json_anywhere(qid):
                        continue  # its commit finished meanwhile
                    os.unlink(eml)
                    touched.add(self._dir(state))
                    rep.removed_orphans.append(qid)
                finally:
                    os.close(fd)
        if self.fsync:
            for d in sorted(touched):
                _fsync_dir(d)
        rep.entries = {s: len(self.ids(s)) for s in STATES}
        return rep

    def _entry_ok(self, state: str, qid: str, fd: int, verify: bool) -> bool:
        try:
            env = self.get(qid, state)
        except (ValueError, Gone):
            return False
        if env.id != qid or os.fstat(fd).st_size != env.size:
            return False
        if verify:
            h = hashlib.sha256()
            with open(os.dup(fd), "rb") as f:
                f.seek(0)
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            return h.hexdigest() == env.sha256
        return True

    def _to_corrupt(self, state: str, qid: str, fd: int | None, rep: RecoveryReport, touched: set[Path]) -> None:
        # Message first (with fd held, it is ours); the envelope last, as for any move.
        for ext in ("eml", "json"):
            src = self._dir(state) / f"{qid}.{ext}"
            with contextlib.suppress(FileNotFoundError):
                os.rename(src, self._dir("corrupt") / f"{qid}.{ext}")
        touched.update((self._dir(state), self._dir("corrupt")))
        rep.corrupted.append(qid)


class Claim:
    """Exclusive hold on one entry (an flock on its ``.eml``); use as a context manager."""

    def __init__(self, queue: Queue, state: str, envelope: Envelope, fd: int) -> None:
        self.queue = queue
        self.state = state
        self.envelope = envelope
        self._fd = fd

    @property
    def id(self) -> str:
        return self.envelope.id

    @property
    def active(self) -> bool:
        return self._fd >= 0

    @property
    def message_path(self) -> Path:
        return self.queue.message_path(self.id, self.state)

    def _check(self) -> None:
        if self._fd < 0:
            raise QueueError("claim already released")

    def open_message(self) -> BinaryIO:
        """The message bytes, read through the locked descriptor (independent file offset)."""
        self._check()
        f = open(os.dup(self._fd), "rb")  # noqa: SIM115 -- returned to the caller
        f.seek(0)
        return f

    def read_message(self) -> bytes:
        with self.open_message() as f:
            return f.read()

    def save(self) -> None:
        """Durably write ``self.envelope`` (after changing it in place)."""
        self._check()
        self.queue._rewrite_envelope(self.state, self.envelope)

    def update_recipients(self, updates: dict[str, tuple[str, str | None]], *, count_attempt: bool = True) -> None:
        """Set ``{address: (status, error)}`` and make it durable at once."""
        self._check()
        now = _iso()
        known = {r.address for r in self.envelope.rcpts}
        for addr, (status, _error) in updates.items():
            if status not in RCPT_STATUSES:
                raise ValueError(f"unknown recipient status {status!r}")
            if addr not in known:
                raise KeyError(addr)
        for r in self.envelope.rcpts:
            if r.address in updates:
                r.status, r.last_error = updates[r.address]
                r.updated = now
                if count_attempt:
                    r.attempts += 1
        self.save()

    def defer(self, next_attempt: float | datetime, error: str | None = None) -> None:
        """Record an attempt, schedule the next one, release the claim."""
        self._check()
        self.envelope.attempts += 1
        self.envelope.last_attempt = _iso()
        self.envelope.next_attempt = _iso(next_attempt)
        self.envelope.last_error = error
        self.save()
        self.release()

    def move(self, state: str) -> None:
        """Move to another state dir (hold/release).  Message first, envelope last (see the format doc)."""
        self._check()
        src, dst = self.queue._dir(self.state), self.queue._dir(state)
        if src == dst:
            return
        os.rename(src / f"{self.id}.eml", dst / f"{self.id}.eml")
        os.rename(src / f"{self.id}.json", dst / f"{self.id}.json")
        if self.queue.fsync:
            _fsync_dir(dst)
            _fsync_dir(src)
        self.state = state

    def remove(self) -> None:
        """Delete the entry (delivery finished).  Envelope first: without it the message is an orphan."""
        self._check()
        d = self.queue._dir(self.state)
        os.unlink(d / f"{self.id}.json")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(d / f"{self.id}.eml")
        if self.queue.fsync:
            _fsync_dir(d)
        self.release()

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> Claim:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
