"""Queue-to-Maildir drain throughput of Tayori's delivery service (target P2, Tayori's half).

    .venv/bin/python bench/delivery.py [-n 5000] [--size 5120] [--runs 3]

Starts `tayori run` with a one-mailbox profile, stops the `delivery` program, commits N messages to
the queue as smtpd does, starts delivery and times until all N are in the Maildir and the queue is
empty; checks that every Message-ID is there exactly once. Prints msg/s per run and the median.

Not done yet: the peer half (Postfix delivering through the same Dovecot's LMTP, bench-and-attacks.md
§1.5) and the SMTP accept leg (needs runtime/smtpd). Until then this is an absolute figure, not the
ratio P2 asks for.
"""

from __future__ import annotations

import argparse
import email
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.runtime.delivery.appliance import running


def one_run(app, n: int, size: int) -> float:  # type: ignore[no-untyped-def]
    app.ctl("stop", "delivery")
    body = ("X" * 78 + "\r\n") * max(1, size // 80)
    tag = f"{time.time_ns()}"
    app.inject(
        "a@bench.test",
        ["burst@example.test"],
        f"Subject: bench\r\nMessage-ID: <{tag}.{{n}}@b>\r\n\r\n{body}".encode(),
        n,
    )
    before = len(app.maildir("burst"))
    t0 = time.monotonic()
    app.ctl("start", "delivery")
    app.wait_mail("burst", before + n, timeout=600)
    app.queue_empty(timeout=600)
    dt = time.monotonic() - t0
    ids = [email.message_from_bytes(p.read_bytes())["Message-ID"] for p in app.maildir("burst")]
    mine = [i for i in ids if i.startswith(f"<{tag}.")]
    assert len(mine) == n == len(set(mine)), f"{len(mine)} delivered, {len(set(mine))} distinct of {n}"
    return n / dt


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=5000)
    ap.add_argument("--size", type=int, default=5120)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tayori-bench-"))
    tmp.chmod(0o755)
    try:
        with running(tmp) as app:
            rates = [one_run(app, a.n, a.size) for _ in range(a.runs)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("queue→Maildir msg/s: " + " / ".join(f"{r:.0f}" for r in rates) + f"  median {statistics.median(rates):.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
