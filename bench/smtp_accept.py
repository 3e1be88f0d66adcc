#!/usr/bin/env python3
"""Durable SMTP accept rate: Tayori's smtpd side by side with a private Postfix (target P1).

Protocol: ../shared/reference/bench-and-attacks.md §1.1 and §1.4. Both servers accept into their
durable queue and deliver nothing (Postfix in HOLD mode, platform.md §4.6; Tayori's smtpd runs on
its own, without the delivery service). smtp-source sends 5 KB messages over 20 sessions, a new
connection per message; runs alternate Tayori / Postfix, a warm-up pair is discarded, and the
report gives medians, ranges, the ratio of medians, server+kernel CPU per message, the fsync ceiling
of the queue's filesystem and the PSS of the smtpd process idle and under load.

Needs root (Postfix), the `postfix` package (smtp-source) and a free loopback. Usage:

    .venv/bin/python bench/smtp_accept.py [--pairs 5] [--messages 5000] [--sessions 20] [--workers 1]

Writes bench/results/smtp_accept.json and prints a summary. With `--durability-only`, runs the
fsync-before-250 ordering check of bench-and-attacks.md §2.3 instead: a 200-message run of smtpd
under strace (must pass) and the same under eatmydata (the negative control, must fail); writes
bench/results/smtp_accept_durability.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PY = REPO / ".venv/bin/python"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5) as s:
                s.recv(100)
                s.sendall(b"QUIT\r\n")
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


# ------------------------------------------------------------------------------------ postfix
def postfix_up(base: Path, port: int) -> Path:
    p = base / "postfix"
    for d in ("etc", "spool", "data", "mail"):
        (p / d).mkdir(parents=True)
    shutil.chown(p / "data", "postfix")
    (p / "etc/main.cf").write_text(
        f"""compatibility_level = 3.6
queue_directory = {p}/spool
data_directory = {p}/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = bench.test
mydomain = bench.test
myorigin = $myhostname
mydestination =
mynetworks = 127.0.0.0/8
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
alias_maps =
alias_database =
local_recipient_maps =
relayhost =
default_transport = error:this test peer delivers nowhere outside
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = reject_unauth_destination
smtpd_end_of_data_restrictions = check_client_access static:HOLD
virtual_mailbox_domains = bench.test
virtual_mailbox_base = {p}/mail
virtual_mailbox_maps = static:bench/Maildir/
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_minimum_uid = 1
maillog_file = {p}/maillog
maillog_file_prefixes = /var, /dev/stdout, {p}
smtputf8_enable = no
biff = no
"""
    )
    master = Path("/etc/postfix/master.cf")  # only the service list below is used
    del master
    (p / "etc/master.cf").write_text(
        f"127.0.0.1:{port} inet n - n - - smtpd\n"
        + "\n".join(
            [
                "pickup    unix  n - n 60    1 pickup",
                "cleanup   unix  n - n -     0 cleanup",
                "qmgr      unix  n - n 300   1 qmgr",
                "tlsmgr    unix  - - n 1000? 1 tlsmgr",
                "rewrite   unix  - - n -     - trivial-rewrite",
                "bounce    unix  - - n -     0 bounce",
                "defer     unix  - - n -     0 bounce",
                "trace     unix  - - n -     0 bounce",
                "verify    unix  - - n -     1 verify",
                "flush     unix  n - n 1000? 0 flush",
                "proxymap  unix  - - n -     - proxymap",
                "proxywrite unix - - n -     1 proxymap",
                "smtp      unix  - - n -     - smtp",
                "relay     unix  - - n -     - smtp",
                "showq     unix  n - n -     - showq",
                "error     unix  - - n -     - error",
                "retry     unix  - - n -     - error",
                "discard   unix  - - n -     - discard",
                "local     unix  - n n -     - local",
                "virtual   unix  - n n -     - virtual",
                "lmtp      unix  - - n -     - lmtp",
                "anvil     unix  - - n -     1 anvil",
                "scache    unix  - - n -     1 scache",
                "postlog   unix-dgram n - n - 1 postlogd",
            ]
        )
        + "\n"
    )
    subprocess.run(["script", "-qc", f"postfix -c {p}/etc check", "/dev/null"], check=True, capture_output=True)
    subprocess.run(["script", "-qc", f"postfix -c {p}/etc start", "/dev/null"], check=True, capture_output=True)
    wait_port(port)
    return p


def postfix_down(p: Path) -> None:
    subprocess.run(["script", "-qc", f"postfix -c {p}/etc stop", "/dev/null"], capture_output=True)


def postfix_count(p: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(p / "spool/hold"))


def postfix_purge(p: Path) -> None:
    subprocess.run(["script", "-qc", f"postsuper -c {p}/etc -d ALL hold", "/dev/null"], capture_output=True)


# ------------------------------------------------------------------------------------- tayori
PROFILE = """profile_version: 1
server: {{hostname: bench.tayori.test}}
listeners:
  smtp: {{bind: [127.0.0.1], port: {port}, tls: none, max_connections: 500, max_per_ip: 500}}
  submission: {{enabled: false, port: 1}}
  submissions: {{enabled: false, port: 1}}
