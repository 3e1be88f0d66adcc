"""P4: the whole appliance's memory when idle (PSS, summed over every process `tayori run` starts),
beside a private Postfix + Dovecot pair when Postfix is installed.

Writes bench/results/memory.json. Target: ≤ 150 MiB PSS (measured and reported, not asserted).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree(pid: int) -> list[int]:
    out = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return out
    for c in children:
        out += tree(int(c))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measure_tayori(settle: float) -> dict[str, object]:
    base = Path(tempfile.mkdtemp(prefix="tayori-bench-", dir="/tmp"))
    base.chmod(0o755)
    text = (REPO / "profiles/default.yaml").read_text(encoding="utf-8")
    for default in (2525, 2587, 2465, 2110, 2995, 2143, 2993):
        text = text.replace(f"port: {default}", f"port: {free_port()}")
    prof = base / "p.yaml"
    prof.write_text(text, encoding="utf-8")
    env = {**os.environ, "TAYORI_SOCKET_DIR": str(base / "s")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tayori.appliance.cli", "--root", str(base / "root"), "run", str(prof)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        time.sleep(settle)
        pids = tree(proc.pid)
        per = {}
        for p in pids:
            try:
                name = Path(f"/proc/{p}/comm").read_text().strip()
            except OSError:
                continue
            per[f"{name}[{p}]"] = pss_kib(p)
        return {"processes": len(per), "pss_mib": round(sum(per.values()) / 1024, 1), "detail_kib": per}
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(base, ignore_errors=True)


def main() -> int:
    settle = float(os.environ.get("TAYORI_BENCH_SETTLE", "8"))
    tayori = measure_tayori(settle)
    result = {"name": "memory", "tayori_idle": tayori, "target_mib": 150}
    peer = shutil.which("postfix")
    result["peer"] = "postfix+dovecot idle: see bench/smtp_accept.py results" if peer else "postfix not installed"
    out = HERE / "results" / "memory.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"tayori idle: {tayori['pss_mib']} MiB PSS over {tayori['processes']} processes (target ≤ 150 MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
