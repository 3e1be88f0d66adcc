"""Findings for the admin, one message key plus parameters, rendered in Japanese and English."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# key: (English, Japanese)
CATALOGUE: dict[str, tuple[str, str]] = {
    "no_account": (
        "{source}: no account {address} in the profile: mailbox not imported (add the account and run again)",
        "{source}: プロファイルにアカウント {address} がないため取り込みませんでした（追加して再実行してください）",
    ),
    "no_mail_folder": (
        "no mailbox folder found in {legacy} for {dialect}",
        "{legacy} に {dialect} のメールボックスフォルダが見つかりません",
    ),
    "unparseable": (
        "{file}: not a readable message ({reason}); stored as it is",
        "{file}: メールとして読めません（{reason}）。そのまま保存しました",
    ),
    "uidl_inferred": (
        "{count} message(s) have no UIDL recorded by the legacy store; their POP3 UIDL is {how} (stable, but "
        "clients may download them once more if the legacy server showed another one)",
        "{count} 通は旧サーバーに UIDL の記録がありません。POP3 UIDL は {how_ja} です（以後変わりませんが、旧サーバーが"
        "別の値を見せていた場合はクライアントが 1 回だけ再受信することがあります）",
    ),
    "uidl_unusable": (
        "{file}: legacy UIDL {uidl!r} cannot be served by POP3 (space, control character or longer than 70); "
        "the file name's stable UIDL is used",
        "{file}: 旧 UIDL {uidl!r} は POP3 で使えない文字・長さのため、ファイル名から作った UIDL を使います",
    ),
    "uidl_duplicate": (
        "{file}: UIDL {uidl} is used twice in this mailbox; this copy gets a stable derived UIDL",
        "{file}: UIDL {uidl} がこのメールボックスで重複しているため、この 1 通には別の UIDL を付けました",
    ),
    "flags_unknown": (
        "the legacy store keeps no read/unread state here: messages are imported as unread",
        "旧サーバーは既読・未読を記録していないため、未読として取り込みました",
    ),
    "pmail_uidl_missing": (
        "{file}: uidl.txt is missing; UIDLs are taken from the .eml file names",
        "{file}: uidl.txt がないため、UIDL は .eml のファイル名から作りました",
    ),
    "pmail_uidl_orphan": (
        "{file}:{line}: uidl.txt names {uidl}, but no such .eml is in the mailbox (already deleted?)",
        "{file}:{line}: uidl.txt の {uidl} に対応する .eml がありません（削除済み？）",
    ),
    "pmail_uidl_unread_fields": (
        "{file}: {count} line(s) carry fields this importer does not understand (format not public), "
        "e.g. line {line}: {sample!r}; the message ID was used, the rest ignored",
        "{file}: 意味の分からない項目がある行が {count} 行あります（形式が非公開のため）。例: {line} 行目 {sample!r}。"
        "メール ID だけを使い、残りは無視しました",
    ),
    "pmail_uidl_unreadable": (
        "{file}:{line}: line not understood: {sample!r}",
        "{file}:{line}: 読めない行です: {sample!r}",
    ),
    "epost_encoded": (
        '{count} message(s) were stored with E-Post\'s "Encode" (XOR) and were decoded',
        "{count} 通は E-Post の「Encode」（XOR 難読化）で保存されていたため復号しました",
    ),
    "epost_encoded_broken": (
        '{file}: starts like E-Post\'s "Encode" but does not decode; stored as it is',
        "{file}: E-Post の「Encode」形式に見えますが復号できません。そのまま保存しました",
    ),
    "xmail_both_modes": (
        "{source}: both mailbox/ and Maildir/ exist; only {used} was imported (XMail uses one at a time)",
        "{source}: mailbox/ と Maildir/ の両方があります。XMail が使うのは片方だけなので {used} を取り込みました",
    ),
    "list_archive": (
        "{source}: messages of mailing list {address} go to its archive ({target})",
        "{source}: メーリングリスト {address} のメールはアーカイブ（{target}）へ取り込みました",
    ),
    "no_list_archive": (
        "{dialect}: mailing-list archives: {why}",
        "{dialect}: メーリングリストのアーカイブ: {why_ja}",
    ),
    "mailbox_recreated": (
        "the Maildir was recreated since the last import (UIDVALIDITY {old} → {new}): everything is imported again",
        "前回の取り込み後に Maildir が作り直されたため（UIDVALIDITY {old} → {new}）、すべて取り込み直します",
    ),
    "deleted_since": (
        "{count} message(s) imported earlier were deleted on the new server since; they are not imported again",
        "以前に取り込んだ {count} 通は新サーバー側で削除されているため、再度は取り込みません",
    ),
    "verify_failed": (
        "{file}: stored copy differs from the legacy message (sha256 {want} ≠ {got})",
        "{file}: 保存したメールが旧メールと一致しません（sha256 {want} ≠ {got}）",
    ),
    "verify_missing": (
        "{file}: imported in this run but not found in the Maildir",
        "{file}: 今回取り込んだはずのメールが Maildir にありません",
    ),
    "unreadable": (
        "{file}: cannot be read ({problem}); not imported",
        "{file}: 読み込めません（{problem}）。取り込んでいません",
    ),
    "over_quota": (
        "{address}: {size} bytes imported, over the account's quota of {quota} bytes: new mail is refused "
        "until the user deletes some or the quota is raised",
        "{address}: 取り込んだ {size} バイトがクォータ {quota} バイトを超えています。利用者が削除するかクォータを"
        "増やすまで、新しいメールは受信できません",
    ),
    "folder": (
        "{source}: folder {name!r} imported as IMAP folder {imap!r}",
        "{source}: フォルダ {name!r} を IMAP フォルダ {imap!r} として取り込みました",
    ),
}

HOW_JA = {"the file name": "ファイル名", "the X-UIDL header": "X-UIDL ヘッダーの値"}


@dataclass(frozen=True)
class Note:
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    severity: str = "info"  # info, warning, error

    def render(self, lang: str) -> str:
        en, ja = CATALOGUE[self.key]
        params = dict(self.params)
        params.setdefault("how_ja", HOW_JA.get(str(params.get("how", "")), str(params.get("how", ""))))
        params.setdefault("why_ja", params.get("why", ""))
        try:
            return (ja if lang == "ja" else en).format(**params)
        except (KeyError, IndexError, ValueError):
            return f"{self.key} {params}"

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "severity": self.severity,
            "params": self.params,
            "en": self.render("en"),
            "ja": self.render("ja"),
        }
