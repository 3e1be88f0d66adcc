"""`tayori tui`: the first-run wizard and the dashboard (Textual), in Japanese and English."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any


def _root(args: argparse.Namespace) -> Path:
    from tayori.appliance.cli import default_root

    return Path(args.root) if getattr(args, "root", None) else default_root()


def cmd_tui(args: argparse.Namespace) -> int:
    if not (sys.stdin.isatty() and sys.stdout.isatty()) and not os.environ.get("TAYORI_TUI_FORCE"):
        print("tayori tui: needs a terminal / 端末から実行してください", file=sys.stderr)
        return 1
    template = None
    if args.template:
        try:
            template = Path(args.template).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"tayori tui: {args.template}: {exc}", file=sys.stderr)
            return 1
    from tayori.appliance.tui.app import TayoriApp

    app = TayoriApp(
        _root(args),
        lang=args.lang,
        wizard=True if args.wizard else None,
        template_text=template,
        start_services=not args.no_start,
    )
    app.run()
    return 0


def register(subparsers: Any) -> None:
    """Add `tui` to the `tayori` command (`subparsers` from ArgumentParser.add_subparsers)."""
    p = subparsers.add_parser(
        "tui",
        help="the first-run wizard and the dashboard (terminal UI, Japanese and English)",
        description="Open the terminal UI: the first-run wizard when the state root has no profile (or with "
        "--wizard), else the dashboard (services, queue, logs, accounts, domains and DKIM, migration report). "
        "The language comes from TAYORI_LANG, LC_ALL or LANG; F2 switches it. / 初期設定ウィザードと"
        "ダッシュボード。言語は環境変数から決まり、F2 で切り替えられます。",
    )
    # also after the sub-command (`tayori tui --root DIR`); SUPPRESS keeps `tayori --root DIR tui` working
    p.add_argument("--root", metavar="DIR", default=argparse.SUPPRESS, help="state root (as `tayori --root`)")
    p.add_argument("--lang", choices=["ja", "en"], help="language (default: from TAYORI_LANG, LC_ALL, LANG)")
    p.add_argument("--wizard", action="store_true", help="open the wizard even when a profile exists")
    p.add_argument(
        "--template",
        metavar="PROFILE",
        help="start-fresh template (listeners, policy); default: the embedded default profile",
    )
    p.add_argument("--no-start", action="store_true", help="write the profile but do not start the services")
    p.set_defaults(func=cmd_tui)
