"""Generate a large, valid profile (default: 10,000 accounts) for `tayori check` timing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# One fixed hash: hashing 10,000 passwords is timed elsewhere, and check does not verify hashes.
HASH = "{SHA512-CRYPT}$6$zej09nSQwujKP4D1$OPD9ExvHSEuba20/Rkc/IXfON8QVbb1WXI4421J82xBmoLgXhXGuxmAIlIFIBVhfxLTP.S32dOe8dAThqVA/00"  # noqa: E501


def generate(accounts: int) -> str:
    out = [
        "profile_version: 1",
        "server: {hostname: mail.example.test}",
        "domains:",
        "  - name: example.test",
        "  - name: example.jp",
        "accounts:",
    ]
    for i in range(accounts):
        dom = "example.test" if i % 2 else "example.jp"
        out.append(f"  - address: user{i:05d}@{dom}")
        out.append(f"    name: 利用者 {i}")
        out.append(f'    password_hash: "{HASH}"')
        out.append("    quota: 500M")
        if i % 10 == 0:
            out.append(f"    forward: {{targets: [user{i:05d}@example.net], keep_copy: true}}")
        out.append(f"    origin: mailusers.tab:{i + 1}")
    out.append("aliases:")
    for i in range(accounts // 10):
        out.append(f"  - {{address: alias{i}@example.test, targets: [user{i:05d}@example.jp]}}")
    return "\n".join(out) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("output", type=Path)
    ap.add_argument("--accounts", type=int, default=10_000)
    args = ap.parse_args()
    args.output.write_text(generate(args.accounts), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
