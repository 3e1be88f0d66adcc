"""What this E-Post install's effect.dat did, as a probe table (for `tayori compile --probe`).

The guide states E-Post's relay behaviour as From×Recipient tables (reference/epost.md §3.1); this
module evaluates effect.dat the way E-Post does — first match over client and sender patterns,
"only mode" after an unmatched `only` until a `true`/`false` line — and writes, for a client of
each rule and for any other client, the nine cells as probes whose `legacy` field is E-Post's
answer. Each probe also names what explains a deliberate difference (`explained_by`): the relay
decision or the upgrade entry the reader wrote.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from tayori.compiler.epost.effect import EffectRule
from tayori.compiler.epost.relay import DECISION_KEY, RelayPlan
from tayori.profiles.relay import client_matches, sender_matches

ACC, REF = "accept", "refuse"
CLASSES = ("local", "local-unknown", "external")
# rows: sender class; columns: recipient class
TABLE_I = {"local": (ACC, REF, ACC), "local-unknown": (REF, REF, REF), "external": (ACC, REF, REF)}
TABLES = {
    "true": {c: (ACC, REF, ACC) for c in CLASSES},
    "false": {c: (REF, REF, REF) for c in CLASSES},
    "default": TABLE_I,
    "only": TABLE_I,
    "norelay": {"local": (ACC, REF, REF), "local-unknown": (REF, REF, REF), "external": (ACC, REF, REF)},
}
ONLY_OTHERS = {"local": (REF, REF, REF), "local-unknown": (REF, REF, REF), "external": (ACC, REF, REF)}
OTHER_CLIENT = "203.0.113.250"


def _matches(rule: EffectRule, client: str, sender: str) -> bool:
    if rule.blank:
        return False  # `MAIL FROM:` with nothing at all: Tayori refuses it as a syntax error
    if rule.catch_all or any(client_matches(c, client) for c in rule.clients):
        return True
    return any(sender_matches(s, sender) for s in rule.senders)


def legacy_cell(rules: list[EffectRule], client: str, sender: str, sclass: str, rclass: str) -> tuple[str, int | None]:
    """E-Post's answer and the index of the rule that decided (None: no rule matched)."""
    only_mode = False
    for i, rule in enumerate(rules):
        if _matches(rule, client, sender):
            return TABLES[rule.type][sclass][CLASSES.index(rclass)], i
        if rule.type == "only":
            only_mode = True
        elif rule.type in ("true", "false"):
            only_mode = False
    table = ONLY_OTHERS if only_mode else TABLE_I
    return table[sclass][CLASSES.index(rclass)], None


def _representative(pattern: str) -> str | None:
    p = pattern.strip()
    if "*" in p:
        parts = [x for x in p.split(".") if x]
        fixed = [x for x in parts if x != "*"]
        if len(fixed) == len(parts) or not all(x.isdigit() for x in fixed):
            return None
        return ".".join(fixed + ["10"] * (4 - len(fixed)))
    try:
        net = ipaddress.ip_network(p, strict=False)
    except ValueError:
        return None
    if net.num_addresses == 1:
        return str(net.network_address)
    return str(net.network_address + 1)


def generate(
    rules: list[EffectRule], plan: RelayPlan, local_account: str, domain: str, upgrade_ids: dict[int, str]
) -> list[dict[str, Any]]:
    """Probes for every client each rule names, plus any other client, for all nine cells.

    `upgrade_ids` maps a rule's line to the id of the `upgraded` entry the reader wrote for it."""
    senders = {"local": local_account, "local-unknown": f"no-such-user@{domain}", "external": "someone@example.net"}
    rcpts = {"local": local_account, "local-unknown": f"no-such-user@{domain}", "external": "someone@example.org"}
    clients: list[tuple[str, str]] = []
    for rule in rules:
        for pattern in rule.clients:
            rep = _representative(pattern)
            if rep is not None and all(rep != c for c, _ in clients):
                clients.append((rep, f"effect.dat:{rule.line} {rule.pattern} {rule.type}"))
    clients.append((OTHER_CLIENT, "any other client"))
    by_line = {c.rule.line: c for c in plan.rules}
    probes: list[dict[str, Any]] = []
    for client, label in clients:
        for sclass in CLASSES:
            for rclass in CLASSES:
                legacy, index = legacy_cell(rules, client, senders[sclass], sclass, rclass)
                explained: str | None = None
                if index is None:
                    explained = DECISION_KEY if plan.fallback_is_table_i else None
                else:
                    compiled = by_line.get(rules[index].line)
                    if compiled is not None and compiled.uses_default:
                        explained = DECISION_KEY
                    elif compiled is not None and compiled.upgraded:
                        explained = upgrade_ids.get(rules[index].line)
                probe: dict[str, Any] = {
                    "name": f"{label}: {sclass} → {rclass}",
                    "listener": "smtp",
                    "client": client,
                    "helo": "client.example",
                    "mail_from": senders[sclass],
                    "rcpt_to": [rcpts[rclass]],
                    "legacy": legacy,
                    "expect": legacy,
                }
                if explained:
                    probe["explained_by"] = explained
                probes.append(probe)
    return probes
