"""server.tab: read every variable (§2.2, §3) and map the ones that are not relay policy."""

from __future__ import annotations

import ipaddress
from typing import Any

from tayori.compiler.xmail import server_tab
from tayori.compiler.xmail.context import Context, at
from tayori.compiler.xmail.state import Setting, State
from tayori.compiler.xmail.tab import TabLine

KB = 1024


def read_server(ctx: Context, st: State) -> None:
    path = ctx.find("server.tab")
    loaded = ctx.load(path) if path else None
    if loaded is None:
        ctx.report.error("server.missing", "xmail.server.missing", {})
        return
    rel = st.server_rel = loaded.rel
    for rec in loaded.records:
        if len(rec.fields) < 2:
            ctx.bad_fields(rel, rec, "2")
            continue
        name, value = rec.fields[0], rec.fields[1]
        var = server_tab.lookup(name)
        if name in st.settings:
            ctx.unmapped(
                "server.duplicate", "xmail.server.duplicate", rel, rec, name=name, first=st.settings[name].line
            )
            continue
        if var is None:
            near = server_tab.near_miss(name)
            if near is not None:
                ctx.unmapped("server.case", "xmail.server.case", rel, rec, name=name, known=near)
            else:
                ctx.unmapped("server.unknown", "xmail.server.unknown", rel, rec, name=name)
            continue
        if var.handling == "obsolete":
            ctx.unmapped("server.obsolete", "xmail.server.obsolete", rel, rec, name=name)
            continue
        if var.handling == "unknown-var":
            ctx.unmapped("server.unknown", "xmail.server.unknown", rel, rec, name=name)
            continue
        if var.handling == "typo":
            real = var.alias_of or name
            if real in st.settings:
                ctx.unmapped("server.typo", "xmail.server.typo", rel, rec, name=name, real=real)
            else:
                # Read with the real meaning, but say XMail ignored it: what ran had no such setting.
                st.settings[real] = Setting(value, rec.number)
                ctx.unmapped("server.typo", "xmail.server.typo", rel, rec, name=name, real=real)
            continue
        if len(rec.fields) > 2:
            ctx.report.info(f"server.extra.{name}", "xmail.server.extra_fields", {"name": name}, **at(rel, rec))
        st.settings[name] = Setting(value, rec.number)
    st.lines = {r.number: r for r in loaded.records}


def line_of(st: State, name: str) -> TabLine | None:
    s = st.settings.get(name)
    return st.lines.get(s.line) if s is not None else None


def mark(ctx: Context, st: State, name: str) -> None:
    s = st.settings.get(name)
    if s is not None:
        ctx.report.mapped(st.server_rel, s.line)


def note(ctx: Context, st: State, kind: str, id: str, message: str, name: str, **params: Any) -> None:
    """An entry on the line that set `name` (or on the file when the variable is absent)."""
    s = st.settings.get(name)
    line = line_of(st, name)
    getattr(ctx.report, kind)(
        id,
        message,
        {"name": name, **params},
        file=st.server_rel if s else None,
        line=s.line if s else None,
        raw=line.text if line else None,
    )


