"""Outbound throughput: Tayori (DKIM on / off) vs Postfix relaying the same load, in the netns harness.

Both senders run in the harness's "tayori" namespace and deliver N messages (5 KiB, one recipient
each, all to accept.test) to the same peer Postfix (mxaccept, STARTTLS offered, Maildir delivery).
Both legs end at the same point, counted at the receiver: the peer's Maildir holds all N.
- Tayori: ``Outbound.deliver`` for every message at once (the profile's parallelism 20 and
  per_destination 20, Postfix's default destination concurrency), from message files on disk, MX
  lookups through the harness's NSD (DKIM RSA signing through OpenSSL, runtime/outbound/dkim.py).
  The time until every remote 250 is reported too (``*_until_250``).
- Postfix: a client instance in the same namespace gets the N messages by smtp-source while its
  ``smtp`` transport is deferred; once all N sit in its deferred queue the queue is flushed and timed
  until the peer's Maildir holds them. The sender's own queue listing (``postqueue -j``) is not
  trusted: it reported an empty queue before delivery and hung on later rounds. It relays to
  ``[10.99.0.20]:25`` (no DNS), TLS ``may`` like Tayori's opportunistic default.
Runs interleave (Postfix, Tayori-DKIM, Tayori-plain) REPS times; the first round is a warm-up and is
discarded. Every wait has a timeout (``--timeout``): a stuck leg fails the run instead of hanging.
Writes bench/results/outbound.json. Needs root (namespaces), nsd, postfix.

    .venv/bin/python bench/outbound.py [--messages 500] [--reps 4]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests/harness"))
sys.path.insert(0, str(REPO))

from netns.peers import MASTER_CF, Postfix  # noqa: E402
from netns.world import World  # noqa: E402

TAYORI_RUN = r"""
import asyncio, json, os, sys, time
from pathlib import Path
from tayori.profiles.loader import load_profile
from tayori.runtime.outbound.remote import Outbound
from tayori.runtime.paths import StatePaths
from tayori.runtime.secrets import load_secrets

