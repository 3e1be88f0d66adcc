"""The pmail.ini key table — OUR RECONSTRUCTION, not the vendor's published format.

A.K.I Software does not publish the section and key names of `Data\\pmail.ini`. Each row below is
one setting of a PMMAN (server manager) screen, from the format note `shared/reference/pmail.md`
§2, with the key name we expect PMMAN to write. When a real file shows other names, edit the
`section` and `key` columns here — nothing else in the reader needs to change. Every key of a file
that this table does not know is reported with its line and raw value.

Columns (tab-separated in `TABLE`):
  section    INI section (matched case-insensitively)
  key        INI key; `#` stands for a number (`Domain#` matches Domain1, Domain2, ... list rows)
  label      the Japanese label on the PMMAN screen (screen › field)
  path       where the value lands: a profile path the reader maps, or `-` (no equivalent,
             reported as unmapped with its value)
  converter  how the raw text is read (see `convert.py`; `choice:a|b` = radio-group item index)
A long row continues on the next line after a trailing backslash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TABLE = """\
Global	SMTPEnable	全体›基本設定›SMTP を有効	listeners.smtp.enabled	bool
Global	SMTPPort	全体›基本設定›SMTP ポート番号	listeners.smtp.port	port
Global	SMTPMaxConnect	全体›基本設定›SMTP 同時接続	listeners.smtp.max_connections	count
Global	POP3Enable	全体›基本設定›POP3 を有効	listeners.pop3.enabled	bool
Global	POP3Port	全体›基本設定›POP3 ポート番号	listeners.pop3.port	port
Global	POP3MaxConnect	全体›基本設定›POP3 同時接続	listeners.pop3.max_connections	count
Global	IMAP4Enable	全体›基本設定›IMAP4 を有効	listeners.imap.enabled	bool
Global	IMAP4Port	全体›基本設定›IMAP4 ポート番号	listeners.imap.port	port
Global	IMAP4MaxConnect	全体›基本設定›IMAP4 同時接続	listeners.imap.max_connections	count
Global	MTAEnable	全体›基本設定›MTA を有効	delivery.enabled	bool
Global	MTACacheTime	全体›基本設定›キャッシュ時間(分)	delivery.mx_cache_minutes	count
Global	MTAThreads	全体›基本設定›並列数	delivery.parallelism	count
Global	MTARetryCount	全体›基本設定›MTA再送カウント	delivery.retry_schedule	intlist
Global	ServerIP	全体›基本設定›サーバIPの指定	listeners.bind	ip
Global	ServerName	全体›基本設定›基本サーバ名	server.hostname	str
Global	PrimaryDNS	全体›基本設定›プライマリDNS(IP)	server.dns_resolvers.0	ip
Global	SecondaryDNS	全体›基本設定›セカンダリDNS(IP)	server.dns_resolvers.1	ip
Global	AutoDNS	全体›基本設定›DNS Serverを自動で取得	server.dns_auto	bool
Global	TimeZone	全体›基本設定›時差(Time zone)	server.time_zone	tz
Global	PopBeforeSmtp	全体›基本設定›POP before SMTP(秒)	policy.pop_before_smtp	count
Global	MUATimeout	全体›基本設定›MUA タイムアウト(秒)	listeners.idle_timeout	count
Global	MTATimeout	全体›基本設定›MTA タイムアウト(秒)	delivery.timeout	count
Global	DiskCheck	全体›基本設定›サーバ容量チェック(MB)	-	count
Domain	Domain#	全体›基本設定›管理ドメイン一覧	domains	str
Global2	AccountOnMemory	全体›基本設定2›アカウントをメモリへ読込	-	bool
Global2	WriteReceiveFile	全体›基本設定2›受信処理をファイルに書込	-	bool
Global2	NoHostLookupIP#	全体›基本設定2›下記IPのホスト名を取得しない	-	str
Global2	HostLookup	全体›基本設定2›ホスト名を取得	-	bool
Global2	HostLookupDNS	全体›基本設定2›ホスト名をDNSから取得	-	bool
Global2	IDN	全体›基本設定2›国際化ドメインを使用	-	bool
Global2	LookupAfterAt	全体›基本設定2›@以降をホスト名としてlookup	-	bool
Global2	HideVersion	全体›基本設定2›PMail Server のバージョンを出力しない	server.hide_version	bool
Global2	ConnectionMonitor	全体›基本設定2›コネクションモニタを利用する	-	bool
Global2	AuthByAccount	全体›基本設定2›認証設定›アカウントで認証する	accounts.login	bool
Global2	IPv6Enable	全体›基本設定2›IPv6 を有効にする	server.ipv6	bool
Global2	IPv6Prefer	全体›基本設定2›優先ルーティング	-	choice:ipv4|ipv6
Global2	IPv4Disable	全体›基本設定2›IPv4 を無効にする	server.ipv4_disabled	bool
Global2	SMTPMaxPerIP	全体›基本設定2›同一IPからの最大同時接続数 SMTP	listeners.smtp.max_per_ip	count
Global2	POP3MaxPerIP	全体›基本設定2›同一IPからの最大同時接続数 POP3	listeners.pop3.max_per_ip	count
Global2	HostsFile	全体›基本設定2›Hosts を参照	-	str
Extend	ConnectWait	全体›拡張設定›接続時ウェイト(ms)	-	count
Extend	LogLockWait	全体›拡張設定›ログ排他的処理 ウェイト(ms)	-	count
Extend	LogLockRetry	全体›拡張設定›ログ排他的処理 リトライ	-	count
Special	PassChg	全体›特殊コマンド›PASSCHG POP3 で利用する	upgrade.passchg	bool
Special	PassMinLength	全体›特殊コマンド›文字数(最小)	-	count
Special	PassMaxLength	全体›特殊コマンド›文字数(最大)	-	count
Special	PassAlpha	全体›特殊コマンド›アルファベット文字種	-	bool
Special	PassDigit	全体›特殊コマンド›数字文字種	-	bool
Special	PassSymbol	全体›特殊コマンド›記号文字種	-	bool
StatusMonitor	Enable	全体›ステータスマニタ›ステータスマニターを利用する	-	bool
StatusMonitor	IP	全体›ステータスマニタ›ステータスマニターIP	-	str
StatusMonitor	Port	全体›ステータスマニタ›ポート番号	-	count
StatusMonitor	Broadcast	全体›ステータスマニタ›ブロードキャストを利用	-	bool
StatusMonitor	ServerID	全体›ステータスマニタ›サーバーID	-	str
StatusMonitor	Events	全体›ステータスマニタ›送信するイベント	-	str
WebServer	AutoStart	全体›Webサーバ›内蔵 Web サーバーを起動する	-	bool
WebServer	Port	全体›Webサーバ›ポート番号	-	count
WebServer	AuthID	全体›Webサーバ›認証用ID	-	str
WebServer	Password	全体›Webサーバ›パスワード	secret	str
WebServer	AuthType	全体›Webサーバ›認証方式	-	str
WebServer	PrivateOnly	全体›Webサーバ›Private IP からのみ接続	-	bool
WebServer	CmdStart	全体›Webサーバ›コマンド 起動	-	str
WebServer	CmdStop	全体›Webサーバ›コマンド 停止	-	str
WebServer	CmdRestart	全体›Webサーバ›コマンド 再起動	-	str
WebServer	CmdStatus	全体›Webサーバ›コマンド ステータス	-	str
WebServer	CmdSMTP	全体›Webサーバ›コマンド SMTPメンテナンス	-	str
WebServer	CmdPOP3	全体›Webサーバ›コマンド POP3メンテナンス	-	str
WebServer	CmdIMAP4	全体›Webサーバ›コマンド IMAP4メンテナンス	-	str
WebServer	CmdMTA	全体›Webサーバ›コマンド MTAメンテナンス	-	str
WebServer	HTTPS	全体›Webサーバ›httpsを有効にする	-	bool
WebServer	CertStore	全体›Webサーバ›証明書ストア	-	str
WebServer	HostName	全体›Webサーバ›ホスト名	-	str
WebServer	TLS10	全体›Webサーバ›TLS1.0 を利用	-	bool
WebServer	TLS11	全体›Webサーバ›TLS1.1 を利用	-	bool
WebServer	TLS12	全体›Webサーバ›TLS1.2 を利用	-	bool
WebServer	TLS13	全体›Webサーバ›TLS1.3 を利用	-	bool
WebServer	AccessLog	全体›Webサーバ›アクセスログ	-	str
WebServer	ErrorLog	全体›Webサーバ›エラーログ	-	str
MultiProcess	Enable	全体›マルチプロセス›マルチプロセス機能を有効	-	bool
MultiProcess	Count	全体›マルチプロセス›同時起動数	-	count
MultiProcess	Watch	全体›マルチプロセス›子プロセスを監視する	-	bool
MultiProcess	Assign	全体›マルチプロセス›プロセス割当方式	-	choice:sequential|round-robin
MultiProcess	Role#	全体›マルチプロセス›各プロセスの役割	-	str
MultiProcess	PrioritySMTP	全体›マルチプロセス›スレッドの優先順位 SMTP	-	str
MultiProcess	PriorityPOP3	全体›マルチプロセス›スレッドの優先順位 POP3	-	str
MultiProcess	PriorityIMAP4	全体›マルチプロセス›スレッドの優先順位 IMAP4	-	str
MultiProcess	PriorityMTA	全体›マルチプロセス›スレッドの優先順位 MTA	-	str
SMTP	MaxRcpt	SMTP用›動作設定›1回の送信で指定出来る宛先数	policy.max_recipients	count
SMTP	ErrorDisconnect	SMTP用›動作設定›指定回コマンドエラーで切断	policy.max_errors	count
SMTP	AcceptNullSender	SMTP用›動作設定›MAIL FROMで空アドレスを受付	upgrade.null_sender	bool
SMTP	RelayIPNoAuth	SMTP用›動作設定›中継許可IPはSMTP認証の影響を受けない	upgrade.relay_ip_no_auth	bool
SMTP	DiscardIncomplete	SMTP用›動作設定›タイムアウト又は不完全なメールは破棄する	upgrade.incomplete_data	bool
SMTP	AddSender	SMTP用›動作設定›ヘッダに Sender: を追加	-	bool
SMTP	AddMessageID	SMTP用›動作設定›ヘッダに Message-ID: を追加	-	bool
SMTP	AddDate	SMTP用›動作設定›ヘッダに Date: を追加	-	choice:never|if-missing|always
SMTP	AddFrom	SMTP用›動作設定›ヘッダに From: を追加	-	choice:never|if-missing
SMTP	StrictSenderDomain	SMTP用›動作設定›送信者のドメインを厳密にチェック	policy.reject_unknown_local_sender	bool
SMTP	UnknownDomain	SMTP用›動作設定›存在しないドメインからの送信	policy.unknown_sender_domain	\
choice:accept|tag|reject
SMTP	DomainCheckType	SMTP用›動作設定›ドメイン確認方法	-	choice:any|mx|soa
SMTP	DNSWait	SMTP用›動作設定›DNS待機時間(秒)	-	count
SMTP	DNSRetry	SMTP用›動作設定›DNS待機 リトライ	-	count
SMTP	MLReserve	SMTP用›動作設定›メーリングリストを予約処理	-	bool
SMTP	BannedAction	SMTP用›動作設定›SMTP禁止接続の処理	upgrade.banned_action	\
choice:tempfail|reject|disconnect|server-trash|user-trash|tag-subject|add-header
SMTP	NonLocalRecipient	SMTP用›動作設定›非ローカルアドレス受信	domains.catch_all	str
SMTP	MaxReceiveSize	SMTP用›動作設定›受信制限サイズ	policy.max_message_size	count
SMTP	SizeRule	SMTP用›動作設定›制限ルール	-	choice:external-only|all
SMTP	AutoReplyFrom	SMTP用›動作設定›自動返信用アドレス	-	str
SMTP	AutoReplySubject	SMTP用›動作設定›自動返信件名	-	str
SMTP	AddonTimeout	SMTP用›動作設定›Addonタイムアウト(ms)	-	count
SMTP	LocalForwardViaMTA	SMTP用›動作設定›ローカル向けフォワードをMTA経由で処理	-	bool
SMTP	MaxSessionTime	SMTP用›動作設定›セッション最大接続時間(分)	listeners.smtp.max_session_minutes	count
SMTP2	FilterEnable	SMTP用›動作設定2›SMTP フィルタを有効	filters.enabled	bool
SMTP2	DomainFilter	SMTP用›動作設定2›ドメイン単位フィルタ	-	bool
SMTP2	FilterToTrash	SMTP用›動作設定2›サーバの Trash フォルダへ保存	filters.action	bool
SMTP2	FilterNotify	SMTP用›動作設定2›管理者へ通知	-	str
SMTP2	FilterLog	SMTP用›動作設定2›別ログに記録	-	bool
SMTP2	FilterMaxSize	SMTP用›動作設定2›KBytes 以下を対象とする	filters.max_size_kb	count
SMTP2	NoUserFilter	SMTP用›動作設定2›ユーザー用SMTPフィルタを無効	-	bool
SMTP2	EmptyMail	SMTP用›動作設定2›本文も件名も無いメールを処理する	-	bool
SMTP2	RealtimeUpdate	SMTP用›動作設定2›リアルタイム更新	-	bool
SMTP2	TwoByteSubject	SMTP用›動作設定2›件名に2byteCode含むメールを処理	-	bool
SMTP2	FilterOnRelay	SMTP用›動作設定2›中継時にフィルタを有効	-	bool
SMTP2	LearnPriority	SMTP用›動作設定2›フィルタ優先順位を学習	-	bool
SMTP2	Bayes	SMTP用›動作設定2›ベイジアンフィルタを有効	-	bool
SMTP2	BayesMulti	SMTP用›動作設定2›ベイジアンフィルタを多重化	-	bool
SMTP2	BayesMaxSize	SMTP用›動作設定2›ベイジアン KBytes 以下を対象とする	-	count
SMTP2	ReceivedBeforeFilter	SMTP用›動作設定2›フィルタチェック前に Received を書き込む	-	bool
SMTP2	GreetPause	SMTP用›動作設定2›GreetPause 接続遅延処理(秒)	policy.greet_pause	count
SMTP2	WhiteList#	SMTP用›動作設定2›ホワイトリスト	-	str
SMTP2	CancelHELO#	SMTP用›動作設定2›キャンセルHELO	-	str
SMTP2	CancelRCPT#	SMTP用›動作設定2›キャンセルRCPT	-	str
SMTP2	ExcludeHeader#	SMTP用›動作設定2›除外ヘッダキー	-	str
SMTP2	WhiteListOnly	SMTP用›動作設定2›ホワイトリスト以外からは拒否	-	bool
SMTP3	ReverseCheck	SMTP用›動作設定3›逆引きチェックを行う	upgrade.reverse_dns	bool
SMTP3	ReverseMark	SMTP用›動作設定3›逆引きチェック ヘッダにマークを記録	policy.rdns	bool
SMTP3	ReverseModeV4	SMTP用›動作設定3›IPv4 接続時	-	choice:ptr|fcrdns
SMTP3	ReverseModeV6	SMTP用›動作設定3›IPv6 接続時	-	choice:ptr|fcrdns
SMTP3	MaxHops	SMTP用›動作設定3›転送制限 最大回数	policy.max_hops	count
SMTP3	HopsCountReceived	SMTP用›動作設定3›転送制限 Received をカウント	-	bool
SMTP3	HopsMTA	SMTP用›動作設定3›転送制限 MTA処理を対象	-	bool
SMTP3	HELOCheck	SMTP用›動作設定3›HELOチェックを行う	policy.helo_check	bool
SMTP3	HELOMark	SMTP用›動作設定3›HELOチェック ヘッダにマークを記録	-	bool
SMTP3	HELOSkipAllowed	SMTP用›動作設定3›HELOチェック 接続許可はチェックを行わない	-	bool
SMTP3	ReturnPathLocal	SMTP用›動作設定3›Return-Path 置換 送信者がローカル	-	bool
SMTP3	ReturnPathRemote	SMTP用›動作設定3›Return-Path 置換 送信者がローカル以外	-	bool
SMTP3	ReturnPathLocalAddr	SMTP用›動作設定3›Return-Path 置換 ローカルユーザー	-	str
SMTP3	ReturnPathRemoteAddr	SMTP用›動作設定3›Return-Path 置換 ローカルユーザー以外	-	str
SMTP3	Backup	SMTP用›動作設定3›送信メールのバックアップ	-	bool
SMTP3	BackupExternalOnly	SMTP用›動作設定3›外部への送信のみ対象	-	bool
SMTP3	BackupAttachOnly	SMTP用›動作設定3›添付有りを対象	-	bool
SMTP3	BackupNoDup	SMTP用›動作設定3›To,CC,BCC 等を重複保存しない	-	bool
SMTP3	BackupMsgIdDup	SMTP用›動作設定3›Message-ID で重複チェック	-	bool
SMTP3	BackupFolder	SMTP用›動作設定3›Sendback フォルダ	-	str
SMTP3	Journal	SMTP用›動作設定3›管理保存を行う	-	bool
SMTP3	JournalFolder	SMTP用›動作設定3›Debug フォルダ	-	str
SMTP3	JournalReceived	SMTP用›動作設定3›管理用保存 Received を追加する	-	bool
SMTP3	LogAttachment	SMTP用›動作設定3›添付ファイルをログに記録する	-	bool
SMTP4	QuotaIgnoreNull	SMTP用›動作設定4›Nullメールからは容量無視	-	bool
SMTP4	QuotaExempt#	SMTP用›動作設定4›除外メールアドレスリスト	-	str
SMTP4	PlusAddress	SMTP用›動作設定4›拡張アドレスを利用する	domains.recipient_delimiter	bool
SMTP4	PlusChar1	SMTP用›動作設定4›拡張アドレス 文字1	domains.recipient_delimiter	str
SMTP4	PlusChar2	SMTP用›動作設定4›拡張アドレス 文字2	domains.recipient_delimiter	str
SMTP4	PlusChar3	SMTP用›動作設定4›拡張アドレス 文字3	domains.recipient_delimiter	str
SMTP4	PlusInMailFrom	SMTP用›動作設定4›MAIL FROM で拡張アドレスをそのまま利用する	-	bool
SMTP4	DenyLocal1st	SMTP用›動作設定4›1st SMTP での送信を禁止	-	bool
SMTP4	DenyLocal2nd	SMTP用›動作設定4›2nd SMTP での送信を禁止	-	bool
SMTP4	DenyLocalTLS	SMTP用›動作設定4›SMTP over TLS での送信を禁止	-	bool
SMTP4	DenyLocalFilterException	SMTP用›動作設定4›例外にSMTPフィルタを使用	-	bool
SMTP4	DenyRelay1st	SMTP用›動作設定4›リレーの禁止 1st SMTP で禁止	-	bool
SMTP4	DenyRelaySMTPS	SMTP用›動作設定4›リレーの禁止 SMTPs で禁止	-	bool
SMTPAuth	Mode	SMTP用›SMTP認証›認証無し / 認証を必要	upgrade.smtp_auth	choice:none|required
SMTPAuth	PLAIN	SMTP用›SMTP認証›PLAIN	listeners.submission.auth_mechanisms	bool
SMTPAuth	LOGIN	SMTP用›SMTP認証›LOGIN	listeners.submission.auth_mechanisms	bool
SMTPAuth	CRAMMD5	SMTP用›SMTP認証›CRAM-MD5	upgrade.cram_md5	bool
SMTPAuth	Only465	SMTP用›SMTP認証›submissions(465)のみ適用	upgrade.smtp_auth	bool
SMTPAuth	Submission	SMTP用›SMTP認証›Submissionポートを有効	listeners.submission.enabled	bool
SMTPAuth	SubPLAIN	SMTP用›SMTP認証›Submission PLAIN	listeners.submission.auth_mechanisms	bool
SMTPAuth	SubLOGIN	SMTP用›SMTP認証›Submission LOGIN	listeners.submission.auth_mechanisms	bool
SMTPAuth	SubCRAMMD5	SMTP用›SMTP認証›Submission CRAM-MD5	upgrade.cram_md5	bool
SMTPAuth	ExemptIP#	SMTP用›SMTP認証›SMTP認証除外IPアドレス	upgrade.auth_exempt	network
SMTPAuth	AutoUpdate	SMTP用›SMTP認証›設定保存時に自動更新	-	bool
SenderAuth	SPF	SMTP用›送信者認証›SPF Classic / SenderIDで送信元認証を行う	policy.spf	bool
SenderAuth	SPFCache	SMTP用›送信者認証›SPF情報のキャッシュ時間(分)	-	count
SenderAuth	SPFAction	SMTP用›送信者認証›SPF情報による処理	policy.spf	choice:tag|reject-fail|reject-softfail
SenderAuth	SPFTimeout	SMTP用›送信者認証›SPF問い合わせ時DNSタイムアウト時間(秒)	-	count
SenderAuth	SPFRetry	SMTP用›送信者認証›SPF問い合わせ時DNSリトライ回数	-	count
SenderAuth	SPFFilterPass	SMTP用›送信者認証›各種フィルタの接続許可又はPASSを SPF にも適用	-	bool
SenderAuth	SenderID	SMTP用›送信者認証›SenderID 方式(PRA)を利用する	-	bool
SenderAuth	BayesLink	SMTP用›送信者認証›ベイジアンフィルタと連動させる	-	bool
SenderAuth	BayesPass	SMTP用›送信者認証›ベイジアン連動 PASS(一部)	-	str
SenderAuth	BayesPassAll	SMTP用›送信者認証›ベイジアン連動 PASS(ALL)	-	str
SenderAuth	BayesFail	SMTP用›送信者認証›FAIL	-	str
SenderAuth	BayesSoftFail	SMTP用›送信者認証›SOFTFAIL	-	str
SenderAuth	BayesNeutral	SMTP用›送信者認証›NEUTRAL	-	str
SenderAuth	LocalSenderCheck	SMTP用›送信者認証›ローカル送信者確認を有効にする	policy.sender_login_match	bool
SenderAuth	LocalSenderStrict	SMTP用›送信者認証›プロトコル中アドレスと一致しない場合は拒否	\
policy.sender_login_match	bool
SenderAuth	PrivateIPSenders	SMTP用›送信者認証›PrivateIPからの送信アドレスリストを適用	-	bool
SendLimit	Enable	SMTP用›送信制限›チェックを有効	-	bool
SendLimit	Rule#	SMTP用›送信制限›ルール	-	str
Filter	Mode	各種フィルタ›ダイレクトチェック / フィルタチェック	policy.relay	choice:direct|filter
Filter	ConnectAllow#	各種フィルタ›ダイレクトチェック›接続許可IP	upgrade.connect_allow	network
Filter	ConnectAllowHost#	各種フィルタ›ダイレクトチェック›接続許可ホスト	upgrade.connect_allow_host	str
Filter	ConnectDeny#	各種フィルタ›ダイレクトチェック›接続禁止IP	policy.relay.deny	network
Filter	ConnectDenyHost#	各種フィルタ›ダイレクトチェック›接続禁止ホスト	policy.relay.rules	str
Filter	Rule#	各種フィルタ›フィルタチェック›ルール	policy.relay.rule	str
Filter	RelayAllow#	各種フィルタ›中継許可設定	policy.relay.allow	network
Filter	Dynamic#	各種フィルタ›動的フィルター	-	str
Filter	MTAFilter#	各種フィルタ›MTAフィルター	-	str
Filter	DNSBL#	各種フィルタ›DNSBL›リスト	policy.dnsbl	str
Filter	DNSBLCacheCount	各種フィルタ›DNSBL›キャッシュ件数	policy.dnsbl.cache_size	count
Filter	DNSBLCacheTime	各種フィルタ›DNSBL›キャッシュ時間(分)	policy.dnsbl.cache_time	count
Routing	Route#	転送›ルート (識別ドメイン,転送先,変換ホスト,ポート,認証,ID,パスワード)	delivery.routes	str
Log	SMTPLogLevel	ログ›SMTP Log Level	logging.smtp	loglevel
Log	SMTPLogFile	ログ›SMTP ログファイル名	logging.smtp.file	str
Log	SubmissionLogFile	ログ›Submissionログファイル名	logging.smtp.file	str
Log	SMTPProtocolError	ログ›SMTPプロトコルエラー	-	choice:none|log
Log	POP3LogLevel	ログ›POP3 Log Level	logging.pop3	loglevel
Log	POP3LogFile	ログ›POP3 ログファイル名	logging.pop3.file	str
Log	APOPLogLevel	ログ›APOP(112) Log Level	logging.pop3	loglevel
Log	APOPLogFile	ログ›APOP(112) ログファイル名	logging.pop3.file	str
Log	IMAP4LogLevel	ログ›IMAP4 Log Level	logging.imap	loglevel
Log	IMAP4LogFile	ログ›IMAP4 ログファイル名	logging.imap.file	str
Log	MTALogLevel	ログ›MTA Log Level	logging.delivery	loglevel
Log	MTALogFile	ログ›MTA ログファイル名	logging.delivery.file	str
Log	DeliveryReportFile	ログ›追加ログ›配信レポートファイル名	-	str
Log	SMTPReportFile	ログ›追加ログ›SMTPLレポートファイル名	-	str
Log	SecurityLogFile	ログ›追加ログ›セキュリティログ	-	str
Log	JobID	ログ›オプション›JobID を追加	-	bool
Log	DailySwitch	ログ›オプション›ログ切り替え 行う	-	bool
Log	ExtraSMTP	ログ›オプション›ログ追加情報 SMTP	-	bool
Log	ExtraSMTPAuth	ログ›オプション›ログ追加情報 SMTP 認証ログ	-	bool
Log	ExtraPOP3	ログ›オプション›ログ追加情報 POP3	-	bool
Log	ExtraPOP3Auth	ログ›オプション›ログ追加情報 POP3 認証ログ	-	bool
Log	ExtraIMAP4	ログ›オプション›ログ追加情報 IMAP4	-	bool
Log	ExtraIMAP4Auth	ログ›オプション›ログ追加情報 IMAP4 認証ログ	-	bool
Log	ExtraMTA	ログ›オプション›ログ追加情報 MTA	-	bool
Log	CacheSMTP	ログ›オプション›ログキャッシュ処理 SMTP	-	bool
Log	CachePOP3	ログ›オプション›ログキャッシュ処理 POP3	-	bool
Log	CacheIMAP4	ログ›オプション›ログキャッシュ処理 IMAP4	-	bool
Log	CacheMTA	ログ›オプション›ログキャッシュ処理 MTA	-	bool
POP3	AuthMode	POP・MTA›POP3›POP認証	upgrade.pop3_plain	choice:plain+apop+auth|apop+auth
POP3	NoBareAuth	POP・MTA›POP3›AUTH単独に応答しない	-	bool
POP3	SASLPlain	POP・MTA›POP3›SASL PLAIN	listeners.pop3.auth_mechanisms	bool
POP3	SASLLogin	POP・MTA›POP3›SASL LOGIN	listeners.pop3.auth_mechanisms	bool
POP3	SASLCramMD5	POP・MTA›POP3›SASL CRAM-MD5	upgrade.cram_md5	bool
POP3	RetentionDays	POP・MTA›POP3›POP3受信制限(日, 0=制限しない)	-	count
POP3	NoFileCheck	POP・MTA›POP3›ファイルチェック無効	-	bool
POP3	UIDCheck	POP・MTA›POP3›UIDチェック有効	-	bool
POP3	APOPPort	POP・MTA›POP3›APOPポート(112)を有効	upgrade.apop_port	bool
MTA	BounceFrom	POP・MTA›MTA基本設定›リターンメール 送信アドレス	delivery.bounce_from	str
MTA	BounceFromPerDomain	POP・MTA›MTA基本設定›ドメイン別送信アドレスを利用	-	bool
MTA	BounceNonLocal	POP・MTA›MTA基本設定›ローカル外受信	-	str
MTA	ErrorSubject	POP・MTA›MTA基本設定›エラー件名	-	str
MTA	PendingSubject	POP・MTA›MTA基本設定›ペンディング件名	-	str
MTA	PendingTiming	POP・MTA›MTA基本設定›タイミング	delivery.delay_warning_after	int
MTA	BounceViaSMTP	POP・MTA›MTA基本設定›SMTP経由で送信	-	bool
MTA	BounceToRemote	POP・MTA›MTA基本設定›ローカル以外にも送信	-	bool
MTA	DSN	POP・MTA›MTA基本設定›DSN形式で送る	-	bool
MTA	DSNOriginal	POP・MTA›MTA基本設定›DSNにオリジナルも添付	delivery.dsn.include	bool
MTA	NoExternal	POP・MTA›MTA基本設定›外部への配信を禁止	-	bool
MTA	NextMXOnTimeout	POP・MTA›MTA基本設定›応答が無い場合も次のMXを参照する	-	bool
MTA	RetryOnDNSFail	POP・MTA›MTA基本設定›DNSの応答が無い場合も再送処理	-	bool
MTA	LocalhostMax	POP・MTA›MTA基本設定›localhostへの同時接続数	-	count
MTA	LostMail	POP・MTA›MTA追加設定›ロストメールを保存	-	bool
MTA	LostMailIMD	POP・MTA›MTA追加設定›imdをセットで保存	-	bool
MTA	LostMailNotify	POP・MTA›MTA追加設定›指定アカウントへ通知	-	str
MTA	Priority	POP・MTA›MTA追加設定›配信優先度設定	-	str
MTA	Hours	POP・MTA›MTA追加設定›MTA実行時刻	delivery.hours	hours
MTA	SpoolCleanup	POP・MTA›MTA追加設定›Spoolクリーンアップ 有効	upgrade.spool_cleanup	bool
MTA	SpoolCleanupMinutes	POP・MTA›MTA追加設定›Spoolクリーンアップ 分後に削除	upgrade.spool_cleanup	count
MTA	Wait	POP・MTA›MTA追加設定›MTAウェイト(ミリ秒)	delivery.retry_tick	count
MTA	NoLockWait	POP・MTA›MTA追加設定›排他的処理のウェイトを解除する	-	bool
MTA	ForceRestart	POP・MTA›MTA追加設定›MTA強制再起動 有効	-	bool
MTA	ForceRestartMinutes	POP・MTA›MTA追加設定›MTA強制再起動 分経過後	-	count
MTA	ForceRestartNotify	POP・MTA›MTA追加設定›MTA強制再起動 指定アカウントへ通知	-	bool
Misc	CacheDays	POP・MTA›その他›Cacheフォルダ 日以前を削除	-	count
Misc	FilterSource	POP・MTA›その他›更新元の filter.txt	-	str
Misc	DeleteChildFolders	POP・MTA›その他›Webmail / IMAP4 フォルダ処理	-	choice:keep|delete
TLS	Enable	TLS通信›基本設定›SSL/TLS を有効にする	tls.enabled	bool
TLS	NoExpired	TLS通信›基本設定›有効期限切れは利用しない	upgrade.expired_cert	bool
TLS	SMTPStartTLS	TLS通信›基本設定›SMTP STARTTLS を有効	listeners.smtp.starttls	bool
TLS	SubmissionSSL	TLS通信›基本設定›Submission を over SSL	listeners.submissions.enabled	bool
TLS	POP3StartTLS	TLS通信›基本設定›POP3 STARTTLS を有効	listeners.pop3.starttls	bool
TLS	Submission587StartTLS	TLS通信›基本設定›SMTP(587) で STARTTLS を有効	listeners.submission.starttls	bool
TLS	IMAP4StartTLS	TLS通信›基本設定›IMAP4 STARTTLS を有効	listeners.imap.starttls	bool
TLS	RoutingSSL	TLS通信›基本設定›転送時に SMTP over SSL を有効	delivery.routes	bool
TLS	Protocol	TLS通信›基本設定›プロトコル	upgrade.tls_versions	choice:default|specified
TLS	SSL3	TLS通信›基本設定›プロトコル SSL3	upgrade.tls_versions	bool
TLS	TLS10	TLS通信›基本設定›プロトコル TLS1	upgrade.tls_versions	bool
TLS	TLS11	TLS通信›基本設定›プロトコル TLS1.1	upgrade.tls_versions	bool
TLS	TLS12	TLS通信›基本設定›プロトコル TLS1.2	upgrade.tls_versions	bool
TLS	TLS13	TLS通信›基本設定›プロトコル TLS1.3	upgrade.tls_versions	bool
TLS	MTAProtocol	TLS通信›基本設定›プロトコル(MTA)	upgrade.mta_tls_versions	choice:default|specified
TLS	MTASSL3	TLS通信›基本設定›プロトコル(MTA) SSL3	upgrade.mta_tls_versions	bool
TLS	MTATLS10	TLS通信›基本設定›プロトコル(MTA) TLS1	upgrade.mta_tls_versions	bool
TLS	MTATLS11	TLS通信›基本設定›プロトコル(MTA) TLS1.1	upgrade.mta_tls_versions	bool
TLS	MTATLS12	TLS通信›基本設定›プロトコル(MTA) TLS1.2	upgrade.mta_tls_versions	bool
TLS	MTATLS13	TLS通信›基本設定›プロトコル(MTA) TLS1.3	upgrade.mta_tls_versions	bool
TLS	MTATLSExt	TLS通信›基本設定›TLS拡張を利用	-	bool
TLS	NoSMTPS	TLS通信›基本設定›SMTP over TLS を無効	-	bool
TLS	NoPOP3S	TLS通信›基本設定›POP3 over TLS を無効	listeners.pop3s.enabled	bool
TLS	POP3SOnly	TLS通信›基本設定›POP3sのみ有効	-	bool
TLS	NoIMAP4S	TLS通信›基本設定›IMAP4 over TLS を無効	listeners.imaps.enabled	bool
TLS	IMAP4SOnly	TLS通信›基本設定›IMAP4sのみ有効	-	bool
TLS	SubmissionsPort	TLS通信›基本設定›ポート番号 Submissions	listeners.submissions.port	port
TLS	POP3SPort	TLS通信›基本設定›ポート番号 POP3s	listeners.pop3s.port	port
TLS	IMAP4SPort	TLS通信›基本設定›ポート番号 IMAP4s	listeners.imaps.port	port
TLS	StrongCipher	TLS通信›基本設定›強い暗号のみ使用	-	bool
TLS	DefaultFQDN	TLS通信›証明書›デフォルトFQDN	-	str
TLS	FriendlyName	TLS通信›証明書›フレンドリ名	-	str
TLS	CertStore	TLS通信›証明書›証明書ストア	-	str
TLS	CertAccount	TLS通信›証明書›アカウント	-	str
TLS	SMTPSLogLevel	TLS通信›TLSログ›SMTPS Log Level	-	loglevel
TLS	SMTPSLogFile	TLS通信›TLSログ›SMTPS ログファイル名	-	str
TLS	POP3SLogLevel	TLS通信›TLSログ›POP3S Log Level	-	loglevel
TLS	POP3SLogFile	TLS通信›TLSログ›POP3S ログファイル名	-	str
TLS	IMAP4SLogLevel	TLS通信›TLSログ›IMAP4S Log Level	-	loglevel
TLS	IMAP4SLogFile	TLS通信›TLSログ›IMAP4S ログファイル名	-	str
TLS	CryptAPILog	TLS通信›TLSログ›CryptAPI ログを有効にする	-	bool
TLS	NoStartTLSHost#	TLS通信›SMTP除外›STARTTLS 除外ホスト	-	str
TLS	MTAStartTLS	TLS通信›MTA for STARTTLS›MTA for STARTTLS を有効にする	delivery.starttls	bool
TLS	MTAFallback	TLS通信›MTA for STARTTLS›フォールバック処理	upgrade.starttls_fallback	\
choice:none|plain-now|plain-next-retry-handshake|plain-next-retry-any
TLS	MTAHELO	TLS通信›MTA for STARTTLS›HELO処理	-	choice:helo|ehlo
TLS	MTATLSHost#	TLS通信›MTA for STARTTLS›許可・除外	-	str
TLS	MTATLSHostProtocol#	TLS通信›MTA for STARTTLS›ホスト別プロトコル指定	-	str
Monitor	PortWatch	監視›ポート監視を利用する	-	bool
Monitor	PortWatchMail	監視›異常時メール通知	-	bool
Monitor	PortWatchRestart	監視›異常時サービスを再起動	-	bool
Monitor	Ports	監視›監視ポート	-	str
Monitor	Interval1	監視›監視間隔1(秒)	-	count
Monitor	Interval2	監視›監視間隔2(秒)	-	count
Monitor	NotifyServer	監視›通知サーバ	-	str
Monitor	NotifyPort	監視›通知サーバ ポート番号	-	count
Monitor	NotifyFrom	監視›送信アドレス	-	str
Monitor	NotifyTo	監視›宛先アドレス	-	str
Monitor	NotifyAuth	監視›認証方式	-	str
Monitor	NotifyID	監視›認証ID	-	str
Monitor	NotifyPass	監視›認証パス	secret	str
Monitor	PortLog	監視›記録対象ポートをログに出力	-	bool
Monitor	PortLogPID	監視›プロセスID / プロセス名も記録	-	bool
Monitor	PortLogNoListen	監視›LISTEN は記録しない	-	bool
Monitor	PortLogPorts	監視›記録ポート	-	str
Monitor	PortLogAllOnError	監視›異常時に全ポートを記録	-	bool
Monitor	DoS	監視›DoS監視›DoS検知機能を利用する	-	bool
Monitor	DoSMinutes	監視›DoS監視›指定時間(分)	-	count
Monitor	DoSConnections	監視›DoS監視›接続回数	-	count
Monitor	DoSReportEnd	監視›DoS監視›収束を報告する	-	bool
Monitor	DoSIPCount	監視›DoS監視›接続IP数	-	count
Monitor	DoSIPInterval	監視›DoS監視›接続IP数の送信間隔(分)	-	count
Monitor	DoSAccount	監視›DoS監視›保存アカウント	-	str
Monitor	DoSExternal	監視›DoS監視›外部アドレス	-	str
Monitor	DoSLogList	監視›DoS監視›ログにリストを出力	-	count
Monitor	DoSAutoBlock	監視›DoS監視›自動ブロック	-	bool
Monitor	DoSExempt#	監視›DoS監視›監視除外IP	-	str
DKIM	Enable	DKIM署名›基本設定›DKIM署名を行う	domains.dkim	bool
DKIM	Canonicalization	DKIM署名›基本設定›正規化	domains.dkim.canonicalization	choice:simple|relaxed
DKIM	Algorithm	DKIM署名›基本設定›署名アルゴリズム	domains.dkim.algorithm	choice:rsa-sha256
DKIM	Headers	DKIM署名›基本設定›署名に含めるヘッダ	-	str
DKIM	Domain#	DKIM署名›ドメイン別設定 (ドメイン名,セレクタ,プライベートキー)	domains.dkim	str
"""


@dataclass(frozen=True)
class KeyRow:
    section: str
    key: str
    label: str
    path: str  # "-" = no profile equivalent
    converter: str
    line: int  # row number in TABLE, so a test can point at a bad row

    @property
    def mapped(self) -> bool:
        return self.path != "-"


def _parse(table: str) -> list[KeyRow]:
    rows = []
    for no, text in enumerate(table.splitlines(), 1):
        if not text.strip() or text.startswith("#"):
            continue
        section, key, label, path, conv = text.split("\t")
        rows.append(KeyRow(section, key, label, path, conv, no))
    return rows


ROWS: list[KeyRow] = _parse(TABLE)

_EXACT: dict[tuple[str, str], KeyRow] = {}
_PATTERNS: list[tuple[str, re.Pattern[str], KeyRow]] = []
for _row in ROWS:
    if "#" in _row.key:
        pattern = re.compile(re.escape(_row.key.casefold()).replace("\\#", "#").replace("#", r"(\d{1,4})"))
        _PATTERNS.append((_row.section.casefold(), pattern, _row))
    else:
        _EXACT[(_row.section.casefold(), _row.key.casefold())] = _row


def lookup(section: str, key: str) -> tuple[KeyRow, int | None] | None:
    """The table row for a key and, for numbered list keys, the number; None when unknown."""
    s, k = section.casefold(), key.casefold()
    row = _EXACT.get((s, k))
    if row is not None:
        return row, None
    for sec, pattern, prow in _PATTERNS:
        if sec == s:
            m = pattern.fullmatch(k)
            if m:
                return prow, int(m.group(1))
    return None
