#!/usr/bin/env python3
"""queue_commit.py [--dir DIR] [--seconds S] [--sessions N] [--size BYTES] [--rounds R]

Durable acks/s of tayori.runtime.queue for SIZE-byte messages and N concurrent asyncio sessions:
  group    Queue.commit (one committer thread, one flush round per batch)
  thread   Queue.commit_sync per message in the default thread pool (one fsync set per message,
           concurrent: what "aiosmtpd + file per message + fsync in a thread pool" does)
  serial   Queue.commit_sync one message at a time (the single-writer ceiling)
Modes are interleaved for R rounds; the median per mode is printed with min-max, plus CPU ms/message.
DIR (default: the system temp dir) must be on the filesystem under test; it is printed."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from tayori.runtime.queue import Envelope, Queue


async def run_group(q: Queue, body: bytes, sessions: int, seconds: float) -> int:
    end = time.monotonic() + seconds
    done = 0

    async def session() -> None:
        nonlocal done
        while time.monotonic() < end:
            spool = q.new_spool()
            spool.write(body)
            await q.commit(spool, Envelope.new("a@bench.test", ["u@bench.test"]))
            done += 1

    await asyncio.gather(*(session() for _ in range(sessions)))
    return done


async def run_thread(q: Queue, body: bytes, sessions: int, seconds: float) -> int:
    loop = asyncio.get_running_loop()
    end = time.monotonic() + seconds
    done = 0

    async def session() -> None:
        nonlocal done
        while time.monotonic() < end:
            spool = q.new_spool()
            spool.write(body)
            await loop.run_in_executor(None, q.commit_sync, spool, Envelope.new("a@bench.test", ["u@bench.test"]))
            done += 1

    await asyncio.gather(*(session() for _ in range(sessions)))
    return done


def run_serial(q: Queue, body: bytes, seconds: float) -> int:
    end = time.monotonic() + seconds
    done = 0
    while time.monotonic() < end:
        spool = q.new_spool()
        spool.write(body)
        q.commit_sync(spool, Envelope.new("a@bench.test", ["u@bench.test"]))
        done += 1
    return done


def measure(mode: str, root: Path, body: bytes, sessions: int, seconds: float) -> tuple[float, float]:
    shutil.rmtree(root, ignore_errors=True)
    q = Queue(root)
    try:
        c0, t0 = time.process_time(), time.monotonic()
        if mode == "group":
            n = asyncio.run(run_group(q, body, sessions, seconds))
        elif mode == "thread":
            n = asyncio.run(run_thread(q, body, sessions, seconds))
        else:
            n = run_serial(q, body, seconds)
        wall, cpu = time.monotonic() - t0, time.process_time() - c0
        assert len(q.ids()) == n
    finally:
        q.close()
        shutil.rmtree(root, ignore_errors=True)
    return n / wall, 1000 * cpu / max(n, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", type=Path)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--size", type=int, default=5120)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--modes", default="group,thread,serial")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="queue-commit-", dir=a.dir))
    line = b"X" * 78 + b"\r\n"
    body = b"Subject: bench\r\n\r\n" + line * (a.size // len(line))
    fs = subprocess.run(
        ["findmnt", "-no", "SOURCE,FSTYPE,OPTIONS", "-T", str(work)], capture_output=True, text=True
    ).stdout.strip()
    print(f"nproc={os.cpu_count()} kernel={os.uname().release} fs={fs}")
    print(f"message={len(body)} B sessions={a.sessions} seconds={a.seconds} rounds={a.rounds}")
    modes = a.modes.split(",")
    results: dict[str, list[tuple[float, float]]] = {m: [] for m in modes}
    try:
        for _ in range(a.rounds):
            for m in modes:
                results[m].append(measure(m, work / "q", body, a.sessions, a.seconds))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for m in modes:
        rates = [r for r, _ in results[m]]
        cpus = [c for _, c in results[m]]
        print(
            f"{m:7s} {statistics.median(rates):8.0f} acks/s  (min {min(rates):.0f}, max {max(rates):.0f})"
            f"  cpu {statistics.median(cpus):.2f} ms/msg  rounds: {' '.join(f'{r:.0f}' for r in rates)}"
        )
    if "group" in results and "thread" in results:
        g = statistics.median(r for r, _ in results["group"])
        t = statistics.median(r for r, _ in results["thread"])
        print(f"ratio group/thread = {g / t:.2f}")


if __name__ == "__main__":
    main()
