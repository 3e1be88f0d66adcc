"""The secrets file (etc/tayori/secrets.yaml, mode 0600): plaintexts kept on purpose.

```yaml
secrets_version: 1
accounts: {user@example.jp: "..."}             # only accounts with legacy_auth (APOP, CRAM-MD5)
smarthosts: {isp-relay: {password: ...}}        # keys named by password_secret in the profile
```
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

from tayori.runtime.paths import StatePaths


class SecretsError(Exception):
    pass


def load_secrets(paths: StatePaths | Path) -> dict[str, Any]:
    path = paths.secrets if isinstance(paths, StatePaths) else paths
    if not path.exists():
        return {}
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        # Refuse rather than silently use a file others can read: the admin must know.
        raise SecretsError(f"{path}: mode {mode:04o} lets others read it; run: chmod 600 {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SecretsError(f"{path}: {exc}") from None
    if not isinstance(data, dict):
        raise SecretsError(f"{path}: not a mapping")
    return data


def account_plaintext(secrets: dict[str, Any], address: str) -> str | None:
    accounts = secrets.get("accounts") or {}
    for key, value in accounts.items():
        if str(key).lower() == address.lower():
            if isinstance(value, dict):
                pw = value.get("password")
                return str(pw) if pw is not None else None
            return str(value)
    return None


def smarthost_password(secrets: dict[str, Any], key: str | None) -> str | None:
    if not key:
        return None
    value = (secrets.get("smarthosts") or {}).get(key)
    if isinstance(value, dict):
        value = value.get("password")
    return None if value is None else str(value)


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
