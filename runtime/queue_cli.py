"""`tayori queue …` and `tayori dkim …`: the functions behind the admin's queue and DKIM commands.

The lead wires :func:`register` into the `tayori` parser. Every function takes the state root and
returns an exit code (0 ok, 1 error); messages are in Japanese and English, never a traceback.

    tayori queue list [--hold] [--json]      entries, oldest first
    tayori queue show ID                     envelope and headers
    tayori queue retry ID | --all            due now (and wake the delivery process)
    tayori queue delete ID                   remove without a bounce
    tayori queue hold ID / release ID        keep out of delivery / put back
    tayori dkim show DOMAIN                  the DNS TXT record to publish (makes the key if missing)
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from tayori.runtime.paths import StatePaths
from tayori.runtime.queue import Busy, Gone, Queue, QueueError

EXIT_OK, EXIT_ERROR = 0, 1
HEADER_PREVIEW = 8192


def _o(out: TextIO | None) -> TextIO:
    return sys.stdout if out is None else out  # resolved at call time: tests swap sys.stdout


def _err(msg_en: str, msg_ja: str, out: TextIO | None = None) -> int:
    print(f"tayori: {msg_en}\ntayori: {msg_ja}", file=out or sys.stderr)
    return EXIT_ERROR


def _queue(root: Path) -> Queue | None:
    paths = StatePaths.at(root)
    if not paths.queue.is_dir():
        return None
    return Queue(paths.queue)


def _no_queue(root: Path) -> int:
    return _err(f"no queue under {root} (wrong --root?)", f"{root} にキューがありません（--root を確認してください）")


def _wake(root: Path) -> None:
    """Poke the delivery process so a retried entry goes at once; a lost poke only delays."""
    path = StatePaths.at(root).delivery_wakeup
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.setblocking(False)
            s.sendto(b"wake", str(path))
    except OSError:
        pass


def _rcpt_summary(env: Any) -> str:
    return ", ".join(f"{r.address}({r.status})" for r in env.rcpts)


def queue_list(root: Path, *, state: str = "ready", as_json: bool = False, out: TextIO | None = None) -> int:
    q = _queue(root)
    if q is None:
        return _no_queue(root)
    try:
        envs = list(q.entries(state))
        if as_json:
            rows = [
                {
                    "id": e.id,
                    "state": state,
                    "from": e.mail_from,
                    "size": e.size,
                    "received": e.received,
                    "next_attempt": e.next_attempt,
                    "attempts": e.attempts,
                    "last_error": e.last_error,
                    "rcpts": [{"address": r.address, "status": r.status, "last_error": r.last_error} for r in e.rcpts],
                }
                for e in envs
            ]
            print(json.dumps(rows, ensure_ascii=False, indent=1), file=_o(out))
            return EXIT_OK
        if not envs:
            print(f"queue ({state}) is empty / キュー（{state}）は空です", file=_o(out))
            return EXIT_OK
        for e in envs:
            sender = e.mail_from or "<>"
            print(f"{e.id}  {e.size:>9}  {e.received[:19]}  {sender}", file=_o(out))
            print(f"    to: {_rcpt_summary(e)}", file=_o(out))
            if e.last_error:
                print(f"    last error / 最後のエラー: {e.last_error}", file=_o(out))
            if e.next_attempt:
                print(f"    next attempt / 次回試行: {e.next_attempt[:19]}", file=_o(out))
        print(f"-- {len(envs)} entries ({state}) / {len(envs)} 件", file=_o(out))
        return EXIT_OK
    finally:
        q.close()


def _find(q: Queue, qid: str) -> str | None:
    for state in ("ready", "hold", "corrupt"):
        if (q.root / state / f"{qid}.json").exists():
            return state
    return None


def queue_show(root: Path, qid: str, *, out: TextIO | None = None) -> int:
    q = _queue(root)
    if q is None:
        return _no_queue(root)
    try:
        state = _find(q, qid)
        if state is None:
            return _err(f"no queue entry {qid}", f"キューに {qid} はありません")
        try:
            env = q.get(qid, state)
        except (Gone, ValueError) as exc:
            return _err(f"{qid}: cannot read the envelope: {exc}", f"{qid}: エンベロープを読めません")
        print(f"id: {env.id}  state / 状態: {state}", file=_o(out))
        print(json.dumps(json.loads(env.to_json()), ensure_ascii=False, indent=1), file=_o(out))
        try:
            with open(q.message_path(qid, state), "rb") as fh:
                head = fh.read(HEADER_PREVIEW)
        except OSError:
            head = b""
        end = head.find(b"\r\n\r\n")
        print("--- headers / ヘッダー ---", file=_o(out))
        print(head[: end if end >= 0 else len(head)].decode("utf-8", "replace"), file=_o(out))
        return EXIT_OK
    finally:
        q.close()


def queue_retry(root: Path, qid: str | None, *, all_: bool = False, out: TextIO | None = None) -> int:
    q = _queue(root)
    if q is None:
        return _no_queue(root)
    try:
        ids = q.ids("ready") if all_ else [qid or ""]
        done, busy = 0, 0
        for i in ids:
            try:
                with q.claim(i) as c:
                    c.envelope.next_attempt = None
                    c.save()
                    done += 1
            except Busy:
                busy += 1  # being delivered right now: it is already being retried
            except Gone:
                if not all_:
                    where = _find(q, i)
                    if where == "hold":
                        return _err(f"{i} is on hold: release it first", f"{i} は保留中です。先に release してください")
                    return _err(f"no queue entry {i}", f"キューに {i} はありません")
        _wake(root)
        print(
            f"{done} entries due now, {busy} being delivered / {done} 件を今すぐ再送、{busy} 件は配送中", file=_o(out)
        )
        return EXIT_OK
    finally:
        q.close()


def queue_delete(root: Path, qid: str, *, out: TextIO | None = None) -> int:
    q = _queue(root)
    if q is None:
        return _no_queue(root)
    try:
        state = _find(q, qid)
        if state is None:
            return _err(f"no queue entry {qid}", f"キューに {qid} はありません")
        try:
            with q.claim(qid, state) as c:
                c.remove()
        except Busy:
            return _err(
                f"{qid} is being delivered; try again in a moment", f"{qid} は配送中です。少し待って再実行してください"
            )
        except Gone:
            return _err(f"no queue entry {qid}", f"キューに {qid} はありません")
        print(f"{qid} deleted (no bounce sent) / {qid} を削除しました（エラー通知は送りません）", file=_o(out))
        return EXIT_OK
    finally:
        q.close()


def _move(root: Path, qid: str, action: str, out: TextIO | None) -> int:
    q = _queue(root)
    if q is None:
        return _no_queue(root)
    try:
        try:
            (q.hold if action == "hold" else q.release)(qid)
        except Busy:
            return _err(
                f"{qid} is being delivered; try again in a moment", f"{qid} は配送中です。少し待って再実行してください"
            )
        except Gone:
            return _err(
                f"no {'ready' if action == 'hold' else 'held'} queue entry {qid}",
                f"{'配送待ち' if action == 'hold' else '保留中'}のキューに {qid} はありません",
            )
        if action == "release":
            _wake(root)
        msg = "held / 保留しました" if action == "hold" else "released / 保留を解除しました"
        print(f"{qid} {msg}", file=_o(out))
        return EXIT_OK
    except QueueError as exc:
        return _err(f"{qid}: {exc}", f"{qid}: 操作に失敗しました")
    finally:
        q.close()


def queue_hold(root: Path, qid: str, *, out: TextIO | None = None) -> int:
    return _move(root, qid, "hold", out)


def queue_release(root: Path, qid: str, *, out: TextIO | None = None) -> int:
    return _move(root, qid, "release", out)


def dkim_show(root: Path, domain: str, *, out: TextIO | None = None) -> int:
    from tayori.profiles.loader import ProfileError, load_profile
    from tayori.runtime.outbound.dkim import DkimError, dns_record, generate_key, key_info

    paths = StatePaths.at(root)
    try:
        profile = load_profile(paths.profile, cache=True).profile
    except ProfileError as exc:
        return _err(f"the live profile does not load: {exc}", "稼働中のプロファイルを読み込めません")
    except OSError:
        return _err(f"no live profile at {paths.profile}", f"{paths.profile} にプロファイルがありません")
    info = key_info(profile, paths, domain)
    if info is None:
        return _err(
            f"{domain}: not a local domain with DKIM enabled", f"{domain}: DKIM が有効なローカルドメインではありません"
        )
    try:
        if not info.path.exists():
            dom = next(d for d in profile.domains if d.name == info.domain)
            generate_key(info.path, info.algorithm, dom.dkim.key_bits if dom.dkim else 2048)
            print(f"; new key written to {info.path} / 新しい鍵を作成しました", file=_o(out))
        print(dns_record(profile, paths, domain), file=_o(out))
    except (DkimError, OSError, ValueError) as exc:
        return _err(f"{domain}: {exc}", f"{domain}: DKIM レコードを作れません")
    return EXIT_OK


# --------------------------------------------------------------------------------------- parser
def _root_of(args: argparse.Namespace) -> Path:
    if getattr(args, "root", None):
        return Path(args.root)
    env = os.environ.get("TAYORI_ROOT")
    if env:
        return Path(env)
    return Path("/data") if os.environ.get("TAYORI_CONTAINER") == "1" else Path(".tayori")


def register(subparsers: Any, root_of: Callable[[argparse.Namespace], Path] = _root_of) -> None:
    """Add ``queue`` and ``dkim`` to an argparse sub-parser set; each sets ``func(args) -> exit code``."""
    qp = subparsers.add_parser(
        "queue",
        help="list and manage the mail queue / メールキューの表示と操作",
        description="List and manage the mail queue. / メールキューを表示・操作します。",
    )
    qs = qp.add_subparsers(dest="queue_command", metavar="ACTION", required=True)

    p = qs.add_parser("list", help="queued messages, oldest first / キュー内のメール（古い順）")
    p.add_argument("--hold", action="store_true", help="held entries instead / 保留中のものを表示")
    p.add_argument("--json", action="store_true", help="JSON output / JSON で出力")
    p.set_defaults(func=lambda a: queue_list(root_of(a), state="hold" if a.hold else "ready", as_json=a.json))

    p = qs.add_parser("show", help="one entry: envelope and headers / 1 件の詳細（エンベロープとヘッダー）")
    p.add_argument("id", metavar="ID", help="queue id / キュー ID")
    p.set_defaults(func=lambda a: queue_show(root_of(a), a.id))

    p = qs.add_parser("retry", help="try again now / 今すぐ再送")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("id", metavar="ID", nargs="?", help="queue id / キュー ID")
    g.add_argument("--all", action="store_true", help="every queued entry / すべて")
    p.set_defaults(func=lambda a: queue_retry(root_of(a), a.id, all_=a.all))

    p = qs.add_parser("delete", help="remove an entry without a bounce / バウンスせずに削除")
    p.add_argument("id", metavar="ID", help="queue id / キュー ID")
    p.set_defaults(func=lambda a: queue_delete(root_of(a), a.id))

    p = qs.add_parser("hold", help="keep an entry out of delivery / 配送を保留")
    p.add_argument("id", metavar="ID", help="queue id / キュー ID")
    p.set_defaults(func=lambda a: queue_hold(root_of(a), a.id))

    p = qs.add_parser("release", help="put a held entry back / 保留を解除")
    p.add_argument("id", metavar="ID", help="queue id / キュー ID")
    p.set_defaults(func=lambda a: queue_release(root_of(a), a.id))

    dp = subparsers.add_parser(
        "dkim",
        help="DKIM keys and DNS records / DKIM 鍵と DNS レコード",
        description="DKIM keys of the local domains. / ローカルドメインの DKIM 鍵。",
    )
    ds = dp.add_subparsers(dest="dkim_command", metavar="ACTION", required=True)
    p = ds.add_parser(
        "show",
        help="print the DNS TXT record to publish / 公開すべき DNS TXT レコードを表示",
        description="Print the TXT record for DOMAIN's DKIM key (the key is made if missing). "
        "/ DOMAIN の DKIM 公開鍵の TXT レコードを表示します（鍵がなければ作成）。",
    )
    p.add_argument("domain", metavar="DOMAIN", help="a local domain / ローカルドメイン")
    p.set_defaults(func=lambda a: dkim_show(root_of(a), a.domain))
