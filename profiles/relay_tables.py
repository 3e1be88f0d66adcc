"""The named relay tables every profile can use.

Rows are the envelope sender's class, columns the recipient's class, both in the order
local, local-unknown, external. "local" means an existing local account, alias or list;
"local-unknown" a local domain without that address; "external" any other domain. The E-Post guide
states its relay rules this way, and XMail's and PMailServer2's rules fit the same mould.
"""

from __future__ import annotations

from tayori.profiles.model import RelayTable

A, R = "accept", "refuse"

BUILTIN_TABLES: dict[str, RelayTable] = {
    "trust": RelayTable.model_validate(
        {
            "description": "a trusted network: any sender may send to local users and relay out",
            "local": [A, R, A],
            "local-unknown": [A, R, A],
            "external": [A, R, A],
            "auth": "relay",
        }
    ),
    "refuse": RelayTable.model_validate(
        {
            "description": "refuse everything from the matching clients or senders",
            "local": [R, R, R],
            "local-unknown": [R, R, R],
            "external": [R, R, R],
            "auth": "ignore",
        }
    ),
    "legacy-default": RelayTable.model_validate(
        {
            "description": "E-Post's default (table I): a local sender may relay from any address. UNSAFE: "
            "anyone can forge a local sender; compiled profiles replace it",
            "local": [A, R, A],
            "local-unknown": [R, R, R],
            "external": [A, R, R],
            "auth": "relay",
        }
    ),
    "secure-default": RelayTable.model_validate(
        {
            "description": "the safe default: mail for local users is accepted, relaying needs AUTH",
            "local": [A, R, R],
            "local-unknown": [R, R, R],
            "external": [A, R, R],
            "auth": "relay",
        }
    ),
    "receive-only": RelayTable.model_validate(
        {
            "description": "E-Post norelay: accept mail for local users, never relay without AUTH",
            "local": [A, R, R],
            "local-unknown": [R, R, R],
            "external": [A, R, R],
            "auth": "relay",
        }
    ),
    "receive-any": RelayTable.model_validate(
        {
            "description": "XMail's default: mail for local users from any sender, relay only with AUTH",
            "local": [A, R, R],
            "local-unknown": [A, R, R],
            "external": [A, R, R],
            "auth": "relay",
        }
    ),
    "only-others": RelayTable.model_validate(
        {
            "description": "E-Post only: clients not listed may deliver external senders' mail to local users only",
            "local": [R, R, R],
            "local-unknown": [R, R, R],
            "external": [A, R, R],
            "auth": "relay",
        }
    ),
}

SENDER_CLASSES = ("local", "local-unknown", "external")
RECIPIENT_CLASSES = ("local", "local-unknown", "external")


def table_names(extra: dict[str, RelayTable] | None = None) -> list[str]:
    return sorted(set(BUILTIN_TABLES) | set(extra or {}))


def get_table(name: str, extra: dict[str, RelayTable] | None = None) -> RelayTable | None:
    if extra and name in extra:
        return extra[name]
    return BUILTIN_TABLES.get(name)
