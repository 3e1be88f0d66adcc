"""SMTP accept to Maildir throughput, Tayori vs a private Postfix into the same Dovecot (target P2).

    .venv/bin/python bench/delivery.py [-n 5000] [--sessions 20] [--pairs 3] [--drain-runs 0]

Protocol: ../shared/reference/bench-and-attacks.md §1.5. Starts `tayori run` (smtpd, delivery, Dovecot)
with a one-mailbox profile and a private Postfix (platform.md §4) whose `virtual_transport` is the LMTP
socket of that same Dovecot, so both legs pay the same delivery cost and end in the same Maildir. Each
leg sends N 5 KB messages with smtp-source over the same number of sessions, a new connection per
message, to its own server's SMTP port, and is timed from the first message sent until all N files are
in the Maildir's new/+cur/. Legs alternate Tayori / Postfix; a warm-up pair is discarded. The Maildir
is emptied between legs so each starts alike. Checks per leg: exactly N files arrived, no file is left
in tmp/, and the server's queue is empty. Writes bench/results/delivery.json.

`--drain-runs K` also times K queue-to-Maildir drains of Tayori's delivery service alone (N messages
committed with delivery stopped, then released), as this script measured before the peer leg existed.

Needs root (Postfix), the `postfix` package (smtp-source) and Dovecot.
"""

from __future__ import annotations

import argparse
import contextlib
import email
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from peer_postfix import postfix_down, postfix_lmtp_up, postfix_queue_empty
from smtp_accept import free_port

from tayori.runtime.paths import StatePaths
from tests.livenet import wait_port
from tests.runtime.delivery.appliance import HASH, Appliance

REPO = Path(__file__).resolve().parents[1]
SIZE = 5120
USER = "burst"
DOMAIN = "example.test"
SENDER = "a@sender.test"
LISTENERS = ("smtp", "submission", "submissions", "pop3", "pop3s", "imap", "imaps")


def profile_text(ports: dict[str, int]) -> str:
    # no rate limits and no SPF look-ups: the benchmark sends thousands of connections from 127.0.0.1
    others = "\n".join(f"  {n}: {{bind: [127.0.0.1], port: {ports[n]}}}" for n in LISTENERS[1:])
    return f"""profile_version: 1
server: {{hostname: mail.{DOMAIN}, postmaster: {USER}@{DOMAIN}}}
listeners:
  smtp: {{bind: [127.0.0.1], port: {ports["smtp"]}, tls: none, max_connections: 500, max_per_ip: 500}}
{others}
domains:
  - name: {DOMAIN}
accounts:
  - address: {USER}@{DOMAIN}
    password_hash: "{HASH}"
policy:
  spf: "off"
  limits: {{connections_per_minute_per_ip: null, messages_per_minute_per_ip: null}}
"""


