"""The `tayori` command: one entry point for every admin task.

Exit codes (every command): 0 ok; 1 error (invalid input, failed check, probe mismatch);
2 usage; 3 `compile` produced a profile that still has `decide` items pending.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from tayori import __version__

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_PENDING = 0, 1, 2, 3

DESCRIPTION = """\
Tayori (便り) — a mail appliance for small offices, and the compiler that migrates
PMailServer2, XMail and E-Post SMTP Server installations to it.

小規模オフィス向けメールアプライアンスと、PMailServer2 / XMail / E-Post からの移行コンパイラです。
"""

EPILOG = """\
exit codes: 0 ok, 1 error (invalid input, failed check), 2 usage, 3 compiled with decisions pending
state root: --root DIR or TAYORI_ROOT; default /data in the container, ./.tayori elsewhere
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        sys.exit(EXIT_USAGE)


def default_root() -> Path:
    env = os.environ.get("TAYORI_ROOT")
    if env:
        return Path(env)
    if os.environ.get("TAYORI_CONTAINER") == "1":
        return Path("/data")
    return Path(".tayori")


def _progress_printer(enabled: bool) -> Callable[[int, int, str], None] | None:
    if not enabled:
        return None
    state: dict[str, float] = {"last": 0.0, "start": time.monotonic(), "first": 0.0}
    current = {"what": ""}
    tty = sys.stderr.isatty()

    def show(done: int, total: int, what: str) -> None:
        now = time.monotonic()
        if what != current["what"]:
            # a phase may first report part-way through: measure the rate from that point on
            current["what"], state["start"], state["first"] = what, now, float(done)
        if done < total and now - state["last"] < (0.1 if tty else 2.0):
            return
        state["last"] = now
        elapsed = now - state["start"]
        pct = 100.0 * done / total if total else 100.0
        line = f"{what}: {done}/{total} ({pct:.0f}%"
        if elapsed > 0 and done > state["first"]:
            rate = (done - state["first"]) / elapsed
            line += f", {rate:.0f}/s, ETA {(total - done) / rate:.0f}s"
        line += ")"
        if tty:
            end = "\n" if done >= total else ""
            print("\r" + line, end=end, file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)

    return show


# ------------------------------------------------------------------------------------- commands
def cmd_check(args: argparse.Namespace) -> int:
    from tayori.profiles.loader import ProfileError, load_profile, summarize_warnings

    try:
        loaded = load_profile(args.profile)
    except ProfileError as exc:
        for p in exc.problems:
            print(str(p) if p.severity == "error" else f"{p} (warning)")
        n = sum(1 for p in exc.problems if p.severity == "error")
        print(f"{args.profile}: {n} error{'s' if n != 1 else ''}", file=sys.stderr)
        return EXIT_ERROR
    pending = [w for w in loaded.warnings if w.path.startswith("decisions.")]
    for line in summarize_warnings(loaded.warnings):
        print(line)
    prof = loaded.profile
    summary = (
        f"{args.profile}: ok — {len(prof.domains)} domain(s), {len(prof.accounts)} account(s), "
        f"{len(prof.aliases)} alias(es), {len(prof.lists)} list(s)"
    )
    if pending and args.strict:
        print(f"{summary}; {len(pending)} decision(s) pending (--strict: failing)", file=sys.stderr)
        return EXIT_ERROR
    if pending:
        summary += f"; {len(pending)} decision(s) pending"
    print(summary, file=sys.stderr)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    if args.report:
        from tayori.compiler.render import report_schema

        schema = report_schema()
    else:
        from tayori.profiles.schema import profile_schema

        schema = profile_schema()
    print(json.dumps(schema, ensure_ascii=False, indent=2))
    return EXIT_OK


def cmd_compile(args: argparse.Namespace) -> int:
    from tayori.profiles.gc_batch import batch_allocations

    with batch_allocations():
        return _compile(args)