root, msgdir, dkim = sys.argv[1], Path(sys.argv[2]), sys.argv[3] == "1"
maildir, want, timeout = Path(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
paths = StatePaths.at(root)
profile = load_profile(paths.profile).profile
files = sorted(msgdir.iterdir())

async def main():
    ob = Outbound(profile, load_secrets(paths), paths, dkim=dkim)
    await ob.resolver.hops("accept.test")  # warm the MX cache as a running process would have it
    t = time.perf_counter()
    res = await asyncio.gather(*(ob.deliver(f.name, "alice@example.test", [f"u{i}@accept.test"], f)
                                 for i, f in enumerate(files)))
    wall_250 = time.perf_counter() - t
    # the same end point as the Postfix leg: the peer has stored them all
    count = lambda: sum(len(os.listdir(maildir / s)) for s in ("new", "cur") if (maildir / s).is_dir())
    while count() < want and time.perf_counter() - t < timeout:
        time.sleep(0.01)
    wall = time.perf_counter() - t
    await ob.close()
    ok = sum(1 for r in res for x in r.values() if x.status == "delivered")
    print(json.dumps({"wall": wall, "wall_250": wall_250, "delivered": ok, "stored": count()}))

asyncio.run(main())
"""


def make_messages(d: Path, n: int, size: int = 5120) -> None:
    d.mkdir(parents=True, exist_ok=True)
    body = ("x" * 75 + "\r\n") * (size // 77)
    for i in range(n):
        (d / f"m{i:05d}.eml").write_bytes(
            (
                f"From: Alice <alice@example.test>\r\nTo: <u{i}@accept.test>\r\nSubject: bench {i}\r\n"
                f"Date: Sun, 23 Nov 2025 12:00:00 +0900\r\nMessage-ID: <bench{i}.{time.time_ns()}@example.test>\r\n"
                f"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n{body}"
            ).encode()
        )


def client_postfix(w: World) -> Postfix:
    pf = Postfix(w.net, "tayori", w.base, domains=[])
    main = (pf.etc / "main.cf").read_text()
    main = main.replace("inet_interfaces = 10.99.0.10, fd99::10", "inet_interfaces = 127.0.0.1")
    main = main.replace("default_transport = error:this test peer delivers nowhere outside", "")
    # the peer template ends in reject_unauth_destination, which refused smtp-source's relay mail
    main = re.sub(
        r"(?m)^smtpd_recipient_restrictions = .*$", "smtpd_recipient_restrictions = permit_mynetworks, reject", main
    )
    main += (
        "default_transport = smtp\nrelayhost = [10.99.0.20]:25\nsmtp_tls_security_level = may\n"
        "mynetworks = 127.0.0.0/8\nsmtpd_relay_restrictions = permit_mynetworks, reject\n"
        "defer_transports = smtp\nqueue_run_delay = 3600s\n"
    )
    (pf.etc / "main.cf").write_text(main)
    (pf.etc / "master.cf").write_text(
        MASTER_CF.replace("smtp      inet  n - n -     - smtpd", "127.0.0.1:25 inet n - n - - smtpd")
    )
    pf.prepare()
    w.net.start("tayori", ["/usr/lib/postfix/sbin/master", "-c", str(pf.etc), "-d"], pf.dir / "master.log")
    w.net.wait_port("tayori", "127.0.0.1", 25)
    return pf


def maildir_count(peer: Postfix) -> int:
    """Messages the receiving peer has stored: the one count that means delivered (Postfix's own queue
    listing of the sender reported an empty queue before delivery and then hung, issue 11)."""
    n = 0
    for sub in ("new", "cur"):
        d = peer.mail / "inbox/Maildir" / sub
        if d.is_dir():
            n += sum(1 for _ in os.scandir(d))
    return n


def spool_count(pf: Postfix, sub: str) -> int:
    d = pf.spool / sub
    return sum(len(files) for _, _, files in os.walk(d)) if d.is_dir() else 0


def wait_count(what: str, fn: Callable[[], int], want: int, timeout: float) -> float:
    """Poll until ``fn() >= want``; seconds it took. Raises after ``timeout`` instead of hanging."""
    t = time.perf_counter()
    while (got := fn()) < want:
        if time.perf_counter() - t > timeout:
            raise RuntimeError(f"{what}: {got}/{want} after {timeout:.0f} s")
        time.sleep(0.02)
    return time.perf_counter() - t


def run_postfix(w: World, pf: Postfix, peer: Postfix, n: int, expected: int, timeout: float) -> tuple[float, float]:
    """One Postfix leg; ``expected`` is what the peer's Maildir holds before it (earlier legs included)."""
    wait_count("peer Maildir before the Postfix leg", lambda: maildir_count(peer), expected, timeout)
    smtp_source = shutil.which("smtp-source") or "/usr/sbin/smtp-source"
    argv = [smtp_source, "-s", "10", "-l", "5120", "-m", str(n), "-f", "alice@example.test", "-t", "u@accept.test"]
    r = w.net.run("tayori", [*argv, "-N", "127.0.0.1:25"], timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"smtp-source: {r.stderr[-2000:]}")
    # every injected message parked in deferred/ (smtp is a deferred transport) before the clock starts
    wait_count("postfix client deferred queue", lambda: spool_count(pf, "deferred"), n, timeout)
    postconf = ["postconf", "-c", str(pf.etc)]
    w.net.run("tayori", [*postconf, "-e", "defer_transports ="])
    w.net.run("tayori", ["postfix", "-c", str(pf.etc), "reload"])
    t = time.perf_counter()
    w.net.run("tayori", ["postqueue", "-c", str(pf.etc), "-f"])
    first = wait_count("peer Maildir after the Postfix flush", lambda: maildir_count(peer), expected + 1, timeout)
    wait_count("peer Maildir after the Postfix flush", lambda: maildir_count(peer), expected + n, timeout)
    wall = time.perf_counter() - t
    w.net.run("tayori", [*postconf, "-e", "defer_transports = smtp"])
    w.net.run("tayori", ["postfix", "-c", str(pf.etc), "reload"])
    time.sleep(2.0)  # let the reloaded smtpd processes come back before the next injection
    return wall, wall - first


def run_tayori(w: World, msgdir: Path, dkim: bool, peer: Postfix, want: int, timeout: float) -> dict[str, Any]:
    """One Tayori leg: seconds until every remote 250 (``wall_250``) and until the peer stored ``want``."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    argv = [str(REPO / ".venv/bin/python"), "-c", TAYORI_RUN, str(w.root), str(msgdir), "1" if dkim else "0"]
    argv += [str(peer.mail / "inbox/Maildir"), str(want), str(timeout)]
    r = w.net.run("tayori", argv, env=env, timeout=timeout + 60)
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-3000:])
    d: dict[str, Any] = json.loads(r.stdout.strip().splitlines()[-1])
    if d["stored"] < want:
        raise RuntimeError(f"peer Maildir after the Tayori leg: {d['stored']}/{want} after {timeout:.0f} s")
    return d


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=500)
    ap.add_argument("--reps", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds one leg may take before it is abandoned")
    ap.add_argument("--out", default=str(REPO / "bench/results/outbound.json"))
    a = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="tyb", dir="/tmp"))
    os.chmod(base, 0o755)
    w = World(base)
    rounds: dict[str, list[float]] = {
        "postfix": [],
        "postfix_after_first_stored": [],
        "tayori_dkim": [],
        "tayori_nodkim": [],
        "tayori_dkim_until_250": [],
        "tayori_nodkim_until_250": [],
    }
    try:
        w.build()
        prof = w.paths.profile.read_text().replace(
            "delivery:\n", "delivery:\n  parallelism: 20\n  per_destination: 20\n", 1
        )
        w.paths.profile.write_text(prof)
        msgdir = base / "msgs"
        make_messages(msgdir, a.messages)
        pf = client_postfix(w)
        peer = w.peers["mxaccept"]
        expected = maildir_count(peer)
        for rep in range(a.reps):
            wall, after_first = run_postfix(w, pf, peer, a.messages, expected, a.timeout)
            expected += a.messages
            # the qmgr restart of the reload is inside Postfix's wall time; the rate from its first stored
            # message on shows how much of it that is
            rates = {"postfix": a.messages / wall, "postfix_after_first_stored": (a.messages - 1) / after_first}
            for key, dk in (("tayori_dkim", True), ("tayori_nodkim", False)):
                d = run_tayori(w, msgdir, dk, peer, expected + a.messages, a.timeout)
                if d["delivered"] != a.messages:
                    raise RuntimeError(f"{key}: only {d['delivered']}/{a.messages} delivered")
                expected += a.messages
                rates[key] = a.messages / d["wall"]
                rates[key + "_until_250"] = a.messages / d["wall_250"]
            print(f"round {rep}: " + "  ".join(f"{k}={v:.0f} msg/s" for k, v in rates.items()), flush=True)
            if rep > 0 or a.reps == 1:
                for k, v in rates.items():
                    rounds[k].append(v)
    finally:
        w.close()
        shutil.rmtree(base, ignore_errors=True)
    med = {k: statistics.median(v) for k, v in rounds.items()}
    result = {
        "benchmark": "outbound",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "messages": a.messages,
        "message_size": 5120,
        "reps_counted": len(rounds["postfix"]),
        # other jobs on the machine move these figures: the load at the end says how busy it was
        "machine": {"nproc": os.cpu_count(), "kernel": platform.release(), "loadavg_1m": os.getloadavg()[0]},
        "msgs_per_s": {
            k: {"median": round(med[k], 1), "min": round(min(v), 1), "max": round(max(v), 1)} for k, v in rounds.items()
        },
        "ratio_vs_postfix": {
            "tayori_dkim": round(med["tayori_dkim"] / med["postfix"], 3),
            "tayori_nodkim": round(med["tayori_nodkim"] / med["postfix"], 3),
        },
        "notes": "same netns harness, same peer Postfix (mxaccept, Maildir); both legs timed until the peer's "
        "Maildir holds all messages; Postfix relays to [10.99.0.20] without DNS; Tayori resolves MX via NSD "
        "(cached); both offered STARTTLS by the peer; DKIM RSA-2048 signing through OpenSSL",
    }
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
