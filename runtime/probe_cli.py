"""`tayori probe`: ask the policy what it would do with a mail, like `exim -bh`, through the real session.

    tayori probe [PROFILE] --client IP [--port N | --listener NAME] [--auth LOGIN] [--helo NAME]
                 --from SENDER --to RCPT [--to RCPT …] [--data FILE] [--dns-fixture FILE]
                 [--expect accept|refuse] [--format text|json]
    tayori probe [PROFILE] --batch probes.yaml [--dns-fixture FILE] [--format table|json]

PROFILE defaults to the state root's live profile. Exit 0 when every outcome is as expected, 1 on a
mismatch or bad input (one line, Japanese and English, never a traceback), 2 for usage errors.
Nothing is queued or delivered: the session writes into a `NullSink`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

import yaml

from tayori.profiles.dnscheck import FixtureResolver
from tayori.profiles.loader import ProfileError, load_profile
from tayori.profiles.model import Profile
from tayori.profiles.probe import (
    Probe,
    ProbeFormatError,
    ProbeResult,
    ProbeTable,
    format_results,
    listener_for,
    load_table,
    mismatches,
    parse_table,
)
from tayori.runtime.paths import StatePaths
from tayori.runtime.probe_session import run_session_table

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
LISTENERS = ("smtp", "submission", "submissions")

DESCRIPTION = """\
Run the real SMTP session code of the runtime (the same handlers, policy and address resolution the
listeners use) over an in-memory connection from the given client address, and print each step's reply
with the rule that decided it (profile path, and for compiled profiles the legacy file:line). Nothing
is queued or delivered. DNS checks (reverse DNS, DNSBL, sender domain, SPF) take their answers from
--dns-fixture or the table's dns: section, or are reported as skipped.

ランタイムの実際の SMTP セッション処理（リスナーと同じハンドラ・ポリシー・アドレス解決）を、指定した
クライアントアドレスからのメモリ上の接続で実行し、各段階の応答と、それを決めた規則（プロファイルのパス、
移行したプロファイルでは元の設定ファイル:行）を表示します。キューへの投入や配送は行いません。DNS を使う
検査（逆引き・DNSBL・送信者ドメイン・SPF）は --dns-fixture か表の dns: の答えを使い、無ければ「省略」と表示します。
"""

EPILOG = """\
exit codes: 0 as expected, 1 mismatch or bad input, 2 usage
終了コード: 0 期待どおり、1 不一致または入力の誤り、2 使い方の誤り

example / 例:
  tayori probe profile.yaml --client 203.0.113.5 --from a@example.net --to b@example.org --expect refuse
  tayori probe --root /data --batch probes.yaml
