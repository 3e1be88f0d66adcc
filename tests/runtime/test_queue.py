"""The durable queue (tayori.runtime.queue): commit protocol, claims, recovery, kill -9 rounds."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from tayori.runtime import queue as qmod
from tayori.runtime.queue import (
    STATES,
    Busy,
    Envelope,
    Gone,
    Queue,
    Recipient,
    new_queue_id,
)

REPO = Path(__file__).resolve().parents[2]
MSG = b"Received: from x by y; Sun, 23 Nov 2025 13:00:00 +0000\r\nSubject: hi\r\n\r\nhello\r\n"


@pytest.fixture
def q(tmp_path: Path) -> Iterator[Queue]:
    with Queue(tmp_path / "queue") as queue:
        yield queue


def put(queue: Queue, data: bytes = MSG, rcpts: tuple[str, ...] = ("b@example.test",)) -> Envelope:
    spool = queue.new_spool()
    spool.write(data)
    return queue.commit_sync(spool, Envelope.new("a@example.org", rcpts, client_ip="192.0.2.1", helo="x"))


def files(d: Path) -> list[str]:
    return sorted(os.listdir(d))


# ---------------------------------------------------------------------------------------------------------
# ids, envelope


def test_ids_sortable_unique() -> None:
    ids = [new_queue_id() for _ in range(20000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all((len(i) == 20 and i.isalnum() and i.islower()) or i.isdigit() for i in ids)


def test_envelope_json_round_trip_non_ascii() -> None:
    env = Envelope.new(
        "送信者@例え.jp",
        [Recipient("b@example.test", orcpt="rfc822;b@example.test"), "bad\udcffbyte@example.test"],
        id=new_queue_id(),
        auth="taro",
        mail_params=["BODY=8BITMIME", "SMTPUTF8"],
    )
    data = env.to_json()
    assert json.loads(data)["version"] == 1
    assert Envelope.from_json(data) == env


@pytest.mark.parametrize(
    "data",
    [b"", b"{", b"[]", b'{"version": 2}', b'{"version": 1, "id": "x"}', b"\xff\xfe"],
)
def test_envelope_rejects_garbage(data: bytes) -> None:
    with pytest.raises(ValueError):
        Envelope.from_json(data)


# ---------------------------------------------------------------------------------------------------------
# producing


def test_commit_sync_layout(q: Queue) -> None:
    env = put(q)
    ready = q.root / "ready"
    assert files(ready) == [f"{env.id}.eml", f"{env.id}.json"]
    assert (ready / f"{env.id}.eml").read_bytes() == MSG
    stored = q.get(env.id)
    assert stored.sha256 == hashlib.sha256(MSG).hexdigest() and stored.size == len(MSG)
    assert stored.client_ip == "192.0.2.1" and stored.rcpts[0].status == "pending"
    assert os.listdir(q.owner_dir) == ["lock"]


def test_spool_spills_and_is_renamed_not_copied(q: Queue) -> None:
    spool = q.new_spool(memory_limit=1000)
    spool.write(b"x" * 600)
    assert spool.in_memory
    spool.write(b"y" * 600)
    assert not spool.in_memory and spool.path.exists() and spool.path.parent == q.owner_dir
    ino = os.stat(spool.path).st_ino
    env = q.commit_sync(spool, Envelope.new("", ["b@example.test"]))
    eml = q.message_path(env.id)
    assert os.stat(eml).st_ino == ino and eml.read_bytes() == b"x" * 600 + b"y" * 600
    assert env.sha256 == hashlib.sha256(b"x" * 600 + b"y" * 600).hexdigest()


def test_spool_discard(q: Queue) -> None:
    spool = q.new_spool(memory_limit=10)
    spool.write(b"z" * 100)
    spool.discard()
    assert not spool.path.exists()
    with pytest.raises(ValueError):
        spool.write(b"again")
    with pytest.raises(qmod.QueueError):
        q.commit_sync(spool, Envelope.new("", ["b@example.test"]))


def test_no_recipient_is_refused(q: Queue) -> None:
    spool = q.new_spool()
    spool.write(MSG)
    with pytest.raises(qmod.QueueError):
        q.commit_sync(spool, Envelope.new("a@x", []))
    assert q.ids() == [] and os.listdir(q.owner_dir) == ["lock"]


def test_commit_order_sync_before_rename_before_dir_sync(q: Queue, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ordering fsynccheck.py checks with strace, checked here by recording the calls."""
    calls: list[tuple[str, str]] = []
    real_datasync, real_fsync, real_rename = qmod._datasync, os.fsync, os.rename

    def name(fd: int) -> str:
        return os.readlink(f"/proc/self/fd/{fd}")

    def datasync(fd: int) -> None:
        calls.append(("sync", name(fd)))
        real_datasync(fd)

    def fsync(fd: int) -> None:
        calls.append(("sync", name(fd)))
        real_fsync(fd)

    def rename(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> None:
        calls.append(("rename", str(b)))
        real_rename(a, b)

    monkeypatch.setattr(qmod, "_datasync", datasync)
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "rename", rename)
    env = put(q)
    eml_tmp = str(q.owner_dir / f"{env.id}.eml")
    json_tmp = str(q.owner_dir / f"{env.id}.json")
    ready = str(q.root / "ready")
    assert calls == [
        ("sync", eml_tmp),
        ("sync", json_tmp),
        ("rename", f"{ready}/{env.id}.eml"),
        ("rename", f"{ready}/{env.id}.json"),
        ("sync", ready),
    ]


