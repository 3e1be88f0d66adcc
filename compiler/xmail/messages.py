"""Report texts of the XMail reader (Japanese first, then English, same parameters)."""

from __future__ import annotations

from tayori.compiler.messages import register

MESSAGES: dict[str, tuple[str, str]] = {
    # -- .tab grammar ----------------------------------------------------------------------
    "xmail.tab.backslash": (
        "XMail はこの行を別の値として読んでいました (全角文字の 2 バイト目 0x5C を \\ と解釈)。"
        "Tayori の値: {tayori} / XMail が使っていた値: {xmail}",
        "XMail read this line differently (a CP932 trail byte 0x5C taken as a backslash). "
        "Tayori's value: {tayori} / the value XMail used: {xmail}",
    ),
    "xmail.tab.bom": (
        "UTF-8 の BOM があります。XMail は BOM を 1 行目のデータとして読むため、1 行目は XMail では無効でした",
        "the file starts with a UTF-8 BOM; XMail read the BOM as data, so its first line did not work in XMail",
    ),
    "xmail.tab.unterminated": (
        '閉じる " がありません。XMail と同じくフィールドの残りを値としました',
        "a quoted field has no closing quote; like XMail, the rest of the field was taken as the value",
    ),
    "xmail.tab.dropped": (
        '閉じる " の後の文字 ({text}) は XMail でも無視されていました',
        "text after a closing quote ({text}) was dropped, as XMail dropped it",
    ),
    "xmail.tab.overlong": (
        "行が長すぎます ({size} バイト)。XMail はこの行を途中で分割して読んでいました",
        "the line is too long ({size} bytes): XMail read it in pieces",
    ),
    "xmail.tab.fields": (
        "フィールド数が {found} です ({expected} 必要)。XMail はこの行を無視していました",
        "the line has {found} fields ({expected} needed); XMail ignored it",
    ),
    "xmail.invalid": ("プロファイルに取り込めない値です: {problem}", "a value the profile cannot take: {problem}"),
    "xmail.duplicate": (
        "重複しています。XMail と同じく最初の定義 ({first}) を使います",
        "duplicate entry; the first one ({first}) wins, as in XMail",
    ),
    "xmail.net.invalid": ("アドレス指定を解釈できません: {problem}", "address filter not understood: {problem}"),
    "xmail.password.undecodable": (
        "{address} のパスワードを復号できません。XMail もこの行を無視していました",
        "the password of {address} does not decode; XMail ignored this record too",
    ),
    # -- server.tab ------------------------------------------------------------------------
    "xmail.server.missing": ("server.tab がありません", "server.tab is missing"),
    "xmail.server.unknown": (
        "未知の設定 {name} です (XMail 1.27 は読みません)",
        "unknown variable {name} (XMail 1.27 does not read it)",
    ),
    "xmail.server.case": (
        "{name} は {known} の大文字小文字違いです。XMail は区別するため無視していました",
        "{name} differs from {known} only in case; XMail compares names exactly and ignored it",
    ),
    "xmail.server.obsolete": (
        "{name} は古い設定で、XMail 1.27 は無視していました",
        "{name} is obsolete; XMail 1.27 ignored it",
    ),
    "xmail.server.typo": (
        "{name} は XMailCFG 画面の綴り違いです。XMail は無視していました ({real} として読みます)",
        "{name} is the XMailCFG screen's misspelling; XMail ignored it (read as {real})",
    ),
    "xmail.server.duplicate": (
        "{name} が重複しています。XMail と同じく {first} 行目を使います",
        "{name} is set twice; line {first} wins, as in XMail",
    ),
    "xmail.server.extra_fields": (
        "{name} の 3 番目以降のフィールドは XMail でも無視されていました",
        "fields after the second of {name} were ignored by XMail too",
    ),
    "xmail.server.pop3domain": (
        "POP3Domain ({value}): ドメインなしのログイン名は使えなくなります。利用者は user@domain でログインしてください",
        "POP3Domain ({value}): logins without a domain are not accepted; users log in with user@domain",
    ),
    "xmail.server.dns": (
        "SmartDNSHost ({value}) を DNS サーバとして取り込めません",
        "SmartDNSHost ({value}) could not be used as resolver addresses",
    ),
    "xmail.server.unlimited_size": (
        "{name}=0 (無制限) は安全な上限 (50M) に置き換えました",
        "{name}=0 (unlimited) was replaced by a safe limit (50M)",
    ),
    "xmail.server.unlimited_errors": (
        "{name}=0 (無制限) は安全な上限 (10) に置き換えました",
        "{name}=0 (unlimited) was replaced by a safe limit (10)",
    ),
    "xmail.server.gw_tls": (
        "送信時 TLS: XMail は使っていませんでした (NeedTLS=0)。Tayori は可能なら TLS を使います",
        "outgoing TLS: XMail did not use it (NeedTLS=0); Tayori uses TLS when the peer offers it",
    ),
    "xmail.server.outbind": (
        "送信元 IP アドレスの指定 (OutBind={value}) は取り込みません",
        "the outgoing source address (OutBind={value}) is not carried over",
    ),
    "xmail.server.report.gw_sub": (
        "{name} ({value}) は XMail 1.27 が読まない画面上の項目です (SmtpGwConfig を使います)",
        "{name} ({value}) is a screen sub-field XMail 1.27 does not read (SmtpGwConfig is used)",
    ),
    "xmail.server.report.reply_text": (
        "{name}: 独自の応答文 ({value}) は取り込みません。Tayori 標準の応答になります",
        "{name}: the custom reply text ({value}) is not carried over; Tayori's standard replies are used",
    ),
    "xmail.server.log_passwords": (
        "{name}={value}: XMail はパスワードをログに記録していました。Tayori は記録しません",
        "{name}={value}: XMail wrote passwords to its log; Tayori never does",
    ),
    "xmail.server.report.received_header": (
        "Received: ヘッダの IP 表示方法 ({value}) は取り込みません",
        "how Received: shows addresses ({value}) is not carried over",
    ),
    "xmail.server.report.auth_header": (
        "X-AuthUser: ヘッダの設定 ({value}) は取り込みません",
        "the X-AuthUser: header setting ({value}) is not carried over",
    ),
    "xmail.server.report.hops": (
        "配送処理の最大ステップ数 ({value}) は取り込みません (Tayori は標準のループ検出を使います)",
        "the loop limit ({value}) is not carried over (Tayori uses its standard loop detection)",
    ),
    "xmail.server.report.etrn": (
        "{name}={value}: ETRN は Tayori にありません",
        "{name}={value}: Tayori has no ETRN",
    ),
    "xmail.server.report.resource_guard": (
        "{name} ({value} KB): 空き容量による受付制限は取り込みません",
        "{name} ({value} KB): refusing service on low free space is not carried over",
    ),
    "xmail.server.report.ctrl": (
        "{name}: XMail の管理ポート (CTRL) は移行しません",
        "{name}: XMail's admin port (CTRL) is not migrated",
    ),
    "xmail.server.report.client_cert": (
        "{name}={value}: クライアント証明書の設定は取り込みません",
        "{name}={value}: client-certificate settings are not carried over",
    ),
    "xmail.server.report.bounce_format": (
        "{name}={value}: エラー通知の書式設定は取り込みません",
        "{name}={value}: the bounce format setting is not carried over",
    ),
    "xmail.server.report.frozen": (
        "{name}={value}: Tayori は配送できなかったメールをエラー通知の後に削除します",
        "{name}={value}: Tayori removes undeliverable mail after bouncing it",
    ),
    "xmail.server.report.delay_warning": (
        "{name} ({value}): 遅延通知は Tayori の delivery.delay_warning_after で 1 回だけ送られます",
        "{name} ({value}): Tayori warns once, after delivery.delay_warning_after",
    ),
    "xmail.server.report.delay_copy": (
        "{name} ({value}): 一時エラー通知のコピー先は取り込みません",
        "{name} ({value}): copies of delay notices are not carried over",
    ),
    "xmail.server.report.psync": (
        "{name} ({value}): POP3 取り込み (PSYNC) は移行しません",
        "{name} ({value}): POP3 fetching (PSYNC) is not migrated",
    ),
    "xmail.server.report.local_rule": (
        "{name}={value}: ローカライズ版のアドレス規則緩和は Tayori にありません (RFC どおりのアドレスのみ)",
        "{name}={value}: the localized build's relaxed address rule has no equivalent (RFC addresses only)",
    ),
    "xmail.server.smtpconfig": (
        "{name}: XMail は {ip}:{port} で待ち受けていました ({tokens})。Tayori の {listeners} に対応します",
        "{name}: XMail listened on {ip}:{port} ({tokens}); it maps to Tayori's {listeners}",
    ),
    "xmail.server.smtpconfig_port": (
        "{name}: ポート {port} は Tayori の待ち受けにありません",
        "{name}: port {port} is not one of Tayori's listeners",
    ),
    "xmail.server.smtpconfig_tokens": (
        "{name}: 未知のオプション {tokens} は XMail でも無視されていました",
        "{name}: unknown options {tokens} were ignored by XMail too",
    ),
    "xmail.server.pop_before_smtp_default": (
        "EnableAuthSMTP-POP3 がないため XMail の既定 (有効) で POP before SMTP を引き継ぎました",
        "EnableAuthSMTP-POP3 is absent: POP-before-SMTP is kept on, XMail's default",
    ),
    "xmail.server.rdns_delay": (
        "{name}={value}: 逆引きできない相手への遅延は取り込みません",
        "{name}={value}: delaying clients without reverse DNS is not carried over",
    ),
    "xmail.server.dnsbl_delay": (
        "{name}: 遅延指定のブラックリスト ({zones}) は取り込みません",
        "{name}: block lists used for delays ({zones}) are not carried over",
    ),
    "xmail.server.dnsbl_auth_only": (
        "{name}: ブラックリスト {zones} (コード 0) に載った相手を XMail は認証すれば受け付けていました。"
        "Tayori は接続時に拒否します",
        "{name}: XMail let clients listed at {zones} (code 0) in once they authenticated; Tayori refuses them "
        "at connect",
    ),
    "xmail.server.rdns_auth": (
        "{name}=1: 逆引きできない相手を XMail は認証すれば受け付けていました。Tayori は接続時に拒否します",
        "{name}=1: XMail let clients without reverse DNS in once they authenticated; Tayori refuses them at connect",
    ),
    "xmail.server.smtp_tls_off": (
        "{name}=0: XMail は STARTTLS を提供していませんでした。Tayori は提供します",
        "{name}=0: XMail offered no STARTTLS; Tayori does",
    ),
    "xmail.server.pop3_plaintext": (
        "POP3 ({name}={value}): XMail は暗号化なしのパスワードを受け付けていました。"
        "Tayori は STLS の後 (または 995 番) でのみログインを受け付けます",
        "POP3 ({name}={value}): XMail accepted passwords without encryption; "
        "Tayori accepts logins only after STLS (or on port 995)",
    ),
    "xmail.server.auth_without_tls": (
        "SMTP AUTH: XMail は TLS なしの認証 ({mechanisms}) を受け付けていました。Tayori は TLS の後だけです",
        "SMTP AUTH: XMail accepted authentication without TLS ({mechanisms}); Tayori only after TLS",
    ),
    "xmail.auth.sender_match": (
        "XMail 1.27 は認証ユーザの送信者アドレスを確認していませんでした。Tayori は本人のアドレス "
        "(と send_as) 以外を拒否します",
        "XMail 1.27 never checked the sender address of an authenticated user; Tayori refuses addresses "
        "the login does not own (its own and send_as)",
    ),
    "xmail.listeners.smtp_pop_before_smtp": (
        "POP before SMTP は XMail と同じく 25 番でも使えます (接続元 IP と送信者アカウントで照合、900 秒)",
        "POP-before-SMTP keeps working on port 25, as in XMail (client IP and sender account, 900 s)",
    ),
    "xmail.listeners.smtp_auth_upgraded": (
        "XMail は 25 番でも SMTP AUTH を受け付けていました。587 番が使われていたため、"
        "Tayori は 25 番で AUTH を提供しません (送信は 587/465)",
        "XMail offered SMTP AUTH on port 25 too; since port 587 was in use, Tayori offers no AUTH on 25 "
        "(submission on 587/465)",
    ),
    "xmail.listeners.smtp_auth_decide": (
        "XMail は 25 番で SMTP AUTH を受け付けていました。25 番で AUTH を続けますか (既定: いいえ、587/465 を使用)",
        "XMail offered SMTP AUTH on port 25. Keep AUTH on port 25? (default: no, use 587/465)",
    ),
    "xmail.auth.legacy_decide": (
        "XMail は全アカウント ({accounts} 件) で APOP と CRAM-MD5 を使えました。残すには平文パスワードを "
        "secrets.yaml に保存する必要があります。残しますか (既定: 残さない)",
        "XMail allowed APOP and CRAM-MD5 for every account ({accounts}); keeping them needs the plaintext "
        "passwords in secrets.yaml. Keep them? (default: no)",
    ),
    # -- domains and accounts -----------------------------------------------------------------
    "xmail.domains.missing": ("domains.tab がありません", "domains.tab is missing"),
    "xmail.mailusers.missing": ("mailusers.tab がありません", "mailusers.tab is missing"),
    "xmail.aliasdomain.unknown": (
        "別名の実ドメイン {domain} はローカルドメインではありません",
        "the real domain {domain} of this domain alias is not local",
    ),
    "xmail.aliasdomain.wildcard": (
        "ワイルドカードのドメイン別名 {alias} は Tayori で表現できません。必要なドメインを個別に追加してください",
        "the wildcard domain alias {alias} cannot be expressed; add the domains you need one by one",
    ),
    "xmail.mailusers.unknown_domain": (
        "{address}: ドメイン {domain} は domains.tab にありません (XMail でも使えませんでした)",
        "{address}: the domain {domain} is not in domains.tab (it did not work in XMail either)",
    ),
    "xmail.mailusers.type": ("アカウント種別 {type} が不正です", "invalid account type {type}"),
    "xmail.mailusers.nodir": (
        "{address} のフォルダ {dir} がありません",
        "the folder {dir} of {address} is missing",
    ),
    "xmail.list.login": (
        "メーリングリスト {address} のパスワードは移行しません (リストはログインしません)",
        "the password of the mailing list {address} is not migrated (lists do not log in)",
    ),
    "xmail.list.var": (
        "リスト設定 {name} ({value}) は取り込みません",
        "list setting {name} ({value}) is not carried over",
    ),
    "xmail.list.extra": ("リストの {file} は取り込みません", "the list's {file} is not carried over"),
    "xmail.list.auth_member": (
        "{address} (A 権限: SMTP 認証名で照合) は送信者アドレスでの照合になります",
        "{address} (perm A: matched on the AUTH login) is matched on the sender address instead",
    ),
    "xmail.user.info": ("{name} ({value}) は取り込みません", "{name} ({value}) is not carried over"),
    "xmail.user.authuser": (
        "DisableEmitAuthUser ({value}) は取り込みません",
        "DisableEmitAuthUser ({value}) is not carried over",
    ),
    "xmail.user.listvar": (
        "{name} はリスト用の設定で、通常アカウントでは使われていませんでした",
        "{name} is a list setting; it had no effect on a user account",
    ),
    "xmail.user.unknown": (
        "未知の設定 {name} ({value}) は取り込みません",
        "unknown variable {name} ({value}) not carried over",
    ),
    "xmail.user.perms": (
        "{count} アカウントの SMTP 権限 {letters} (V/T/Z/S) は Tayori にありません (例: {examples})",
        "SMTP permissions {letters} (V/T/Z/S) of {count} account(s) have no equivalent (e.g. {examples})",
    ),
    "xmail.user.no_mailauth": (
        "{address} には M 権限がなく、MailAuth の待ち受けでは送信できませんでした",
        "{address} lacks perm M and could not send on MailAuth listeners",
    ),
    "xmail.user.pop3_ipmap": (
        "{address} の POP3 接続元制限は取り込みません",
        "the POP3 client restriction of {address} is not carried over",
    ),
    "xmail.mail.stored": (
        "保存メール {count} 通 ({mailboxes} 個のメールボックス) は tayori import-mail で移行します",
        "{count} stored messages in {mailboxes} mailbox(es): migrate them with tayori import-mail",
    ),
    "xmail.mailproc.srs": (
        "転送 (redirect) {count} 件 (例: {examples}): XMail は元の送信者のまま転送していました。"
        "Tayori は SRS で書き換えます (転送先の SPF 検査で拒否されないため)",
        "{count} forward(s) (redirect, e.g. {examples}): XMail kept the original sender; Tayori rewrites it "
        "with SRS (so the receiving server's SPF check passes)",
    ),
    "xmail.mailproc.no_mailbox": (
        "{address}: mailproc.tab に mailbox がなく、XMail はメールを保存していませんでした",
        "{address}: mailproc.tab has no mailbox line, so XMail kept no local copy",
    ),
    "xmail.proc.program": (
        "{command}: 外部プログラムの実行は移行しません (安全な代替がありません)",
        "{command}: running external programs is not migrated (no safe equivalent)",
    ),
    "xmail.proc.smtprelay": (
        "{command}: 指定リレーへの送信は取り込みません",
        "{command}: sending through given relays is not carried over",
    ),
    "xmail.proc.unknown": (
        "コマンド {command} はここでは使えません (XMail も無視)",
        "command {command} is not valid here (XMail skipped it)",
    ),
    "xmail.aliases.domain": (
        "{domain} はローカルドメインではないため、この別名は XMail でも使われていませんでした",
        "{domain} is not a local domain, so XMail never used this alias",
    ),
    "xmail.aliases.pattern": (
        "{alias}: ? や [ ] のワイルドカードは Tayori で表現できません",
        "{alias}: ? and [ ] wildcards cannot be expressed",
    ),
    "xmail.aliases.target": (
        "転送先 {target} はローカルアカウントではありません。XMail はこの別名宛を拒否していました (550)",
        "the target {target} is not a local account; XMail refused mail for this alias (550)",
    ),
    "xmail.aliases.shadowed": (
        "{address} は実在アカウントと同名のため、XMail でも使われていませんでした",
        "{address} has the name of a real account, which XMail used instead",
    ),
    "xmail.extaliases.target": (
        "ローカルアカウント {target} がありません",
        "the local account {target} does not exist",
    ),
    "xmail.extaliases.send_as": (
        "{external} を {address} の送信者アドレスとして許可しました (Reply-To の書き換えは行いません)",
        "{external} may be used as sender by {address} (Reply-To is not rewritten)",
    ),
    "xmail.cmdaliases.domain": ("{domain} はローカルドメインではありません", "{domain} is not a local domain"),
    "xmail.cmdaliases.account": (
        "{address} 宛は XMail では cmdaliases が優先され、メールボックスには届いていませんでした。"
        "同じ動作になるよう、保存なしの転送として移行しました",
        "XMail checked cmdaliases before accounts, so {address}'s mailbox never got this mail; it is migrated "
        "as a forward without a local copy",
    ),
    "xmail.aliases.cmdalias": (
        "{address} は {cmdalias} (cmdaliases) が優先されていたため、この別名は使われていませんでした",
        "{address} was answered by {cmdalias} (cmdaliases) first, so XMail never used this alias",
    ),
    "xmail.cmdaliases.shadows": (
        "{address} はメーリングリストと重なります。XMail は cmdaliases を優先していましたが、リストを残しました",
        "{address} is also a mailing list; XMail used the cmdalias first, but the list is kept",
    ),
    "xmail.custdomains.wildcard": (
        "ワイルドカードの custdomain ({pattern}) は取り込みません",
        "the wildcard custdomain ({pattern}) is not carried over",
    ),
    "xmail.custdomains.local": (
        "{domain} はローカルドメインのため、XMail はこのファイルを使いませんでした",
        "{domain} is a local domain, so XMail did not use this file",
    ),
    "xmail.custdomains.targets": (
        "{domain}: 複数の転送先は取り込みません",
        "{domain}: several targets are not carried over",
    ),
    "xmail.custdomains.remote": (
        "転送先ドメイン {target} はローカルではないため取り込みません",
        "the target domain {target} is not local; not carried over",
    ),
    "xmail.custdomains.upgrade": (
        "{domain} → {target}: XMail は存在しない宛先も受け取ってから返送していました。"
        "Tayori は受信時に拒否します (バックスキャッタ防止)",
        "{domain} → {target}: XMail accepted unknown recipients and bounced them later; Tayori refuses them "
        "at RCPT (no backscatter)",
    ),
    # -- relay and access -------------------------------------------------------------------
    "xmail.relay.no_file": (
        "smtprelay.tab がないため、XMail は IP によるリレーを許可していませんでした",
        "smtprelay.tab is missing, so XMail allowed no relaying by client address",
    ),
    "xmail.relay.open": (
        "{network} からのリレー許可はオープンリレーです。取り込みません (認証が必要になります)",
        "relaying for {network} is an open relay; not carried over (AUTH is needed instead)",
    ),
    "xmail.ipmap.dropcode0": (
        "{network}: SMTP-IpMapDropCode=0 は XMail 1.27 では実際には効いていませんでした (許可されていた)。"
        "Tayori は本来の意味 (認証した場合のみ受付) で適用します",
        "{network}: SMTP-IpMapDropCode=0 was never enforced by XMail 1.27 (the client was let in); Tayori "
        "applies the documented meaning (only after AUTH)",
    ),
    "xmail.ipmap.delay": ("{seconds} 秒の遅延は取り込みません", "the {seconds} s delay is not carried over"),
    "xmail.spammers.delay": ("{seconds} 秒の遅延は取り込みません", "the {seconds} s delay is not carried over"),
    "xmail.ipprop.vars": (
        "接続元ごとの設定 {names} は取り込みません",
        "per-client properties {names} are not carried over",
    ),
    "xmail.spam_address.pattern": (
        "送信者パターン {pattern} は Tayori で表現できません",
        "the sender pattern {pattern} cannot be expressed",
    ),
    "xmail.hnprop": ("ホスト名ごとの SMTP 設定は取り込みません", "per-host-name SMTP properties are not carried over"),
    "xmail.extauth": (
        "外部プログラムによる SMTP 認証は移行しません",
        "SMTP authentication by external programs is not migrated",
    ),
    "xmail.pop3_ipmap": ("POP3 の接続元制限は取り込みません", "POP3 client restrictions are not carried over"),
    "xmail.ctrlaccounts": (
        "管理ポート (CTRL) のアカウント {user} は移行しません",
        "the admin-port (CTRL) account {user} is not migrated",
    ),
    "xmail.smtpauth.domain": (
        "SMTP 認証ユーザ {user} を置くローカルドメインがありません",
        "no local domain to hold the SMTP AUTH user {user}",
    ),
    "xmail.smtpauth.shadowed": (
        "{user}: 同名のアカウントがあり、XMail はそちらのパスワードを使っていました",
        "{user}: an account has this name, and XMail used its password",
    ),
    "xmail.smtpauth.taken": ("{user}: {address} は既に使われています", "{user}: {address} is already taken"),
    "xmail.smtpauth.login": (
        "送信専用ユーザ {user} のログイン名は {address} になります。機器の設定を変更してください",
        "the send-only login {user} becomes {address}; change the device's settings",
    ),
    # -- routing -------------------------------------------------------------------------------
    "xmail.routes.auth_tls": (
        "{host}: XMail は TLS なし ({legacy}) でも中継サーバにパスワードを送っていました。"
        "Tayori は STARTTLS 必須にします",
        "{host}: XMail could send the relay password without TLS ({legacy}); Tayori requires STARTTLS",
    ),
    "xmail.routes.shuffled": (
        "中継サーバの順序のランダム化 (#) は取り込みません",
        "random order of relays (#) is not carried over",
    ),
    "xmail.smtpgw.route": ("複数ホストの経路指定は取り込みません", "multi-hop source routes are not carried over"),
    "xmail.userauth_smtp.ignored": ("XMail は最初の行しか使いません", "XMail uses only the first line"),
    "xmail.userauth_smtp.mech": (
        "認証方式 {mechanism} は未確認です",
        "authentication mechanism {mechanism} is unverified",
    ),
    "xmail.userauth_smtp.unused": (
        "{host} 宛の送信認証は中継経路で使われていないため取り込みません",
        "outgoing AUTH for {host} is used by no route; not carried over",
    ),
    "xmail.pop3links": (
        "POP3 取り込み {remote} → {local} ({options}) は移行しません (Tayori にありません)",
        "POP3 fetching {remote} → {local} ({options}) is not migrated (Tayori has no equivalent)",
    ),
    # -- filters and other files ---------------------------------------------------------------
    "xmail.filters.selection": (
        "{table}: 外部フィルタは移行しません",
        "{table}: external filters are not migrated",
    ),
    "xmail.filters.command": (
        "フィルタのコマンドは移行しません (外部プログラム)",
        "filter commands are not migrated (external programs)",
    ),
    "xmail.userauth_pop3": (
        "外部プログラムによる POP3 認証は移行しません",
        "POP3 authentication by external programs is not migrated",
    ),
    "xmail.xmailcfg": (
        "XMailCFG の機能 (自動応答・振り分け・ML タグ等) は移行されていません ({file})",
        "XMailCFG-managed features (auto-reply, forwarding rules, ML tags, …) were not migrated ({file})",
    ),
    "xmail.file.userdef": (
        "{file}: 新規アカウントの既定値は取り込みません",
        "{file}: defaults for new accounts are not carried over",
    ),
    "xmail.file.ctrl": ("{file}: 管理ポート (CTRL) は移行しません", "{file}: the admin port (CTRL) is not migrated"),
    "xmail.file.finger": ("{file}: finger サービスは移行しません", "{file}: the finger service is not migrated"),
    "xmail.file.dnsroots": ("{file}: Tayori は DNS リゾルバを使います", "{file}: Tayori uses DNS resolvers"),
    "xmail.file.tls": (
        "{file}: 証明書と鍵は自動では移行しません (tls.cert / tls.key で指定)",
        "{file}: certificates and keys are not migrated automatically (set tls.cert / tls.key)",
    ),
    "xmail.spool.frozen": (
        "配送できずに凍結されたメールが {count} 通あります (移行しません)",
        "{count} frozen (undeliverable) messages in the spool are not migrated",
    ),
}

register(MESSAGES)
