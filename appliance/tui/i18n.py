"""Every text the TUI shows, in Japanese and English.

The language comes from TAYORI_LANG, then LC_ALL, LC_MESSAGES and LANG (the POSIX order), and can be
switched in the app; screens read texts through `t()` each time they render, so a switch needs
only a refresh. A key missing from the catalogue shows itself instead of raising.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

LANGS = ("ja", "en")

# key -> (Japanese, English)
TEXTS: dict[str, tuple[str, str]] = {
    # app
    "app.title": ("Tayori 便り — メールアプライアンス", "Tayori — mail appliance"),
    "app.lang": ("English", "日本語"),
    "app.quit": ("終了", "Quit"),
    "app.back": ("戻る", "Back"),
    "app.next": ("次へ", "Next"),
    "app.cancel": ("キャンセル", "Cancel"),
    "app.ok": ("OK", "OK"),
    "app.refresh": ("更新", "Refresh"),
    "app.error": ("エラー: {error}", "Error: {error}"),
    "app.none": ("(なし)", "(none)"),
    # welcome
    "welcome.title": ("はじめに", "Welcome"),
    "welcome.intro": (
        "Tayori の初期設定を行います。新しく設定するか、旧メールサーバーから移行するかを選んでください。",
        "Let's set up Tayori. Start fresh, or migrate from a legacy mail server.",
    ),
    "welcome.existing": (
        "状態フォルダにはすでにプロファイルがあります: {path}（移行の場合はコメントを保ったまま更新します）",
        "The state root already has a profile: {path} (migrating updates it, keeping comments)",
    ),
    "welcome.fresh": ("新しく設定する", "Start fresh"),
    "welcome.migrate": ("旧サーバーから移行する", "Migrate"),
    # fresh
    "fresh.title": ("新規設定", "Start fresh"),
    "fresh.hostname": ("ホスト名（例: mail.example.jp）", "Host name (e.g. mail.example.jp)"),
    "fresh.domain": ("最初のドメイン（例: example.jp）", "First domain (e.g. example.jp)"),
    "fresh.admin": ("管理者のメールアドレス", "Admin address"),
    "fresh.password": ("管理者のパスワード（8 文字以上）", "Admin password (8 characters or more)"),
    "fresh.tls": ("TLS 証明書", "TLS certificate"),
    "fresh.tls.self": ("今は自己署名証明書を使う", "Self-signed for now"),
    "fresh.tls.files": ("手持ちの証明書ファイルを使う", "My certificate files"),
    "fresh.cert": ("証明書ファイル (PEM)", "Certificate file (PEM)"),
    "fresh.key": ("秘密鍵ファイル (PEM)", "Private key file (PEM)"),
    "fresh.err.hostname": ("ホスト名が正しくありません: {value}", "Not a host name: {value}"),
    "fresh.err.domain": ("ドメイン名が正しくありません: {value}", "Not a domain name: {value}"),
    "fresh.err.admin": (
        "管理者アドレスは {domain} のアドレスにしてください: {value}",
        "The admin address must be in {domain}: {value}",
    ),
    "fresh.err.password": ("パスワードは 8 文字以上にしてください", "The password needs 8 characters or more"),
    "fresh.err.cert": ("証明書と秘密鍵のファイルを指定してください", "Name the certificate and key files"),
    # migrate
    "migrate.title": ("旧サーバーからの移行", "Migrate"),
    "migrate.folder": (
        "旧サーバーのフォルダ（XMail: MailRoot / E-Post / PMailServer2）",
        "Legacy folder (XMail: MailRoot / E-Post / PMailServer2)",
    ),
    "migrate.detect": ("判別", "Detect"),
    "migrate.compile": ("移行する", "Compile"),
    "migrate.detected": ("判別結果: {title}", "Detected: {title}"),
    "migrate.unknown": ("旧メールサーバーの設定が見つかりません", "No legacy mail server recognised here"),
    "migrate.notfolder": ("フォルダではありません: {path}", "Not a folder: {path}"),
    "migrate.progress": ("{what}: {done}/{total}", "{what}: {done}/{total}"),
    "migrate.done": (
        "移行しました: アカウント {accounts} 件、判断待ち {pending} 件",
        "Compiled: {accounts} account(s), {pending} decision(s) pending",
    ),
    "migrate.phase.reading": ("読み込み中", "reading"),
    "migrate.phase.hashing passwords": ("パスワードのハッシュ化", "hashing passwords"),
    # report
    "report.title": ("移行レポート", "Migration report"),
    "report.none": ("移行レポートはありません（新規設定です）", "No migration report (not a migration)"),
    "report.filter": ("種類で絞り込み", "Filter by kind"),
    "report.all": ("すべて", "All"),
    "report.kind.decide": ("判断が必要", "decide"),
    "report.kind.error": ("読めなかった入力", "error"),
    "report.kind.upgraded": ("安全化", "upgraded"),
    "report.kind.unmapped": ("対応なし", "unmapped"),
    "report.kind.mapped": ("移行済み", "mapped"),
    "report.col.kind": ("種類", "Kind"),
    "report.col.where": ("場所", "Where"),
    "report.col.message": ("内容", "Message"),
    "report.col.value": ("現在の値", "In force"),
    "report.counts": ("判断待ち {pending} / 全 {total} 件", "{pending} pending / {total} entries"),
    "report.answer": ("回答する", "Answer"),
    "report.apply": ("回答を反映（再コンパイル）", "Apply answers (recompile)"),
    "report.pick": ("回答を選んでください: {question}", "Choose an answer: {question}"),
    "report.answered": ("{key} = {value} と回答しました", "Answered {key} = {value}"),
    "report.not_decide": ("この項目は判断の必要がありません", "This entry needs no decision"),
    # passwords
    "pw.title": ("パスワードのないアカウント", "Accounts without a usable password"),
    "pw.intro": (
        "次のアカウントはパスワードが移行できませんでした。設定するまでログインできません。",
        "These accounts have no usable password; they cannot log in until one is set.",
    ),
    "pw.none": ("すべてのアカウントにパスワードがあります", "Every account has a password"),
    "pw.set": ("パスワードを設定", "Set password"),
    "pw.prompt": ("{address} の新しいパスワード", "New password for {address}"),
    "pw.done": ("{address} のパスワードを設定しました", "Password set for {address}"),
    # finish
    "finish.title": ("確認と開始", "Check and start"),
    "finish.checks": ("事前チェック", "Preflight checks"),
    "finish.write": ("プロファイルを保存してサービスを開始", "Write the profile and start services"),
    "finish.write_only": ("プロファイルを保存", "Write the profile"),
    "finish.written": ("プロファイルを保存しました: {path}", "Profile written: {path}"),
    "finish.dashboard": ("ダッシュボードへ", "Open the dashboard"),
    "finish.col.check": ("チェック", "Check"),
    "finish.col.result": ("結果", "Result"),
    "check.ok": ("OK", "ok"),
    "check.warn": ("注意", "warning"),
    "check.fail": ("失敗", "failed"),
    "check.profile": ("プロファイルの検査", "Profile check"),
    "check.profile.ok": ("問題ありません", "no problems"),
    "check.port": ("ポート {name} {bind}:{port}", "Port {name} {bind}:{port}"),
    "check.port.free": ("空いています", "free"),
    "check.port.used": (
        "使用中です（動作中のアプライアンス自身かもしれません）",
        "in use (maybe by the running appliance itself)",
    ),
    "check.port.denied": ("権限がありません（root が必要です）", "permission denied (needs root)"),
    "check.port.noaddr": ("このアドレスはこのマシンにありません", "this address is not on this machine"),
    "check.cert": ("TLS 証明書", "TLS certificate"),
    "check.cert.self": ("初回起動時に自己署名証明書を作成します", "a self-signed certificate is made at first start"),
    "check.cert.ok": ("有効です（期限 {until}）", "valid (until {until})"),
    "check.cert.unreadable": ("読み込めません: {error}", "cannot be read: {error}"),
    "check.cert.expired": ("期限切れです（{until}）", "expired ({until})"),
    "check.cert.notyet": ("まだ有効ではありません（{since} から）", "not valid yet (from {since})"),
    "check.cert.mismatch": ("証明書と秘密鍵が対応していません", "the certificate and the key do not match"),
    "check.cert.name": ("証明書に {host} が含まれていません", "the certificate does not name {host}"),
    "check.host": ("ホスト名 {host} の名前解決", "Host name {host} resolves"),
    "check.host.ok": ("{addresses}", "{addresses}"),
    "check.host.reserved": (
        "テスト用の予約名です（インターネットでは解決されません）",
        "a reserved test name (never resolves on the internet)",
    ),
    "check.host.fail": ("解決できません: {error}", "does not resolve: {error}"),
    # services
    "svc.title": ("サービス", "Services"),
    "svc.col.name": ("名前", "Name"),
    "svc.col.state": ("状態", "State"),
    "svc.col.desc": ("詳細", "Details"),
    "svc.restart": ("再起動", "Restart"),
    "svc.restart_all": ("すべて再起動", "Restart all"),
    "svc.down": (
        "supervisord に接続できません（アプライアンスが停止中）: {error}",
        "supervisord does not answer (the appliance is not running): {error}",
    ),
    "svc.restarted": ("{name} を再起動しました", "Restarted {name}"),
    "svc.started": ("サービスを開始しました", "Services started"),
    "svc.start_failed": ("サービスを開始できません: {error}", "Services could not be started: {error}"),
    "svc.no_run": (
        "`tayori run` がまだ使えません。プロファイルは保存済みです",
        "`tayori run` is not available yet; the profile is saved",
    ),
    "svc.launched": ("アプライアンスを起動しました (PID {pid})", "Appliance started (PID {pid})"),
    # queue
    "queue.title": ("キュー", "Queue"),
    "queue.col.id": ("ID", "ID"),
    "queue.col.state": ("状態", "State"),
    "queue.col.from": ("差出人", "From"),
    "queue.col.to": ("宛先", "To"),
    "queue.col.size": ("サイズ", "Size"),
    "queue.col.error": ("最後のエラー", "Last error"),
    "queue.show": ("表示", "Show"),
    "queue.retry": ("今すぐ再送", "Retry now"),
    "queue.delete": ("削除", "Delete"),
    "queue.hold": ("保留", "Hold"),
    "queue.release": ("保留解除", "Release"),
    "queue.empty": ("キューは空です", "The queue is empty"),
    "queue.none": ("メッセージを選んでください", "Select a message"),
    "queue.busy": ("配送中のため操作できません: {id}", "Being delivered right now: {id}"),
    "queue.gone": ("すでにありません: {id}", "Already gone: {id}"),
    "queue.done.retry": ("{id} を再送予約しました", "{id} will be retried now"),
    "queue.done.delete": ("{id} を削除しました", "{id} deleted"),
    "queue.done.hold": ("{id} を保留しました", "{id} held"),
    "queue.done.release": ("{id} の保留を解除しました", "{id} released"),
    "queue.confirm_delete": ("{id} を削除しますか？ 元に戻せません", "Delete {id}? This cannot be undone"),
    # logs
    "logs.title": ("ログ", "Logs"),
    "logs.file": ("ログファイル", "Log file"),
    "logs.filter": ("絞り込み（文字列）", "Filter (text)"),
    "logs.none": ("ログはまだありません: {path}", "No logs yet: {path}"),
    # accounts
    "acct.title": ("アカウント", "Accounts"),
    "acct.col.address": ("アドレス", "Address"),
    "acct.col.name": ("名前", "Name"),
    "acct.col.enabled": ("有効", "Enabled"),
    "acct.col.password": ("パスワード", "Password"),
    "acct.col.quota": ("容量制限", "Quota"),
    "acct.add": ("追加", "Add"),
    "acct.toggle": ("有効/無効", "Enable/disable"),
    "acct.reset": ("パスワード再設定", "Reset password"),
    "acct.quota": ("容量制限", "Quota"),
    "acct.yes": ("はい", "yes"),
    "acct.no": ("いいえ", "no"),
    "acct.set": ("設定済み", "set"),
    "acct.unset": ("未設定", "not set"),
    "acct.unlimited": ("無制限", "unlimited"),
    "acct.new_address": ("新しいアカウントのアドレス", "Address of the new account"),
    "acct.new_password": ("パスワード（8 文字以上）", "Password (8 characters or more)"),
    "acct.quota_prompt": (
        "{address} の容量制限（例: 1G、500M。空欄で無制限）",
        "Quota for {address} (e.g. 1G, 500M; empty: unlimited)",
    ),
    "acct.added": ("{address} を追加しました", "Added {address}"),
    "acct.enabled": ("{address} を有効にしました", "Enabled {address}"),
    "acct.disabled": ("{address} を無効にしました", "Disabled {address}"),
    "acct.quota_set": ("{address} の容量制限: {quota}", "Quota of {address}: {quota}"),
    "acct.restart_hint": (
        "変更はサービスの再起動後に反映されます（サービス タブ）",
        "Changes apply after a restart (Services tab)",
    ),
    "acct.none": ("アカウントを選んでください", "Select an account"),
    "edit.err.exists": ("すでにあります: {address}", "Already exists: {address}"),
    "edit.err.domain": ("{domain} はこのサーバーのドメインではありません", "{domain} is not a domain of this server"),
    "edit.err.address": ("メールアドレスではありません: {value}", "Not a mail address: {value}"),
    "edit.err.quota": ("容量ではありません: {value}（例: 1G、500M）", "Not a size: {value} (e.g. 1G, 500M)"),
    "edit.err.profile": ("プロファイルを読み込めません: {error}", "The profile cannot be read: {error}"),
    "edit.err.missing": ("アカウントがありません: {address}", "No such account: {address}"),
    # domains
    "dom.title": ("ドメインと DKIM", "Domains and DKIM"),
    "dom.intro": (
        "次の DNS レコードを各ドメインに登録してください。",
        "Publish these DNS records for each domain.",
    ),
    "dom.nokey": (
        "DKIM 鍵はまだありません（初回起動時に作成されます）: {path}",
        "No DKIM key yet (made at first start): {path}",
    ),
    "dom.off": ("DKIM 署名は無効です", "DKIM signing is off"),
    "dom.badkey": ("DKIM 鍵を読み込めません: {error}", "The DKIM key cannot be read: {error}"),
    "dom.mx": ("MX レコード", "MX record"),
    "dom.spf": ("SPF レコード", "SPF record"),
    "dom.dkim": ("DKIM レコード", "DKIM record"),
    "dom.dmarc": ("DMARC レコード（例）", "DMARC record (example)"),
    # dashboard
    "dash.title": ("ダッシュボード", "Dashboard"),
    "dash.profile": ("プロファイル: {path}", "Profile: {path}"),
    "dash.noprofile": (
        "プロファイルがありません: {path}（tayori tui --wizard で作成します）",
        "No profile: {path} (tayori tui --wizard makes one)",
    ),
    # dialogs
    "dlg.confirm": ("確認", "Confirm"),
    "dlg.input": ("入力", "Input"),
}


def detect_language(env: Mapping[str, str] | None = None) -> str:
    """`ja` or `en` from TAYORI_LANG, then the POSIX locale variables; English when none says."""
    env = os.environ if env is None else env
    for var in ("TAYORI_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = (env.get(var) or "").strip().lower()
        if not value:
            continue
        if value.startswith("ja"):
            return "ja"
        if value in ("c", "posix") or value.startswith(("c.", "en")):
            return "en"
        if var == "TAYORI_LANG":
            continue  # an unknown TAYORI_LANG falls through to the locale
        return "en"
    return "en"


class Translator:
    """The current language, shared by every screen."""

    def __init__(self, lang: str = "en") -> None:
        self.lang = lang if lang in LANGS else "en"

    def toggle(self) -> str:
        self.lang = "en" if self.lang == "ja" else "ja"
        return self.lang

    def __call__(self, key: str, /, **params: Any) -> str:
        return text(key, self.lang, **params)


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def text(key: str, lang: str, /, **params: Any) -> str:
    pair = TEXTS.get(key)
    if pair is None:
        return key
    template = pair[0] if lang == "ja" else pair[1]
    try:
        return template.format_map(_Missing(params))
    except (ValueError, IndexError, AttributeError):
        return template