def test_group_commit_batches_concurrent_sessions(q: Queue) -> None:
    async def main() -> tuple[list[Envelope], int]:
        async def session(i: int) -> list[Envelope]:
            out = []
            for k in range(10):
                spool = q.new_spool()
                spool.write(MSG + f"{i}-{k}\r\n".encode())
                out.append(await q.commit(spool, Envelope.new("a@x", ["b@y"])))
                await asyncio.sleep(0)
            return out

        results = await asyncio.gather(*(session(i) for i in range(20)))
        return [e for r in results for e in r], q._committers[asyncio.get_running_loop()].batches

    envs, batches = asyncio.run(main())
    assert len(envs) == 200 and len({e.id for e in envs}) == 200
    assert batches < 100  # many messages per flush
    assert sorted(e.id for e in envs) == q.ids()


def test_commit_failure_is_per_message(q: Queue) -> None:
    async def main() -> list[Envelope | BaseException]:
        good = q.new_spool()
        good.write(MSG)
        bad = q.new_spool()
        bad.discard()
        return list(
            await asyncio.gather(
                q.commit(good, Envelope.new("a@x", ["b@y"])),
                q.commit(bad, Envelope.new("a@x", ["b@y"])),
                return_exceptions=True,
            )
        )

    ok, err = asyncio.run(main())
    assert isinstance(ok, Envelope) and isinstance(err, qmod.QueueError)
    assert q.ids() == [ok.id]


def test_commit_does_not_block_the_event_loop(q: Queue, monkeypatch: pytest.MonkeyPatch) -> None:
    real = qmod._datasync

    def slow_datasync(fd: int) -> None:
        time.sleep(0.2)
        real(fd)

    monkeypatch.setattr(qmod, "_datasync", slow_datasync)

    async def main() -> int:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        t = asyncio.create_task(ticker())
        spool = q.new_spool()
        spool.write(MSG)
        await q.commit(spool, Envelope.new("a@x", ["b@y"]))
        t.cancel()
        return ticks

    assert asyncio.run(main()) >= 10


# ---------------------------------------------------------------------------------------------------------
# consuming


def test_claim_is_exclusive_and_released(q: Queue) -> None:
    env = put(q)
    with q.claim(env.id) as c:
        assert c.read_message() == MSG
        with pytest.raises(Busy):
            q.claim(env.id)
        assert q.claim_next() is None
    with q.claim(env.id):
        pass
    with pytest.raises(Gone):
        q.claim("0" * 20)


