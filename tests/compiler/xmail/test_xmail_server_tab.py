"""The server.tab variable table covers every variable the reference lists."""

from __future__ import annotations

from tayori.compiler.messages import CATALOGUE
from tayori.compiler.xmail import server_tab

# Reference §3, in its order (the seed's screen, the manual's extras, obsolete and unknown names).
REFERENCE_TEXT = """RootDomain SmtpServerDomain POP3Domain PostMaster HeloDomain SmartDNSHost EnableAuthSMTP-POP3
AllowSmtpVRFY AllowSmtpETRN MaxMTAOps MaxMessageSize Pop3MinVirtMemSpace SmtpMinDiskSpace SmtpMinVirtMemSpace
DefaultSMTPGateways SmtpGwConfig CustMapsList SmtpMsgIPBan SmtpMsgIPBanMaps SmtpMsgIPBanSpamAddress
SmtpMsgIPBanSpammers SMTP-RDNSCheck DisableEmitAuthUser Pop3LogPasswd AllowNullSender CheckMailerDomain
SMTP-IpMapDropCode ReceivedHdrType EnableCTRL-TLS EnablePOP3-TLS EnableSMTP-TLS SSLWantCert SSLWantVerify
SSLUseCertsFile SSLUseCertsDir SSLAllowSelfSigned SSLMaxCertsDepth ErrorsAdmin TempErrorsAdmin SMTP-MaxErrors
NotifyMsgLinesExtra NoSenderBounce RemoveSpoolErrors NotifySendLogToSender NotifyTryPattern CustomSMTPMessage
Pop3SyncErrorAccount FetchHdrTags SmtpNoTLSAuths DefaultSmtpPerms SMTPLocalRule1 SMTPLocalRule2 SmtpConfig
SMTP-TarpitTimeout Pop3SyncCfg SMTP-TLS HeloUseRootDomain RBL-MAPSCheck RSS-MAPSCheck DUL-MAPSCheck
ORBS-MAPSCheck DynDnsSetup SmtpMsgIPBandMaps SmtpMsgIPBanSpammres SmtpGwConfig-OutBind SmtpGwConfig-NeedTLS"""
REFERENCE = REFERENCE_TEXT.split()


def test_every_reference_variable_is_in_the_table() -> None:
    assert sorted(set(REFERENCE) - set(server_tab.VARIABLES)) == []


def test_typos_point_to_the_real_names() -> None:
    assert server_tab.VARIABLES["SmtpMsgIPBandMaps"].alias_of == "SmtpMsgIPBanMaps"
    assert server_tab.VARIABLES["SmtpMsgIPBanSpammres"].alias_of == "SmtpMsgIPBanSpammers"


def test_per_listener_smtp_config() -> None:
    assert server_tab.lookup("SmtpConfig-192.168.10.5,587") is server_tab.VARIABLES["SmtpConfig"]
    assert server_tab.lookup("SmtpConfig-") is None


def test_report_reasons_have_messages() -> None:
    import tayori.compiler.xmail.messages  # noqa: F401

    for var in server_tab.VARIABLES.values():
        if var.handling == "report":
            assert f"xmail.server.report.{var.reason}" in CATALOGUE or var.name in ("POP3Domain", "SmartDNSHost")


def test_atoi() -> None:
    assert server_tab.parse_int(" 12abc", 0) == 12
    assert server_tab.parse_int("-10", 0) == -10
    assert server_tab.parse_int("", 7) == 7
    assert server_tab.parse_int("x", 7) == 0
    assert server_tab.parse_bool("0") is False and server_tab.parse_bool("2") is True
