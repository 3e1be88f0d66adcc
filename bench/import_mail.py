"""`tayori import-mail` rate for 100,000 small messages, beside a plain `cp -r` of the same files.

    python bench/import_mail.py [--messages 100000] [--users 20] [--reps 5] [--keep DIR]

Builds an XMail MailRoot (mailbox mode: one file per message, ~1.5 KB, ISO-2022-JP), then runs,
interleaved A-B-A-B (bench-and-attacks.md): `cp -r` of the users' folders (the physical reference,
no fsync), `cp -r` + `sync` (the same made durable, as the importer makes it), `tayori import-mail`
into a fresh state root, and the same with `--no-verify`. The first repetition is discarded; the
median, min–max, messages/s, MB/s, the ratios to `cp -r` and the importer's peak PSS are printed
and written to bench/results/import_mail.json. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from email.header import Header
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DOMAIN = "bench.test"


def generate(base: Path, messages: int, users: int) -> tuple[Path, Path, int]:
    """MailRoot under base/legacy, a profile base/profile.yaml; returns (legacy, profile, bytes)."""
    legacy = base / "legacy" / "MailRoot"
    rows, total = [], 0
    body = "来週の打ち合わせの件、資料を添付します。よろしくお願いいたします。\r\n".encode("iso-2022-jp") * 12
    subject = Header("打ち合わせの件", "iso-2022-jp").encode()
    for u in range(users):
        name = f"user{u:03d}"
        rows.append(f'"{DOMAIN}"\t"{name}"\t"1d08040c09"\t{u + 1}\t"{name}"\t"U"\r\n')
        box = legacy / "domains" / DOMAIN / name / "mailbox"
        box.mkdir(parents=True)
        for i in range(u, messages, users):
            data = (
                f"Return-Path: <sender{i}@partner.test>\r\nDelivered-To: {name}@{DOMAIN}\r\n"
                f"From: sender{i}@partner.test\r\nTo: {name}@{DOMAIN}\r\nSubject: {subject}\r\n"
                f"Date: Mon, 01 Mar 2021 09:00:00 +0900\r\nMessage-ID: <{i}@partner.test>\r\n"
                "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\n"
            ).encode() + body
            (box / f"{1615000000000 + i * 1000}.1a2c.5f4.{i:x}.MAILSV01").write_bytes(data)
            total += len(data)
    (legacy / "mailusers.tab").write_text("".join(rows))
    profile = base / "profile.yaml"
    accounts = "".join(f"  - address: user{u:03d}@{DOMAIN}\n" for u in range(users))
    profile.write_text(f"profile_version: 1\ndomains:\n  - name: {DOMAIN}\naccounts:\n{accounts}")
    return legacy, profile, total


class PssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self.stop = False

    def run(self) -> None:
        while not self.stop:
            try:
                with open(f"/proc/{self.pid}/smaps_rollup") as fh:
                    for line in fh:
                        if line.startswith("Pss:"):
                            self.peak_kib = max(self.peak_kib, int(line.split()[1]))
            except OSError:
                return
            time.sleep(0.1)


def timed(cmd: list[str], sample: bool = False) -> tuple[float, int]:
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
    sampler = PssSampler(proc.pid) if sample else None
    if sampler:
        sampler.start()
    _, err = proc.communicate()
    wall = time.monotonic() - t0
    if sampler:
        sampler.stop = True
        sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {err.decode(errors='replace')[-2000:]}")
    return wall, sampler.peak_kib if sampler else 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--keep", type=Path, help="build the data set here and keep it")
    args = ap.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench-import-", dir="/var/tmp"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.monotonic()
        legacy, profile, nbytes = generate(base, args.messages, args.users)
        print(f"data set: {args.messages} messages, {nbytes / 1e6:.1f} MB, {time.monotonic() - t0:.1f} s to build")
        cli = [sys.executable, "-m", "tayori.runtime.importmail.cli", "import-mail", str(legacy.parent)]
        cases = ("cp_r", "cp_r_sync", "import", "import_no_verify")

        def command(name: str, out: Path) -> tuple[list[str], bool]:
            domains = legacy / "domains"
            if name == "cp_r":
                return ["cp", "-r", str(domains), str(out)], False
            if name == "cp_r_sync":
                return ["sh", "-c", f'cp -r "{domains}" "{out}" && sync'], False
            extra = ["--no-verify"] if name == "import_no_verify" else []
            return [*cli, "--profile", str(profile), "--root", str(out), "-q", *extra], True

        walls: dict[str, list[float]] = {k: [] for k in cases}
        pss: list[int] = []
        for rep in range(args.reps):
            for name in cases:
                out = base / f"out-{name}"
                shutil.rmtree(out, ignore_errors=True)
                subprocess.run(["sync"], check=False)
                cmd, sample = command(name, out)
                wall, peak = timed(cmd, sample)
                if rep > 0 or args.reps == 1:
                    walls[name].append(wall)
                    if peak:
                        pss.append(peak)
                print(f"rep {rep} {name:17s} {wall:7.2f} s{' (discarded)' if rep == 0 and args.reps > 1 else ''}")
                shutil.rmtree(out, ignore_errors=True)
        result: dict[str, object] = {
            "bench": "import_mail",
            "messages": args.messages,
            "bytes": nbytes,
            "users": args.users,
            "reps_counted": len(walls["cp_r"]),
            "machine": {"nproc": os.cpu_count(), "kernel": platform.release()},
        }
        ref = statistics.median(walls["cp_r"])
        for name, ws in walls.items():
            med = statistics.median(ws)
            result[name] = {
                "median_s": round(med, 3),
                "min_s": round(min(ws), 3),
                "max_s": round(max(ws), 3),
                "messages_per_s": round(args.messages / med),
                "mb_per_s": round(nbytes / 1e6 / med, 1),
                "ratio_to_cp_r": round(ref / med, 3),
            }
        result["import_peak_pss_mib"] = round(max(pss) / 1024, 1) if pss else None
        for name in cases:
            r = result[name]
            assert isinstance(r, dict)
            print(
                f"{name:17s} median {r['median_s']:7.2f} s ({r['min_s']:.2f}-{r['max_s']:.2f})  "
                f"{r['messages_per_s']:>7} msg/s  {r['mb_per_s']:6.1f} MB/s  x{r['ratio_to_cp_r']:.2f} of cp -r"
            )
        print(f"import peak PSS {result['import_peak_pss_mib']} MiB")
        (HERE / "results").mkdir(exist_ok=True)
        (HERE / "results" / "import_mail.json").write_text(json.dumps(result, indent=2) + "\n")
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