"""


class ProbeInputError(Exception):
    """Bad input the admin can fix: a one-line message in English and Japanese."""

    def __init__(self, en: str, ja: str) -> None:
        super().__init__(en)
        self.en, self.ja = en, ja


def _o(out: TextIO | None) -> TextIO:
    return sys.stdout if out is None else out  # resolved at call time: tests swap sys.stdout


def _err(en: str, ja: str) -> None:
    print(f"tayori probe: {en} / {ja}", file=sys.stderr)


# ------------------------------------------------------------------------------------------ input
def _root(args: argparse.Namespace) -> Path:
    if getattr(args, "root", None):
        return Path(args.root)
    env = os.environ.get("TAYORI_ROOT")
    if env:
        return Path(env)
    return Path("/data") if os.environ.get("TAYORI_CONTAINER") == "1" else Path(".tayori")


def load(profile_arg: str | None, root: Path) -> Profile:
    path = Path(profile_arg) if profile_arg else StatePaths.at(root).profile
    if not profile_arg and not path.exists():
        raise ProbeInputError(
            f"{root} has no live profile ({path}): give PROFILE or --root",
            f"{root} に稼働中のプロファイル（{path}）がありません。PROFILE か --root を指定してください",
        )
    try:
        return load_profile(path, cache=True).profile
    except ProfileError as exc:
        first = exc.problems[0] if exc.problems else None
        more = f" (+{len(exc.problems) - 1})" if len(exc.problems) > 1 else ""
        raise ProbeInputError(
            f"{first}{more}; `tayori check {path}` lists every problem",
            f"プロファイルに誤りがあります。`tayori check {path}` で全て表示します",
        ) from None


def load_dns_fixture(path: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ProbeInputError(
            f"cannot read the DNS fixture {path}: {msg}", f"DNS の答えのファイル {path} を読めません: {msg}"
        ) from None
    if isinstance(data, dict) and set(data) == {"dns"}:
        data = data["dns"]
    if not isinstance(data, dict):
        raise ProbeInputError(
            f"{path}: a DNS fixture is a mapping (ptr:, a:, aaaa:, mx:, txt:, dnsbl:)",
            f"{path}: DNS の答えは ptr:, a:, aaaa:, mx:, txt:, dnsbl: の対応表で書いてください",
        )
    try:
        FixtureResolver(data)
    except Exception as exc:  # the fixture parser's own complaint, whatever its type
        raise ProbeInputError(
            f"{path}: not a DNS fixture: {exc}", f"{path}: DNS の答えの形式ではありません: {exc}"
        ) from None
    return data


def read_data(path: str | None) -> bytes | None:
    if path is None:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ProbeInputError(
            f"cannot read the message {path}: {exc.strerror or exc}",
            f"メッセージ {path} を読めません: {exc.strerror or exc}",
        ) from None


def single_probe(args: argparse.Namespace) -> Probe:
    data: dict[str, Any] = {
        "name": "command line",
        "client": args.client,
        "mail_from": args.sender,
        "rcpt_to": args.to,
        "expect": args.expect,
    }
    if args.helo is not None:
        data["helo"] = args.helo
    if args.auth is not None:
        data["auth"] = args.auth
    if args.listener is not None:
        data["listener"] = args.listener
    if args.port is not None:
        data["port"] = args.port
    return parse_table({"probes": [data]}, "command line").probes[0]


def check_probe(probe: Probe, where: str) -> None:
    import ipaddress

    if not probe.rcpt_to:
        raise ProbeInputError(f"{where}: no recipient (--to)", f"{where}: 受信者（--to）がありません")
    # A line break in an address would smuggle extra commands into the session and shift every reply.
    for value in (probe.mail_from, probe.helo or "", probe.auth or "", *probe.rcpt_to):
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise ProbeInputError(
                f"{where}: control characters in {value!r}", f"{where}: {value!r} に制御文字が含まれています"
            )
    try:
        ipaddress.ip_address(probe.client.split("%", 1)[0])
    except ValueError:
        raise ProbeInputError(
            f"{where}: client {probe.client!r} is not an IP address",
            f"{where}: クライアント {probe.client!r} は IP アドレスではありません",
        ) from None


def check_listener(profile: Profile, probe: Probe, where: str) -> None:
    name = probe.listener or listener_for(profile, probe)
    if name not in LISTENERS:
        raise ProbeInputError(
            f"{where}: unknown listener {name!r} (smtp, submission, submissions)",
            f"{where}: リスナー {name!r} はありません（smtp, submission, submissions）",
        )
    if probe.listener is None and probe.port not in (None, 25, 587, 465):
        ports = {getattr(profile.listeners, n).port for n in LISTENERS}
        if probe.port not in ports:
            raise ProbeInputError(
                f"{where}: no SMTP listener on port {probe.port} in this profile",
                f"{where}: このプロファイルにはポート {probe.port} の SMTP リスナーがありません",
            )


def disabled_listeners(profile: Profile, probes: list[Probe]) -> list[str]:
    names = {listener_for(profile, p) for p in probes}
    return sorted(n for n in names if not getattr(profile.listeners, n).enabled)


# ----------------------------------------------------------------------------------------- output
def result_data(r: ProbeResult) -> dict[str, Any]:
    p = r.probe
    return {
        "name": p.name,
        "listener": p.listener,
        "port": p.port,
        "client": p.client,
        "helo": p.helo,
        "auth": p.auth,
        "mail_from": p.mail_from,
        "rcpt_to": p.rcpt_to,
        "expect": p.expect,
        "code": p.code,
        "legacy": p.legacy,
        "explained_by": p.explained_by,
        "note": p.note,
        "outcome": r.outcome,
        "matches": r.matches,
        "upgraded": r.upgraded,
        "steps": [
            {
                "command": s.command,
                "code": s.code,
                "status": s.status,
                "text": s.text,
                "rule": s.rule,
                "origin": s.origin,
                "line": s.line(),
            }
            for s in r.steps
        ],
        "skipped": list(r.skipped),
    }


def skipped_line(skipped: list[str]) -> str:
    names = ", ".join(dict.fromkeys(skipped))
    return (
        f"skipped (no DNS answers; give --dns-fixture): {names}\n"
        f"省略（DNS の答えがありません。--dns-fixture で指定できます）: {names}"
    )


def text_single(r: ProbeResult, notes: list[str]) -> str:
    lines = [s.line() for s in r.steps]
    if r.skipped:
        lines.append(skipped_line(r.skipped))
    lines += notes
    expect = r.probe.expect
    if expect is None:
        lines.append(f"outcome: {r.outcome} / 結果: {r.outcome}")
    elif r.matches:
        lines.append(f"outcome: {r.outcome}, as expected / 結果: {r.outcome}（期待どおり）")
    else:
        lines.append(
            f"outcome: {r.outcome}, expected {expect}: MISMATCH / 結果: {r.outcome}（期待は {expect}）: 不一致"
        )
    return "\n".join(lines)


def _with_origin(r: ProbeResult) -> ProbeResult:
    # format_results shows a step's rule only; fold the legacy origin in, as the pure runner does.
    steps = [replace(s, rule=f"{s.rule} ({s.origin})") if s.rule and s.origin else s for s in r.steps]
    return ProbeResult(r.probe, steps, r.skipped)


def text_batch(results: list[ProbeResult], notes: list[str]) -> str:
    out = [format_results([_with_origin(r) for r in results])]
    skipped = [s for r in results for s in r.skipped]
    if skipped:
        out.append(skipped_line(skipped))
    for r in mismatches(results):
        out.append(f"✗ {r.probe.name or r.probe.client}:")
        out += [f"    {s.line()}" for s in r.steps]
    # A table of legacy behaviour alone (compile --probe writes one) has no `expect`: say where
    # Tayori differs from the old server, without failing — compile listed each difference already.
    differ = [r for r in results if r.probe.expect is None and r.probe.legacy and r.outcome != r.probe.legacy]
    for r in differ:
        why = f" ({r.probe.explained_by})" if r.probe.explained_by else " (see the migration report)"
        out.append(
            f"≠ legacy {r.probe.legacy}, now {r.outcome}{why}: {r.probe.name or r.probe.client} / "
            f"旧サーバーは {r.probe.legacy}、現在は {r.outcome}"
        )
    out += notes
    return "\n".join(out)


# --------------------------------------------------------------------------------------- commands
def run_probe_command(args: argparse.Namespace, out: TextIO | None = None) -> int:
    fmt = args.format
    if args.batch and fmt == "text":
        fmt = "table"
    root = _root(args)
    profile = load(args.profile, root)
    resolver = FixtureResolver(load_dns_fixture(args.dns_fixture)) if args.dns_fixture else None
    data = read_data(args.data)
    if args.batch:
        try:
            table = load_table(Path(args.batch))
        except ProbeFormatError as exc:
            raise ProbeInputError(f"bad probe table: {exc}", f"プローブ表の誤り: {exc}") from None
        if not table.probes:
            raise ProbeInputError(f"{args.batch}: no probes", f"{args.batch}: プローブがありません")
    else:
        try:
            table = ProbeTable(probes=[single_probe(args)])
        except ProbeFormatError as exc:
            raise ProbeInputError(str(exc), f"引数の誤り: {exc}") from None
    for i, p in enumerate(table.probes, 1):
        where = f"{args.batch} probe {i}" if args.batch else "command line"
        check_probe(p, where)
        check_listener(profile, p, where)
    notes = [
        f"note: listener {n} is disabled in this profile (probed as if enabled) / "
        f"注意: このプロファイルではリスナー {n} は無効です（有効として検査しました）"
        for n in disabled_listeners(profile, table.probes)
    ]
    results = run_session_table(profile, table, resolver=resolver, data=data)
    bad = mismatches(results)
    o = _o(out)
    if fmt == "json":
        payload: Any = [result_data(r) for r in results] if args.batch else result_data(results[0])
        if args.batch:
            payload = {"results": payload, "probes": len(results), "mismatched": len(bad)}
        print(json.dumps(payload, ensure_ascii=False, indent=2), file=o)
    elif args.batch:
        print(text_batch(results, notes), file=o)
    else:
        print(text_single(results[0], notes), file=o)
    return EXIT_ERROR if bad else EXIT_OK


def cmd_probe(args: argparse.Namespace) -> int:
    single = [args.client, args.sender, args.to]
    if args.batch:
        extra = [
            flag
            for flag, v in (
                ("--client", args.client),
                ("--from", args.sender),
                ("--to", args.to),
                ("--auth", args.auth),
                ("--helo", args.helo),
                ("--port", args.port),
                ("--listener", args.listener),
                ("--expect", args.expect),
            )
            if v is not None
        ]
        if extra:
            return _usage(
                f"--batch takes its probes from the table: drop {' '.join(extra)}",
                f"--batch では表のプローブを使います。{' '.join(extra)} は指定できません",
            )
    elif any(v is None for v in single):
        return _usage(
            "give --client, --from and --to (or --batch FILE)",
            "--client, --from, --to を指定してください（または --batch FILE）",
        )
    if args.port is not None and args.listener is not None:
        return _usage("give --port or --listener, not both", "--port と --listener はどちらか一方だけ指定してください")
    try:
        return run_probe_command(args)
    except ProbeInputError as exc:
        _err(exc.en, exc.ja)
        return EXIT_ERROR


def _usage(en: str, ja: str) -> int:
    _err(en, ja)
    return EXIT_USAGE


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser(
        "probe",
        help="ask the policy what it would do with a mail (the real SMTP session, nothing delivered) / "
        "メールをどう扱うかを実際の SMTP セッションで確認（配送はしない）",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "profile",
        nargs="?",
        metavar="PROFILE",
        help="the profile YAML (default: the state root's live profile) / プロファイル（省略時は稼働中のもの）",
    )
    p.add_argument("--client", metavar="IP", help="client IP address / クライアントの IP アドレス")
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--port",
        type=int,
        metavar="PORT",
        help="the listener with this port (25, 587, 465 or the profile's) / このポートのリスナー",
    )
    where.add_argument(
        "--listener", choices=LISTENERS, help="the listener by name (default smtp) / リスナー名（既定 smtp）"
    )
    p.add_argument(
        "--auth",
        metavar="LOGIN",
        help="as if authenticated as LOGIN (no password needed) / LOGIN で認証済みとして（パスワード不要）",
    )
    p.add_argument("--helo", metavar="NAME", help="HELO/EHLO name (default client.example.net) / HELO/EHLO の名前")
    p.add_argument("--from", dest="sender", metavar="SENDER", help='envelope sender ("" for <>) / エンベロープ送信者')
    p.add_argument("--to", action="append", metavar="RCPT", help="recipient, repeatable / 受信者（複数指定可）")
    p.add_argument("--data", metavar="FILE", help="also send this message at DATA / DATA でこのメッセージも送る")
    p.add_argument(
        "--dns-fixture",
        metavar="FILE",
        help="DNS answers (ptr, a, aaaa, mx, txt, dnsbl) for the DNS checks; without it they are skipped / "
        "DNS の答え。無ければ DNS を使う検査は省略",
    )
    p.add_argument(
        "--expect",
        choices=["accept", "refuse"],
        help="exit 1 unless the outcome is this / 結果がこれでなければ終了コード 1",
    )
    p.add_argument(
        "--batch",
        metavar="FILE",
        help='a probe table (profiles/README.md, "Probe tables"); exit 1 on any mismatch / '
        "プローブ表。一つでも不一致なら終了コード 1",
    )
    p.add_argument(
        "--format",
        choices=["text", "table", "json"],
        default="text",
        help="text (one probe), table (--batch), json / 出力形式",
    )
    p.set_defaults(func=cmd_probe)
