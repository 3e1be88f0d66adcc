"""Probes through the real SMTP session: what `tayori run` would answer, step by step.

`tayori.profiles.probe.run_probe` answers a probe from the policy alone; this module answers the
same probe by driving `tayori.runtime.smtpd.session.TayoriSMTP` — the very session the listeners
run — over `tayori.runtime.smtpd.memory`, with the probe's client address, an optional
pre-authenticated login (no password), a fixture resolver and a `NullSink` (nothing is queued or
delivered). Results use the pure runner's `Step`/`ProbeResult`, so `format_results`, `mismatches`
and `outcome_of` apply to both and tests can compare them step by step.

Which rule decided: the session logs every refusal with `rule=`, `cell=` and `origin=`; accepted
steps are not logged, so the context's engine is wrapped to record the decision of each step.
DNS checks without answers are listed as skipped, in the same places the pure runner lists them
(the session itself silently leaves them out when it has no resolver).
"""

from __future__ import annotations

import asyncio
import re
import shlex
import time
from collections.abc import Sequence
from typing import Any, cast

from tayori.profiles.dnscheck import FixtureResolver, Resolver
from tayori.profiles.model import Profile
from tayori.profiles.probe import Probe, ProbeResult, ProbeTable, Step, listener_for
from tayori.profiles.relay import Decision, Engine, Facts, PopLogin
from tayori.runtime.smtpd.memory import MemoryClient
from tayori.runtime.smtpd.session import NullSink, ServerContext, SessionFactory

_STATUS = re.compile(r"^([245]\.\d{1,3}\.\d{1,3})\s*(.*)$", re.S)
STEP_TIMEOUT = 30.0