domains:
  - name: bench.test
    catch_all: u@bench.test
accounts:
  - address: u@bench.test
policy:
  spf: "off"
  limits: {{connections_per_minute_per_ip: null, messages_per_minute_per_ip: null}}
"""


def tayori_up(base: Path, port: int, workers: int) -> tuple[subprocess.Popen[bytes], Path]:
    root = base / "tayori"
    (root / "etc/tayori").mkdir(parents=True)
    (root / "etc/tayori/profile.yaml").write_text(PROFILE.format(port=port))
    env = dict(os.environ, TAYORI_SOCKET_DIR=str(base / "s"), TAYORI_SMTPD_WORKERS=str(workers))
    log = open(base / "smtpd.log", "ab")  # noqa: SIM115 -- lives as long as the server
    proc = subprocess.Popen(
        [str(PY), "-m", "tayori.runtime.smtpd", "--root", str(root)], env=env, stdout=log, stderr=log, cwd=REPO
    )
    wait_port(port)
    return proc, root / "var/lib/tayori/queue"


def tayori_count(queue: Path) -> int:
    return sum(1 for n in os.listdir(queue / "ready") if n.endswith(".json"))


def tayori_purge(queue: Path) -> None:
    for n in os.listdir(queue / "ready"):
        os.unlink(queue / "ready" / n)


# ------------------------------------------------------------------------------- filesystem
def journaled_fs_up(image: Path, mountpoint: Path, size: str = "4G") -> None:
    """A fresh ext4 with its journal, loop-mounted on `mountpoint`. A machine whose root filesystem
    runs without a journal (some CI images) makes every file creation scan recently deleted inodes,
    which measures that quirk more than either server."""
    subprocess.run(["truncate", "-s", size, str(image)], check=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], check=True)
    subprocess.run(["mount", "-o", "loop", str(image), str(mountpoint)], check=True)
    mountpoint.chmod(0o755)


def journaled_fs_down(image: Path, mountpoint: Path) -> None:
    subprocess.run(["umount", str(mountpoint)], check=False)
    with contextlib.suppress(OSError):
        mountpoint.rmdir()
    image.unlink(missing_ok=True)


# ------------------------------------------------------------------------------------ measure
def busy_jiffies() -> int:
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7]  # user nice system irq softirq steal


def run_source(port: int, n: int, sessions: int, extra: list[str]) -> dict[str, float]:
    hz = os.sysconf("SC_CLK_TCK")
    b0, t0 = busy_jiffies(), time.monotonic()
    argv = ["smtp-source", *extra, "-s", str(sessions), "-l", "5120", "-m", str(n)]
    argv += ["-f", "a@bench.test", "-t", "u@bench.test", "-N", f"127.0.0.1:{port}"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - t0
    busy = (busy_jiffies() - b0) / hz
    client = ru.ru_utime + ru.ru_stime
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"smtp-source failed on port {port}: {err.strip()[:300]}")
    return {
        "wall_s": round(wall, 3),
        "msg_per_s": round(n / wall, 1),
        "server_kernel_ms_per_msg": round(1000 * (busy - client) / n, 3),
    }


def pss_tree(pid: int) -> float:
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    todo, total = [pid], 0
    while todo:
        p = todo.pop()
        todo += kids.get(p, [])
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


def fsync_ceiling(directory: Path, threads: int, secs: float = 2.0) -> float:
    directory.mkdir(parents=True, exist_ok=True)
    buf, counts = os.urandom(4096), [0] * threads

    def work(k: int) -> None:
        i, end = 0, time.monotonic() + secs
        while time.monotonic() < end:
            tmp, dst = directory / f"t.{k}.{i}", directory / f"m.{k}.{i}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.write(fd, buf)
            os.fsync(fd)
            os.close(fd)
            os.rename(tmp, dst)
            i += 1
        counts[k] = i

    ts = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    shutil.rmtree(directory, ignore_errors=True)
    return round(sum(counts) / secs, 1)


def summary(runs: list[dict[str, float]]) -> dict[str, object]:
    rates = [r["msg_per_s"] for r in runs]
    cpu = [r["server_kernel_ms_per_msg"] for r in runs]
    return {
        "runs": runs,
        "median_msg_per_s": round(statistics.median(rates), 1),
        "min_msg_per_s": min(rates),
        "max_msg_per_s": max(rates),
        "median_server_kernel_ms_per_msg": round(statistics.median(cpu), 3),
    }


# ------------------------------------------------------------------- durability (strace order)
_LINE = re.compile(r"^(\d+)\s+(\d+):(\d+):(\d+\.\d+)\s+(.*)$")
_FD = re.compile(r"^\s*\d+<([^>]*)>")
_QUEUED = re.compile(r'"250 [^"]*queued as ([A-Za-z0-9._-]+)')


def fsync_check(trace: Path) -> tuple[int, int]:
    """bench-and-attacks.md §2.3 (fsynccheck.py): every `250 ... queued as ID` written to a TCP socket
    follows an fsync/fdatasync of the file holding ID's data, started after its last write, and an
    fsync of the directory it was renamed into. Returns (ok, failed)."""
    events: list[tuple[float, float, str, str]] = []
    pending: dict[tuple[str, str], tuple[float, str]] = {}
    for raw in trace.read_text(errors="replace").splitlines():
        m = _LINE.match(raw)
        if not m:
            continue
        pid, rest, t = m[1], m[5], int(m[2]) * 3600 + int(m[3]) * 60 + float(m[4])
        r = re.match(r"<\.\.\. (\w+) resumed>(.*)", rest)
        if r:
            if (pid, r[1]) in pending:
                start, args = pending.pop((pid, r[1]))
                events.append((start, t, r[1], args + r[2]))
        elif rest.endswith("<unfinished ...>"):
            name, _, args = rest.partition("(")
            pending[(pid, name)] = (t, args[: -len("<unfinished ...>")])
        else:
            name, _, args = rest.partition("(")
            events.append((t, t, name, args))
    events.sort()

    def fd_path(args: str) -> str:
        m = _FD.match(args)
        return m[1] if m else ""

    syncs = [(s, e, fd_path(a)) for s, e, n, a in events if n in ("fsync", "fdatasync")]
    writes = [
        (s, fd_path(a), a)
        for s, e, n, a in events
        if n in ("write", "writev", "pwrite64")
        and fd_path(a)
        and not fd_path(a).startswith(("TCP", "UDP", "UNIX", "pipe", "/dev/"))
    ]
    moves = [(s, a) for s, e, n, a in events if n.startswith(("rename", "link"))]
    ok = bad = 0
    for s, _e, n, a in events:
        q = _QUEUED.search(a)
        if n not in ("write", "writev", "sendto", "sendmsg") or not q or not fd_path(a).startswith("TCP"):
            continue
        qid, t_reply = q[1], s
        mine = [(ws, path) for ws, path, wa in writes if ws < t_reply and (qid in path or qid in wa)]
        if not mine:
            bad += 1
            continue
        w_t, path = mine[-1]
        good = any(ss >= w_t and se <= t_reply and sp == path for ss, se, sp in syncs)
        moved = [(ms, ma) for ms, ma in moves if ms < t_reply and qid in ma]
        if good and moved:
            ms, ma = moved[-1]
            target = re.findall(r'"([^"]*)"', ma)[-1]
            tdir = target.rsplit("/", 1)[0].rsplit("/", 1)[-1] if "/" in target else ""
            good = any(
                ss >= ms and se <= t_reply and (sp.endswith("/" + tdir) if tdir else qid not in sp)
                for ss, se, sp in syncs
            )
        ok += int(good)
        bad += int(not good)
    return ok, bad


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out


def durability(base: Path, eatmydata: bool = False) -> dict[str, object]:
    """A 200-message run of smtpd under strace, then the ordering check (and its negative control)."""
    port = free_port()
    root = base / ("strace-eat" if eatmydata else "strace")
    (root / "etc/tayori").mkdir(parents=True)
    (root / "etc/tayori/profile.yaml").write_text(PROFILE.format(port=port))
    trace = base / ("trace-eat.log" if eatmydata else "trace.log")
    argv = ["strace", "-f", "-tt", "-yy", "-s", "96", "-o", str(trace)]
    argv += ["-e", "trace=openat,write,writev,pwrite64,sendto,sendmsg,fsync,fdatasync,rename,renameat,renameat2,linkat"]
    if eatmydata:
        argv.append("eatmydata")
    argv += [str(PY), "-m", "tayori.runtime.smtpd", "--root", str(root)]
    env = dict(os.environ, TAYORI_SOCKET_DIR=str(base / "s2"))
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
    try:
        wait_port(port, 60)
        subprocess.run(
            [
                "smtp-source",
                "-s",
                "20",
                "-l",
                "5120",
                "-m",
                "200",
                "-f",
                "a@bench.test",
                "-t",
                "u@bench.test",
                "-N",
                f"127.0.0.1:{port}",
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    finally:
        # strace only detaches on SIGTERM: stop the traced smtpd itself, then strace ends with it
        for child in _children(proc.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    ok, bad = fsync_check(trace)
    return {"replies_checked": ok + bad, "ok": ok, "failed": bad, "passes": bad == 0 and ok > 0}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", type=int, default=5, help="measured pairs (plus one warm-up pair)")
    ap.add_argument("--messages", type=int, default=5000)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--workers", type=int, default=int(os.environ.get("TAYORI_SMTPD_WORKERS") or 1))
    ap.add_argument("--reuse", action="store_true", help="smtp-source -d (connection reuse)")
    ap.add_argument("--out", default=str(REPO / "bench/results/smtp_accept.json"))
    ap.add_argument("--durability-only", action="store_true", help="only the strace ordering check (§2.3)")
    ap.add_argument(
        "--journaled-fs",
        action="store_true",
        help="put both queues on a fresh journaled ext4 (a loop-mounted image), as a Debian install or a "
        "container volume has; without it they share the filesystem of /tmp, whatever that is",
    )
    args = ap.parse_args()
    if os.geteuid() != 0 or not shutil.which("smtp-source"):
        print("needs root and the postfix package (smtp-source) / root と postfix パッケージが必要です")
        return 2
    base = Path(tempfile.mkdtemp(prefix="tayori-bench-", dir="/tmp"))
    base.chmod(0o755)
    image = base.with_suffix(".ext4")
    if args.journaled_fs:
        journaled_fs_up(image, base)
    try:
        return _measure(args, base)
    finally:
        if args.journaled_fs:
            journaled_fs_down(image, base)


def _measure(args: argparse.Namespace, base: Path) -> int:
    if args.durability_only:
        try:
            res = {"strace_order_check": durability(base)}
            if shutil.which("eatmydata"):
                res["eatmydata_control_must_fail"] = durability(base, eatmydata=True)
            text = json.dumps(res, indent=1) + "\n"
            print(text, end="")
            dest = Path(args.out).with_name("smtp_accept_durability.json")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(text)
            return 0 if res["strace_order_check"]["passes"] else 1
        finally:
            shutil.rmtree(base, ignore_errors=True)
    pf_port, ty_port = free_port(), free_port()
    extra = ["-d"] if args.reuse else []
    pf = proc = None
    try:
        pf = postfix_up(base, pf_port)
        proc, queue = tayori_up(base, ty_port, args.workers)
        time.sleep(3)
        idle_pss = pss_tree(proc.pid)
        info = {
            "nproc": os.cpu_count(),
            "kernel": platform.release(),
            "python": platform.python_version(),
            "journaled_fs_image": args.journaled_fs,
            "filesystem": subprocess.run(
                ["findmnt", "-no", "SOURCE,FSTYPE,OPTIONS", "-T", str(queue)], capture_output=True, text=True
            ).stdout.strip(),
            "postfix": subprocess.run(
                ["postconf", "-d", "-h", "mail_version"], capture_output=True, text=True
            ).stdout.strip(),
            "fsync_ceiling_files_per_s": {
                "1_writer": fsync_ceiling(base / "fs1", 1),
                "16_writers": fsync_ceiling(base / "fs16", 16),
            },
            "workload": {
                "messages": args.messages,
                "sessions": args.sessions,
                "size": 5120,
                "new_connection_per_message": not args.reuse,
                "tayori_workers": args.workers,
            },
        }
        tay: list[dict[str, float]] = []
        pfx: list[dict[str, float]] = []
        for pair in range(args.pairs + 1):
            t = run_source(ty_port, args.messages, args.sessions, extra)
            t["committed"] = tayori_count(queue)
            tayori_purge(queue)
            p = run_source(pf_port, args.messages, args.sessions, extra)
            time.sleep(0.5)  # cleanup finishes the last files after the final 250
            p["committed"] = postfix_count(pf)
            postfix_purge(pf)
            print(f"pair {pair}{' (warm-up)' if pair == 0 else ''}: tayori {t} postfix {p}", flush=True)
            if pair:
                tay.append(t)
                pfx.append(p)
        # memory under load: a run of its own, sampled (sampling costs CPU: not a throughput run)
        peak = [0.0]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], pss_tree(proc.pid))
                time.sleep(0.5)

        th = threading.Thread(target=sample)
        th.start()
        run_source(ty_port, args.messages, args.sessions, extra)
        done.set()
        th.join()
        tayori_purge(queue)
        t_sum, p_sum = summary(tay), summary(pfx)
        ratio = round(float(t_sum["median_msg_per_s"]) / float(p_sum["median_msg_per_s"]), 3)  # type: ignore[arg-type]
        gate = all(r["committed"] == args.messages for r in tay)
        result = {
            "benchmark": "durable SMTP accept, Tayori smtpd vs Postfix (HOLD)",
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            **info,
            "tayori": t_sum,
            "postfix": p_sum,
            "ratio_tayori_to_postfix": ratio,
            "correctness_gate_all_committed": gate,
            "tayori_smtpd_pss_mib": {"idle": idle_pss, "peak_under_load": peak[0]},
        }
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1) + "\n")
        print(
            f"Tayori {t_sum['median_msg_per_s']} msg/s ({t_sum['min_msg_per_s']}–{t_sum['max_msg_per_s']}), "
            f"Postfix {p_sum['median_msg_per_s']} msg/s ({p_sum['min_msg_per_s']}–{p_sum['max_msg_per_s']}): "
            f"ratio {ratio}; smtpd PSS idle {idle_pss} MiB, peak {peak[0]} MiB; all committed: {gate}"
        )
        return 0
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if pf is not None:
            postfix_down(pf)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
