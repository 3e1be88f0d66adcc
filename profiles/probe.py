"""Probe tables: "would this server accept this mail?" as data, and a pure runner.

One YAML format serves the readers' tests (the legacy product's documented behaviour),
`tayori compile --probe`, and `tayori probe --batch` (which runs the same table through the real
SMTP session code). Format (documented in profiles/README.md):

```yaml
dns: {ptr: {...}, a: {...}, mx: {...}, txt: {...}, dnsbl: {...}}   # optional DNS fixture
probes:
  - name: a stranger relays
    listener: smtp            # or port: 25
    client: 203.0.113.5
    helo: client.example.net
    auth: null                # or a login (no password needed for a probe)
    mail_from: a@example.net  # "" or "<>" for the null sender
    rcpt_to: [b@example.org]  # one address or a list
    expect: refuse            # accept | refuse
    code: 554                 # optional
    legacy: accept            # optional: what the legacy server did (differs: a listed upgrade)
```
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tayori.profiles import dnscheck
from tayori.profiles.dnscheck import FixtureResolver, Resolver
from tayori.profiles.model import Profile
from tayori.profiles.relay import Decision, Facts, PopLogin, engine_for
from tayori.profiles.units import Duration

Outcome = Literal["accept", "refuse", "mixed"]


class PopLoginFixture(BaseModel):
    model_config = ConfigDict(extra="forbid")
    login: str = Field(description="the account that read its mail")
    ip: str | None = Field(default=None, description="where from; the probe's client if unset")
    age: Duration = Field(default=0, description="how long ago")


class Probe(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    listener: str | None = Field(default=None, description="smtp, submission or submissions")
    port: int | None = Field(default=None, description="instead of listener: the listener with this port")
    client: str = Field(description="client IP address")
    helo: str | None = "client.example.net"
    auth: str | None = Field(default=None, description="authenticated login, or null")
    mail_from: str = Field(description='envelope sender; "" or "<>" for the null sender')
    rcpt_to: list[str] = Field(description="one recipient or a list")
    expect: Literal["accept", "refuse"] | None = None
    code: int | None = None
    legacy: Literal["accept", "refuse"] | None = Field(default=None, description="what the legacy server did")
    note: str | None = None
    explained_by: str | None = Field(
        default=None, description="the report entry or decision that explains a deliberate difference from legacy"
    )
    pop_login: PopLoginFixture | None = Field(default=None, description="a recent POP3/IMAP login (POP-before-SMTP)")
    size: int | None = Field(default=None, description="SIZE= given at MAIL FROM")

    @field_validator("rcpt_to", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("mail_from", mode="before")
    @classmethod
    def _null(cls, v: Any) -> Any:
        if v is None:
            return ""
        return "" if str(v).strip() in ("<>", "") else str(v).strip().strip("<>")


class ProbeTable(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dns: dict[str, Any] | None = None
    probes: list[Probe]


@dataclass(frozen=True)
class Step:
    command: str
    code: int
    status: str
    text: str
    rule: str | None = None
    origin: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.code < 400

    def line(self) -> str:
        why = f" [{self.rule}{' ' + self.origin if self.origin else ''}]" if self.rule else ""
        return f"{self.command} {self.code} {self.status} {self.text}{why}"


@dataclass
class ProbeResult:
    probe: Probe
    steps: list[Step]
    skipped: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> Outcome:
        return outcome_of(self.steps)

    @property
    def deciding_code(self) -> int:
        refused = [s for s in self.steps if not s.ok]
        return refused[0].code if refused and self.outcome == "refuse" else 250

    @property
    def matches(self) -> bool:
        p = self.probe
        if p.expect is None:
            return True
        if self.outcome != p.expect:
            return False
        if p.code is None:
            return True
        codes = {s.code for s in self.steps if not s.ok} if p.expect == "refuse" else {250}
        return p.code in codes

    @property
    def upgraded(self) -> bool:
        return (
            self.probe.legacy is not None and self.probe.expect is not None and self.probe.legacy != self.probe.expect
        )


def outcome_of(steps: Sequence[Step]) -> Outcome:
    """accept: MAIL and every RCPT 2xx; refuse: refused before RCPT, or every RCPT refused."""
    rcpts = [s for s in steps if s.command.startswith("RCPT")]
    before = [s for s in steps if not s.command.startswith(("RCPT", "DATA"))]
    if any(not s.ok for s in before) or not rcpts:
        return "refuse"
    if all(s.ok for s in rcpts):
        return "accept"
    if not any(s.ok for s in rcpts):
        return "refuse"
    return "mixed"


class ProbeFormatError(Exception):
    pass


def load_table(path: Path) -> ProbeTable:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ProbeFormatError(f"{path}: {exc}") from None
    return parse_table(data, str(path))


def parse_table(data: Any, name: str = "probes") -> ProbeTable:
    if isinstance(data, list):
        data = {"probes": data}
    try:
        return ProbeTable.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise ProbeFormatError(f"{name}: {loc}: {first['msg']}") from None


def listener_for(profile: Profile, probe: Probe) -> str:
    if probe.listener:
        return probe.listener
    port = probe.port or 25
    for name in ("smtp", "submission", "submissions"):
        lst = getattr(profile.listeners, name)
        if lst is not None and lst.port == port:
            return name
    return {587: "submission", 465: "submissions"}.get(port, "smtp")


def _step(command: str, d: Decision) -> Step:
    return Step(command, d.code, d.status, d.text, d.explain() if d.rule else None, None)


def run_probe(
    profile: Profile, probe: Probe, resolver: Resolver | None = None, now: float | None = None
) -> ProbeResult:
    """The policy's answer to one probe, step by step, as a session would give it."""
    eng = engine_for(profile)
    now = time.time() if now is None else now
    pol = profile.policy
    listener = listener_for(profile, probe)
    steps: list[Step] = []
    skipped: list[str] = []
    # connect: DNSBL and reverse DNS
    for r in dnscheck.dnsbl(probe.client, [z.zone for z in pol.dnsbl.zones], resolver):
        if r.outcome == "skipped":
            skipped.append(r.name)
        elif r.outcome == "listed":
            zone = next(z for z in pol.dnsbl.zones if f"dnsbl:{z.zone}" == r.name)
            if zone.action == "refuse":
                steps.append(
                    Step("CONNECT", 554, "5.7.1", f"Client listed at {zone.zone}", "policy.dnsbl", zone.origin)
                )
                return ProbeResult(probe, steps, skipped)
    if pol.rdns != "off":
        r = dnscheck.rdns(probe.client, resolver)
        if r.outcome == "skipped":
            skipped.append("rdns")
        elif r.outcome == "fail" and pol.rdns == "refuse":
            steps.append(
                Step("CONNECT", 550, "5.7.25", "Client host rejected: no valid reverse DNS name", "policy.rdns")
            )
            return ProbeResult(probe, steps, skipped)
    if not probe.helo and pol.helo.require:
        # the session answers MAIL without a greeting with 503, before any policy is asked
        steps.append(Step(f"MAIL FROM:<{probe.mail_from}>", 503, "5.5.1", "Error: send HELO/EHLO first", "policy.helo"))
        return ProbeResult(probe, steps, skipped)
    h = dnscheck.helo(probe.helo, probe.client, profile)
    if h.outcome == "fail":
        steps.append(Step("HELO", 550, "5.7.1", f"HELO refused: {h.detail}", "policy.helo"))
        return ProbeResult(probe, steps, skipped)
    pop: tuple[PopLogin, ...] = ()
    if probe.pop_login is not None:
        pop = (PopLogin(probe.pop_login.ip or probe.client, probe.pop_login.login, now - probe.pop_login.age),)
    base = Facts(listener, probe.client, probe.helo, probe.auth, probe.mail_from, None, 0, probe.size, pop, now)
    mail = eng.decide(base)
    if mail.accept and probe.mail_from:
        if pol.unknown_sender_domain == "refuse" and mail.authenticated_as is None:
            r = dnscheck.sender_domain(probe.mail_from, resolver)
            if r.outcome == "skipped":
                skipped.append("sender-domain")
            elif r.outcome == "fail":
                mail = Decision(False, 550, "5.1.8", "Sender domain does not exist", "policy.unknown_sender_domain")
            elif r.outcome == "tempfail":
                mail = Decision(False, 451, "4.1.8", "Sender domain not resolvable now", "policy.unknown_sender_domain")
        if mail.accept and pol.spf != "off" and mail.authenticated_as is None:
            r = dnscheck.spf(probe.client, probe.mail_from, probe.helo, resolver)
            if r.outcome == "skipped":
                skipped.append("spf")
            elif r.outcome == "fail" and pol.spf == "refuse":
                mail = Decision(False, 550, "5.7.23", "SPF check failed", "policy.spf")
    steps.append(_step(f"MAIL FROM:<{probe.mail_from}>", mail))
    if not mail.accept:
        return ProbeResult(probe, steps, skipped)
    accepted = 0
    for rcpt in probe.rcpt_to:
        d = eng.decide(
            Facts(listener, probe.client, probe.helo, probe.auth, probe.mail_from, rcpt, accepted, probe.size, pop, now)
        )
        steps.append(_step(f"RCPT TO:<{rcpt}>", d))
        accepted += int(d.accept)
    return ProbeResult(probe, steps, skipped)


