"""The E-Post reader's report messages (Japanese first, English second, the same `{params}`)."""

from __future__ import annotations

from tayori.compiler.messages import register

MESSAGES: dict[str, tuple[str, str]] = {
    "epost.invalid": (
        "{what} をプロファイルに変換できません: {problem}",
        "{what} cannot be put in the profile: {problem}",
    ),
    "epost.reg.bad_domain": (
        "運用ドメインとして使えない名前です: {value}",
        "not usable as local domain names: {value}",
    ),
    "epost.reg.missing": (
        "レジストリのバックアップ (backup\\epst-ms.reg) がありません。ドメイン・エイリアス・メーリングリスト・サービス"
        "設定は移行されません",
        "no registry backup (backup\\epst-ms.reg): domains, aliases, lists and service settings are not migrated",
    ),
    "epost.reg.no_header": (
        "レジストリファイルの先頭行がありません (REGEDIT4 / Version 5.00)",
        "the registry file has no REGEDIT4 / Version 5.00 header",
    ),
    "epost.reg.bad_key": (
        "キーの行を読み取れません",
        "the key line cannot be read",
    ),
    "epost.reg.bad_line": (
        "レジストリファイルとして読み取れない行です",
        "not a registry file line",
    ),
    "epost.reg.value_outside_key": (
        "キーの外にある値です",
        "a value outside any key",
    ),
    "epost.reg.bad_value": (
        "値 {name} を読み取れません {value}",
        "the value {name} cannot be read {value}",
    ),
    "epost.reg.delete": (
        "キー削除 ({key}) の行は移行しません",
        "the key deletion ({key}) is not migrated",
    ),
    "epost.reg.unknown": (
        "{key} の値 {name} は Tayori に対応するものがありません",
        "{key} value {name} has no Tayori equivalent",
    ),
    "epost.reg.postmaster_bare": (
        "管理者アカウント {value} にドメインがありません。{address} として扱います",
        "the administrator account {value} has no domain; {address} is used",
    ),
    "epost.reg.windows_accounts": (
        "Windows/AD アカウント管理 (UserManager={value}) のパスワードは移行できません。利用者ごとにパスワードの再設定"
        "が必要です",
        "Windows/AD accounts (UserManager={value}): passwords cannot be migrated; every user needs a new password",
    ),
    "epost.reg.windows_group": (
        "メールユーザーのローカルグループ {value} は移行しません",
        "the local mail-user group {value} is not migrated",
    ),
    "epost.reg.unused_soft": (
        "独自アカウント管理では使われない設定です ({name})",
        "not used with Soft Accounts ({name})",
    ),
    "epost.reg.vrfy": (
        "VRFY/EXPN への応答はアドレス収集に使われるため無効にしました (252 を返します)",
        "VRFY/EXPN answers allow address harvesting: turned off (252)",
    ),
    "epost.reg.unlimited": (
        "無制限 (0) は安全でないため Tayori の既定値を使います: {setting}",
        "unlimited (0) is unsafe: Tayori's default is used for {setting}",
    ),
    "epost.reg.address_family": (
        "IP バージョンの値 {value} の意味は不明です。既定 (IPv4 と IPv6) を使います",
        "IP version value {value} is not known; the default (IPv4 and IPv6) is used",
    ),
    "epost.reg.clustering": (
        "クラスタ構成は移行しません (Tayori は 1 台で動きます)",
        "the cluster setup is not migrated (Tayori runs as one appliance)",
    ),
    "epost.reg.cluster": (
        "クラスタ/IP Watcher の設定 {name} は移行しません",
        "cluster/IP Watcher setting {name} is not migrated",
    ),
    "epost.reg.inbox_encode": (
        "メールボックスの Encode は XOR による難読化で暗号ではありません。取り込み時に復号し、ディスク暗号化に任せます",
        "mailbox Encode is XOR obfuscation, not encryption: decoded on import; rely on disk encryption",
    ),
    "epost.reg.journal": (
        "受信メールの複写 ({targets}) はプライバシー上の影響が大きいため、確認されるまで無効です",
        "the copy of every received message ({targets}) has privacy impact: off until you confirm it",
    ),
    "epost.reg.cram_md5": (
        "CRAM-MD5 は平文パスワードの保存が必要なため提供しません。TLS 上の PLAIN/LOGIN を使います",
        "CRAM-MD5 needs stored plaintext passwords: not offered; PLAIN/LOGIN over TLS are used",
    ),
    "epost.reg.auth_only": (
        "「認証専用」(全セッションに SMTP 認証を要求) は移行しません: Tayori は送信 (587/465) に認証を要求し、25 番で"
        "はインターネットからの受信を受け付けます",
        '"authentication only" (every session must authenticate) is not migrated: Tayori requires AUTH to send (587/46'
        "5) and receives Internet mail on port 25",
    ),
    "epost.reg.from_level": (
        "送信者の信頼度「SMTP認証ID」は送信者を確認しません。認証したアカウントが所有するアドレスのみ送信者に使えるよ"
        "うにしました",
        'sender trust "SMTP AUTH ID" did not check the sender: the sender must now be an address the login owns',
    ),
    "epost.reg.listen": (
        "待ち受けポート {ports} を移行しました。IP アドレスは新しい機器のものを使います",
        "listening ports {ports} migrated; the new appliance's own addresses are used",
    ),
    "epost.reg.listen_format": (
        "待ち受け IP の形式を読み取れません: {value}",
        "listen entries in an unknown format: {value}",
    ),
    "epost.reg.tls_file": (
        "証明書/秘密鍵 {path} は Windows 上のパスです。ファイルを状態ルートの tls/ にコピーして tls: に指定してくださ"
        "い (それまでは自己署名証明書)",
        "certificate/key {path} is a Windows path: copy the file into the state root's tls/ and name it under tls: (se"
        "lf-signed until then)",
    ),
    "epost.reg.tls_versions": (
        "TLS 1.0/1.1 は許可しません (TLS 1.2 以上)",
        "TLS 1.0/1.1 are not allowed (TLS 1.2 or later)",
    ),
    "epost.reg.mail_forward": (
        "全受信メールをゲートウェイへ転送する設定 (中継専用機) は移行しません",
        "forwarding all mail, local included, to the gateway (a pure relay box) is not migrated",
    ),
    "epost.reg.retry": (
        "再送は {hours} 時間で諦めていました。Tayori は 5 日間再送し、4 時間後に遅延通知を送ります",
        "retries gave up after {hours} hours; Tayori retries for 5 days with a delay notice after 4 hours",
    ),
    "epost.reg.mx_cache": (
        "MX キャッシュ ({seconds} 秒) は使わず DNS の TTL に従います",
        "the MX cache ({seconds} s) is not kept: DNS TTLs are honoured",
    ),
    "epost.reg.domain_ip": (
        "ドメインと IP の対応 {name}={value} は不要です (Tayori はすべてのアドレスで全ドメインを受け付けます)",
        "the domain-to-IP binding {name}={value} is not needed (Tayori serves every domain on every address)",
    ),
    "epost.alias.incomplete": (
        "Alias と MappedTo の両方がないエイリアスです",
        "an alias without both Alias and MappedTo",
    ),
    "epost.alias.no_domain": (
        "ドメインのないエイリアス {alias} → {target} は E-Post でも中継拒否されていました",
        "alias {alias} → {target} has no domain; E-Post refused it too",
    ),
    "epost.alias.wild_target": (
        "実アドレスにワイルドカードを含むエイリアス {alias} → {target} は移行できません",
        "alias {alias} → {target} with a wildcard target cannot be migrated",
    ),
    "epost.alias.lgwan": (
        "LGWAN 用のエイリアスオプション ({alias}) は移行しません",
        "the LGWAN alias option ({alias}) is not migrated",
    ),
    "epost.alias.keep_recipient": (
        "エイリアス {alias} の「,0」(宛先を書き換えない) は使えません。実アドレス宛に配送します",
        'alias {alias}: ",0" (keep the recipient) is not kept; mail goes to the real address',
    ),
    "epost.list.no_domain": (
        "メーリングリスト {name} のドメインがありません",
        "mailing list {name} has no domain",
    ),
    "epost.list.bad_member": (
        "メンバー {value} のアドレスを読み取れません",
        "member {value}: no address found",
    ),
    "epost.list.shared": (
        "ドメインなしのメーリングリスト {name} は全ドメイン共通でした: {count} 個のリストとして作成しました",
        "list {name} without a domain served every domain: created as {count} lists",
    ),
    "epost.list.password": (
        "投稿パスワードはリスト名での SMTP 認証でした。投稿者は自分のアカウントで認証します",
        "the posting password was SMTP AUTH as the list; posters now authenticate with their own accounts",
    ),
    "epost.list.bounce": (
        "未送信レポートの返信先 ({value}) は移行しません",
        "the bounce handling ({value}) is not migrated",
    ),
    "epost.list.module": (
        "追加処理プログラム (DLL) {value} は移行しません",
        "the processing DLL {value} is not carried over",
    ),
    "epost.list.option": (
        "メーリングリストのオプション {name}={value} は Tayori にありません",
        "list option {name}={value} has no Tayori equivalent",
    ),
    "epost.members.no_list": (
        "メンバーファイルに対応するリスト {name} がありません",
        "no list {name} for this member file",
    ),
    "epost.members.added": (
        "{list} にメンバーを {count} 人追加しました",
        "{count} members added to {list}",
    ),
    "epost.accounts.none": (
        "アカウントデータベース (*.idx) がありません",
        "no account database (*.idx)",
    ),
    "epost.idx.bad_base64": (
        "Base64 として読み取れない行です",
        "not a Base64 line",
    ),
    "epost.idx.bad_record": (
        "アカウント行の項目数が足りません ({fields})",
        "too few fields in the account record ({fields})",
    ),
    "epost.idx.duplicate": (
        "アカウント {account} が重複しています",
        "account {account} appears twice",
    ),
    "epost.idx.bad_password": (
        "{account} のパスワードを復元できません",
        "the password of {account} cannot be recovered",
    ),
    "epost.idx.home": (
        "{account} のホームフォルダ {home} は移行しません",
        "home folder {home} of {account} is not migrated",
    ),
    "epost.idx.other_domain": (
        "ファイル名と異なるドメイン {domain} のアカウントです",
        "an account of domain {domain}, not the file's",
    ),
    "epost.password.recovered": (
        "{account} のパスワードは可逆な難読化で保存されていました。復元してハッシュ化しました",
        "the password of {account} was stored with reversible obfuscation: recovered and hashed",
    ),
    "epost.tsv.bad_line": (
        "タブ区切りの項目数が足りません ({columns})",
        "too few tab-separated columns ({columns})",
    ),
    "epost.tsv.bad_quota": (
        "メールボックスの制限サイズ {value} を読み取れません",
        "mailbox size limit {value} cannot be read",
    ),
    "epost.tsv.password_differs": (
        "{account} のパスワードがアカウントデータベースと異なります。データベースの方を使います",
        "the password of {account} differs from the account database; the database's is used",
    ),
    "epost.tsv.plaintext": (
        "このエクスポートファイルにはパスワードが平文で書かれています。移行後に安全に削除してください",
        "this export file holds plain-text passwords: delete it safely after the migration",
    ),
    "epost.auth.apop_decide": (
        "{count} 個のアカウントに APOP/SMTP 認証ファイル (apop.dat) があります。APOP には平文パスワードの保存が必要な"
        "ため、確認されるまで提供しません",
        "{count} accounts have an APOP/SMTP-AUTH file (apop.dat); APOP needs stored plaintext passwords, so it is off "
        "until you confirm it",
    ),
    "epost.auth.port25_decide": (
        "E-Post は 25 番ポートで SMTP 認証を受け付けていました。Tayori では 587/465 で認証します。25 番でも認証を続け"
        "ますか",
        "E-Post accepted SMTP AUTH on port 25; Tayori authenticates on 587/465. Keep AUTH on port 25 too?",
    ),
    "epost.apop.bad_password": (
        "apop.dat のパスワードを復元できません",
        "the apop.dat password cannot be recovered",
    ),
    "epost.apop.extra_line": (
        "apop.dat の余分な行です",
        "an extra line in apop.dat",
    ),
    "epost.apop.differs": (
        "{account} の SMTP 認証/APOP パスワードがログインパスワードと異なります。Tayori ではログインパスワードを使いま"
        "す",
        "the SMTP-AUTH/APOP password of {account} differs from its login password; Tayori uses the login password",
    ),
    "epost.apop.from_level": (
        "{account} の送信者の信頼度 0 (確認なし) は、認証したアカウントのアドレスのみ許可に変わります",
        '{account}: sender trust 0 (no check) becomes "only addresses the login owns"',
    ),
    "epost.mailbox.no_root": (
        "メールボックスフォルダが見つかりません。転送・自動応答などの個人設定は移行されません",
        "the mailbox folder was not found: per-user settings are not migrated",
    ),
    "epost.mailbox.orphan": (
        "アカウントのないメールボックスフォルダ {name} です",
        "mailbox folder {name} belongs to no account",
    ),
    "epost.mailbox.messages": (
        "{account} に {count} 通のメールがあります。tayori import-mail で取り込んでください",
        "{account} has {count} messages: import them with tayori import-mail",
    ),
    "epost.mailbox.legacy_file": (
        "{name} (旧ショッピングキー機能) は移行しません",
        "{name} (legacy shopping-key feature) is not migrated",
    ),
    "epost.mailbox.auth_counter": (
        "認証失敗カウンタ {name} は移行しません",
        "the AUTH failure counter {name} is not migrated",
    ),
    "epost.mailbox.unknown_file": (
        "メールボックス内の不明なファイル {name} は読みません",
        "unknown file {name} in the mailbox is not read",
    ),
    "epost.mailbox.unused": (
        "IMS.CTL がないため {name} は使われていませんでした",
        "{name} was not in use (no IMS.CTL)",
    ),
    "epost.imsctl.long_line": (
        "{limit} バイトを超える行は E-Post では切り詰められていました",
        "E-Post truncated lines longer than {limit} bytes",
    ),
    "epost.imsctl.unknown_section": (
        "不明なセクション {section}",
        "unknown section {section}",
    ),
    "epost.imsctl.unknown_key": (
        "IMS.CTL の不明な行です",
        "an unknown IMS.CTL line",
    ),
    "epost.imsctl.overridden": (
        "同じキーが後で再設定されているため、この行は使われていませんでした",
        "a later line sets the same key: this one was not in effect",
    ),
    "epost.imsctl.mode_lost": (
        "後のセクションが優先されるため、このモードは使われていませんでした",
        "a later section wins: this mode was not in effect",
    ),
    "epost.imsctl.not_used": (
        "{key} はモード {mode} では使われないか、Tayori に対応するものがありません",
        "{key} is not used in mode {mode} or has no Tayori equivalent",
    ),
    "epost.imsctl.module": (
        "{account} の追加処理プログラム (DLL) は安全のため移行しません",
        "the processing DLL of {account} is not carried over, for safety",
    ),
    "epost.imsctl.no_target": (
        "転送先 (ForwardTo) がありません",
        "no forward target (ForwardTo)",
    ),
    "epost.imsctl.forward_file": (
        "転送先リスト {path} が移行元フォルダにありません",
        "the forward list {path} is not in the legacy folder",
    ),
    "epost.imsctl.forward_inlined": (
        "転送先リスト {path} の {count} 件をプロファイルに取り込みました",
        "the {count} addresses of forward list {path} were copied into the profile",
    ),
    "epost.imsctl.forward_original": (
        "{account} の転送は元の送信者のまま送っていました (SPF/DMARC で拒否されます)。SRS で書き換えます",
        "{account} forwarded with the original sender (rejected by SPF/DMARC); SRS rewriting is used",
    ),
    "epost.imsctl.forward_from": (
        "不転送レポート先 {value} は移行しません (SRS を使います)",
        "the forward bounce address {value} is not migrated (SRS is used)",
    ),
    "epost.imsctl.echo": (
        "受信メールを含める設定は移行しません",
        "echoing the received message is not migrated",
    ),
    "epost.imsctl.discard_reply": (
        "自動応答時にメールボックスに残さない設定は移行しません (メールは保存されます)",
        "discarding mail while auto-replying is not migrated (mail is kept)",
    ),
    "epost.imsctl.copy_replies": (
        "「同じアドレスにまた回答しない」は永久でした。Tayori では同じ相手に 7 日に 1 回まで応答します",
        '"never answer the same address again" was permanent; Tayori answers a sender at most once per 7 days',
    ),
    "epost.autoreply.after_end": (
        "「.」の行より後は E-Post では送られていませんでした",
        'E-Post did not send the text after the "." line',
    ),
    "epost.replied.entry": (
        "応答済みアドレスの記録は移行しません",
        "the record of answered senders is not migrated",
    ),
    "epost.list.bad_address": (
        "アドレスとして読み取れません: {value}",
        "not an address: {value}",
    ),
    "epost.sender.option": (
        "送信先制限のオプション {option} (上長承認など) は移行しません",
        "recipient restriction option {option} (approval workflow) is not migrated",
    ),
    "epost.sender.include": (
        "file= の取り込み ({path}) は安全のため移行しません",
        "the file= include ({path}) is not carried over, for safety",
    ),
    "epost.sender.deny": (
        "禁止の指定 {pattern} は Tayori にありません",
        "the deny entry {pattern} has no Tayori equivalent",
    ),
    "epost.sender.after_deny": (
        "禁止の指定の後の許可は移行しません",
        "allow entries after a deny entry are not migrated",
    ),
    "epost.sender.global": (
        "全体の送信先制限 (sender.dat) は移行しません",
        "the global recipient restriction (sender.dat) is not migrated",
    ),
    "epost.usetime.bad_line": (
        "利用時間の行を読み取れません (例: Mon 08:00-20:00)",
        "the allowed-hours line cannot be read (e.g. Mon 08:00-20:00)",
    ),
    "epost.usetime.scope": (
        "{account} の利用時間は送信に適用します (E-Post で対象のプロトコルは文書化されていません)",
        "the allowed hours of {account} apply to sending (E-Post did not document which protocols they covered)",
    ),
    "epost.effect.tab": (
        "effect.dat ではタブを区切りに使えません。E-Post ではこの行は一致しませんでした",
        "TAB is not a separator in effect.dat; E-Post never matched this line",
    ),
    "epost.effect.bad_type": (
        "不明な種別 {type}",
        "unknown type {type}",
    ),
    "epost.effect.bad_option": (
        "不明なオプション {type}",
        "unknown option {type}",
    ),
    "epost.effect.bad_class": (
        "不明な指定 {pattern}",
        "unknown pattern {pattern}",
    ),
    "epost.effect.bad_ip": (
        "IP アドレスとして読み取れません: {pattern}",
        "not an IP pattern: {pattern}",
    ),
    "epost.effect.bad_sender": (
        "送信者の指定として読み取れません: {pattern}",
        "not a sender pattern: {pattern}",
    ),
    "epost.effect.ignored_text": (
        "2 つ目の空白以降 ({text}) は E-Post でも読まれていませんでした",
        "text after the second space ({text}) was ignored by E-Post too",
    ),
    "epost.effect.blank_false": (
        "空の MAIL FROM (#blank) は Tayori では構文エラーとして常に拒否されます",
        "an empty MAIL FROM (#blank) is always refused by Tayori as a syntax error",
    ),
    "epost.effect.blank": (
        "空の MAIL FROM (#blank) を {type} で受け付ける指定は移行できません (Tayori は構文エラーとして拒否します)",
        "accepting an empty MAIL FROM (#blank, {type}) cannot be migrated (Tayori refuses it as a syntax error)",
    ),
    "epost.effect.after_only": (
        "only より後の行 ({type}) はガイドでは無効とされていますが、E-Post は評価していたため移行しました",
        "a line after only ({type}): the guide calls it void but E-Post evaluated it, so it was migrated",
    ),
    "epost.effect.unreachable": (
        "前の行がすべてに一致するため、この行は使われていませんでした",
        "an earlier line matches everything: this line was never reached",
    ),
    "epost.effect.user_rule": (
        "個人の effect.dat のこの行 ({type}) は受信制限に変換できません",
        "this line of a personal effect.dat ({type}) cannot become a receive rule",
    ),
    "epost.effect.user_order": (
        "許可の後の拒否は受信制限に変換できません",
        "a refusal after allow lines cannot become a receive rule",
    ),
    "epost.relay.trusted": (
        "{clients} は無条件に中継を許可していました (信頼するネットワーク)。正しいか確認してください",
        "{clients} were trusted to relay anything (trusted network): check that this is right",
    ),
    "epost.relay.upgraded.true_unrestricted": (
        "{pattern} の無条件許可は送信者の詐称やどの IP からでも中継できてしまうため、受信のみ ({table}) にしました",
        "trusting {pattern} lets anyone relay by forging the sender or from any IP: receiving only ({table})",
    ),
    "epost.relay.upgraded.only_sender": (
        "送信者 {pattern} による中継許可 (only) は詐称できるため、認証した送信のみ中継できる {table} にしました",
        "relaying for sender {pattern} (only) can be forged: {table}, relaying only after AUTH",
    ),
    "epost.relay.decide_default": (
        "E-Post の既定 (表 I) では、実在するローカルアカウントを名乗れば、どの IP からでも外部へ中継できました (SMTP "
        "認証レベル {auth_level})。Tayori は安全な {safe} を使い、中継には 587/465 での認証が必要です。旧動作 {legacy}"
        " に戻すこともできますが、オープンリレーになります",
        "E-Post's default (table I) let anyone relay to other domains from any IP by claiming an existing local sender"
        " (SMTP AUTH level {auth_level}). Tayori uses the safe {safe}: relaying needs AUTH on 587/465. {legacy} restor"
        "es the old behaviour, which is an open relay",
    ),
    "epost.relay.only_mode": (
        "only 指定により、一覧にないクライアントは外部から内部宛の受信のみでした (only-others)",
        "with only, unlisted clients could only deliver external → internal (only-others)",
    ),
    "epost.rejectip.lockout": (
        "一時的なロックアウト/許可の行 ({pattern}) は移行しません (Tayori 独自のロックアウトを使います)",
        "a temporary lockout or allow entry ({pattern}) is not migrated (Tayori has its own lockout)",
    ),
    "epost.maildat.section_open": (
        "{section}: が閉じられていません",
        "{section}: is not closed",
    ),
    "epost.maildat.section_long": (
        "{section}: は 5 行までです。E-Post はこの行を使いませんでした",
        "{section}: holds at most 5 lines; E-Post ignored this one",
    ),
    "epost.maildat.unclosed": (
        "VirusEnd: のないブロックです。変換しません",
        "a block without VirusEnd: is not compiled",
    ),
    "epost.maildat.outside": (
        "Virus: ブロックの外にある {key}: です",
        "{key}: outside a Virus: block",
    ),
    "epost.maildat.unknown_key": (
        "不明なキー {key}: です (キーは大文字小文字を区別します)",
        "unknown key {key}: (keys are case-sensitive)",
    ),
    "epost.maildat.bad_level": (
        "Level: {value} を読み取れません。このブロックは変換しません",
        "Level: {value} cannot be read; the block is not compiled",
    ),
    "epost.maildat.bad_unique": (
        "Unique-Header: は 名前:値 で書きます",
        "Unique-Header: is written name:value",
    ),
    "epost.maildat.rbl": (
        "フィルタ {name} の URIBL 問い合わせ ({zone}) は Tayori にありません。このブロックは変換しません",
        "filter {name}: URIBL lookups ({zone}) have no Tayori equivalent; the block is not compiled",
    ),
    "epost.maildat.encbody": (
        "フィルタ {name} の EncBody: は変換しません",
        "filter {name}: EncBody: is not compiled",
    ),
    "epost.maildat.no_condition": (
        "フィルタ {name} に条件がありません",
        "filter {name} has no condition",
    ),
    "epost.maildat.duplicate": (
        "フィルタ {name} は、ヘッダを復号して比べる Tayori では {line} 行目のフィルタと同じです",
        "filter {name} is the same as the one at line {line} once headers are decoded, as Tayori compares them",
    ),
    "epost.maildat.warning_body": (
        "フィルタ {name}: 本文先頭への警告文の挿入は Tayori にありません",
        "filter {name}: prepending a warning to the body has no Tayori equivalent",
    ),
    "epost.maildat.user_reject": (
        "個人フィルタ {name} の拒否は、配送時の破棄になります (送信者には通知されません)",
        "personal filter {name}: the refusal becomes a discard at delivery (the sender is not told)",
    ),
    "epost.maildat.user_tag": (
        "個人フィルタ {name} の件名/ヘッダ挿入は配送時にはできません",
        "personal filter {name}: tagging cannot be done at delivery",
    ),
    "epost.maildat.no_forward": (
        "フィルタ {name} に Forward: がありません",
        "filter {name} has no Forward:",
    ),
    "epost.maildat.backup": (
        "フィルタ {name} の検出メールのバックアップは移行しません",
        "filter {name}: keeping a copy of caught mail is not migrated",
    ),
    "epost.maildat.block_ip": (
        "フィルタ {name} は送信元 IP を effect.dat に永久に追加していました。Tayori は自動で永久拒否しません",
        "filter {name} added the client IP to effect.dat for good; Tayori does not block permanently by itself",
    ),
    "epost.maildat.unused": (
        "{key}: はこのフィルタの動作では使われません",
        "{key}: is not used by this filter's action",
    ),
    "epost.maildat.off": (
        "メールフィルタ機能が無効だったため、フィルタは変換していません",
        "the mail filter was off: the filters are not compiled",
    ),
    "epost.virusdat": (
        "古いウイルス定義 (virus.dat) は移行しません",
        "the obsolete virus signatures (virus.dat) are not migrated",
    ),
    "epost.gateway.bad_line": (
        "対象ドメイン,ゲートウェイ,ポート として読み取れません",
        "not target,gateway,port",
    ),
    "epost.gateway.extension": (
        "{target}: 送信者条件や代替ゲートウェイは移行しません (最初のゲートウェイのみ)",
        "{target}: sender conditions and alternative gateways are not migrated (first gateway only)",
    ),
    "epost.gateway.password": (
        "{target} のゲートウェイのパスワードを復元できません",
        "the gateway password for {target} cannot be recovered",
    ),
    "epost.gateway.tls": (
        "{target} へは可能なら STARTTLS を使います (E-Post は平文でした)",
        "{target}: STARTTLS is used when offered (E-Post sent in clear)",
    ),
    "epost.header.template": (
        "Received ヘッダのテンプレートは移行しません (Tayori 標準の Received ヘッダを使います)",
        "the Received header template is not migrated (Tayori writes its own)",
    ),
    "epost.ordb.bad_zone": (
        "DNSBL ゾーン名として読み取れません: {zone}",
        "not a DNSBL zone: {zone}",
    ),
    "epost.ordb.dead": (
        "{zone} は閉鎖された DNSBL です。使いません",
        "{zone} is a closed DNSBL: dropped",
    ),
    "epost.ordb.answer": (
        "{zone} の期待する応答 {answer} は移行しません (すべての応答を一致とみなします)",
        "the expected answer {answer} for {zone} is not migrated (any answer counts)",
    ),
    "epost.iplist.bad_ip": (
        "IP アドレスとして読み取れません: {pattern}",
        "not an IP pattern: {pattern}",
    ),
    "epost.iplist.hidden": (
        "クラスタ用に応答しない IP {pattern} は移行しません",
        "the cluster's hidden listen IP {pattern} is not migrated",
    ),
    "epost.iplist.passdb": (
        "ORDB に問い合わせない IP {pattern} は移行しません",
        "the ORDB exemption {pattern} is not migrated",
    ),
    "epost.iplist.passfilter": (
        "メールフィルタを適用しない IP {pattern} は移行しません (フィルタは全員に適用します)",
        "the filter exemption {pattern} is not migrated (filters apply to everyone)",
    ),
    "epost.iplist.pass3rd": (
        "ウイルスチェックを適用しない IP {pattern} は移行しません",
        "the virus-scan exemption {pattern} is not migrated",
    ),
    "epost.iplist.ccdisable": (
        "受信メール複写の対象外 IP {pattern} は移行しません",
        "the journal exemption {pattern} is not migrated",
    ),
    "epost.iplist.reject_other": (
        "POP3/IMAP の接続制限 {pattern} は移行しません",
        "the POP3/IMAP client restriction {pattern} is not migrated",
    ),
    "epost.program.unread": (
        "{name} は読み込んでいません",
        "{name} is not read",
    ),
    "epost.export.unknown": (
        "エクスポートファイル {name} の種類が分かりません",
        "export file {name} is of an unknown kind",
    ),
    "epost.postmaster.always": (
        "E-Post では postmaster は既定で無効でした。Tayori は postmaster@ と abuse@ を常に {address} へ届けます",
        "E-Post disabled postmaster by default; Tayori always delivers postmaster@ and abuse@ to {address}",
    ),
    "epost.domains.none": (
        "運用ドメインが見つかりません",
        "no local domain found",
    ),
}

register(MESSAGES)
