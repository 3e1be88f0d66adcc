"""Edits the dashboard and the wizard make to the live profile, all through the round-trip editor.

Each edit loads the file, changes the model, re-validates it, and writes it back keeping the admin's
comments and key order (`tayori.profiles.roundtrip.update_profile_file`, atomic).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tayori.appliance.tui.errors import TuiError
from tayori.profiles.loader import ProfileError, load_profile
from tayori.profiles.model import Account, Profile, _address
from tayori.profiles.passwords import hash_password
from tayori.profiles.roundtrip import update_profile_file
from tayori.profiles.units import parse_size

MIN_PASSWORD = 8


def read_profile(path: Path) -> Profile:
    try:
        return load_profile(path).profile
    except ProfileError as exc:
        first = exc.problems[0] if exc.problems else None
        raise TuiError("edit.err.profile", error=str(first) if first else str(path)) from None


def _write(path: Path, profile: Profile) -> Profile:
    checked = Profile.model_validate(profile.model_dump(mode="json", by_alias=True))
    update_profile_file(path, checked)
    return checked


def _edit_account(path: Path, address: str, change: Callable[[Account], Account]) -> Profile:
    profile = read_profile(path)
    target = address.lower()
    accounts = list(profile.accounts)
    for i, acct in enumerate(accounts):
        if acct.address.lower() == target:
            accounts[i] = change(acct)
            return _write(path, profile.model_copy(update={"accounts": accounts}))
    raise TuiError("edit.err.missing", address=address)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise TuiError("fresh.err.password")


def add_account(path: Path, address: str, password: str) -> Profile:
    profile = read_profile(path)
    try:
        addr = _address(address)
    except ValueError:
        raise TuiError("edit.err.address", value=address) from None
    domain = addr.rpartition("@")[2]
    local_domains = {d.name for d in profile.domains} | {a for d in profile.domains for a in d.aliases}
    if domain not in local_domains:
        raise TuiError("edit.err.domain", domain=domain)
    if any(a.address.lower() == addr.lower() for a in profile.accounts):
        raise TuiError("edit.err.exists", address=addr)
    _check_password(password)
    account = Account(address=addr, password_hash=hash_password(password))
    return _write(path, profile.model_copy(update={"accounts": [*profile.accounts, account]}))


def set_enabled(path: Path, address: str, enabled: bool) -> Profile:
    return _edit_account(path, address, lambda a: a.model_copy(update={"enabled": enabled}))


def set_password(path: Path, address: str, password: str) -> Profile:
    _check_password(password)
    hashed = hash_password(password)
    return _edit_account(path, address, lambda a: a.model_copy(update={"password_hash": hashed}))


def set_quota(path: Path, address: str, quota: str) -> Profile:
    value: int | None = None
    if quota.strip():
        try:
            value = parse_size(quota.strip())
        except ValueError:
            raise TuiError("edit.err.quota", value=quota) from None
    return _edit_account(path, address, lambda a: a.model_copy(update={"quota": value}))


def answer_decision(path: Path, key: str, value: Any) -> Profile:
    profile = read_profile(path)
    decisions = dict(profile.decisions)
    current = decisions.get(key)
    if current is None:
        raise TuiError("report.not_decide")
    decisions[key] = current.model_copy(update={"value": value, "pending": False})
    return _write(path, profile.model_copy(update={"decisions": decisions}))


def without_password(profile: Profile) -> list[Account]:
    return [a for a in profile.accounts if not a.password_hash]
