"""Crash safety of remote delivery: the real delivery service (``python -m tayori.runtime.delivery``) runs
in the harness's "tayori" namespace and is killed with SIGKILL while it delivers a queue of messages to
the accepting peer Postfix, then restarted. Counting at the peer's Maildir by Message-ID: nothing is
lost, and only messages in flight at a kill (accepted by the peer, not yet recorded in the queue) may
arrive twice."""

from __future__ import annotations

import contextlib
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.live

N = 200
KILLS = 3
MSGID = re.compile(rb"^Message-ID:\s*<kill-([0-9a-f]+)-(\d+)@example\.test>", re.I | re.M)


def _kill_root(world: Any) -> tuple[Any, Path]:
    """A state root of its own (the world's root stays root's), owned by the user the service drops to."""
    from tayori.runtime.dovecot import run_identity
    from tayori.runtime.paths import StatePaths

    paths = StatePaths.at(world.base / "kill")
    shutil.copytree(world.paths.etc, paths.etc)
    shutil.copytree(world.paths.dkim, paths.dkim)
    sockets = world.base / "ks"
    sockets.mkdir()
    ident = run_identity()
    for p in (paths.root, sockets):
        for d, _, files in os.walk(p):
            os.chown(d, ident.uid, ident.gid)
            for f in files:
                os.chown(os.path.join(d, f), ident.uid, ident.gid)
    return paths, sockets


def _enqueue(paths: Any, tag: str, n: int) -> None:
    from tayori.runtime.dovecot import run_identity
    from tayori.runtime.queue import Envelope, Queue

    q = Queue(paths.queue)
    try:
        for i in range(n):
            data = (
                f"From: Alice <alice@example.test>\r\nTo: <u{i}@accept.test>\r\nSubject: kill {tag} {i}\r\n"
                f"Date: Sun, 23 Nov 2025 12:00:00 +0900\r\nMessage-ID: <kill-{tag}-{i}@example.test>\r\n"
                "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n" + ("x" * 70 + "\r\n") * 30
            ).encode()
            spool = q.new_spool()
            spool.write(data)
            q.commit_sync(spool, Envelope.new("alice@example.test", [f"u{i}@accept.test"], listener="test"))
    finally:
        q.close()
    ident = run_identity()
    for d, _, files in os.walk(paths.queue):
        os.chown(d, ident.uid, ident.gid)
        for f in files:
            os.chown(os.path.join(d, f), ident.uid, ident.gid)


def _arrived(world: Any, tag: str) -> Counter[int]:
    """Message-ID index → copies in the peer's Maildir."""
    seen: Counter[int] = Counter()
    for sub in ("new", "cur"):
        d = world.peers["mxaccept"].mail / "inbox/Maildir" / sub
        if not d.is_dir():
            continue
        for f in d.iterdir():
            with contextlib.suppress(FileNotFoundError):
                head = f.read_bytes().split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
                for t, i in MSGID.findall(head):
                    if t.decode() == tag:
                        seen[int(i)] += 1
    return seen


def _ids(paths: Any, state: str = "ready") -> list[str]:
    # listed by hand: a Queue object here would leave a root-owned staging dir the service cannot recover
    d = paths.queue / state
    return sorted(n[:-5] for n in os.listdir(d) if n.endswith(".json")) if d.is_dir() else []


def _start(world: Any, paths: Any, sockets: Path, log: Path) -> subprocess.Popen[bytes]:
    from netns.world import PYTHON, REPO

    env = dict(os.environ, PYTHONPATH=str(REPO), TAYORI_SOCKET_DIR=str(sockets))
    argv = [str(PYTHON), "-m", "tayori.runtime.delivery", "--root", str(paths.root)]
    with log.open("ab") as fh:
        # `ip netns exec` execs the command: the PID is the service's own, so SIGKILL hits it directly
        return subprocess.Popen(
            world.net.cmd("tayori", argv), stdout=fh, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )


def _stop(p: subprocess.Popen[bytes], sig: int) -> None:
    if p.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(p.pid, sig)
    try:
        p.wait(15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.kill(p.pid, signal.SIGKILL)
        p.wait()


def test_sigkill_mid_delivery_loses_nothing_and_duplicates_only_in_flight(world: Any) -> None:
    from tayori.profiles.loader import load_profile
    from tayori.runtime.queue import STATES

    paths, sockets = _kill_root(world)
    per_destination = load_profile(paths.profile).profile.delivery.per_destination
    tag = secrets.token_hex(4)
    _enqueue(paths, tag, N)
    log = world.base / "kill-delivery.log"
    rnd = random.Random()
    # kill points spread over the run: after roughly a quarter, half, three quarters have arrived
    targets = sorted(rnd.randint(k * N // (KILLS + 1) - N // 10, k * N // (KILLS + 1) + N // 10) for k in (1, 2, 3))
    kills = 0
    proc = _start(world, paths, sockets, log)
    try:
        deadline = time.monotonic() + 45
        for target in targets:
            while sum(_arrived(world, tag).values()) < target and _ids(paths) and time.monotonic() < deadline:
                if proc.poll() is not None:
                    pytest.fail(f"delivery service exited rc={proc.returncode}:\n{log.read_text()[-3000:]}")
                time.sleep(0.02)
            if not _ids(paths):
                break  # everything already went out: no more moments to kill in
            time.sleep(rnd.uniform(0.0, 0.05))
            _stop(proc, signal.SIGKILL)
            kills += 1
            proc = _start(world, paths, sockets, log)
        while _ids(paths) and time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"delivery service exited rc={proc.returncode}:\n{log.read_text()[-3000:]}")
            time.sleep(0.05)
        leftover = {s: _ids(paths, s) for s in STATES}
        _stop(proc, signal.SIGTERM)
        # the peer writes the Maildir after its own queue: wait until all arrived and the count is still
        seen, last, still = _arrived(world, tag), -1, time.monotonic()
        while time.monotonic() < deadline + 10:
            total = sum(seen.values())
            if total != last:
                last, still = total, time.monotonic()
            elif len(seen) >= N and time.monotonic() - still > 1.0:
                break
            time.sleep(0.1)
            seen = _arrived(world, tag)
    finally:
        _stop(proc, signal.SIGKILL)
    lost = sorted(set(range(N)) - set(seen))
    duplicates = sum(c - 1 for c in seen.values())
    print(f"kill-remote: messages={N} kills={kills} lost={len(lost)} duplicates={duplicates}")
    assert kills >= 1, "the queue emptied before the first kill"
    assert not any(leftover.values()), leftover
    assert not lost, f"lost {len(lost)}: {lost[:20]}\n{log.read_text()[-3000:]}"
    assert duplicates <= kills * per_destination, (duplicates, kills, per_destination)
