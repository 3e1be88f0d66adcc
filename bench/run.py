"""`just bench`: every benchmark that exists, one after the other; each writes bench/results/<name>.json
and prints its figures (ratios against the peer where there is one). See bench/README.md."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (script, arguments) in the order they run; missing scripts are skipped with a note.
BENCHES = [
    ("check_time.py", []),
    ("compile_time.py", []),
    ("queue_commit.py", []),
    ("smtp_accept.py", []),
    ("smtp_accept.py", ["--durability-only"]),
    ("delivery.py", []),
    ("outbound.py", []),
    ("import_mail.py", []),
    ("memory.py", []),
]


def main() -> int:
    failed = []
    for script, args in BENCHES:
        path = HERE / script
        if not path.exists():
            print(f"-- {script}: not written yet, skipped")
            continue
        print(f"== {script}", flush=True)
        t0 = time.monotonic()
        r = subprocess.run([sys.executable, str(path), *args], cwd=HERE.parent)
        print(f"   ({time.monotonic() - t0:.0f} s, exit {r.returncode})", flush=True)
        if r.returncode != 0:
            failed.append(script)
    if failed:
        print("failed: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
