"""`python -m tayori.runtime.delivery --root ROOT`: the queue consumer service.

At start: drop to the mail user (as root), `Queue.recover()`, bind the wake-up datagram socket
(`StatePaths.delivery_wakeup`; smtpd pokes it after each commit). Then a scheduler keeps every
entry's due time in memory (one `ready/` listing per wake-up, no envelope reads), runs up to
`delivery.parallelism` entries at once in worker threads, and also polls every few seconds, so a
lost wake-up only delays. SIGTERM lets the entries in progress finish (an entry cut short is simply
delivered again later: at least once).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import logging
import os
import signal
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tayori.profiles.loader import ProfileError, load_profile
from tayori.profiles.model import Profile
from tayori.runtime.delivery.dispatcher import Dispatcher, Outcome
from tayori.runtime.paths import StatePaths
from tayori.runtime.queue import Queue

log = logging.getLogger("tayori.delivery")

POLL = 5.0  # seconds between queue listings without a wake-up


def _remote_fn() -> Any:
    try:
        from tayori.runtime.outbound.remote import deliver_remote
    except ImportError:
        return None
    return deliver_remote


def _preload() -> None:
    """Load now what is otherwise imported lazily: after dropping to the mail user, the interpreter's
    own files may be unreadable (e.g. a Python installed under /root)."""
    import email.mime.multipart
    import email.mime.text  # noqa: F401

    from tayori.runtime.preload import preload_codecs, preload_dns

    preload_codecs(
        (
            "utf-8",
            "utf-8-sig",
            "ascii",
            "latin-1",
            "iso-2022-jp",
            "shift_jis",
            "cp932",
            "euc-jp",
            "idna",
            "utf-16",
            "utf-16-le",
            "utf-16-be",
            "utf-32",
            "utf-7",
            "iso-2022-jp-2",
            "iso-2022-jp-3",
            "euc_jis_2004",
            "shift_jis_2004",
            "raw-unicode-escape",
            "unicode-escape",
            "cp1252",
            "iso-8859-15",
            "iso-8859-2",
            "koi8-r",
            "gb2312",
            "gbk",
            "gb18030",
            "big5",
            "euc-kr",
            "cp949",
            "iso-2022-kr",
            "charmap",
            "quopri",
            "base64",
        )
    )
    preload_dns()
    with contextlib.suppress(ImportError):
        import tayori.runtime.outbound.dsn
        import tayori.runtime.outbound.remote  # _remote_fn() runs after the drop: off without a word else
        import tayori.runtime.outbound.retry  # noqa: F401


def _drop_privileges() -> None:
    if os.geteuid() != 0:
        return
    from tayori.runtime.dovecot import run_identity

    ident = run_identity()
    os.setgroups([])
    os.setgid(ident.gid)
    os.setuid(ident.uid)


class Service:
    def __init__(self, paths: StatePaths, dispatcher: Dispatcher, queue: Queue, parallelism: int) -> None:
        self.paths = paths
        self.dispatcher = dispatcher
        self.queue = queue
        self.parallelism = parallelism
        self.due: dict[str, float] = {}
        self.running: dict[str, asyncio.Future[Outcome]] = {}
        self.wake = asyncio.Event()
        self.stopping = False
        self.rescan = True
        self.pool = ThreadPoolExecutor(parallelism, thread_name_prefix="tayori-delivery")

    def poke(self) -> None:
        self.rescan = True
        self.wake.set()

    def _bind_wakeup(self) -> socket.socket | None:
        path = self.paths.delivery_wakeup
        path.parent.mkdir(parents=True, exist_ok=True)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        try:
            sock.bind(str(path))
        except OSError as exc:
            log.warning(
                "delivery: wake-up socket unavailable path=%s error=%r (polling only / ポーリングのみ)", path, str(exc)
            )
            sock.close()
            return None
        os.chmod(path, 0o660)
        sock.setblocking(False)
        return sock

    def _drain(self, sock: socket.socket) -> None:
        with contextlib.suppress(BlockingIOError, InterruptedError):
            while True:
                sock.recv(64)
        self.poke()

    def _scan(self) -> None:
        ids = set(self.queue.ids())
        for qid in ids:
            self.due.setdefault(qid, 0.0)
        for qid in [q for q in self.due if q not in ids and q not in self.running]:
            del self.due[qid]

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        sock = self._bind_wakeup()
        if sock is not None:
            loop.add_reader(sock.fileno(), self._drain, sock)
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        last_scan = 0.0
        try:
            while not self.stopping:
                now = time.time()
                if self.rescan or now - last_scan >= POLL:
                    self.rescan = False
                    last_scan = now
                    await loop.run_in_executor(self.pool, self._scan)
                ready = sorted(q for q, t in self.due.items() if t <= now and q not in self.running)
                for qid in ready[: max(0, self.parallelism - len(self.running))]:
                    fut = loop.run_in_executor(self.pool, self._one, qid)
                    self.running[qid] = fut
                    fut.add_done_callback(functools.partial(self._done, qid))
                later = [t for q, t in self.due.items() if q not in self.running and t > now]
                timeout = min([POLL, *(t - now for t in later)])
                self.wake.clear()
                if len(self.running) >= self.parallelism or not ready or len(ready) <= len(self.running):
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.wake.wait(), max(0.01, timeout))
            if self.running:
                await asyncio.wait(list(self.running.values()), timeout=30)
        finally:
            if sock is not None:
                loop.remove_reader(sock.fileno())
                sock.close()
                with contextlib.suppress(OSError):
                    self.paths.delivery_wakeup.unlink()
            self.pool.shutdown(wait=False, cancel_futures=True)

    def _one(self, qid: str) -> Outcome:
        try:
            return self.dispatcher.process(qid)
        except Exception as exc:  # a bug or an OS error must not stop the other deliveries
            log.exception("delivery: error id=%s error=%r (retried in 5 minutes / 5 分後に再試行)", qid, str(exc))
            return Outcome(time.time() + 300)

    def _done(self, qid: str, fut: asyncio.Future[Outcome]) -> None:
        self.running.pop(qid, None)
        out = fut.result() if not fut.cancelled() and fut.exception() is None else Outcome(time.time() + 60)
        if out.next_due is None:
            self.due.pop(qid, None)
        else:
            self.due[qid] = out.next_due
        if out.enqueued:
            self.rescan = True
        self.wake.set()

    def stop(self) -> None:
        self.stopping = True
        self.wake.set()


def _poke_from_thread(loop: asyncio.AbstractEventLoop, holder: list[Service]) -> None:
    if holder:
        loop.call_soon_threadsafe(holder[0].poke)


async def _main(paths: StatePaths, profile: Profile, secrets: dict[str, Any]) -> int:
    queue = Queue(paths.queue)
    rep = queue.recover()
    log.info(
        "delivery: start root=%s queue=%s recovered_tmp=%d orphans=%d corrupt=%d",
        paths.root,
        rep.entries,
        len(rep.removed_tmp),
        len(rep.removed_orphans),
        len(rep.corrupted),
    )
    loop = asyncio.get_running_loop()
    parallelism = max(1, profile.delivery.parallelism)
    holder: list[Service] = []
    dispatcher = Dispatcher(
        paths,
        profile,
        queue,
        secrets=secrets,
        loop=loop,
        remote=_remote_fn(),
        on_enqueue=lambda: _poke_from_thread(loop, holder),
    )
    service = Service(paths, dispatcher, queue, parallelism)
    holder.append(service)
    try:
        await service.run()
    finally:
        queue.close()
    log.info("delivery: stopped")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tayori.runtime.delivery", description="Tayori delivery service")
    ap.add_argument("--root", default=os.environ.get("TAYORI_ROOT") or ".tayori", help="state root")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    paths = StatePaths.at(Path(args.root))
    try:
        profile = load_profile(paths.profile, cache=True).profile
        try:
            from tayori.runtime.secrets import load_secrets

            secrets = load_secrets(paths)
        except Exception as exc:  # secrets matter for smart hosts only: run without them, say so
            log.warning("delivery: secrets unreadable error=%r / secrets.yaml を読めません", str(exc))
            secrets = {}
        _preload()
        _drop_privileges()
        return asyncio.run(_main(paths, profile, secrets))
    except ProfileError as exc:
        print(f"delivery: the live profile has errors / プロファイルに誤りがあります: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"delivery: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
