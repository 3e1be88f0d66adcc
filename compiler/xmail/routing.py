"""Outbound routing (§2.11-2.12, 2.17, 2.26, §5.3): smart hosts, gateways, outgoing AUTH, PSYNC links."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from tayori.compiler.xmail import password, server_tab
from tayori.compiler.xmail.context import Context, Loaded, at
from tayori.compiler.xmail.state import State
from tayori.compiler.xmail.tab import TabLine
from tayori.profiles.model import Route

TLS = {0: "none", 1: "opportunistic", 2: "starttls"}


def _load(ctx: Context, *parts: str) -> Loaded | None:
    path = ctx.find(*parts)
    return ctx.load(path) if path else None


def _domains(pattern: str) -> list[str]:
    # `*.*` is XMail's way to say "every domain" (all real domains have a dot).
    return ["*"] if pattern in ("*", "*.*") else [pattern.lower()]


def _hosts(value: str) -> tuple[list[tuple[str, int, dict[str, str]]], bool]:
    """`[#]host[:port][,opts];…` → (host, port, per-host options), and whether the order was random."""
    shuffled = value.startswith("#")
    out = []
    for part in filter(None, (p.strip() for p in value.lstrip("#").split(";"))):
        hostport, _, opts = part.partition(",")
        host, _, port = hostport.partition(":")
        out.append((host.strip(), server_tab.parse_int(port, 25) if port else 25, server_tab.parse_options(opts)))
    return out, shuffled


def _gw_need_tls(st: State) -> int:
    return server_tab.parse_int(server_tab.parse_options(st.setting("SmtpGwConfig") or "").get("NeedTLS", "0"), 0)


def _routes(
    ctx: Context,
    st: State,
    rel: str | None,
    line: TabLine | None,
    domains: list[str],
    value: str,
    options: dict[str, str],
    origin: str,
) -> list[Route]:
    hosts, shuffled = _hosts(value)
    routes = []
    for host, port, own in hosts:
        opts = {**options, **own}
        need = server_tab.parse_int(opts.get("NeedTLS", str(_gw_need_tls(st))), 0)
        auth = _outgoing_auth(ctx, st, host)
        tls = TLS.get(max(0, min(need, 2)), "starttls")
        kw: dict[str, Any] = {"domains": domains, "host": host, "port": port, "tls": tls, "origin": origin}
        if auth is not None:
            kw["auth_user"], kw["password_secret"] = auth
            if tls != "starttls" and port != 465:
                kw["tls"] = "starttls"
                ctx.report.upgraded(
                    f"routes.auth_tls.{host}",
                    "xmail.routes.auth_tls",
                    {"host": host, "legacy": tls},
                    file=rel,
                    line=line.number if line else None,
                    raw=line.text if line else None,
                    paths=["delivery.routes"],
                )
            if port == 465:
                kw["tls"] = "implicit"
        try:
            routes.append(Route(**kw))
        except ValidationError as exc:
            ctx.report.error(
                f"routes.invalid.{origin}",
                "xmail.invalid",
                {"problem": str(exc.errors()[0]["msg"])},
                file=rel,
                line=line.number if line else None,
                raw=line.text if line else None,
            )
        if "OutBind" in opts and rel is not None and line is not None:
            ctx.report.unmapped(
                f"routes.outbind.{host}", "xmail.server.outbind", {"value": opts["OutBind"]}, **at(rel, line)
            )
    if shuffled and rel is not None and line is not None:
        ctx.report.info(
            f"routes.shuffled.{origin}", "xmail.routes.shuffled", {}, file=rel, line=line.number, raw=line.text
        )
    return routes


def _outgoing_auth(ctx: Context, st: State, host: str) -> tuple[str, str] | None:
    """`userauth/smtp/<host>.tab`, then the parent domains' files; only the first record counts."""
    labels = host.lower().split(".")
    for i in range(len(labels)):
        name = ".".join(labels[i:]) + ".tab"
        path = ctx.find("userauth", "smtp", name)
        if path is None:
            continue
        loaded = ctx.load(path)
        if loaded is None or not loaded.records:
            return None
        first, *rest = loaded.records
        for rec in rest:
            ctx.unmapped("userauth_smtp.ignored", "xmail.userauth_smtp.ignored", loaded.rel, rec)
        if len(first.fields) < 3:
            ctx.bad_fields(loaded.rel, first, "3")
            return None
        mech, user, plain = first.fields[:3]
        ctx.report.secret(plain)
        key = f"smarthost-{host.lower()}"
        ctx.secrets.setdefault("smarthosts", {})[key] = plain
        ctx.mapped(loaded.rel, first)
        if mech.upper() not in ("PLAIN", "LOGIN", "CRAM-MD5"):
            ctx.report.info(
                "userauth_smtp.mech",
                "xmail.userauth_smtp.mech",
                {"mechanism": mech},
                file=loaded.rel,
                line=first.number,
            )
        st.used_auth_files.add(loaded.rel)
        return user, key
    return None