def run_table(
    profile: Profile, table: ProbeTable, resolver: Resolver | None = None, now: float | None = None
) -> list[ProbeResult]:
    if resolver is None and table.dns is not None:
        resolver = FixtureResolver(table.dns)
    return [run_probe(profile, p, resolver, now) for p in table.probes]


def mismatches(results: Sequence[ProbeResult]) -> list[ProbeResult]:
    return [r for r in results if not r.matches]


def format_results(results: Sequence[ProbeResult]) -> str:
    """A table for people: one row per probe, mismatches marked with ✗."""
    rows = [("", "#", "client", "listener", "from", "to", "expect", "got", "decided by")]
    for i, r in enumerate(results, 1):
        p = r.probe
        last = r.steps[-1] if r.steps else None
        mark = "✓" if r.matches else "✗"
        if r.upgraded:
            mark += "↑"
        rows.append(
            (
                mark,
                str(i),
                p.client,
                p.listener or str(p.port or 25),
                p.mail_from or "<>",
                ",".join(p.rcpt_to),
                p.expect or "-",
                f"{r.outcome} {r.deciding_code}",
                (last.rule or "") if last else "",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    bad = len(mismatches(results))
    lines.append(f"{len(results)} probes, {len(results) - bad} as expected, {bad} mismatched")
    return "\n".join(lines)
