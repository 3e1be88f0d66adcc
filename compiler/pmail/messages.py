"""Report messages of the PMailServer2 reader (Japanese, English; same `{params}`)."""

from __future__ import annotations

from tayori.compiler.messages import register

_V = "「{label}」の値 {value!r} を読めません"
_VE = "cannot read the value {value!r} of “{label}”"

MESSAGES: dict[str, tuple[str, str]] = {
    # -- format ------------------------------------------------------------------------------
    "pmail.format.reconstructed": (
        "pmail.ini のセクション名・キー名と account.dat のレイアウトはメーカー非公開のため、Tayori による"
        "推定(再構成)です。未知のキーはすべて行番号付きで報告します。実ファイルで名前が違う場合はキー表 "
        "(compiler/pmail/keys.py) を直してください",
        "the section and key names of pmail.ini and the layout of account.dat are not published by the vendor: "
        "they are Tayori's reconstruction. Every unknown key is reported with its line; when a real file uses "
        "other names, correct the key table (compiler/pmail/keys.py)",
    ),
    # -- pmail.ini ---------------------------------------------------------------------------
    "pmail.ini.missing": ("Data\\pmail.ini が見つかりません", "Data\\pmail.ini was not found"),
    "pmail.ini.bad_section": ("セクション見出しとして読めません", "not a readable [section] header"),
    "pmail.ini.no_equals": ("「キー=値」の形ではありません", "not a key=value line"),
    "pmail.ini.empty_key": ("キー名が空です", "the key name is empty"),
    "pmail.ini.duplicate": (
        "[{section}] {key} が重複しています。{first} 行目の値が使われ、この行は無視されます",
        "[{section}] {key} appears again; the value on line {first} is used and this one ignored",
    ),
    "pmail.ini.unknown_key": (
        "キー表にないキーです: [{section}] {key} = {value}",
        "key not in the key table: [{section}] {key} = {value}",
    ),
    "pmail.ini.no_equivalent": (
        "「{label}」({value}) に相当する設定は Tayori にありません",
        "“{label}” ({value}) has no equivalent in Tayori",
    ),
    "pmail.ini.not_mapped": (
        "「{label}」({value}) はこの版の読み取りでは反映されていません",
        "“{label}” ({value}) is not mapped by this version of the reader",
    ),
    "pmail.ini.secret_dropped": (
        "「{label}」はパスワードです。移行しません",
        "“{label}” is a password; it is not migrated",
    ),
    # -- values ------------------------------------------------------------------------------
    "pmail.value.not_bool": (_V + " (1/0 を想定)", _VE + " (expected 1 or 0)"),
    "pmail.value.not_int": (_V + " (整数を想定)", _VE + " (expected a whole number)"),
    "pmail.value.negative": (_V + " (負の数)", _VE + " (negative)"),
    "pmail.value.not_port": (_V + " (1〜65535 のポート番号を想定)", _VE + " (expected a port 1-65535)"),
    "pmail.value.not_ip": (_V + " (IP アドレスを想定)", _VE + " (expected an IP address)"),
    "pmail.value.not_tz": (_V + " (+09:00 の形を想定)", _VE + " (expected an offset like +09:00)"),
    "pmail.value.not_intlist": (_V + " (カンマ区切りの整数を想定)", _VE + " (expected comma-separated numbers)"),
    "pmail.value.not_loglevel": (_V + " (0〜3 を想定)", _VE + " (expected a level 0-3)"),
    "pmail.value.not_network": (_V + " (IP,マスク を想定)", _VE + " (expected IP,mask)"),
    "pmail.value.not_hours": (_V + " (0-23 の形を想定)", _VE + " (expected hours like 0-23)"),
    "pmail.value.bad_choice": (_V + " (選択肢: {choices})", _VE + " (choices: {choices})"),
    "pmail.value.rejected": (
        "「{label}」の値 {value!r} は使えません: {problem}",
        "the value {value!r} of “{label}” cannot be used: {problem}",
    ),
    # -- server / listeners ------------------------------------------------------------------
    "pmail.server.timezone": (
        "時差 {value} に対応するタイムゾーン名がありません。既定 (Asia/Tokyo) のままです",
        "no time zone name for the offset {value}; the default (Asia/Tokyo) is kept",
    ),
    "pmail.listeners.submission_on": (
        "Submission ポート (587) は無効でしたが、認証付き送信に使うため有効にします",
        "the submission port (587) was off; it is turned on because authenticated sending uses it",
    ),
    # -- upgrades ----------------------------------------------------------------------------
    "pmail.upgrade.smtp_auth_off": (
        "旧設定: SMTP 認証なし(送信の可否は POP before SMTP と IP で判断、Submission {submission})。"
        "新設定: 送信は 587/465 で SMTP AUTH 必須、25 番は外部からの受信専用",
        "legacy: no SMTP AUTH (sending allowed by POP-before-SMTP and client IP, submission {submission}). "
        "now: sending needs SMTP AUTH on 587/465; port 25 only receives mail for local users",
    ),
    "pmail.upgrade.loopback": (
        "旧動作: 127.0.0.1 からの接続は無条件に許可(中継可)。新動作: IP アドレスだけでは信頼しません",
        "legacy: connections from 127.0.0.1 were trusted unconditionally (could relay). now: no trust by IP "
        "address alone",
    ),
    "pmail.upgrade.loopback_entry": (
        "旧設定: {value} を信頼(認証除外・接続許可・中継許可)。新設定: 削除(内部の再投入は IP に依存しません)",
        "legacy: {value} was trusted (auth exemption, connect or relay allowed). now: removed (internal "
        "re-injection does not depend on IP trust)",
    ),
    "pmail.upgrade.open_relay_net": (
        "旧設定: {value} からの中継を許可(事実上のオープンリレー)。新設定: 削除",
        "legacy: relay allowed from {value} (effectively an open relay). now: removed",
    ),
    "pmail.upgrade.relay_ip_no_auth": (
        "旧設定: 中継許可 IP は SMTP 認証なしで送信可。新設定: 中継は明示した規則か認証のみ",
        "legacy: relay-allowed IPs sent without SMTP AUTH. now: relaying only by explicit rule or AUTH",
    ),
    "pmail.upgrade.pop3_plaintext": (
        "旧設定: POP3 の平文パスワード (USER/PASS) を暗号化なしで受付。新設定: STLS 後または 995 番のみ",
        "legacy: POP3 plaintext passwords (USER/PASS) accepted without encryption. now: only after STLS or on port 995",
    ),
    "pmail.upgrade.apop_port": (
        "旧設定: APOP 専用ポート 112 を使用。新設定: 開きません",
        "legacy: an APOP-only POP3 port 112. now: not opened",
    ),
    "pmail.upgrade.passchg": (
        "旧設定: POP3 の PASSCHG コマンドでパスワード変更 (暗号化なしでも可)。新設定: 使えません (管理画面で変更)",
        "legacy: passwords could be changed with the POP3 PASSCHG command (even unencrypted). now: not "
        "available (change passwords in the admin screens)",
    ),
    "pmail.upgrade.tls_default": (
        "旧設定: TLS のプロトコルは「デフォルト」(Windows 任せで TLS 1.0/1.1 を含みうる)。新設定: TLS 1.2 以上",
        "legacy: TLS protocols left to “default” (Windows' choice, may include TLS 1.0/1.1). now: TLS 1.2 or later",
    ),
    "pmail.upgrade.tls_old": (
        "旧設定: {versions} を許可。新設定: TLS 1.2 以上のみ",
        "legacy: {versions} allowed. now: TLS 1.2 or later only",
    ),
    "pmail.upgrade.tls_old_mta": (
        "旧設定: 配信時に {versions} を許可。新設定: TLS 1.2 以上のみ",
        "legacy: {versions} allowed when delivering. now: TLS 1.2 or later only",
    ),
    "pmail.upgrade.tls_off": (
        "旧設定: {listener} で TLS を提供しない。新設定: TLS を提供し、パスワードは TLS 上でのみ",
        "legacy: no TLS offered on {listener}. now: TLS offered, passwords only over TLS",
    ),
    "pmail.upgrade.expired_cert": (
        "旧設定: 有効期限切れの証明書も使用。新設定: 期限切れの証明書は使わず、期限前に警告",
        "legacy: expired certificates were used. now: expired certificates are refused, with a warning before expiry",
    ),
    "pmail.upgrade.mta_tls_off": (
        "旧設定: 配信時に STARTTLS を使わない。新設定: 相手が対応していれば必ず STARTTLS",
        "legacy: no STARTTLS when delivering. now: STARTTLS whenever the remote server offers it",
    ),
    "pmail.upgrade.starttls_fallback": (
        "旧設定: STARTTLS 失敗時に平文で送信 (フォールバック {mode})。新設定: TLS の失敗は一時エラーとして再送し、"
        "平文への切り替えはしません。必須にする相手は delivery.tls_policies で指定",
        "legacy: after a STARTTLS failure the mail went out in plaintext (fallback {mode}). now: a TLS failure "
        "is retried as a temporary error, never downgraded; require TLS per domain in delivery.tls_policies",
    ),
    "pmail.upgrade.queue_credentials": (
        "旧動作: 転送先 (スマートホスト) の SMTP 認証パスワードを送信キューの .imd ファイルごとに保存。"
        "新動作: secrets.yaml (0600) のみに保存し、キューには資格情報を置きません",
        "legacy: the relay (smart host) SMTP AUTH password was stored in every queued .imd file. now: only in "
        "secrets.yaml (mode 0600); the queue holds no credentials",
    ),
    "pmail.upgrade.null_sender": (
        "旧設定: MAIL FROM:<> (エラーメール) を拒否。新設定: 受け付けます (RFC 5321)",
        "legacy: MAIL FROM:<> (bounces) refused. now: accepted (RFC 5321)",
    ),
    "pmail.upgrade.incomplete_data": (
        "旧設定: タイムアウトした不完全なメールも保存。新設定: 不完全なメールは配送しません",
        "legacy: mail cut off by a timeout was stored. now: incomplete mail is never delivered",
    ),
    "pmail.upgrade.strict_sender": (
        "旧設定: 管理ドメインを名乗る存在しない差出人を受付。新設定: 拒否",
        "legacy: senders claiming a local domain without such a user were accepted. now: refused",
    ),
    "pmail.upgrade.rdns_refuse": (
        "旧設定: 逆引きできない接続元を拒否(正規のメールも届かない)。新設定: ヘッダに記録して受付",
        "legacy: clients without reverse DNS were refused (legitimate mail lost too). now: recorded in a "
        "header and accepted",
    ),
    "pmail.upgrade.banned_action": (
        "旧設定: 接続禁止の相手からも受信 ({value})。新設定: 拒否 (5xx)",
        "legacy: mail from banned hosts was still accepted ({value}). now: refused (5xx)",
    ),
    "pmail.upgrade.spf_off": (
        "旧設定: SPF を確認しない。新設定: SPF の結果をヘッダに記録",
        "legacy: SPF not checked. now: the SPF result is recorded in a header",
    ),
    "pmail.upgrade.version_banner": (
        "旧設定: 応答にソフト名とバージョンを表示。新設定: 表示しません",
        "legacy: the greeting named the software and its version. now: hidden",
    ),
    "pmail.upgrade.per_ip_unlimited": (
        "旧設定: 同一 IP からの同時接続数は無制限。新設定: {value}",
        "legacy: unlimited concurrent connections per client IP. now: {value}",
    ),
    "pmail.upgrade.unlimited": (
        "旧設定: 0 (無制限)。新設定: {value}",
        "legacy: 0 (unlimited). now: {value}",
    ),
    "pmail.upgrade.log_debug": (
        "旧設定: {label} = 3 (コマンドと応答をすべて記録)。新設定: info (認証情報は記録しません)",
        "legacy: {label} = 3 (every command and reply logged). now: info (credentials never logged)",
    ),
    "pmail.upgrade.spool_cleanup": (
        "旧設定: スプールを {minutes} 分後に自動削除 (メール消失の恐れ)。新設定: キューは自動削除しません",
        "legacy: spool files deleted after {minutes} minutes (mail could be lost). now: the queue is never "
        "deleted automatically",
    ),
    "pmail.upgrade.quota_strict": (
        "旧動作: 容量上限を超える 1 通は保存された ({account}: {quota} バイト)。新動作: 上限を厳密に守ります",
        "legacy: the message crossing the quota was still stored ({account}: {quota} bytes). now: quotas are "
        "enforced strictly",
    ),
    "pmail.upgrade.dkim_off": (
        "旧設定: DKIM 署名なし。新設定: 署名します (DNS に公開鍵の登録が必要)",
        "legacy: no DKIM signing. now: mail is signed (publish the public key in DNS)",
    ),
    "pmail.upgrade.dkim_simple": (
        "旧設定: DKIM の正規化 simple。新設定: relaxed/relaxed",
        "legacy: DKIM canonicalization simple. now: relaxed/relaxed",
    ),
    # -- decisions ---------------------------------------------------------------------------
    "pmail.decide.pop_before_smtp": (
        "POP before SMTP ({window} 秒) は差出人のメールボックスだけで判断していました(同じ差出人を名乗れば誰でも"
        "中継可)。Tayori では使いません(off)。古い端末のため残す場合は ip+account (接続元 IP とログインが一致)",
        "POP-before-SMTP ({window} s) was keyed on the sender's mailbox alone (anyone forging that sender could "
        "relay). Tayori turns it off; to keep it for old clients choose ip+account (client IP and login must "
        "match)",
    ),
    "pmail.decide.legacy_auth": (
        "APOP (常に有効) と CRAM-MD5 ({cram}; 行 {lines}) はパスワードの平文保存が必要です。既定では使いません "
        "(none)。古いメールソフトのために残す場合は apop か apop+cram-md5 を選ぶと、平文が secrets.yaml に残ります",
        "APOP (always on) and CRAM-MD5 ({cram}; lines {lines}) need plaintext passwords on disk. They are off "
        "by default (none); to keep them for old clients choose apop or apop+cram-md5 and the plaintexts stay "
        "in secrets.yaml",
    ),
    "pmail.decide.smtp25_auth": (
        "25 番ポートで SMTP 認証を要求していました。Tayori は 25 番で認証を提供しません (no)。端末を 587 に"
        "移せない場合は yes",
        "SMTP AUTH was required on port 25. Tayori does not offer AUTH on port 25 (no); choose yes if clients "
        "cannot move to port 587",
    ),
    "pmail.decide.auth_exempt": (
        "{network} は SMTP 認証なしで送信できました。既定では認証が必要です (secure-default)。"
        "複合機など認証できない機器なら trust",
        "{network} could send without SMTP AUTH. Authentication is now required (secure-default); choose "
        "trust for devices such as copiers that cannot authenticate",
    ),
    "pmail.decide.connect_allow": (
        "{network} は「無条件接続」(ローカルユーザー確認も省略)でした。既定では通常の規則を適用します "
        "(secure-default)。社内の機器なら trust",
        "{network} was an “unconditional connect” host (local-user checks skipped). Normal rules now apply "
        "(secure-default); choose trust for in-house devices",
    ),
    "pmail.decide.mta_tls_required": (
        "配信時の STARTTLS はフォールバックなし (TLS のみ) でした。そのまま required にします。"
        "TLS 非対応の相手に届かない場合は opportunistic",
        "outbound STARTTLS had no fallback (TLS only); kept as required. Choose opportunistic if mail to "
        "servers without TLS must go out",
    ),
    # -- policy ------------------------------------------------------------------------------
    "pmail.policy.unknown_domain_tag": (
        "存在しないドメインからの送信は「ヘッダに結果を追加」でした。"
        "Tayori は受け付けるだけで X-DNSEXISTS は付けません",
        "mail from non-existent domains was tagged (X-DNSEXISTS); Tayori accepts it without that header",
    ),
    "pmail.policy.max_hops": (
        "転送制限 (最大 {value} 回) に相当する設定はありません。Tayori は Received ヘッダ数で常にループを検出します",
        "no setting for the hop limit ({value}); Tayori always detects loops by counting Received headers",
    ),
    "pmail.relay.inactive": (
        "この一覧は使われていませんでした (接続フィルタは {mode} 以外のモード)。移行しません",
        "this list was not in use (the connection filter was not in {mode} mode); not migrated",
    ),
    "pmail.relay.host_rule": (
        "ホスト名による規則 ({value}) は逆引きの偽装に弱いため移行しません。IP で指定してください",
        "host-name rule ({value}) not migrated: reverse DNS can be forged; use IP addresses",
    ),
    "pmail.relay.bad_rule": ("フィルタ規則として読めません: {value}", "not a readable filter rule: {value}"),
    "pmail.relay.pass_wildcard": (
        "ワイルドカードの PASS 規則 ({value}) は信頼の対象にしません",
        "wildcard PASS rule ({value}) is not turned into trust",
    ),
    # -- delivery ----------------------------------------------------------------------------
    "pmail.delivery.retry_ticks": (
        "MTA再送カウント {counts} は時間ではなくスプール確認の回数 (1 回 = {tick_ms} ms) と解釈しました: "
        "再送 {schedule} 秒後、{give_up} 秒でエラー返送",
        "MTA retry counts {counts} read as spool checks, not seconds (one check = {tick_ms} ms): retries at "
        "{schedule} s, bounce at {give_up} s",
    ),
    "pmail.delivery.retry_order": (
        "MTA再送カウント {value} は増加する順ではありません。既定の再送間隔を使います",
        "MTA retry counts {value} are not increasing; the default schedule is used",
    ),
    "pmail.delivery.disabled": (
        "MTA (外部配信) は無効でした。Tayori は配信します",
        "the MTA (delivery) was off; Tayori delivers mail",
    ),
    "pmail.delivery.pending": (
        "ペンディング通知のタイミング {value} に相当する設定はありません (既定の遅延通知を使います)",
        "no equivalent for the pending-notice timing {value} (the default delay warning is used)",
    ),
    "pmail.delivery.hours": (
        "MTA実行時刻 {value} の制限はありません。常時配信します",
        "delivery hours {value} are not supported; mail is delivered at any time",
    ),
    "pmail.route.bad": ("転送の行を読めません", "the routing row cannot be read"),
    "pmail.route.rewrite": (
        "変換ホスト名 {value} (宛先ドメインの書き換え) は移行しません",
        "recipient domain rewriting to {value} is not migrated",
    ),
    "pmail.route.auth": ("転送先認証の方式 {value} は不明です", "unknown relay authentication method {value}"),
    "pmail.logging.not_daily": (
        "ログファイル名 {value} は日付 (%d) を含みません。Tayori のログは日ごとに切り替わります",
        "log file name {value} has no day (%d); Tayori rotates logs daily",
    ),
    # -- domains -----------------------------------------------------------------------------
    "pmail.domain.bad": ("ドメイン名として読めません: {value}", "not a domain name: {value}"),
    "pmail.domain.duplicate": ("ドメイン {value} が重複しています", "domain {value} is listed twice"),
    "pmail.domain.catch_all": ("非ローカルアドレス受信の宛先 {value} が不正です", "bad catch-all target {value}"),
    "pmail.domain.plus_char": (
        "拡張アドレスの区切り文字 {value} は移行しません (+ のみ)",
        "sub-address separator {value} is not migrated (only + is)",
    ),
    "pmail.domain.dkim_bad": ("DKIM のドメイン別設定を読めません: {value}", "cannot read the DKIM domain row: {value}"),
    "pmail.domain.dkim_key": (
        "{domain} の DKIM 秘密鍵 ({path}) は Windows 上のファイルです。"
        "`tayori dkim` で取り込むか新しい鍵を作ってください",
        "the DKIM private key of {domain} ({path}) is a file on the Windows machine; import it with `tayori "
        "dkim` or make a new key",
    ),
    # -- accounts ----------------------------------------------------------------------------
    "pmail.account.missing": ("account.dat が見つかりません", "account.dat was not found"),
    "pmail.account.empty": ("account.dat は空です", "account.dat is empty"),
    "pmail.account.form": (
        "account.dat を {form} 形式として読みました ({count} アカウント; 形式は推定)",
        "account.dat read as {form} ({count} accounts; the layout is a reconstruction)",
    ),
    "pmail.account.record_size": (
        "account.dat: レコード長 {record} がファイルサイズ {size} を割り切れません。推測はせず読み込みません",
        "account.dat: record size {record} does not divide file size {size}; not read rather than guessed",
    ),
    "pmail.account.not_records": (
        "account.dat: テキストでも {record} バイトのレコードでもありません (ファイルサイズ {size})。読み込みません",
        "account.dat: neither text nor {record}-byte records (file size {size}); not read",
    ),
    "pmail.account.field_count": (
        "項目数が {count} です ({expected} 項目を想定)",
        "{count} fields ({expected} expected)",
    ),
    "pmail.account.bad_name": ("{field} が空か不正な文字を含みます", "{field} is empty or has invalid characters"),
    "pmail.account.bad_type": (
        "{account}: 不明なアカウント種別です (通常 / メーリングリスト のみ)",
        "{account}: unknown account type (only normal and mailing list exist)",
    ),
    "pmail.account.bad_number": ("{account}: {field} が数値ではありません", "{account}: {field} is not a number"),
    "pmail.account.bad_record": ("レコードを読めません", "the record cannot be read"),
    "pmail.account.bad_address": ("{address} はメールアドレスとして使えません", "{address} is not a usable address"),
    "pmail.account.unknown_domain": (
        "{account}: ドメイン {domain} は管理ドメインにありません",
        "{account}: domain {domain} is not a managed domain",
    ),
    "pmail.account.duplicate": ("{account}: {address} は既にあります", "{account}: {address} already exists"),
    "pmail.account.no_password": (
        "{account} にはパスワードがありません。設定するまでログインできません",
        "{account} has no password; logins are refused until one is set",
    ),
    "pmail.account.login_name": (
        "旧動作: ログイン名はアカウント ID「{account}」。新動作: ログイン名はアドレス {address}",
        "legacy: the login was the account ID “{account}”. now: the login is the address {address}",
    ),
    "pmail.account.send_other": (
        "{account}: 「送信…」列の値 {value} は意味が不明のため移行しません",
        "{account}: the truncated “送信…” column value {value} has unknown meaning; not migrated",
    ),
    "pmail.account.shared_box": (
        "旧動作: {account} は同じボックスを共有。新動作: {target} への別名",
        "legacy: {account} shared a mailbox. now: an alias to {target}",
    ),
    "pmail.list.members": (
        "メーリングリスト {address} の登録者ファイルは形式が非公開のため読めません。登録者を追加してください",
        "the member files of list {address} are in an unpublished format; add the members",
    ),
    "pmail.list.limits": (
        "メーリングリスト {address} の最大容量 {quota} / 送信制限 {send} / 送信… {other} に相当する設定はありません",
        "list {address}: quota {quota} / send limit {send} / “送信…” {other} have no equivalent for lists",
    ),
    "pmail.accounts.legacy_auth_kept": (
        "{mechanisms} を残すため、{count} アカウントの平文パスワードを secrets.yaml に保存します",
        "to keep {mechanisms}, the plaintext passwords of {count} accounts are kept in secrets.yaml",
    ),
    # -- mailboxes ---------------------------------------------------------------------------
    "pmail.mailbox.no_spool": ("spool フォルダがありません", "there is no spool folder"),
    "pmail.mailbox.messages": (
        "{address} に {count} 通のメールがあります。`tayori import-mail` で取り込んでください",
        "{address} holds {count} messages; bring them over with `tayori import-mail`",
    ),
    "pmail.mailbox.addon": ("アドオン (addon.txt) は移行しません", "add-ons (addon.txt) are not migrated"),
    "pmail.queue.pending": (
        "送信キューに {count} 通が残っています。切り替え前に配信を終えてください",
        "{count} messages are still queued; let them go out before switching over",
    ),
    "pmail.maintenance": ("{file}: メンテナンス中でした", "{file}: the service was in maintenance mode"),
    # -- forward.txt -------------------------------------------------------------------------
    "pmail.forward.no_action": (
        "動作 (NONE/DELETE/FILTERNONE/FILTERDELETE/SUBJECTONLY/FILTERSUBJECTONLY) がありません",
        "no action (NONE/DELETE/FILTERNONE/FILTERDELETE/SUBJECTONLY/FILTERSUBJECTONLY)",
    ),
    "pmail.forward.bad_target": ("転送先が不正です: {target}", "bad forward target: {target}"),
    "pmail.forward.bad_filter": ("フィルタが不正です: {filter}", "bad filter: {filter}"),
    "pmail.forward.no_filter": ("{action} にフィルタがありません", "{action} without a filter"),
    "pmail.forward.disabled": (
        "無効化された行です (フラグ {flag})。移行しません",
        "disabled line (flag {flag}); not migrated",
    ),
    "pmail.forward.subject_only": (
        "件名のみの転送 (SUBJECTONLY) に相当する機能はありません",
        "subject-only forwarding (SUBJECTONLY) has no equivalent",
    ),
    "pmail.forward.later_rule": (
        "2 行目以降の転送規則 ({action}) は移行しません (Tayori の転送は 1 アカウント 1 件)",
        "a further forward rule ({action}) is not migrated (Tayori keeps one forward per account)",
    ),
    "pmail.forward.filters_ignored": (
        "NONE/DELETE ではフィルタ項目は使われていませんでした",
        "filters are not used by NONE/DELETE; ignored",
    ),
    # -- filter.txt --------------------------------------------------------------------------
    "pmail.filter.bad_header": ("FILTERxxxx 行を読めません", "cannot read the FILTERxxxx line"),
    "pmail.filter.duplicate": ("フィルタ番号 {number} が重複しています", "filter number {number} is used twice"),
    "pmail.filter.no_block": ("FILTER{number} に FILTERSTART がありません", "FILTER{number} has no FILTERSTART"),
    "pmail.filter.unterminated": ("FILTER{number} に FILTEREND がありません", "FILTER{number} has no FILTEREND"),
    "pmail.filter.orphan_line": (
        "終わっていないフィルタ {number} の行です",
        "a line of filter {number}, which is not terminated",
    ),
    "pmail.filter.number_mismatch": (
        "フィルタ {number} の番号と合いません",
        "the number does not match filter {number}",
    ),
    "pmail.filter.stray_line": ("フィルタの外にある行です", "a line outside any filter"),
    "pmail.filter.unsupported": (
        "{type} フィルタ「{name}」(行 {lines}) は移行しません。ウイルス対策 (ClamAV など) を検討してください",
        "{type} filter “{name}” (lines {lines}) is not migrated; consider a virus scanner (e.g. ClamAV)",
    ),
    "pmail.filter.disabled": (
        "SMTP フィルタは無効でした。フィルタ「{name}」(行 {lines}) は移行しません",
        "the SMTP filter was off; filter “{name}” (lines {lines}) is not migrated",
    ),
    "pmail.filter.mapped": (
        "{type} フィルタ「{name}」(行 {lines}) をキーワード {count} 件の規則 ({action}) にしました",
        "{type} filter “{name}” (lines {lines}) became {count} keyword rules ({action})",
    ),
}

register(MESSAGES)
