"""Outbound throughput: Tayori (DKIM on / off) vs Postfix relaying the same load, in the netns harness.

Both senders run in the harness's "tayori" namespace and deliver N messages (5 KiB, one recipient
each, all to accept.test) to the same peer Postfix (mxaccept, STARTTLS offered, Maildir delivery).
- Tayori: ``Outbound.deliver`` for every message at once (the profile's parallelism 20 and
  per_destination 20, Postfix's default destination concurrency), from message files on disk, MX
  lookups through the harness's NSD; timed until every recipient has its remote 250.
- Postfix: a client instance in the same namespace gets the N messages by smtp-source while its
  ``smtp`` transport is deferred, then the queue is flushed; timed from the flush until its queue is
  empty. It relays to ``[10.99.0.20]:25`` (no DNS), TLS ``may`` like Tayori's opportunistic default.
Runs interleave (Postfix, Tayori-DKIM, Tayori-plain) REPS times; the first round is a warm-up and is
discarded. Writes bench/results/outbound.json. Needs root (namespaces), nsd, postfix.

    .venv/bin/python bench/outbound.py [--messages 500] [--reps 4]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests/harness"))
sys.path.insert(0, str(REPO))

from netns.peers import MASTER_CF, Postfix  # noqa: E402
from netns.world import World  # noqa: E402

TAYORI_RUN = r"""
import asyncio, json, sys, time
from pathlib import Path
from tayori.profiles.loader import load_profile
from tayori.runtime.outbound.remote import Outbound
from tayori.runtime.paths import StatePaths
from tayori.runtime.secrets import load_secrets

root, msgdir, dkim = sys.argv[1], Path(sys.argv[2]), sys.argv[3] == "1"
paths = StatePaths.at(root)
profile = load_profile(paths.profile).profile
files = sorted(msgdir.iterdir())

async def main():
    ob = Outbound(profile, load_secrets(paths), paths, dkim=dkim)
    await ob.resolver.hops("accept.test")  # warm the MX cache as a running process would have it
    t = time.perf_counter()
    res = await asyncio.gather(*(ob.deliver(f.name, "alice@example.test", [f"u{i}@accept.test"], f)
                                 for i, f in enumerate(files)))
    wall = time.perf_counter() - t
    await ob.close()
    ok = sum(1 for r in res for x in r.values() if x.status == "delivered")
    print(json.dumps({"wall": wall, "delivered": ok}))

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


def queue_size(w: World, pf: Postfix) -> int:
    r = w.net.run("tayori", ["postqueue", "-c", str(pf.etc), "-j"])
    return sum(1 for line in r.stdout.splitlines() if line.strip())


def run_postfix(w: World, pf: Postfix, n: int) -> float:
    smtp_source = shutil.which("smtp-source") or "/usr/sbin/smtp-source"
    w.net.run(
        "tayori",
        [
            smtp_source,
            "-s",
            "10",
            "-l",
            "5120",
            "-m",
            str(n),
            "-f",
            "alice@example.test",
            "-t",
            "u@accept.test",
            "-N",
            "127.0.0.1:25",
        ],
        timeout=300,
    )
    deadline = time.monotonic() + 60
    while queue_size(w, pf) < n and time.monotonic() < deadline:
        time.sleep(0.1)
    postconf = ["postconf", "-c", str(pf.etc)]
    w.net.run("tayori", [*postconf, "-e", "defer_transports ="])
    w.net.run("tayori", ["postfix", "-c", str(pf.etc), "reload"])
    t = time.perf_counter()
    w.net.run("tayori", ["postqueue", "-c", str(pf.etc), "-f"])
    while queue_size(w, pf) > 0:
        if time.perf_counter() - t > 300:
            raise RuntimeError("postfix did not drain in 300 s")
        time.sleep(0.05)
    wall = time.perf_counter() - t
    w.net.run("tayori", [*postconf, "-e", "defer_transports = smtp"])
    w.net.run("tayori", ["postfix", "-c", str(pf.etc), "reload"])
    time.sleep(2.0)  # let the reloaded smtpd processes come back before the next injection
    return wall


def run_tayori(w: World, msgdir: Path, dkim: bool) -> tuple[float, int]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    r = w.net.run(
        "tayori",
        [str(REPO / ".venv/bin/python"), "-c", TAYORI_RUN, str(w.root), str(msgdir), "1" if dkim else "0"],
        env=env,
        timeout=600,
    )
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-3000:])
    d = json.loads(r.stdout.strip().splitlines()[-1])
    return float(d["wall"]), int(d["delivered"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=500)
    ap.add_argument("--reps", type=int, default=4)
    ap.add_argument("--out", default=str(REPO / "bench/results/outbound.json"))
    a = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="tyb", dir="/tmp"))
    os.chmod(base, 0o755)
    w = World(base)
    rounds: dict[str, list[float]] = {"postfix": [], "tayori_dkim": [], "tayori_nodkim": []}
    try:
        w.build()
        prof = w.paths.profile.read_text().replace(
            "delivery:\n", "delivery:\n  parallelism: 20\n  per_destination: 20\n", 1
        )
        w.paths.profile.write_text(prof)
        msgdir = base / "msgs"
        make_messages(msgdir, a.messages)
        pf = client_postfix(w)
        for rep in range(a.reps):
            wall = run_postfix(w, pf, a.messages)
            rates = {"postfix": a.messages / wall}
            for key, dk in (("tayori_dkim", True), ("tayori_nodkim", False)):
                wall, ok = run_tayori(w, msgdir, dk)
                if ok != a.messages:
                    raise RuntimeError(f"{key}: only {ok}/{a.messages} delivered")
                rates[key] = a.messages / wall
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
        "machine": {"nproc": os.cpu_count(), "kernel": platform.release()},
        "msgs_per_s": {
            k: {"median": round(med[k], 1), "min": round(min(v), 1), "max": round(max(v), 1)} for k, v in rounds.items()
        },
        "ratio_vs_postfix": {
            "tayori_dkim": round(med["tayori_dkim"] / med["postfix"], 3),
            "tayori_nodkim": round(med["tayori_nodkim"] / med["postfix"], 3),
        },
        "notes": "same netns harness, same peer Postfix (mxaccept, Maildir); Postfix relays to [10.99.0.20] "
        "without DNS; Tayori resolves MX via NSD (cached); both offered STARTTLS by the peer",
    }
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
