"""`just soak`: the long reliability runs — ≥ 20 kill -9 rounds of smtpd under load (R1), and the
delivery process's kill -9 burst, longer than the default suite's. Each writes bench/results/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOAKS = [
    ("soak_smtpd.py", ["--rounds", "25"]),
    ("soak_delivery.py", []),
]


def main() -> int:
    failed = []
    for script, args in SOAKS:
        path = HERE / script
        if not path.exists():
            print(f"-- {script}: not written yet, skipped")
            continue
        print(f"== {script} {' '.join(args)}", flush=True)
        if subprocess.run([sys.executable, str(path), *args], cwd=HERE.parent).returncode != 0:
            failed.append(script)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
