"""`python -m tayori.appliance.tui`: the same as `tayori tui`, for machines where the CLI lacks it."""

from __future__ import annotations

import argparse
import os
import sys

from tayori.appliance.tui import register


def main() -> int:
    parser = argparse.ArgumentParser(prog="tayori")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(["tui", *sys.argv[1:]] if sys.argv[1:2] != ["tui"] else sys.argv[1:])
    if getattr(args, "root", None):
        os.environ["TAYORI_ROOT"] = args.root
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
