"""`tayori import-mail LEGACY_DIR --profile PROFILE [--root DIR]`: the admin's command.

The lead wires :func:`register` into the `tayori` parser. Exit codes: 0 every mailbox imported and
verified; 1 bad input, or a mailbox that did not verify (the report says which); 2 usage.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from tayori.profiles.loader import ProfileError, load_profile
from tayori.runtime.importmail.importer import DIALECTS, Importer, ImportError_, Options
from tayori.runtime.importmail.maildir_writer import MaildirError
from tayori.runtime.paths import StatePaths

EXIT_OK, EXIT_ERROR = 0, 1


def _root_of(args: argparse.Namespace) -> Path:
    if getattr(args, "root", None):
        return Path(args.root)
    env = os.environ.get("TAYORI_ROOT")
    if env:
        return Path(env)
    return Path("/data") if os.environ.get("TAYORI_CONTAINER") == "1" else Path(".tayori")


def _err(msg: str, out: TextIO | None = None) -> int:
    print(f"tayori import-mail: {msg}", file=out or sys.stderr)
    return EXIT_ERROR


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


class ProgressBar:
    """One line on stderr: bar, count, rate (messages/s and MB/s) and ETA; plain lines when not a terminal."""

    def __init__(self, out: TextIO, enabled: bool = True) -> None:
        self.out = out
        self.enabled = enabled
        self.tty = out.isatty()
        self.start = time.monotonic()
        self.last = 0.0

    def __call__(self, done: int, total: int, nbytes: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        final = done >= total
        if not final and now - self.last < (0.2 if self.tty else 5.0):
            return
        self.last = now
        elapsed = max(now - self.start, 1e-6)
        rate = done / elapsed
        eta = (total - done) / rate if rate > 0 else 0.0
        width = 24
        filled = int(width * done / total) if total else width
        bar = "#" * filled + "-" * (width - filled)
        line = (
            f"取り込み/importing [{bar}] {done}/{total} {rate:,.0f} msg/s {_size(nbytes / elapsed)}/s "
            f"ETA {int(eta) // 60}:{int(eta) % 60:02d}"
        )
        if self.tty:
            self.out.write("\r" + line + ("\n" if final else ""))
        else:
            self.out.write(line + "\n")
        self.out.flush()


def mail_owner() -> tuple[int, int] | None:
    """As root, mailboxes belong to the mail user Dovecot runs them as (the runtime's own rule)."""
    if os.geteuid() != 0:
        return None
    from tayori.runtime.dovecot import run_identity

    ident = run_identity()
    return ident.uid, ident.gid


def cmd_import_mail(
    args: argparse.Namespace, root_of: Callable[[argparse.Namespace], Path] = _root_of, out: TextIO | None = None
) -> int:
    out = out or sys.stdout
    legacy = Path(args.legacy_dir)
    if not legacy.is_dir():
        return _err(f"{legacy}: no such folder / フォルダがありません")
    try:
        profile = load_profile(args.profile).profile
    except ProfileError as exc:
        for p in exc.problems:
            print(str(p), file=sys.stderr)
        return _err("the profile has errors (see above) / プロファイルに誤りがあります（上記参照）")
    paths = StatePaths.at(root_of(args))
    opts = Options(batch=args.batch, verify=not args.no_verify, owner=mail_owner())
    bar = ProgressBar(sys.stderr, enabled=not args.quiet)
    try:
        report = Importer(legacy, profile, paths, opts).run(args.dialect, progress=bar)
    except (ImportError_, MaildirError) as exc:
        return _err(str(exc))
    except OSError as exc:
        return _err(f"{exc.filename or ''}: {exc.strerror or exc} / 読み書きできません")
    reports = paths.reports
    js, txt = report.write(Path(args.report) if args.report else reports)
    if not args.quiet:
        out.write(report.render("ja") + "\n" + report.render("en"))
    print(f"report / レポート: {js} {txt}", file=out)
    if not report.ok:
        return _err(
            "some mailboxes need attention (see the report) / 確認が必要なメールボックスがあります（レポート参照）"
        )
    return EXIT_OK


def register(subparsers: Any, root_of: Callable[[argparse.Namespace], Path] = _root_of) -> None:
    """Add ``import-mail`` to an argparse sub-parser set; it sets ``func(args) -> exit code``."""
    p = subparsers.add_parser(
        "import-mail",
        help="bring the legacy server's stored mail into the mailboxes, POP3 UIDLs kept / 旧サーバーのメールを取り込む",
        description="Import the mail stored by the legacy server (XMail, PMailServer2, E-Post) into the "
        "profile's Maildirs. POP3 UIDLs are kept where the legacy server recorded them, IMAP UIDs stay stable, "
        "and running it again imports only what is new (cut-over: import, switch DNS, import again). The "
        "legacy folder is only read. / 旧サーバーのメールをメールボックスへ取り込みます。POP3 の UIDL を保ち、"
        "再実行すると新しいメールだけを取り込みます。旧フォルダは読むだけで変更しません。",
    )
    p.add_argument(
        "legacy_dir", metavar="LEGACY_DIR", help="copy of the legacy folder (read only) / 旧フォルダのコピー"
    )
    p.add_argument("--profile", required=True, metavar="PROFILE", help="the profile whose accounts receive the mail")
    # SUPPRESS: `tayori --root DIR import-mail …` (the main parser's option) is not reset by this one
    p.add_argument(
        "--root", metavar="DIR", default=argparse.SUPPRESS, help="state root (default: $TAYORI_ROOT, /data, ./.tayori)"
    )
    p.add_argument("--dialect", choices=DIALECTS, help="skip detection / 形式を指定")
    p.add_argument("--report", metavar="DIR", help="write the report here (default: var/lib/tayori/reports)")
    p.add_argument("--no-verify", action="store_true", help="do not read the stored mail back / 照合を省略")
    p.add_argument("--batch", type=int, metavar="N", help=argparse.SUPPRESS)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar / 進捗を表示しない")
    p.set_defaults(func=lambda a: cmd_import_mail(a, root_of))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tayori")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(argv)
    rc: int = args.func(args)
    return rc


if __name__ == "__main__":
    sys.exit(main())
