"""effect.dat rules → `policy.relay.rules` + `fallback`, using the named relay tables.

The guide's five tables map onto the named tables like this (rows local / local-unknown / external):

| effect.dat type | from the listed clients | E-Post table |
|---|---|---|
| `default` (and no file at all) | legacy-default | I |
| `true` / bare pattern | trust | II |
| `false` | refuse | III |
| `norelay` (`,0`, `,2`) | receive-only | IV |
| `only` | legacy-default; when nothing matched after it: only-others | V |

"A local sender may relay from any IP" (table I wherever the client is not restricted: the fallback,
catch-all `*` rules, sender-only rules) is the one cell this reader does not reproduce: it uses
`secure-default` there, explained in ONE `decide` entry whose value in force is the safe table.
Sender-based `true`/`only` rules would relay for anyone who forges the sender: they become
`receive-any` / `secure-default` and are reported as upgraded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tayori.compiler.epost.effect import EffectFile, EffectRule, only_mode_at_end

SAFE_DEFAULT = "secure-default"
LEGACY_DEFAULT = "legacy-default"
DECISION_ID = "epost.relay.local_sender_any_ip"
DECISION_KEY = "epost.relay.local_sender_any_ip"


@dataclass
class CompiledRule:
    rule: EffectRule
    table: str
    auth: str | None
    upgraded: str | None = None  # message key when the legacy meaning was made safe
    uses_default: bool = False  # table I from an unrestricted client set (the decision applies)


@dataclass
class RelayPlan:
    rules: list[CompiledRule] = field(default_factory=list)
    fallback: str = SAFE_DEFAULT
    fallback_is_table_i: bool = True  # no `only` mode at the end: unmatched clients get table I
    after_only: list[EffectRule] = field(default_factory=list)  # rules the guide calls void
    blank_rules: list[EffectRule] = field(default_factory=list)  # `#blank`: see plan_relay

    @property
    def decision_needed(self) -> bool:
        return self.fallback_is_table_i or any(r.uses_default for r in self.rules)


def _auth_override(rule: EffectRule) -> str | None:
    if rule.option == 0:
        return "ignore"  # ",0": a successful AUTH does not change the rule
    if rule.type == "norelay" and rule.option == 2:
        return "relay"
    return None


def _table_for(rule: EffectRule, default_table: str) -> tuple[str, str | None, bool]:
    """(table, upgrade message key or None, whether table I applies from any client)."""
    unrestricted = rule.by_sender or rule.catch_all
    if rule.type == "false":
        return "refuse", None, False
    if rule.type == "norelay":
        return "receive-only", None, False
    if rule.type == "true":
        if unrestricted:
            # anyone can claim this sender (or connect from anywhere): trusting it is an open relay
            return "receive-any", "epost.relay.upgraded.true_unrestricted", False
        return "trust", None, False
    if rule.type == "only" and rule.by_sender:
        return SAFE_DEFAULT, "epost.relay.upgraded.only_sender", False
    # default, and IP-based only (table V from the listed client is table I)
    if unrestricted:
        return default_table, None, True
    return LEGACY_DEFAULT, None, False


def plan_relay(effect: EffectFile | None, default_table: str = SAFE_DEFAULT) -> RelayPlan:
    plan = RelayPlan()
    if effect is None:
        plan.fallback = default_table
        return plan
    seen_only = False
    for rule in effect.rules:
        if seen_only and rule.type != "only":
            plan.after_only.append(rule)
        if rule.type == "only":
            seen_only = True
        if rule.blank:
            # `MAIL FROM:` with no path at all is a syntax error in Tayori, so the rule cannot match
            plan.blank_rules.append(rule)
            continue
        table, upgraded, uses_default = _table_for(rule, default_table)
        plan.rules.append(CompiledRule(rule, table, _auth_override(rule), upgraded, uses_default))
    if only_mode_at_end(effect.rules):
        plan.fallback = "only-others"
        plan.fallback_is_table_i = False
    else:
        plan.fallback = default_table
    return plan


def rule_dict(compiled: CompiledRule, origin: str) -> dict[str, Any]:
    rule = compiled.rule
    out: dict[str, Any] = {"table": compiled.table, "origin": origin}
    if rule.clients:
        out["clients"] = list(rule.clients)
    if rule.senders:
        out["senders"] = list(rule.senders)
    if compiled.auth is not None:
        out["auth"] = compiled.auth
    suffix = f",{rule.option}" if rule.option is not None else ""
    out["comment"] = f"E-Post: {rule.pattern} {rule.type}{suffix}"
    return out
