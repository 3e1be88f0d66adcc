"""XMail's documented relay behaviour for this install, as probes (`tayori compile --probe`).

Each probe states what XMail 1.27 did (`legacy`) for one client/sender/recipient, chosen from the
install's own tables: a client inside each smtprelay.tab network, each banned or AUTH-only block, a
stranger, each spam-address pattern, each custdomain, an account with and one without perm R.
Where Tayori deliberately differs, `explained_by` names the report entry that says why.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from tayori.compiler.xmail.networks import Network
from tayori.compiler.xmail.relay import IpTables, _decide, client_rules
from tayori.compiler.xmail.state import State

STRANGERS = ("198.18.0.10", "198.18.77.1", "192.0.2.200", "100.64.0.9", "2001:db8:ffff::10")
REMOTE = "someone@example.org"


def _host(net: Network) -> str:
    if net.num_addresses <= 2:
        return str(net.network_address)
    return str(net.network_address + 1)


def _probe(name: str, client: str, mail_from: str, rcpt: str, legacy: str, **kw: Any) -> dict[str, Any]:
    p: dict[str, Any] = {
        "name": name,
        "listener": kw.pop("listener", "smtp"),
        "client": client,
        "auth": kw.pop("auth", None),
        "mail_from": mail_from,
        "rcpt_to": [rcpt],
        "legacy": legacy,
    }
    p.update({k: v for k, v in kw.items() if v is not None})
    return p


def generate(st: State, t: IpTables, spam_patterns: list[str], mailauth: set[str]) -> list[dict[str, Any]]:
    users = [a for a in st.accounts.values() if a.receive and a.services.pop3]
    if not users:
        return []
    local = users[0].address
    domain = local.rpartition("@")[2]
    stranger = next(
        (
            ip
            for ip in STRANGERS
            if _decide(t, ipaddress.ip_address(ip)).state == "normal" and not _decide(t, ipaddress.ip_address(ip)).relay
        ),
        None,
    )
    out: list[dict[str, Any]] = []
    if stranger is not None:
        out += [
            _probe("stranger to a local user", stranger, "a@example.net", local, "accept"),
            _probe(
                "stranger to an unknown local user", stranger, "a@example.net", f"no-such-user-x@{domain}", "refuse"
            ),
            _probe("stranger relays", stranger, "a@example.net", REMOTE, "refuse"),
            _probe("forged local sender relays", stranger, local, REMOTE, "refuse"),
        ]
    for rule in client_rules(t):
        for client in rule.clients[:3]:
            net = ipaddress.ip_network(client, strict=False)
            host = _host(net)
            if rule.table == "trust" and rule.auth is None:
                out.append(_probe(f"smtprelay.tab client {client} relays", host, local, REMOTE, "accept"))
            elif rule.auth == "ignore":
                out.append(_probe(f"refused client {client}", host, "a@example.net", local, "refuse"))
            else:
                why = _dropcode_upgrade(rule.origin)
                out.append(
                    _probe(
                        f"AUTH-only client {client} without AUTH",
                        host,
                        "a@example.net",
                        local,
                        "accept" if why else "refuse",
                        explained_by=why,
                    )
                )
    for pattern in spam_patterns:
        sender = pattern.replace("*", "x")
        out.append(_probe(f"spam-address {pattern}", stranger or "198.18.0.10", sender, local, "refuse"))
    for cust in sorted(st.custdomains):
        if cust in st.alias_domains:
            out.append(
                _probe(
                    f"custdomain {cust}, unknown user",
                    stranger or "198.18.0.10",
                    "a@example.net",
                    f"no-such-user-x@{cust}",
                    "accept",
                    explained_by=f"xmail.custdomains.unknown_users.{cust}",
                )
            )
    relayer = next((a.address for a in users if "R" in st.perms.get(a.address.lower(), "").upper()), None)
    keeper = next((a.address for a in users if "R" not in st.perms.get(a.address.lower(), "").upper()), None)
    client = stranger or "198.18.0.10"
    if relayer is not None:
        out.append(
            _probe(
                "AUTH user with perm R relays", client, relayer, REMOTE, "accept", listener="submission", auth=relayer
            )
        )
        other = next((a.address for a in users if a.address != relayer), None)
        if other is not None:
            out.append(
                _probe(
                    "AUTH user sends as another account",
                    client,
                    other,
                    REMOTE,
                    "accept",
                    listener="submission",
                    auth=relayer,
                    explained_by="xmail.auth.sender_match",
                )
            )
        if st.setting("EnableAuthSMTP-POP3") in (None, "1") and stranger is not None:
            out.append(
                _probe(
                    "POP-before-SMTP relays",
                    stranger,
                    relayer,
                    REMOTE,
                    "accept",
                    pop_login={"login": relayer, "age": 60},
                )
            )
    if keeper is not None:
        out.append(
            _probe(
                "AUTH user without perm R cannot relay",
                client,
                keeper,
                REMOTE,
                "refuse",
                listener="submission",
                auth=keeper,
            )
        )
    for lst in sorted(mailauth):
        if lst != "smtp":
            out.append(
                _probe(f"MailAuth on {lst} without AUTH", client, "a@example.net", local, "refuse", listener=lst)
            )
    return out


def _dropcode_upgrade(origin: str | None) -> str | None:
    # AUTH-only from smtp.ipmap.tab with SMTP-IpMapDropCode=0 was never enforced by 1.27.
    if origin and origin.startswith("smtp.ipmap.tab:"):
        return f"xmail.ipmap.dropcode0.{origin}"
    return None
