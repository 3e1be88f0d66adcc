"""pmail.ini settings -> profile sections, with the security upgrades the migration report names.

Each function takes the typed `Settings` and fills one part of the profile. A setting the code
asks for counts as mapped; when the legacy value is unsafe the safe one goes into the profile and
an `upgraded` entry states both, or a `decide` entry where an admin may need the old behaviour.
Settings absent from the file are taken at PMailServer2's documented default, so a minimal file
still yields the report lines about its weak defaults.
"""

from __future__ import annotations

import ipaddress
from itertools import pairwise
from typing import Any

from pydantic import ValidationError

from tayori.compiler.pmail.settings import Setting, Settings
from tayori.compiler.report import ReportBuilder
from tayori.profiles.model import (
    Delivery,
    Dnsbl,
    DnsblZone,
    Listener,
    Listeners,
    Logging,
    Policy,
    RelayRule,
    Route,
    Server,
    Tls,
)

# What a level 0-3 of PMailServer2 becomes; 3 (commands and replies) is upgraded to info.
_LOG_LEVELS = {0: "warning", 1: "info", 2: "info", 3: "info"}
# MTA再送カウント counts spool checks, one per MTAウェイト (2,000 ms by default) [reference §2.2].
DEFAULT_TICK_MS = 2000


class Mapper:
    def __init__(self, s: Settings, report: ReportBuilder) -> None:
        self.s = s
        self.r = report
        self.rel = s.rel
        self.secrets: dict[str, Any] = {}

    # -- helpers -----------------------------------------------------------------------------
    def at(self, st: Setting | None) -> dict[str, Any]:
        """Location keywords for a report entry: the setting's line, else the file alone."""
        return {"file": self.rel, "line": st.line if st else None, "raw": st.item.raw if st else None}

    def upgraded(self, id: str, msg: str, st: Setting | None, paths: list[str], **params: Any) -> None:
        self.r.upgraded(id, msg, params, paths=paths, **self.at(st))

    def bad(self, id: str, st: Setting, exc: Exception | str) -> None:
        detail = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) and exc.errors() else str(exc)
        self.r.error(
            id,
            "pmail.value.rejected",
            {"label": st.row.label, "value": st.item.value, "problem": detail},
            **self.at(st),
        )

    # -- server ------------------------------------------------------------------------------
    def server(self) -> Server:
        s = self.s
        server = Server()
        name = s.get("Global", "ServerName")
        if name is not None and name.value.strip():
            try:
                server = Server(hostname=name.value.strip(), origin=s.origin(name))
            except ValidationError as exc:
                self.bad("server.hostname", name, exc)
        auto = s.value("Global", "AutoDNS", False)
        resolvers = [st for st in (s.get("Global", "PrimaryDNS"), s.get("Global", "SecondaryDNS")) if st]
        if not auto:
            server.resolvers = [st.value for st in resolvers if st.value]
        tz = s.get("Global", "TimeZone")
        if tz is not None:
            zone = _zone_name(tz.value)
            if zone is None:
                self.r.unmapped("server.timezone", "pmail.server.timezone", {"value": tz.value}, **self.at(tz))
            else:
                server.timezone = zone
        ipv6 = s.get("Global2", "IPv6Enable")
        if ipv6 is not None:
            server.ipv6 = bool(ipv6.value)
        ipv4off = s.get("Global2", "IPv4Disable")
        if ipv4off is not None:
            server.ipv4 = not ipv4off.value
        hide = s.get("Global2", "HideVersion")
        if hide is None or not hide.value:
            self.upgraded("server.version_banner", "pmail.upgrade.version_banner", hide, ["server.hide_version"])
        return server

    # -- listeners ---------------------------------------------------------------------------
    def listeners(self) -> Listeners:
        s = self.s
        ls = Listeners()
        bind = s.get("Global", "ServerIP")
        binds = [bind.value] if bind is not None and bind.value else None
        timeout = s.value("Global", "MUATimeout")
        session = s.get("SMTP", "MaxSessionTime")
        for name, prefix in (("smtp", "SMTP"), ("pop3", "POP3"), ("imap", "IMAP4")):
            lst: Listener = getattr(ls, name)
            en = s.get("Global", f"{prefix}Enable")
            if en is not None:
                lst.enabled = bool(en.value)
            port = s.get("Global", f"{prefix}Port")
            if port is not None:
                lst.port = port.value
                lst.origin = s.origin(port)
            conns = s.get("Global", f"{prefix}MaxConnect")
            if conns is not None and conns.value > 0:
                lst.max_connections = conns.value
            per_ip = s.get("Global2", f"{prefix}MaxPerIP")
            if per_ip is not None and per_ip.value > 0:
                lst.max_per_ip = per_ip.value
            elif per_ip is not None:
                self.upgraded(
                    f"listeners.{name}.per_ip",
                    "pmail.upgrade.per_ip_unlimited",
                    per_ip,
                    [f"listeners.{name}.max_per_ip"],
                    value=lst.max_per_ip,
                )
        if not ls.imap.enabled:
            ls.imaps.enabled = False
        for name in ("smtp", "submission", "submissions", "pop3", "pop3s", "imap", "imaps"):
            lst = getattr(ls, name)
            if binds:
                lst.bind = binds
            if timeout:
                lst.timeout = timeout
        if session is not None and session.value > 0:
            ls.smtp.session_limit = session.value * 60
        for key, name in (("SubmissionsPort", "submissions"), ("POP3SPort", "pop3s"), ("IMAP4SPort", "imaps")):
            port = s.get("TLS", key)
            if port is not None:
                getattr(ls, name).port = port.value
        nopop3s = s.get("TLS", "NoPOP3S")
        if nopop3s is not None and nopop3s.value:
            ls.pop3s.enabled = False
        noimaps = s.get("TLS", "NoIMAP4S")
        if noimaps is not None and noimaps.value:
            ls.imaps.enabled = False
        self._auth(ls)
        self._starttls(ls)
        return ls

    def _auth(self, ls: Listeners) -> None:
        s = self.s
        mode = s.get("SMTPAuth", "Mode")
        for k in ("PLAIN", "LOGIN", "Only465", "SubPLAIN", "SubLOGIN"):
            s.get("SMTPAuth", k)
        sub = s.get("SMTPAuth", "Submission")
        if mode is not None and mode.value == "required":
            d = self.r.decide(
                "listeners.smtp.auth",
                "pmail.decide.smtp25_auth",
                {},
                key="pmail.smtp25_auth",
                options=["no", "yes"],
                value="no",
                paths=["listeners.smtp.auth"],
                **self.at(mode),
            )
            if d.decide is not None and d.decide.value == "yes":
                ls.smtp.auth = True
                ls.smtp.relay_with_auth = True
        else:
            self.upgraded(
                "listeners.smtp.auth_off",
                "pmail.upgrade.smtp_auth_off",
                mode,
                ["listeners.submission", "listeners.submissions", "policy.relay"],
                submission="on" if sub is None or sub.value else "off",
            )
        if sub is not None and not sub.value:
            # Submission is how users send after the upgrade above; it stays on.
            self.r.info("listeners.submission", "pmail.listeners.submission_on", {}, **self.at(sub))
        # Plaintext POP3 logins (USER/PASS without TLS).
        pop = s.get("POP3", "AuthMode")
        for k in ("SASLPlain", "SASLLogin"):
            s.get("POP3", k)
        if pop is None or pop.value == "plain+apop+auth":
            self.upgraded(
                "listeners.pop3.plaintext",
                "pmail.upgrade.pop3_plaintext",
                pop,
                ["listeners.pop3.plaintext_auth_without_tls"],
            )
        passchg = s.get("Special", "PassChg")
        if passchg is not None and passchg.value:
            self.upgraded("listeners.pop3.passchg", "pmail.upgrade.passchg", passchg, [])
        apop_port = s.get("POP3", "APOPPort")
        if apop_port is not None and apop_port.value:
            self.upgraded("listeners.apop", "pmail.upgrade.apop_port", apop_port, ["listeners.apop"])

    def legacy_auth(self) -> str:
        """APOP is always on in PMailServer2 and CRAM-MD5 may be: keep them only if the admin says so."""
        s = self.s
        cram = [
            st
            for st in (s.get("SMTPAuth", "CRAMMD5"), s.get("SMTPAuth", "SubCRAMMD5"), s.get("POP3", "SASLCramMD5"))
            if st is not None
        ]
        pop = s.get("POP3", "AuthMode")
        lines = ",".join(str(st.line) for st in cram)
        d = self.r.decide(
            "accounts.legacy_auth",
            "pmail.decide.legacy_auth",
            {"cram": "on" if any(st.value for st in cram) else "off", "lines": lines or "-"},
            key="pmail.legacy_auth",
            options=["none", "apop", "apop+cram-md5"],
            value="none",
            paths=["accounts[].legacy_auth", "listeners.pop3.auth_mechanisms"],
            file=self.rel,
            line=pop.line if pop is not None else None,
        )
        return str(d.decide.value) if d.decide is not None else "none"

    def _starttls(self, ls: Listeners) -> None:
        s = self.s
        enable = s.get("TLS", "Enable")
        for key, name in (
            ("SMTPStartTLS", "smtp"),
            ("POP3StartTLS", "pop3"),
            ("IMAP4StartTLS", "imap"),
            ("Submission587StartTLS", "submission"),
            ("SubmissionSSL", "submissions"),
        ):
            st = s.get("TLS", key)
            if st is not None and not (st.value and (enable is None or enable.value)):
                self.upgraded(
                    f"listeners.{name}.tls", "pmail.upgrade.tls_off", st, [f"listeners.{name}.tls"], listener=name
                )

    # -- TLS ---------------------------------------------------------------------------------
    def tls(self) -> Tls:
        s = self.s
        tls = Tls()
        s.get("TLS", "Enable")
        proto = s.get("TLS", "Protocol")
        flags = {k: s.get("TLS", k) for k in ("SSL3", "TLS10", "TLS11", "TLS12", "TLS13")}
        old = [k for k in ("SSL3", "TLS10", "TLS11") if flags[k] is not None and flags[k].value]  # type: ignore[union-attr]
        if proto is None or proto.value == "default":
            self.upgraded("tls.versions", "pmail.upgrade.tls_default", proto, ["tls.min_version"])
        elif old:
            self.upgraded("tls.versions", "pmail.upgrade.tls_old", proto, ["tls.min_version"], versions=", ".join(old))
        elif flags["TLS13"] is not None and flags["TLS13"].value and not (flags["TLS12"] and flags["TLS12"].value):
            tls.min_version = "TLSv1.3"
        tls.origin = s.origin(proto)
        mproto = s.get("TLS", "MTAProtocol")
        mflags = {k: s.get("TLS", "MTA" + k) for k in ("SSL3", "TLS10", "TLS11", "TLS12", "TLS13")}
        mold = [k for k, v in mflags.items() if k in ("SSL3", "TLS10", "TLS11") and v is not None and v.value]
        if mproto is not None and mproto.value == "specified" and mold:
            self.upgraded(
                "delivery.tls_versions", "pmail.upgrade.tls_old_mta", mproto, ["delivery.tls"], versions=", ".join(mold)
            )
        expired = s.get("TLS", "NoExpired")
        if expired is None or not expired.value:
            self.upgraded("tls.expired", "pmail.upgrade.expired_cert", expired, ["tls.cert"])
        return tls

    # -- policy ------------------------------------------------------------------------------
    def policy(self, domains: list[str]) -> Policy:
        s = self.s
        p = Policy()
        lim = p.limits
        st = s.get("SMTP", "MaxRcpt")
        if st is not None:
            if st.value > 0:
                lim.max_recipients = st.value
            else:
                self.upgraded(
                    "policy.max_recipients",
                    "pmail.upgrade.unlimited",
                    st,
                    ["policy.limits.max_recipients"],
                    value=lim.max_recipients,
                )
        st = s.get("SMTP", "ErrorDisconnect")
        if st is not None:
            if st.value > 0:
                lim.max_protocol_errors = st.value
            else:
                self.upgraded(
                    "policy.max_errors",
                    "pmail.upgrade.unlimited",
                    st,
                    ["policy.limits.max_protocol_errors"],
                    value=lim.max_protocol_errors,
                )
        st = s.get("SMTP", "MaxReceiveSize")
        if st is not None:
            if st.value > 0:
                lim.max_message_size = st.value
            else:
                self.upgraded(
                    "policy.max_size", "pmail.upgrade.unlimited", st, ["policy.limits.max_message_size"], value="50M"
                )
        st = s.get("SMTP2", "GreetPause")
        if st is not None:
            lim.greet_pause = st.value
        lim.origin = self.s.origin(s.get("SMTP", "MaxRcpt"))

        st = s.get("SMTP", "AcceptNullSender")
        if st is None or not st.value:
            self.upgraded("policy.null_sender", "pmail.upgrade.null_sender", st, ["policy.null_sender"])
        st = s.get("SMTP", "UnknownDomain")
        if st is not None:
            if st.value == "reject":
                p.unknown_sender_domain = "refuse"
            elif st.value == "tag":
                self.r.unmapped("policy.unknown_domain_tag", "pmail.policy.unknown_domain_tag", {}, **self.at(st))
        st = s.get("SMTP", "StrictSenderDomain")
        if st is not None and not st.value:
            self.upgraded("policy.strict_sender", "pmail.upgrade.strict_sender", st, ["policy.relay.fallback"])
        st = s.get("SMTP", "DiscardIncomplete")
        if st is None or not st.value:
            self.upgraded("policy.incomplete_data", "pmail.upgrade.incomplete_data", st, [])
        rdns = s.get("SMTP3", "ReverseCheck")
        mark = s.get("SMTP3", "ReverseMark")
        if rdns is not None and rdns.value:
            p.rdns = "tag"
            if not (mark is not None and mark.value):
                self.upgraded("policy.rdns", "pmail.upgrade.rdns_refuse", rdns, ["policy.rdns"])
        elif mark is not None and mark.value:
            p.rdns = "tag"
        helo = s.get("SMTP3", "HELOCheck")
        if helo is not None and helo.value:
            p.helo.require_fqdn = True
            p.helo.origin = s.origin(helo)
        st = s.get("SMTP3", "MaxHops")
        if st is not None:
            self.r.unmapped("policy.max_hops", "pmail.policy.max_hops", {"value": st.value}, **self.at(st))
        spf = s.get("SenderAuth", "SPF")
        action = s.get("SenderAuth", "SPFAction")
        if spf is None or not spf.value:
            self.upgraded("policy.spf", "pmail.upgrade.spf_off", spf, ["policy.spf"])
        elif action is not None and action.value != "tag":
            p.spf = "refuse"
        for k in ("LocalSenderCheck", "LocalSenderStrict"):
            s.get("SenderAuth", k)
        self._relay(p, domains)
        self._dnsbl(p)
        return p

    def _relay(self, p: Policy, domains: list[str]) -> None:
        s = self.s
        rules = p.relay.rules
        mode = s.get("Filter", "Mode")
        direct = mode is None or mode.value == "direct"
        # Loopback was always trusted, whatever the lists said [FAQ].
        self.upgraded("policy.relay.loopback", "pmail.upgrade.loopback", None, ["policy.relay.rules"])
        banned = s.get("SMTP", "BannedAction")
        if banned is not None and banned.value not in ("tempfail", "reject", "disconnect"):
            self.upgraded(
                "policy.banned_action",
                "pmail.upgrade.banned_action",
                banned,
                ["policy.relay.rules"],
                value=banned.value,
            )
        relay_ip_no_auth = s.get("SMTP", "RelayIPNoAuth")
        if relay_ip_no_auth is not None and relay_ip_no_auth.value:
            self.upgraded(
                "policy.relay_ip_no_auth", "pmail.upgrade.relay_ip_no_auth", relay_ip_no_auth, ["policy.relay.rules"]
            )
        for st in s.many("SMTPAuth", "ExemptIP#"):
            self._trust_network(st, "auth_exempt", rules)
        active_direct = ["ConnectAllow#", "ConnectAllowHost#", "ConnectDeny#", "ConnectDenyHost#"]
        for key in active_direct:
            for st in s.many("Filter", key):
                if not direct:
                    self.r.unmapped(
                        f"policy.relay.inactive.{st.item.key}",
                        "pmail.relay.inactive",
                        {"mode": "filter"},
                        **self.at(st),
                    )
                elif key == "ConnectAllow#":
                    self._trust_network(st, "connect_allow", rules)
                elif key == "ConnectDeny#":
                    rules.append(
                        RelayRule(
                            clients=[st.value], table="refuse", origin=s.origin(st), comment="接続禁止IP / banned"
                        )
                    )
                else:
                    self.r.unmapped(
                        f"policy.relay.host.{st.item.key}", "pmail.relay.host_rule", {"value": st.value}, **self.at(st)
                    )
        for st in s.many("Filter", "Rule#"):
            if direct:
                self.r.unmapped(
                    f"policy.relay.inactive.{st.item.key}", "pmail.relay.inactive", {"mode": "direct"}, **self.at(st)
                )
            else:
                self._filter_rule(st, rules)
        for st in s.many("Filter", "RelayAllow#"):
            net = ipaddress.ip_network(st.value)
            if net.is_loopback:
                self.upgraded(
                    f"policy.relay.loopback.{st.item.key}",
                    "pmail.upgrade.loopback_entry",
                    st,
                    ["policy.relay.rules"],
                    value=st.value,
                )
            elif net.prefixlen < (8 if net.version == 4 else 32):
                self.upgraded(
                    f"policy.relay.open.{st.item.key}",
                    "pmail.upgrade.open_relay_net",
                    st,
                    ["policy.relay.rules"],
                    value=st.value,
                )
            else:
                rules.append(
                    RelayRule(
                        clients=[st.value], table="trust", origin=s.origin(st), comment="中継許可設定 / relay allowed"
                    )
                )
        for k in ("Dynamic#", "MTAFilter#"):
            for st in s.many("Filter", k):
                self.r.unmapped(
                    f"policy.relay.{st.item.key}",
                    "pmail.ini.no_equivalent",
                    {"label": st.row.label, "value": st.item.value, "section": st.item.section, "key": st.item.key},
                    **self.at(st),
                )
        # POP-before-SMTP: PMailServer2 keys it on the sender's mailbox (a marker file), not on the client.
        pbs = s.get("Global", "PopBeforeSmtp")
        window = pbs.value if pbs is not None else 60
        if window > 0:
            d = self.r.decide(
                "policy.pop_before_smtp",
                "pmail.decide.pop_before_smtp",
                {"window": window},
                key="pmail.pop_before_smtp",
                options=["off", "ip+account"],
                value="off",
                paths=["policy.pop_before_smtp"],
                **self.at(pbs),
            )
            p.pop_before_smtp.window = max(window, 1)
            p.pop_before_smtp.origin = s.origin(pbs)
            if d.decide is not None and d.decide.value == "ip+account":
                p.pop_before_smtp.enabled = True
                p.pop_before_smtp.match = "ip+account"
        p.relay.fallback = "secure-default"

    def _trust_network(self, st: Setting, what: str, rules: list[RelayRule]) -> None:
        net = ipaddress.ip_network(st.value)
        if net.is_loopback:
            self.upgraded(
                f"policy.relay.loopback.{st.item.key}",
                "pmail.upgrade.loopback_entry",
                st,
                ["policy.relay.rules"],
                value=st.value,
            )
            return
        if net.prefixlen == 0:
            self.upgraded(
                f"policy.relay.open.{st.item.key}",
                "pmail.upgrade.open_relay_net",
                st,
                ["policy.relay.rules"],
                value=st.value,
            )
            return
        d = self.r.decide(
            f"policy.relay.{what}.{st.value}",
            f"pmail.decide.{what}",
            {"network": st.value},
            key=f"pmail.relay.{what}.{st.value}",
            options=["secure-default", "trust"],
            value="secure-default",
            paths=["policy.relay.rules"],
            **self.at(st),
        )
        if d.decide is not None and d.decide.value == "trust":
            rules.append(RelayRule(clients=[st.value], table="trust", origin=self.s.origin(st), comment=what))

    def _filter_rule(self, st: Setting, rules: list[RelayRule]) -> None:
        """フィルタチェック rows, reconstructed as `PASS|REJECT,IP|IPS|IPR|HOST,value[,value2]`."""
        parts = [p.strip() for p in str(st.value).split(",")]
        if len(parts) < 3 or parts[0].upper() not in ("PASS", "REJECT"):
            self.r.error(f"policy.relay.rule.{st.item.key}", "pmail.relay.bad_rule", {"value": st.value}, **self.at(st))
            return
        action, kind = parts[0].upper(), parts[1].upper()
        try:
            if kind == "IP":
                clients = [parts[2]] if "*" in parts[2] else [str(ipaddress.ip_address(parts[2]))]
            elif kind == "IPS" and len(parts) >= 4:
                clients = [str(ipaddress.ip_network(f"{parts[2]}/{parts[3]}", strict=False))]
            elif kind == "IPR" and len(parts) >= 4:
                first, last = ipaddress.ip_address(parts[2]), ipaddress.ip_address(parts[3])
                clients = [str(n) for n in ipaddress.summarize_address_range(first, last)]
            elif kind == "HOST":
                self.r.unmapped(
                    f"policy.relay.host.{st.item.key}", "pmail.relay.host_rule", {"value": st.value}, **self.at(st)
                )
                return
            else:
                raise ValueError(kind)
        except (ValueError, TypeError):
            self.r.error(f"policy.relay.rule.{st.item.key}", "pmail.relay.bad_rule", {"value": st.value}, **self.at(st))
            return
        if action == "REJECT":
            rules.append(RelayRule(clients=clients, table="refuse", origin=self.s.origin(st), comment="REJECT"))
            return
        for c in clients:
            if "*" in c:
                self.r.unmapped(
                    f"policy.relay.wild.{st.item.key}", "pmail.relay.pass_wildcard", {"value": c}, **self.at(st)
                )
                continue
            fake = Setting(st.row, st.item, str(ipaddress.ip_network(c, strict=False)), st.number)
            self._trust_network(fake, "connect_allow", rules)

    def _dnsbl(self, p: Policy) -> None:
        s = self.s
        zones = []
        for st in s.many("Filter", "DNSBL#"):
            zone = str(st.value).strip()
            if zone:
                zones.append(DnsblZone(zone=zone, origin=s.origin(st)))
        count = s.get("Filter", "DNSBLCacheCount")
        minutes = s.get("Filter", "DNSBLCacheTime")
        p.dnsbl = Dnsbl(
            zones=zones,
            cache_size=count.value if count is not None else p.dnsbl.cache_size,
            cache_time=minutes.value * 60 if minutes is not None else p.dnsbl.cache_time,
            origin=s.origin(count),
        )

    # -- delivery ----------------------------------------------------------------------------
    def delivery(self) -> Delivery:
        s = self.s
        d = Delivery()
        enabled = s.get("Global", "MTAEnable")
        if enabled is not None and not enabled.value:
            self.r.unmapped("delivery.disabled", "pmail.delivery.disabled", {}, **self.at(enabled))
        st = s.get("Global", "MTACacheTime")
        if st is not None and st.value > 0:
            d.mx_cache_time = st.value * 60
        st = s.get("Global", "MTAThreads")
        if st is not None and st.value > 0:
            d.parallelism = st.value
        st = s.get("Global", "MTATimeout")
        if st is not None and st.value > 0:
            d.connect_timeout = st.value
        tick = s.get("MTA", "Wait")
        tick_ms = tick.value if tick is not None and tick.value > 0 else DEFAULT_TICK_MS
        retry = s.get("Global", "MTARetryCount")
        if retry is not None:
            counts = retry.value
            if any(b <= a for a, b in pairwise(counts)) or counts[0] <= 0:
                self.r.error(
                    "delivery.retry", "pmail.delivery.retry_order", {"value": retry.item.value}, **self.at(retry)
                )
            else:
                times = [c * tick_ms // 1000 for c in counts]
                d.retry_schedule = [times[0]] + [b - a for a, b in pairwise(times)]
                d.give_up_after = times[-1]
                d.origin = s.origin(retry)
                self.r.info(
                    "delivery.retry",
                    "pmail.delivery.retry_ticks",
                    {
                        "counts": retry.item.value,
                        "tick_ms": tick_ms,
                        "schedule": ",".join(str(t) for t in times),
                        "give_up": times[-1],
                    },
                    paths=["delivery.retry_schedule", "delivery.give_up_after"],
                    **self.at(retry),
                )
        st = s.get("MTA", "PendingTiming")
        if st is not None and st.value < 0:
            d.delay_warning_after = None
        elif st is not None:
            self.r.unmapped("delivery.pending", "pmail.delivery.pending", {"value": st.value}, **self.at(st))
        st = s.get("MTA", "DSNOriginal")
        if st is not None and st.value:
            d.dsn.include = "full"
        st = s.get("MTA", "BounceFrom")
        if st is not None and "@" in str(st.value) and "<" not in str(st.value):
            d.bounce_from = str(st.value).split("@")[0]
        hours = s.get("MTA", "Hours")
        if hours is not None and hours.value != (0, 23):
            self.r.unmapped("delivery.hours", "pmail.delivery.hours", {"value": hours.item.value}, **self.at(hours))
        cleanup = s.get("MTA", "SpoolCleanup")
        if cleanup is not None and cleanup.value:
            minutes = s.value("MTA", "SpoolCleanupMinutes", "?")
            self.upgraded("delivery.spool_cleanup", "pmail.upgrade.spool_cleanup", cleanup, [], minutes=minutes)
        mta_tls = s.get("TLS", "MTAStartTLS")
        fallback = s.get("TLS", "MTAFallback")
        if mta_tls is None or not mta_tls.value:
            self.upgraded("delivery.tls", "pmail.upgrade.mta_tls_off", mta_tls, ["delivery.tls"])
        elif fallback is not None and fallback.value == "none":
            d.tls = "required"
            self.r.decide(
                "delivery.tls_required",
                "pmail.decide.mta_tls_required",
                {},
                key="pmail.delivery_tls_required",
                options=["required", "opportunistic"],
                value="required",
                paths=["delivery.tls"],
                **self.at(fallback),
            )
        else:
            self.upgraded(
                "delivery.tls_fallback",
                "pmail.upgrade.starttls_fallback",
                fallback,
                ["delivery.tls"],
                mode=fallback.value if fallback is not None else "?",
            )
        self._routes(d)
        return d

    def _routes(self, d: Delivery) -> None:
        """転送 rows, reconstructed as `match,host,rewrite,port,auth,id,password`."""
        s = self.s
        ssl = s.get("TLS", "RoutingSSL")
        routes = s.many("Routing", "Route#")
        stored_creds = False
        for st in routes:
            parts = [p.strip() for p in str(st.value).split(",")]
            parts += [""] * (7 - len(parts))
            match, host, rewrite, port, auth, user, password = parts[:7]
            if password:
                self.r.secret(password)
            if not match or not host or (port and not port.isdigit()):
                self.r.error(f"delivery.route.{st.item.key}", "pmail.route.bad", {}, **self.at(st))
                continue
            if rewrite:
                self.r.unmapped(
                    f"delivery.route.rewrite.{st.item.key}", "pmail.route.rewrite", {"value": rewrite}, **self.at(st)
                )
            secret_key = None
            if user and password:
                secret_key = f"pmail-route-{st.number}"
                self.secrets.setdefault("smarthosts", {})[secret_key] = password
                stored_creds = True
            try:
                route = Route(
                    domains=[m.lstrip("@") or "*" for m in match.split(";")],
                    host=host,
                    port=int(port) if port else 25,
                    tls="implicit" if ssl is not None and ssl.value else "starttls",
                    auth_user=user or None,
                    password_secret=secret_key,
                    origin=s.origin(st),
                )
            except ValidationError as exc:
                self.bad(f"delivery.route.{st.item.key}", st, exc)
                continue
            d.routes.append(route)
            if auth and auth.upper() not in ("LOGIN", "PLAIN", "CRAM-MD5", "NONE", "0", "1"):
                self.r.unmapped(
                    f"delivery.route.auth.{st.item.key}", "pmail.route.auth", {"value": auth}, **self.at(st)
                )
        first = routes[0] if routes and stored_creds else None
        self.upgraded("delivery.queue_credentials", "pmail.upgrade.queue_credentials", first, ["delivery.routes"])

    # -- logging -----------------------------------------------------------------------------
    def logging(self) -> Logging:
        s = self.s
        log = Logging()
        services = (
            ("SMTPLogLevel", "smtpd"),
            ("MTALogLevel", "delivery"),
            ("POP3LogLevel", "dovecot"),
            ("APOPLogLevel", "dovecot"),
            ("IMAP4LogLevel", "dovecot"),
        )
        for key, service in services:
            st = s.get("Log", key)
            if st is None:
                continue
            level = _LOG_LEVELS[st.value]
            current = log.levels.get(service)
            if current is None or _rank(level) < _rank(current):
                log.levels[service] = level  # type: ignore[assignment]
            if st.value == 3:
                self.upgraded(
                    f"logging.{key}", "pmail.upgrade.log_debug", st, [f"logging.levels.{service}"], label=st.row.label
                )
            log.origin = log.origin or s.origin(st)
        for key in ("SMTPLogFile", "SubmissionLogFile", "POP3LogFile", "APOPLogFile", "IMAP4LogFile", "MTALogFile"):
            st = s.get("Log", key)
            if st is not None and "%d" not in str(st.value):
                self.r.unmapped(f"logging.file.{key}", "pmail.logging.not_daily", {"value": st.value}, **self.at(st))
        return log


def _rank(level: str) -> int:
    return ["debug", "info", "warning", "error"].index(level)


def _zone_name(offset: str) -> str | None:
    """`+09:00` -> Asia/Tokyo; other whole-hour offsets -> Etc/GMT∓N (POSIX sign is inverted)."""
    if offset == "+09:00":
        return "Asia/Tokyo"
    sign, hh, mm = offset[0], int(offset[1:3]), offset[4:6]
    if mm != "00":
        return None
    if hh == 0:
        return "UTC"
    return f"Etc/GMT{'-' if sign == '+' else '+'}{hh}"
