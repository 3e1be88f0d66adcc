"""What PMailServer2 did with relaying, as a probe table (for `tayori compile --probe`).

Only the behaviour the manual and FAQ state plainly is probed (reference/pmail.md §2.16, §7):
networks on the relay-allow list relay for anyone; 127.0.0.1 was always trusted; other clients
may deliver mail for local users but not relay; POP-before-SMTP let a *sender address* that had
read its mail recently relay from any address. Each probe whose answer Tayori changes on purpose
names the entry that says why (`explained_by`).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from tayori.profiles.model import Profile

LOOPBACK_UPGRADE = "pmail.policy.relay.loopback"
POP_BEFORE_SMTP = "pmail.pop_before_smtp"
OTHER_CLIENT = "203.0.113.250"


def _representative(pattern: str) -> str | None:
    try:
        net = ipaddress.ip_network(
            pattern.replace("*", "0") + ("" if "/" in pattern or "*" not in pattern else "/24"), strict=False
        )
    except ValueError:
        return None
    return str(net.network_address if net.num_addresses == 1 else net.network_address + 1)


def generate(profile: Profile, legacy_pop_before_smtp: bool) -> list[dict[str, Any]]:
    local = next((a.address for a in profile.accounts if a.enabled and a.receive), None)
    if local is None:
        return []
    external_sender, external_rcpt = "someone@example.net", "someone@example.org"

    def probe(name: str, client: str, sender: str, rcpt: str, legacy: str, **extra: Any) -> dict[str, Any]:
        return {
            "name": name,
            "listener": "smtp",
            "client": client,
            "helo": "client.example",
            "mail_from": sender,
            "rcpt_to": [rcpt],
            "legacy": legacy,
            "expect": legacy,
            **extra,
        }

    probes = []
    for rule in profile.policy.relay.rules:
        if rule.table != "trust":
            continue
        for pattern in rule.clients:
            rep = _representative(pattern)
            if rep is None:
                continue
            probes.append(probe(f"relay-allowed {pattern}: local → external", rep, local, external_rcpt, "accept"))
            probes.append(
                probe(f"relay-allowed {pattern}: external → external", rep, external_sender, external_rcpt, "accept")
            )
    probes.append(
        probe(
            "127.0.0.1 was always trusted",
            "127.0.0.1",
            external_sender,
            external_rcpt,
            "accept",
            explained_by=LOOPBACK_UPGRADE,
        )
    )
    probes.append(probe("any client: external → local", OTHER_CLIENT, external_sender, local, "accept"))
    probes.append(probe("any client: external → external", OTHER_CLIENT, external_sender, external_rcpt, "refuse"))
    if legacy_pop_before_smtp:
        probes.append(
            probe(
                "POP-before-SMTP by sender address, login from elsewhere",
                OTHER_CLIENT,
                local,
                external_rcpt,
                "accept",
                pop_login={"login": local, "ip": "198.51.100.77", "age": 10},
                explained_by=POP_BEFORE_SMTP,
            )
        )
    return probes