def read_routing(ctx: Context, st: State) -> None:
    loaded = _load(ctx, "smtpgw.tab")
    if loaded is not None:
        for rec in loaded.records:
            if len(rec.fields) < 2:
                ctx.bad_fields(loaded.rel, rec, "2")
                continue
            hops = [h.strip().lstrip("@") for h in rec.fields[1].split(",") if h.strip()]
            if len(hops) != 1:
                ctx.unmapped("smtpgw.route", "xmail.smtpgw.route", loaded.rel, rec)
                continue
            st.routes += _routes(
                ctx, st, loaded.rel, rec, _domains(rec.fields[0]), hops[0], {}, ctx.origin(loaded.rel, rec)
            )
            ctx.mapped(loaded.rel, rec)
    loaded = _load(ctx, "smtpfwd.tab")
    if loaded is not None:
        for rec in loaded.records:
            if len(rec.fields) < 2:
                ctx.bad_fields(loaded.rel, rec, "2")
                continue
            opts = server_tab.parse_options(rec.fields[2]) if len(rec.fields) > 2 else {}
            st.routes += _routes(
                ctx, st, loaded.rel, rec, _domains(rec.fields[0]), rec.fields[1], opts, ctx.origin(loaded.rel, rec)
            )
            ctx.mapped(loaded.rel, rec)
    gws = st.setting("DefaultSMTPGateways")
    if gws:
        line = st.lines.get(st.settings["DefaultSMTPGateways"].line)
        st.routes += _routes(
            ctx, st, st.server_rel, line, ["*"], gws, {}, f"{st.server_rel}:{st.settings['DefaultSMTPGateways'].line}"
        )
        ctx.report.mapped(st.server_rel, st.settings["DefaultSMTPGateways"].line)
    elif gws is not None:
        ctx.report.mapped(st.server_rel, st.settings["DefaultSMTPGateways"].line)
    # userauth/smtp files no route uses: XMail would use them for MX deliveries to that host.
    for f in ctx.tree.children("userauth", "smtp", dirs=False):
        if f.name.startswith(".") or ctx.rel(f) in st.used_auth_files:
            continue
        loaded = ctx.load(f)
        if loaded is None:
            continue
        for rec in loaded.records:
            if len(rec.fields) >= 3:
                ctx.report.secret(rec.fields[2])
            ctx.unmapped("userauth_smtp.unused", "xmail.userauth_smtp.unused", loaded.rel, rec, host=f.name[:-4])


def read_pop3links(ctx: Context, st: State) -> None:
    loaded = _load(ctx, "pop3links.tab")
    if loaded is None:
        return
    for rec in loaded.records:
        if len(rec.fields) < 6:
            ctx.bad_fields(loaded.rel, rec, "6")
            continue
        plain = password.decode(rec.fields[4])
        if plain is None:
            ctx.report.error(
                f"pop3links.password.{rec.number}",
                "xmail.password.undecodable",
                {"address": f"{rec.fields[3]}@{rec.fields[2]}"},
                **at(loaded.rel, rec),
            )
            continue
        ctx.report.secret(plain)
        ctx.unmapped(
            "pop3links.link",
            "xmail.pop3links",
            loaded.rel,
            rec,
            local=f"{rec.fields[1]}@{rec.fields[0]}",
            remote=f"{rec.fields[3]}@{rec.fields[2]}",
            options=rec.fields[5],
        )
