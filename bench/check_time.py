"""P3: `tayori check` of a generated 10,000-account profile, cold (a fresh process each run).

Writes bench/results/check_time.json. Target: ≤ 3 s (measured and reported, not asserted).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen_profile import generate  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--accounts", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        prof = Path(d) / "big.yaml"
        prof.write_text(generate(args.accounts), encoding="utf-8")
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            r = subprocess.run(
                [sys.executable, "-m", "tayori.appliance.cli", "check", str(prof)], capture_output=True, text=True
            )
            times.append(time.perf_counter() - t0)
            if r.returncode != 0:
                print(r.stdout, r.stderr, file=sys.stderr)
                return 1
        size = prof.stat().st_size
    result = {
        "name": "check_time",
        "accounts": args.accounts,
        "profile_bytes": size,
        "runs": [round(t, 3) for t in times],
        "median_s": round(statistics.median(times), 3),
        "target_s": 3.0,
    }
    out = HERE / "results" / "check_time.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(
        f"tayori check, {args.accounts} accounts ({size / 1e6:.1f} MB): median {result['median_s']} s "
        f"over {args.runs} cold runs (target ≤ 3 s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