def _compile(args: argparse.Namespace) -> int:
    from tayori.compiler.compile import (
        CompileError,
        compile_legacy,
        secrets_path_for,
        write_profile,
        write_secrets,
    )
    from tayori.compiler.render import render_json, render_text
    from tayori.profiles.model import Source

    out = Path(args.output)
    progress = _progress_printer(not args.quiet)
    try:
        compiled = compile_legacy(
            Path(args.legacy_dir),
            dialect=args.dialect,
            into=out,
            hash_passwords_too=not args.no_hash,
            progress=progress,
            probe=args.probe,
        )
    except CompileError as exc:
        print(f"tayori compile: {exc}", file=sys.stderr)
        return EXIT_ERROR
    report = compiled.report
    stem = out.name[: -len(".yaml")] if out.name.endswith(".yaml") else out.name
    if args.report:
        rpath = Path(args.report)
        fmt = args.format or ("json" if rpath.suffix.lower() == ".json" else "text")
        targets = [(rpath, fmt)]
    else:
        targets = [
            (out.with_name(stem + ".report.json"), "json"),
            (out.with_name(stem + ".report.txt"), "text"),
        ]
    profile = compiled.profile.model_copy(
        update={"source": Source(dialect=compiled.reader.name, folder=str(args.legacy_dir), report=targets[0][0].name)}
    )
    report = report.model_copy(update={"profile": str(out)})
    langs = ["ja", "en"] if args.lang == "both" else [args.lang]
    for path, fmt in targets:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = render_json(report) if fmt == "json" else render_text(report, langs)
        path.write_text(text, encoding="utf-8")
    write_profile(out, profile, targets[0][0].name)
    if args.probe and compiled.legacy_probes:
        import yaml

        probes_path = out.with_name(stem + ".probes.yaml")
        header = "# The legacy server's documented relay behaviour for this install (tayori compile --probe).\n"
        probes_path.write_text(
            header + yaml.safe_dump({"probes": compiled.legacy_probes}, allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )
    if compiled.secrets:
        write_secrets(secrets_path_for(out), compiled.secrets)
    pending = report.pending_decisions
    errors = report.errors
    counts = {
        k: len([e for e in report.entries if e.kind == k])
        for k in ("mapped", "upgraded", "unmapped", "decide", "error")
    }
    t = compiled.timings
    print(
        f"{out}: {compiled.reader.title}: {len(profile.accounts)} account(s); report entries "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
        + f"; read {t['read']:.2f}s, hashing {t['hash']:.2f}s",
        file=sys.stderr,
    )
    for e in errors[:20]:
        print(f"  error: {e.location()}: {e.id}", file=sys.stderr)
    if pending or errors:
        print(
            f"{len(pending)} decision(s) pending, {len(errors)} input error(s): see {targets[0][0]}",
            file=sys.stderr,
        )
        return EXIT_PENDING
    return EXIT_OK


# --------------------------------------------------------------------------------------- parser
# Commands whose modules are only imported when asked for (or for the full --help): `tayori check`
# and `tayori compile` must not pay for the SMTP session, the queue and the TUI.
OPTIONAL_COMMANDS = {
    "tayori.runtime.queue_cli": ("queue", "dkim"),
    "tayori.runtime.importmail.cli": ("import-mail",),
    "tayori.runtime.probe_cli": ("probe",),
    "tayori.appliance.tui": ("tui",),
}
CORE_COMMANDS = ("check", "schema", "compile", "run")


def _command_of(argv: Sequence[str]) -> str | None:
    """The sub-command named on the command line (None: none, or only options)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--root":
            skip = True
            continue
        if not arg.startswith("-"):
            return arg
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tayori",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tayori {__version__}")
    parser.add_argument(
        "--root", metavar="DIR", help="state root (default: $TAYORI_ROOT, /data in the container, ./.tayori)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser(
        "check",
        help="check a profile: every error at once, one line each (file:line:column: path: problem)",
        description="Check a profile. Prints every problem as `file:line:column: path: message`. "
        "Pending migration decisions are warnings (errors with --strict).",
    )
    p.add_argument("profile", metavar="PROFILE", help="the profile YAML file")
    p.add_argument("--strict", action="store_true", help="fail when migration decisions are still pending")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "schema",
        help="print the profile's JSON Schema (or the migration report's with --report)",
        description="Print the JSON Schema of profile_version 1 (generated from the model).",
    )
    p.add_argument("--report", action="store_true", help="the migration report's schema instead")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser(
        "compile",
        help="compile a legacy installation folder into a profile and a migration report",
        description="Read a legacy installation (XMail MailRoot, E-Post folders, PMailServer2 folder; the "
        "dialect is detected) and write PROFILE, its migration report (default: PROFILE's name with "
        ".report.json and .report.txt) and, when plaintexts are kept on purpose, PROFILE's .secrets.yaml "
        "(mode 0600). Compiling into an existing profile keeps the admin's comments and answered decisions. "
        "Exit 3 when decisions are pending or some input could not be read.",
    )
    p.add_argument("legacy_dir", metavar="LEGACY_DIR", help="the copied legacy folder (read only)")
    p.add_argument("-o", "--output", required=True, metavar="PROFILE", help="the profile to write")
    p.add_argument("--report", metavar="FILE", help="write the report here (format from --format or extension)")
    p.add_argument("--format", choices=["text", "json"], help="report format for --report")
    p.add_argument("--lang", choices=["both", "ja", "en"], default="both", help="languages of the text report")
    p.add_argument("--dialect", choices=["xmail", "epost", "pmail"], help="skip detection")
    p.add_argument(
        "--no-hash", action="store_true", help="do not hash passwords (accounts get no usable password; for timing)"
    )
    p.add_argument(
        "--probe",
        action="store_true",
        help="run the legacy product's documented relay behaviour for this install against the compiled "
        "policy and report every difference (also writes PROFILE's .probes.yaml for `tayori probe --batch`)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=cmd_compile)

    from tayori.appliance import run

    run.register(sub)
    for module, names in OPTIONAL_COMMANDS.items():
        if command is None or command in names or command not in CORE_COMMANDS:
            _register_optional(sub, module)
    return parser


def _register_optional(sub: argparse._SubParsersAction, module: str) -> None:  # type: ignore[type-arg]
    """Commands whose module is present add themselves (the appliance grows issue by issue)."""
    import importlib

    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and module.startswith(exc.name):
            return
        raise
    mod.register(sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(_command_of(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    if args.root:
        os.environ["TAYORI_ROOT"] = args.root
    try:
        rc: int = args.func(args)
    except KeyboardInterrupt:
        print("tayori: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # never a traceback for the admin; TAYORI_DEBUG=1 shows it
        if os.environ.get("TAYORI_DEBUG"):
            raise
        print(
            f"tayori {args.command}: internal error: {type(exc).__name__}: {exc} (TAYORI_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    return rc


if __name__ == "__main__":
    sys.exit(main())