@contextlib.contextmanager
def tayori_running(tmp: Path) -> Iterator[Appliance]:
    ports = {n: free_port() for n in LISTENERS}
    prof = tmp / "bench.yaml"
    prof.write_text(profile_text(ports), encoding="utf-8")
    root = tmp / "root"
    sockdir = f"/tmp/tyb-{os.getpid()}-{os.urandom(3).hex()}"
    os.environ["TAYORI_SOCKET_DIR"] = sockdir  # StatePaths here must agree with the appliance's sockets
    log = open(tmp / "run.log", "wb")  # noqa: SIM115 -- closed in finally
    proc = subprocess.Popen(
        [sys.executable, "-m", "tayori.appliance.cli", "--root", str(root), "run", str(prof)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=dict(os.environ),
        cwd=REPO,
    )
    app = Appliance(root, StatePaths.at(root), ports, proc)
    try:
        try:
            wait_port(ports["smtp"], timeout=60)
            wait_port(ports["pop3"], timeout=30)
        except TimeoutError:
            raise TimeoutError((tmp / "run.log").read_text(errors="replace")[-3000:]) from None
        deadline = time.monotonic() + 20
        while not (app.paths.delivery_wakeup.exists() and app.paths.lmtp_socket.exists()):
            if time.monotonic() > deadline:
                raise TimeoutError("delivery or Dovecot LMTP did not come up / 配送または LMTP が起動しません")
            time.sleep(0.1)
        yield app
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        os.environ.pop("TAYORI_SOCKET_DIR", None)
        shutil.rmtree(sockdir, ignore_errors=True)


def maildir(app: Appliance) -> Path:
    return app.paths.maildir_home(f"{USER}@{DOMAIN}") / "Maildir"


def count(md: Path, subs: tuple[str, ...] = ("new", "cur")) -> int:
    total = 0
    for sub in subs:
        with contextlib.suppress(FileNotFoundError):
            total += sum(1 for e in os.scandir(md / sub) if e.is_file())
    return total


def empty_maildir(md: Path) -> None:
    for sub in ("new", "cur"):
        with contextlib.suppress(FileNotFoundError):
            for e in os.scandir(md / sub):
                os.unlink(e.path)


def leg(app: Appliance, port: int, n: int, sessions: int, queue_empty: Callable[[], bool]) -> dict[str, float]:
    """One smtp-source burst to `port`, timed until all n messages are in the Maildir."""
    md = maildir(app)
    empty_maildir(md)
    argv = ["smtp-source", "-s", str(sessions), "-l", str(SIZE), "-m", str(n)]
    argv += ["-f", SENDER, "-t", f"{USER}@{DOMAIN}", f"127.0.0.1:{port}"]
    t0 = time.monotonic()
    src = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        sent = _wait(md, n, src, t0, port)
        wall = time.monotonic() - t0
    except BaseException:
        src.kill()
        raise
    finally:
        src.wait()
        if src.stderr:
            src.stderr.close()
    time.sleep(1)  # late duplicates or leftovers would show now
    end = time.monotonic() + 30
    while not queue_empty() and time.monotonic() < end:
        time.sleep(0.1)
    return {
        "wall_s": round(wall, 3),
        "msg_per_s": round(n / wall, 1),
        "smtp_source_s": round(sent, 3),
        "delivered": count(md),
        "left_in_tmp": count(md, ("tmp",)),
        "queue_empty": bool(queue_empty()),
    }


def _wait(md: Path, n: int, src: subprocess.Popen[bytes], t0: float, port: int) -> float:
    """Polls the Maildir until n files are in; returns when smtp-source ended (seconds after t0)."""
    sent = None
    deadline = t0 + 900
    while count(md) < n:
        if sent is None and src.poll() is not None:
            sent = time.monotonic() - t0
            if src.returncode != 0:
                err = src.stderr.read().decode(errors="replace") if src.stderr else ""
                raise RuntimeError(f"smtp-source failed on port {port}: {err.strip()[:300]}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"port {port}: {count(md)} of {n} messages in the Maildir")
        time.sleep(0.02)
    wall = time.monotonic() - t0
    if sent is None:
        src.wait()
        sent = wall
    return sent


def tayori_queue_empty(app: Appliance) -> bool:
    ready = app.paths.queue / "ready"
    return not any(name.endswith(".json") for name in os.listdir(ready)) if ready.exists() else True


def drain_run(app: Appliance, n: int) -> float:
    """Queue-to-Maildir only: commit n messages with delivery stopped, then time the drain."""
    empty_maildir(maildir(app))
    app.ctl("stop", "delivery")
    body = ("X" * 78 + "\r\n") * max(1, SIZE // 80)
    tag = f"{time.time_ns()}"
    app.inject(SENDER, [f"{USER}@{DOMAIN}"], f"Subject: bench\r\nMessage-ID: <{tag}.{{n}}@b>\r\n\r\n{body}".encode(), n)
    t0 = time.monotonic()
    app.ctl("start", "delivery")
    while count(maildir(app)) < n:
        time.sleep(0.02)
    dt = time.monotonic() - t0
    md = maildir(app)
    ids = [
        email.message_from_bytes((md / s / f).read_bytes())["Message-ID"]
        for s in ("new", "cur")
        for f in os.listdir(md / s)
    ]
    assert len(ids) == n == len(set(ids)), f"{len(ids)} delivered, {len(set(ids))} distinct of {n}"
    return round(n / dt, 1)


def summary(runs: list[dict[str, float]]) -> dict[str, object]:
    rates = [r["msg_per_s"] for r in runs]
    return {
        "runs": runs,
        "median_msg_per_s": round(statistics.median(rates), 1),
        "min_msg_per_s": min(rates),
        "max_msg_per_s": max(rates),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", "--messages", type=int, default=5000)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--pairs", type=int, default=3, help="measured pairs (plus one warm-up pair)")
    ap.add_argument("--drain-runs", type=int, default=0)
    ap.add_argument("--out", default=str(REPO / "bench/results/delivery.json"))
    a = ap.parse_args()
    if os.geteuid() != 0 or not shutil.which("smtp-source"):
        print("needs root and the postfix package (smtp-source) / root と postfix パッケージが必要です")
        return 2
    # a killed run must still stop `tayori run` and Postfix: SIGTERM unwinds through the finally blocks
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    load_before = os.getloadavg()
    tmp = Path(tempfile.mkdtemp(prefix="tayori-bench-", dir="/tmp"))
    tmp.chmod(0o755)
    pf = None
    try:
        with tayori_running(tmp) as app:
            pf_port = free_port()
            pf = postfix_lmtp_up(tmp, pf_port, DOMAIN, app.paths.lmtp_socket)
            tay: list[dict[str, float]] = []
            pfx: list[dict[str, float]] = []
            try:
                for pair in range(a.pairs + 1):
                    t = leg(app, app.ports["smtp"], a.messages, a.sessions, lambda: tayori_queue_empty(app))
                    p = leg(app, pf_port, a.messages, a.sessions, lambda: postfix_queue_empty(pf))  # type: ignore[arg-type]
                    print(f"pair {pair}{' (warm-up)' if pair == 0 else ''}: tayori {t} postfix {p}", flush=True)
                    if pair:
                        tay.append(t)
                        pfx.append(p)
            finally:
                postfix_down(pf)
                pf = None
            drains = [drain_run(app, a.messages) for _ in range(a.drain_runs)]
            empty_maildir(maildir(app))
        ratios = [round(t["msg_per_s"] / p["msg_per_s"], 3) for t, p in zip(tay, pfx, strict=True)]
        runs = tay + pfx
        gate = all(r["delivered"] == a.messages and r["left_in_tmp"] == 0 and r["queue_empty"] for r in runs)
        t_sum, p_sum = summary(tay), summary(pfx)
        result: dict[str, object] = {
            "benchmark": "SMTP accept to Maildir, Tayori (smtpd → queue → delivery → Dovecot LMTP) vs "
            "Postfix (smtpd → queue → lmtp(8) → the same Dovecot LMTP)",
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "nproc": os.cpu_count(),
            # other jobs on a shared machine make the figures noisy: the load says how much
            "loadavg_1_5_15_before_after": [list(load_before), list(os.getloadavg())],
            "kernel": platform.release(),
            "python": platform.python_version(),
            "postfix_version": subprocess.run(
                ["postconf", "-d", "-h", "mail_version"], capture_output=True, text=True
            ).stdout.strip(),
            "workload": {
                "messages": a.messages,
                "sessions": a.sessions,
                "size": SIZE,
                "new_connection_per_message": True,
                "mailboxes": 1,
                "order": "Tayori, Postfix alternating; one warm-up pair discarded",
            },
            "tayori": t_sum,
            "postfix": p_sum,
            "ratio_per_pair_tayori_to_postfix": ratios,
            "median_ratio_tayori_to_postfix": statistics.median(ratios),
            "correctness_gate": gate,
        }
        if drains:
            result["tayori_queue_to_maildir_drain_msg_per_s"] = drains
        out = Path(a.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
        print(
            f"Tayori {t_sum['median_msg_per_s']} msg/s ({t_sum['min_msg_per_s']}–{t_sum['max_msg_per_s']}), "
            f"Postfix {p_sum['median_msg_per_s']} msg/s ({p_sum['min_msg_per_s']}–{p_sum['max_msg_per_s']}): "
            f"median ratio {statistics.median(ratios)}; checks passed: {gate}"
        )
        return 0 if gate else 1
    finally:
        if pf is not None:
            postfix_down(pf)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