def map_server(ctx: Context, st: State) -> dict[str, Any]:
    """Returns keyword updates per profile section: {"server": {...}, "delivery": {...}, ...}."""
    out: dict[str, dict[str, Any]] = {"server": {}, "delivery": {}, "limits": {}, "policy": {}, "dsn": {}}
    srv = out["server"]
    for name in ("RootDomain", "PostMaster", "HeloDomain", "SmtpServerDomain"):
        value = st.setting(name)
        if value is None:
            continue
        if name == "PostMaster":
            srv["postmaster"] = value
        elif name == "SmtpServerDomain":
            srv["hostname"] = value
        elif name == "HeloDomain":
            srv["helo_name"] = value
            srv.setdefault("hostname", value)
        mark(ctx, st, name)
    if "hostname" not in srv and st.setting("RootDomain"):
        srv["hostname"] = st.setting("RootDomain")
    if st.setting("POP3Domain") is not None:
        note(
            ctx,
            st,
            "unmapped",
            "server.pop3domain",
            "xmail.server.pop3domain",
            "POP3Domain",
            value=st.setting("POP3Domain"),
        )
    dns = st.setting("SmartDNSHost")
    if dns is not None:
        resolvers = []
        for part in dns.split(","):
            host = part.split(":")[0].strip()
            try:
                resolvers.append(str(ipaddress.ip_address(host)))
            except ValueError:
                resolvers = []
                break
        if resolvers:
            srv["resolvers"] = resolvers
            mark(ctx, st, "SmartDNSHost")
        else:
            note(ctx, st, "unmapped", "server.dns", "xmail.server.dns", "SmartDNSHost", value=dns)

    pol = out["policy"]
    if (v := st.setting("AllowSmtpVRFY")) is not None:
        pol["vrfy"] = server_tab.parse_bool(v)
        mark(ctx, st, "AllowSmtpVRFY")
    if (v := st.setting("MaxMessageSize")) is not None:
        size = server_tab.parse_int(v, 0)
        if size > 0:
            out["limits"]["max_message_size"] = size * KB
            mark(ctx, st, "MaxMessageSize")
        else:
            note(ctx, st, "upgraded", "server.max_message_size", "xmail.server.unlimited_size", "MaxMessageSize")
    if (v := st.setting("SMTP-MaxErrors")) is not None:
        n = server_tab.parse_int(v, 0)
        if n > 0:
            out["limits"]["max_protocol_errors"] = n
            mark(ctx, st, "SMTP-MaxErrors")
        else:
            note(ctx, st, "upgraded", "server.max_errors", "xmail.server.unlimited_errors", "SMTP-MaxErrors")

    admin = st.setting("ErrorsAdmin")
    if admin is not None:
        if admin:
            out["dsn"]["postmaster_copy"] = True
            srv["admin_addresses"] = [admin]
        mark(ctx, st, "ErrorsAdmin")
    gw = st.setting("SmtpGwConfig")
    if gw is not None:
        opts = server_tab.parse_options(gw)
        need = server_tab.parse_int(opts.get("NeedTLS", "0"), 0)
        if need >= 2:
            out["delivery"]["tls"] = "required"
            mark(ctx, st, "SmtpGwConfig")
        elif need == 1:
            out["delivery"]["tls"] = "opportunistic"
            mark(ctx, st, "SmtpGwConfig")
        else:
            note(ctx, st, "upgraded", "server.gw_tls", "xmail.server.gw_tls", "SmtpGwConfig")
        if "OutBind" in opts:
            note(ctx, st, "unmapped", "server.outbind", "xmail.server.outbind", "SmtpGwConfig", value=opts["OutBind"])
    # Report-only variables: the value the 1.27 code defaults to means the feature was off, so
    # nothing is lost; anything else is reported with why Tayori has no equivalent.
    for name, var in server_tab.VARIABLES.items():
        if var.handling != "report" or name == "POP3Domain":
            continue
        value = st.setting(name)
        if value is None:
            continue
        off = value == "" or (var.default is not None and value == var.default)
        if var.type == "bool" and not server_tab.parse_bool(value) and var.default in (None, "0"):
            off = True
        if off:
            mark(ctx, st, name)
        else:
            note(ctx, st, "unmapped", f"server.{name}", f"xmail.server.report.{var.reason}", name, value=value)

    if (v := st.setting("Pop3LogPasswd")) is not None:
        if server_tab.parse_int(v, 0) == 0:
            mark(ctx, st, "Pop3LogPasswd")
        else:
            note(ctx, st, "upgraded", "server.log_passwords", "xmail.server.log_passwords", "Pop3LogPasswd", value=v)
    return out
