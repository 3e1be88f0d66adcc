#!/usr/bin/env python3
"""kill -9 of smtpd under load, many times (target R1; `just soak`).

A standalone smtpd (no delivery, so the queue keeps everything) takes numbered messages from 8
concurrent clients; every message counts as acknowledged only once its `250 ... queued as ID` was
read. The process is killed with SIGKILL, by PID, at a random moment 0.5-3 s into each round and
restarted. After every round and at the end: every acknowledged id is in `ready/` with the exact
content sent and a matching size and SHA-256 (count and checksum), nothing is corrupt, and
`recover()` finds nothing half-written promoted. The same check runs a few rounds in the default
tests (tests/runtime/smtpd/test_live.py).

    .venv/bin/python bench/soak_smtpd.py [--rounds 25] [--threads 8]

Writes bench/results/soak_smtpd.json; exit status 1 if anything acknowledged was lost.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests/runtime/smtpd"))

from live_helpers import AckLoad, standalone_smtpd, verify_queue  # noqa: E402

from tayori.runtime.queue import Queue  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=25)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--out", default=str(REPO / "bench/results/soak_smtpd.json"))
    args = ap.parse_args()
    rng = random.Random()
    rounds = []
    lost_total = 0
    with standalone_smtpd() as srv:
        srv.start()
        load = AckLoad(srv.port, threads=args.threads)
        load.start()
        try:
            for i in range(args.rounds):
                delay = rng.uniform(0.5, 3.0)
                time.sleep(delay)
                srv.kill9()
                with load.lock:
                    acked = dict(load.acked)
                check = verify_queue(srv.queue, acked)
                lost = check["missing"] + check["bad_checksum"] + check["bad_content"]
                lost_total += lost
                rounds.append({"round": i + 1, "killed_after_s": round(delay, 2), **check})
                print(f"round {i + 1}: killed after {delay:.2f}s {check}", flush=True)
                srv.start()
        finally:
            load.stop()
        srv.stop()
        with Queue(srv.queue) as q:
            rep = q.recover()
        final = verify_queue(srv.queue, load.acked)
        lost_total += final["missing"] + final["bad_checksum"] + final["bad_content"]
    result = {
        "test": "kill -9 of smtpd under load",
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "rounds": args.rounds,
        "client_threads": args.threads,
        "acknowledged": final["acked"],
        "queue_entries": final["entries"],
        "unacknowledged_but_queued": final["entries"] - final["acked"],
        "lost": lost_total,
        "corrupt": final["corrupt"] + len(rep.corrupted),
        "connection_errors_seen_by_clients": load.errors,
        "per_round": rounds,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(
        f"{args.rounds} kills: acknowledged {final['acked']}, lost {lost_total}, corrupt {result['corrupt']}, "
        f"queued without acknowledgement {result['unacknowledged_but_queued']}"
    )
    return 1 if lost_total or result["corrupt"] else 0


if __name__ == "__main__":
    sys.exit(main())
