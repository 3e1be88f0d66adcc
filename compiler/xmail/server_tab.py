"""Every server.tab variable the reference lists (§3), as data.

Each variable says how the reader treats it: `map` (a converter puts it into the profile at
`path`), `policy` (the relay/session policy builder consumes it), `report` (no equivalent: the
value is reported as unmapped, with `reason`), `obsolete` (1.27 ignores it), `typo` (a misspelt
name from the XMailCFG screen: XMail ignores it, its meaning is `alias_of`) or `unknown-var`
(names seen in the wild that 1.27 never reads). Names are case-sensitive, as `strcmp` in XMail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Handling = Literal["map", "policy", "report", "obsolete", "typo", "unknown-var"]
ValueType = Literal["domain", "address", "text", "bool", "int", "kb", "letters", "list", "hosts", "options"]


@dataclass(frozen=True, slots=True)
class ServerVar:
    name: str
    handling: Handling
    type: ValueType = "text"
    # the value the 1.27 code uses when the variable is absent (None: nothing)
    default: str | None = None
    # profile path for `map`, or the policy input name for `policy`
    path: str | None = None
    # report message key suffix (`xmail.server.<reason>`) for `report`
    reason: str | None = None
    # the real name, for the screen's misspelt labels
    alias_of: str | None = None
    # on the XMailCFG screen (seed 002)
    seed: bool = True


def _v(name: str, handling: Handling, **kw: object) -> ServerVar:
    return ServerVar(name, handling, **kw)  # type: ignore[arg-type]


VARIABLES: dict[str, ServerVar] = {
    v.name: v
    for v in (
        # -- 基本設定 ------------------------------------------------------------------------
        _v("RootDomain", "map", type="domain", path="domains"),
        _v("POP3Domain", "report", type="domain", reason="pop3domain"),
        _v("PostMaster", "map", type="address", path="server.postmaster"),
        _v("HeloDomain", "map", type="domain", path="server.helo_name"),
        _v("SmtpServerDomain", "map", type="domain", path="server.hostname"),
        _v("SmartDNSHost", "map", type="hosts", path="server.resolvers"),
        _v("EnableAuthSMTP-POP3", "policy", type="bool", default="1", path="policy.pop_before_smtp"),
        _v("AllowSmtpVRFY", "map", type="bool", default="0", path="policy.vrfy"),
        _v("AllowSmtpETRN", "report", type="bool", default="0", reason="etrn"),
        _v("MaxMTAOps", "report", type="int", default="16", reason="hops"),
        _v("MaxMessageSize", "map", type="kb", default="0", path="policy.limits.max_message_size"),
        _v("Pop3MinVirtMemSpace", "report", type="kb", reason="resource_guard"),
        _v("SmtpMinDiskSpace", "report", type="kb", reason="resource_guard"),
        _v("SmtpMinVirtMemSpace", "report", type="kb", reason="resource_guard"),
        # -- SMTP gateway -------------------------------------------------------------------
        _v("DefaultSMTPGateways", "map", type="hosts", path="delivery.routes"),
        _v("SmtpGwConfig", "map", type="options", path="delivery.tls"),
        _v("SmtpGwConfig-OutBind", "report", type="text", reason="gw_sub", alias_of="SmtpGwConfig"),
        _v("SmtpGwConfig-NeedTLS", "report", type="int", reason="gw_sub", alias_of="SmtpGwConfig"),
        # -- security ----------------------------------------------------------------------
        _v("CustMapsList", "policy", type="list", path="policy.dnsbl.zones"),
        _v("SmtpMsgIPBan", "report", type="text", reason="reply_text"),
        _v("SmtpMsgIPBanMaps", "report", type="text", reason="reply_text"),
        _v("SmtpMsgIPBandMaps", "typo", type="text", alias_of="SmtpMsgIPBanMaps"),
        _v("SmtpMsgIPBanSpamAddress", "report", type="text", reason="reply_text"),
        _v("SmtpMsgIPBanSpammers", "report", type="text", reason="reply_text"),
        _v("SmtpMsgIPBanSpammres", "typo", type="text", alias_of="SmtpMsgIPBanSpammers"),
        _v("SMTP-RDNSCheck", "policy", type="int", default="0", path="policy.rdns"),
        _v("DisableEmitAuthUser", "report", type="bool", default="0", reason="auth_header"),
        _v("Pop3LogPasswd", "policy", type="int", default="0", path="logging"),
        _v("AllowNullSender", "policy", type="bool", default="1", path="policy.null_sender"),
        _v("CheckMailerDomain", "policy", type="bool", default="0", path="policy.unknown_sender_domain"),
        _v("SMTP-IpMapDropCode", "policy", type="int", default="1", path="policy.relay.rules"),
        _v("ReceivedHdrType", "report", type="int", default="0", reason="received_header"),
        # -- SSL/TLS -----------------------------------------------------------------------
        _v("EnableCTRL-TLS", "report", type="bool", default="1", reason="ctrl"),
        _v("EnablePOP3-TLS", "policy", type="bool", default="1", path="listeners.pop3.tls"),
        _v("EnableSMTP-TLS", "policy", type="bool", default="1", path="listeners.smtp.tls"),
        _v("SSLWantCert", "report", type="bool", default="0", reason="client_cert"),
        _v("SSLWantVerify", "report", type="bool", default="0", reason="client_cert"),
        _v("SSLUseCertsFile", "report", type="bool", default="0", reason="client_cert"),
        _v("SSLUseCertsDir", "report", type="bool", default="0", reason="client_cert"),
        _v("SSLAllowSelfSigned", "report", type="bool", default="0", reason="client_cert"),
        _v("SSLMaxCertsDepth", "report", type="int", default="0", reason="client_cert"),
        # -- errors ------------------------------------------------------------------------
        _v("ErrorsAdmin", "map", type="address", path="delivery.dsn.postmaster_copy"),
        _v("TempErrorsAdmin", "report", type="address", reason="delay_copy"),
        _v("SMTP-MaxErrors", "map", type="int", default="0", path="policy.limits.max_protocol_errors"),
        _v("NotifyMsgLinesExtra", "report", type="int", default="0", reason="bounce_format"),
        _v("NoSenderBounce", "report", type="bool", default="0", reason="bounce_format"),
        _v("RemoveSpoolErrors", "report", type="bool", default="0", reason="frozen"),
        _v("NotifySendLogToSender", "report", type="bool", default="0", reason="bounce_format"),
        _v("NotifyTryPattern", "report", type="list", reason="delay_warning"),
        _v("CustomSMTPMessage", "report", type="text", reason="reply_text"),
        # -- POP3 sync ---------------------------------------------------------------------
        _v("Pop3SyncErrorAccount", "report", type="address", reason="psync"),
        _v("FetchHdrTags", "report", type="list", default="+X-Deliver-To,+Received,To,Cc", reason="psync"),
        # -- SMTP AUTH ---------------------------------------------------------------------
        _v("SmtpNoTLSAuths", "policy", type="list", path="listeners.submission.tls_required"),
        _v("DefaultSmtpPerms", "policy", type="letters", default="MRVZ", path="accounts[].may_relay"),
        # -- localized build ---------------------------------------------------------------
        _v("SMTPLocalRule1", "report", type="bool", reason="local_rule"),
        _v("SMTPLocalRule2", "report", type="bool", reason="local_rule"),
        # -- not on the screen (manual / code) ----------------------------------------------
        _v("SmtpConfig", "policy", type="options", path="policy.relay.rules", seed=False),
        # -- obsolete (ignored by 1.27) -------------------------------------------------------
        _v("SMTP-TLS", "obsolete", seed=False),
        _v("HeloUseRootDomain", "obsolete", seed=False),
        _v("RBL-MAPSCheck", "obsolete", seed=False),
        _v("RSS-MAPSCheck", "obsolete", seed=False),
        _v("DUL-MAPSCheck", "obsolete", seed=False),
        _v("ORBS-MAPSCheck", "obsolete", seed=False),
        _v("DynDnsSetup", "obsolete", seed=False),
        # -- named in the wild, absent from 1.27 ---------------------------------------------
        _v("SMTP-TarpitTimeout", "unknown-var", seed=False),
        _v("Pop3SyncCfg", "unknown-var", seed=False),
    )
}

# `SmtpConfig-<IP>` and `SmtpConfig-<IP>,<PORT>`: per-listener variants of SmtpConfig.
SMTP_CONFIG_PREFIX = "SmtpConfig-"


def lookup(name: str) -> ServerVar | None:
    var = VARIABLES.get(name)
    if var is None and name.startswith(SMTP_CONFIG_PREFIX) and len(name) > len(SMTP_CONFIG_PREFIX):
        return VARIABLES["SmtpConfig"]
    return var


def near_miss(name: str) -> str | None:
    """A known name that differs only in case (XMail compares case-sensitively, so it ignored it)."""
    folded = name.casefold()
    for known in VARIABLES:
        if known.casefold() == folded and known != name:
            return known
    return None


def parse_bool(value: str) -> bool:
    """`atoi(value) != 0`."""
    return parse_int(value, 0) != 0


# blanks, then something: an optional sign and ASCII digits (none is 0, as in C)
_ATOI = re.compile(r"[ \t]*(?=[^ \t])([+-]?)([0-9]*)")


def parse_int(value: str, default: int) -> int:
    """C `atoi`: leading blanks, a sign, digits; anything else ends the number. Empty → default."""
    m = _ATOI.match(value)
    if m is None:  # blanks only, or nothing
        return default
    sign, digits = m.groups()
    if not digits:
        return 0
    return -int(digits) if sign == "-" else int(digits)


def parse_options(value: str) -> dict[str, str]:
    """`Name=val,Name2,…` (a bare name means 1); names are case-sensitive."""
    out: dict[str, str] = {}
    for token in value.split(","):
        token = token.strip()
        if not token:
            continue
        name, _, val = token.partition("=")
        out.setdefault(name, val if "=" in token else "1")
    return out