class _RecordingEngine:
    """The context's engine, unchanged, remembering each decision it gave (accepts are not logged)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.decisions: list[Decision] = []

    def decide(self, facts: Facts) -> Decision:
        d = self._engine.decide(facts)
        self.decisions.append(d)
        return d

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


def _log_fields(line: str) -> dict[str, str]:
    """`smtpd: reject k=v k="quoted \\"v\\""` → {k: v}. The session quotes with backslash escapes."""
    try:
        words = shlex.split(line, posix=True)
    except ValueError:
        words = line.split()
    out: dict[str, str] = {}
    for w in words:
        k, sep, v = w.partition("=")
        if sep:
            out[k] = v
    return out


def _split_reply(code: int, text: str) -> tuple[str, str]:
    last = text.split("\n")[-1]
    m = _STATUS.match(last)
    return (m.group(1), m.group(2)) if m else ("", last)


_PATH_PART = re.compile(r"^([A-Za-z_]+)(?:\[(\d+)\])?$")


def origin_at(profile: Profile, rule: str) -> str | None:
    """The `origin` of the profile item a rule names (`filters[0] (name)` → filters[0].origin), if any.
    The session logs some refusals (DATA filters) without it; the profile still knows."""
    obj: Any = profile
    for part in rule.split(" ", 1)[0].split(","):
        obj = profile
        for name in part.split("."):
            m = _PATH_PART.match(name)
            if m is None or obj is None:
                return None
            obj = getattr(obj, m.group(1), None)
            if m.group(2) is not None:
                items = obj if isinstance(obj, list) else []
                i = int(m.group(2))
                obj = items[i] if i < len(items) else None
        origin = getattr(obj, "origin", None)
        if isinstance(origin, str) and origin:
            return origin
    return None


def _why(d: Decision | None) -> tuple[str | None, str | None]:
    if d is None:
        return None, None
    return d.rule + (f" {d.cell}" if d.cell else ""), d.origin


class _Session:
    """One probe: a fresh server context (as a freshly started smtpd) and one in-memory connection."""

    def __init__(self, profile: Profile, probe: Probe, resolver: Resolver | None, now: float | None) -> None:
        self.profile, self.probe, self.resolver = profile, probe, resolver
        self.logs: list[str] = []
        clock = (lambda: now) if now is not None else time.time
        at = now if now is not None else time.time()
        pop: tuple[PopLogin, ...] = ()
        if probe.pop_login is not None:
            pl = probe.pop_login
            pop = (PopLogin(pl.ip or probe.client, pl.login, at - float(pl.age)),)
        self.ctx = ServerContext(
            profile,
            NullSink(),
            auth=None,  # AUTH is replaced by the probe's pre-authenticated login
            resolver=resolver,
            pop_logins=lambda ip, window: tuple(p for p in pop if p.ip == ip),
            log_sink=self.logs.append,
            clock=clock,
        )
        self.engine = _RecordingEngine(self.ctx.engine)
        self.ctx.engine = cast(Engine, self.engine)
        self.listener = listener_for(profile, probe)
        self.steps: list[Step] = []
        self.skipped: list[str] = []

    def _record(self, command: str, code: int, text: str, log_mark: int, dec_mark: int) -> Step:
        if code == 0:  # the session hung up without a reply (MemoryClient's way of saying so)
            code, text = 421, "4.4.0 connection closed by the server without a reply"
        status, body = _split_reply(code, text)
        rule: str | None = None
        origin: str | None = None
        rejects = [_log_fields(x) for x in self.logs[log_mark:] if x.startswith("smtpd: reject ")]
        if not 200 <= code < 400 and rejects:
            f = rejects[-1]
            if f.get("rule"):
                rule = f["rule"] + (f" {f['cell']}" if f.get("cell") else "")
                origin = f.get("origin")
            elif f.get("problem"):
                rule = f"smtpd.{f['problem']}"
        if rule is None and len(self.engine.decisions) > dec_mark:
            d = self.engine.decisions[-1]
            if d.accept == (200 <= code < 400) and d.code == code:
                rule, origin = _why(d)
        if rule is not None and origin is None:
            origin = origin_at(self.profile, rule)
        if rule is None and not 200 <= code < 400:
            rule = "smtpd"  # a protocol answer of the session itself, not a policy rule
        step = Step(command, code, status, body, rule, origin)
        self.steps.append(step)
        return step

    def _skip_connect_checks(self) -> None:
        pol = self.profile.policy
        if self.resolver is not None:
            return
        self.skipped += [f"dnsbl:{z.zone}" for z in pol.dnsbl.zones]
        if pol.rdns != "off":
            self.skipped.append("rdns")

    def _skip_mail_checks(self, mail: Decision | None) -> None:
        pol = self.profile.policy
        if self.resolver is not None or mail is None or not mail.accept or not self.probe.mail_from:
            return
        if mail.authenticated_as is not None:
            return
        if pol.unknown_sender_domain == "refuse":
            self.skipped.append("sender-domain")
        if pol.spf != "off":
            self.skipped.append("spf")

    async def run(self, data: bytes | None) -> ProbeResult:
        p = self.probe
        factory = SessionFactory(self.ctx)
        # TLS is taken as done where a real client would use it: the probe asks about policy, not TLS.
        client = MemoryClient(
            factory, self.listener, p.client, preauth_login=p.auth, tls=self.listener != "smtp" or p.auth is not None
        )
        try:
            self._skip_connect_checks()
            mark = len(self.logs)
            code, text = await client.connect(STEP_TIMEOUT)
            if code != 220:
                self._record("CONNECT", code, text, mark, 0)
                return ProbeResult(p, self.steps, self.skipped)
            if p.helo is not None:
                mark = len(self.logs)
                code, text = await client.cmd(f"EHLO {p.helo}", STEP_TIMEOUT)
                if code != 250:
                    self._record(f"EHLO {p.helo}", code, text, mark, len(self.engine.decisions))
                    return ProbeResult(p, self.steps, self.skipped)
            mark, dmark = len(self.logs), len(self.engine.decisions)
            size = f" SIZE={p.size}" if p.size is not None else ""
            code, text = await client.cmd(f"MAIL FROM:<{p.mail_from}>{size}", STEP_TIMEOUT)
            mail = self.engine.decisions[-1] if len(self.engine.decisions) > dmark else None
            self._skip_mail_checks(mail)
            self._record(f"MAIL FROM:<{p.mail_from}>", code, text, mark, dmark)
            if not 200 <= code < 300:
                return ProbeResult(p, self.steps, self.skipped)
            accepted = 0
            for rcpt in p.rcpt_to:
                if client.closed:
                    break
                mark, dmark = len(self.logs), len(self.engine.decisions)
                code, text = await client.cmd(f"RCPT TO:<{rcpt}>", STEP_TIMEOUT)
                accepted += int(200 <= self._record(f"RCPT TO:<{rcpt}>", code, text, mark, dmark).code < 300)
            if data is not None and accepted and not client.closed:
                mark, dmark = len(self.logs), len(self.engine.decisions)
                code, text = await client.data(data, STEP_TIMEOUT)
                self._record("DATA", code, text, mark, dmark)
            if not client.closed:
                await client.cmd("QUIT", STEP_TIMEOUT)
        finally:
            client.close()
            await asyncio.sleep(0)  # let connection_lost run before the loop goes
        return ProbeResult(p, self.steps, self.skipped)


def crlf(content: bytes) -> bytes:
    """A message file as written on Linux or Windows → CRLF lines, as a client sends them."""
    return content.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\n", b"\r\n")


def probe_profile(profile: Profile) -> Profile:
    """The profile a probe runs: the same, except no greeting pause. A probe client never talks
    early, and a pause per probe would make a table of hundreds take minutes; nothing else changes."""
    if not profile.policy.limits.greet_pause:
        return profile
    limits = profile.policy.limits.model_copy(update={"greet_pause": 0})
    policy = profile.policy.model_copy(update={"limits": limits})
    return profile.model_copy(update={"policy": policy})


async def arun_session_probe(
    profile: Profile,
    probe: Probe,
    resolver: Resolver | None = None,
    now: float | None = None,
    data: bytes | None = None,
) -> ProbeResult:
    return await _Session(profile, probe, resolver, now).run(None if data is None else crlf(data))


def run_session_probe(
    profile: Profile,
    probe: Probe,
    resolver: Resolver | None = None,
    now: float | None = None,
    data: bytes | None = None,
) -> ProbeResult:
    """One probe through the real session (blocking; call outside an event loop)."""
    return asyncio.run(arun_session_probe(probe_profile(profile), probe, resolver, now, data))


def run_session_table(
    profile: Profile,
    table: ProbeTable | Sequence[Probe],
    resolver: Resolver | None = None,
    now: float | None = None,
    data: bytes | None = None,
) -> list[ProbeResult]:
    """A probe table through the real session, one fresh session per probe, in one event loop."""
    probes = table.probes if isinstance(table, ProbeTable) else list(table)
    if resolver is None and isinstance(table, ProbeTable) and table.dns is not None:
        resolver = FixtureResolver(table.dns)
    prof = probe_profile(profile)

    async def all_probes() -> list[ProbeResult]:
        return [await arun_session_probe(prof, p, resolver, now, data) for p in probes]

    return asyncio.run(all_probes())


__all__ = [
    "arun_session_probe",
    "crlf",
    "probe_profile",
    "run_session_probe",
    "run_session_table",
]