def test_claim_lock_dies_with_a_killed_process(q: Queue) -> None:
    env = put(q)
    code = textwrap.dedent(
        f"""
        import sys, time
        from tayori.runtime.queue import Queue
        q = Queue({str(q.root)!r})
        c = q.claim({env.id!r})
        print("claimed", flush=True)
        time.sleep(60)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, cwd=REPO)
    try:
        assert child.stdout is not None and child.stdout.readline() == b"claimed\n"
        with pytest.raises(Busy):
            q.claim(env.id)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    with q.claim(env.id) as c:
        assert c.envelope.id == env.id


def test_recipient_status_defer_and_remove(q: Queue) -> None:
    env = put(q, rcpts=("one@example.test", "two@example.test"))
    with q.claim(env.id) as c:
        c.update_recipients({"one@example.test": ("delivered", None), "two@example.test": ("deferred", "451 x")})
        c.defer(time.time() + 3600, "451 4.4.1 try later")
    again = Queue(q.root)  # a fresh reader sees what was made durable
    try:
        stored = again.get(env.id)
        assert [r.status for r in stored.rcpts] == ["delivered", "deferred"]
        assert stored.attempts == 1 and stored.last_error == "451 4.4.1 try later"
        assert again.ready() == [] and again.ready(now=time.time() + 7200)[0].id == env.id
    finally:
        again.close()
    with q.claim(env.id) as c:
        with pytest.raises(ValueError):
            c.update_recipients({"two@example.test": ("bogus", None)})
        with pytest.raises(KeyError):
            c.update_recipients({"three@example.test": ("failed", None)})
        c.remove()
        assert not c.active
    assert files(q.root / "ready") == []


def test_hold_and_release(q: Queue) -> None:
    env = put(q)
    q.hold(env.id)
    assert q.ids("hold") == [env.id] and q.ids("ready") == [] and q.ready() == []
    with pytest.raises(Gone):
        q.claim(env.id)
    q.release(env.id)
    assert q.ids("ready") == [env.id] and files(q.root / "hold") == []
    assert [e.id for e in q.ready()] == [env.id]


def test_ready_is_oldest_first_and_skips_done(q: Queue) -> None:
    a, b = put(q), put(q)
    assert [e.id for e in q.ready()] == [a.id, b.id]
    with q.claim(a.id) as c:
        c.update_recipients({"b@example.test": ("delivered", None)})
    assert [e.id for e in q.ready()] == [b.id]


# ---------------------------------------------------------------------------------------------------------
# recovery


def test_recover_dirty_states(tmp_path: Path) -> None:
    root = tmp_path / "queue"
    with Queue(root) as q:
        good, moved, nojson_target, badsize, torn, empty, tampered = (put(q) for _ in range(7))
    ready, hold, tmp = root / "ready", root / "hold", root / "tmp"
    # a dead process's staging dir (its lock is free) with a half-written spool
    dead = tmp / "12345-deadbeef"
    dead.mkdir()
    (dead / "lock").write_bytes(b"")
    (dead / f"{new_queue_id()}.eml").write_bytes(b"half a mess")
    (tmp / ".99-cafebabe").mkdir()
    os.utime(tmp / ".99-cafebabe", (0, 0))
    # an interrupted hold: message moved, envelope not yet
    os.rename(ready / f"{moved.id}.eml", hold / f"{moved.id}.eml")
    # a message without envelope (crash between the two renames of a commit)
    orphan = new_queue_id()
    (ready / f"{orphan}.eml").write_bytes(b"never acknowledged")
    # an envelope without message
    os.unlink(ready / f"{nojson_target.id}.eml")
    # a message whose size disagrees with its envelope
    with open(ready / f"{badsize.id}.eml", "ab") as f:
        f.write(b"extra")
    # torn and empty envelopes
    data = (ready / f"{torn.id}.json").read_bytes()
    (ready / f"{torn.id}.json").write_bytes(data[: len(data) // 2])
    (ready / f"{empty.id}.json").write_bytes(b"")
    # same size, other bytes: only verify=True sees it
    (ready / f"{tampered.id}.eml").write_bytes(MSG.replace(b"hello", b"HELLO"))
    (ready / "README.txt").write_bytes(b"not ours")

    with Queue(root) as q:
        live_other = Queue(root)  # a live sibling's staging dir must survive
        try:
            rep = q.recover(verify=True)
            assert live_other.owner_dir.exists()
        finally:
            live_other.close()
        assert "12345-deadbeef" in rep.removed_tmp and ".99-cafebabe" in rep.removed_tmp
        assert rep.removed_orphans == [orphan]
        assert rep.repaired_moves == [moved.id]
        assert sorted(rep.corrupted) == sorted([nojson_target.id, badsize.id, torn.id, empty.id, tampered.id])
        assert rep.unknown == ["ready/README.txt"]
        assert q.ids("ready") == sorted([good.id, moved.id])
        assert files(hold) == []
        assert sorted(os.listdir(tmp)) == [q.owner_dir.name]
        # idempotent
        rep2 = q.recover(verify=True)
        assert not (rep2.removed_orphans or rep2.repaired_moves or rep2.corrupted or rep2.removed_tmp)
        assert rep2.entries == {"ready": 2, "hold": 0, "corrupt": 5}


def test_recover_leaves_entries_being_committed_alone(q: Queue) -> None:
    """An .eml renamed into ready/ whose .json is not there yet, still locked by its committer."""
    import fcntl

    spool = q.new_spool()
    spool.write(MSG)
    fd = spool._materialize()
    assert fd >= 0
    os.rename(spool.path, q.root / "ready" / f"{spool.id}.eml")
    other = Queue(q.root)
    try:
        rep = other.recover()
        assert spool.id in rep.busy and (q.root / "ready" / f"{spool.id}.eml").exists()
    finally:
        other.close()
    fcntl.flock(fd, fcntl.LOCK_UN)
    spool.discard()


# ---------------------------------------------------------------------------------------------------------
# kill -9 rounds

PRODUCER = """
import asyncio, hashlib, os, random, sys
from tayori.runtime.queue import Envelope, Queue

q = Queue(sys.argv[1])
SIZES = (300, 5000, 5000, 5000, 70000, 300000)

async def session(w):
    n = 0
    while True:
        body = os.urandom(random.choice(SIZES) // 2).hex().encode()
        msg = b"Received: test\\r\\nX-Seq: %d-%d\\r\\n\\r\\n" % (w, n) + body + b"\\r\\n"
        spool = q.new_spool(memory_limit=64 * 1024)
        for i in range(0, len(msg), 16384):
            spool.write(msg[i : i + 16384])
        env = await q.commit(spool, Envelope.new("a@example.org", ["b@example.test", "c@example.test"]))
        # Reported only after the future resolved, i.e. after the 250 would have been sent.
        os.write(1, b"%s %s\\n" % (env.id.encode(), hashlib.sha256(msg).hexdigest().encode()))
        n += 1

async def main():
    await asyncio.gather(*(session(w) for w in range(20)))

asyncio.run(main())
"""

CONSUMER = """
import os, random, sys, time
from tayori.runtime.queue import Busy, Gone, Queue

q = Queue(sys.argv[1])
q.recover()  # concurrently with the producer: must not touch its entries
while True:
    envs = q.ready()
    if not envs:
        time.sleep(0.005)
    for env in envs:
        try:
            c = q.claim(env.id)
        except (Busy, Gone):
            continue
        r = random.random()
        try:
            if r < 0.5:
                os.write(1, b"R %s\\n" % c.id.encode())  # before removing: counts as delivered
                c.remove()
            elif r < 0.7:
                c.update_recipients({"b@example.test": ("delivered", None)})
            elif r < 0.85:
                c.move("hold")
                c.move("ready")
            else:
                c.defer(time.time() + random.random() * 0.2, "451 4.4.1 try later")
        finally:
            c.release()
"""


def _read_lines(stream: IO[bytes]) -> list[bytes]:
    data: bytes = stream.read()
    lines = data.split(b"\n")
    return lines[:-1]  # the last one may be cut by the kill


def test_kill_9_never_loses_an_acknowledged_message(tmp_path: Path) -> None:
    root = tmp_path / "queue"
    Queue(root).close()
    acked: dict[str, str] = {}
    delivered: set[str] = set()
    rng = random.Random()
    rounds = 6
    for _ in range(rounds):
        producer = subprocess.Popen([sys.executable, "-c", PRODUCER, str(root)], stdout=subprocess.PIPE, cwd=REPO)
        consumer = subprocess.Popen([sys.executable, "-c", CONSUMER, str(root)], stdout=subprocess.PIPE, cwd=REPO)
        time.sleep(rng.uniform(0.4, 1.4))
        victims = [producer, consumer]
        rng.shuffle(victims)
        for p in victims:
            os.kill(p.pid, signal.SIGKILL)
        for p in victims:
            p.wait()
        assert producer.stdout is not None and consumer.stdout is not None
        for line in _read_lines(producer.stdout):
            qid, sha = line.decode().split()
            acked[qid] = sha
        for line in _read_lines(consumer.stdout):
            delivered.add(line.decode().split()[1])
        producer.stdout.close()
        consumer.stdout.close()

        with Queue(root) as q:
            rep = q.recover(verify=True)
            assert rep.corrupted == [] and rep.busy == []
            present: dict[str, Envelope] = {}
            for state in ("ready", "hold"):
                d = root / state
                names = set(os.listdir(d))
                for qid in q.ids(state):
                    env = q.get(qid, state)
                    data = (d / f"{qid}.eml").read_bytes()
                    assert hashlib.sha256(data).hexdigest() == env.sha256 and len(data) == env.size
                    present[qid] = env
                # nothing half-written is visible: every file belongs to a complete entry
                assert names == {f"{i}.{ext}" for i in q.ids(state) for ext in ("eml", "json")}
            assert os.listdir(root / "corrupt") == []
            assert sorted(os.listdir(root / "tmp")) == [q.owner_dir.name]
            lost = [i for i in acked if i not in present and i not in delivered]
            assert lost == [], f"lost acknowledged messages: {lost[:10]}"
            for qid, sha in acked.items():
                if qid in present:
                    assert present[qid].sha256 == sha
    assert len(acked) > 50  # the rounds did real work
    print(f"acknowledged={len(acked)} delivered={len(delivered)} rounds={rounds}")


def test_states_constant() -> None:
    assert STATES == ("ready", "hold", "corrupt")
