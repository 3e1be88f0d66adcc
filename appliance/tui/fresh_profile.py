"""The fresh-install profile: the embedded default (or a template) with the admin's few answers.

Written through the round-trip editor, so the template's comments stay; only the template's header
(which describes the demo login) is replaced by one that says where the profile came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tayori.appliance.tui.errors import TuiError
from tayori.profiles.loader import load_profile_text
from tayori.profiles.model import Account, Alias, Domain, Profile, _address, _domain
from tayori.profiles.passwords import hash_password
from tayori.profiles.roundtrip import apply_model, dump_document, load_document

DEFAULT_PROFILE = Path(__file__).resolve().parents[2] / "profiles" / "default.yaml"
STANDARD_PORTS = {
    "smtp": 25,
    "submission": 587,
    "submissions": 465,
    "pop3": 110,
    "pop3s": 995,
    "imap": 143,
    "imaps": 993,
}
MIN_PASSWORD = 8

HEADER = (
    "# Tayori profile written by the first-run wizard (`tayori tui`).\n"
    "# 初期設定ウィザードが作成したプロファイルです。コメントと項目の順序は編集しても保たれます。\n"
    "# Reference / 項目の説明: profiles/README.md\n"
)


def default_template() -> str:
    import tayori.profiles

    return (Path(tayori.profiles.__file__).resolve().parent / "default.yaml").read_text(encoding="utf-8")


@dataclass
class FreshAnswers:
    hostname: str
    domain: str
    admin: str
    password: str
    tls: str = "self"  # self | files
    cert: str = ""
    key: str = ""


def validate(a: FreshAnswers) -> list[TuiError]:
    """Every problem at once, so the admin fixes the form in one go."""
    problems: list[TuiError] = []
    try:
        _domain(a.hostname)
    except ValueError:
        problems.append(TuiError("fresh.err.hostname", value=a.hostname))
    domain = ""
    try:
        domain = _domain(a.domain)
    except ValueError:
        problems.append(TuiError("fresh.err.domain", value=a.domain))
    try:
        admin = _address(a.admin)
        if domain and admin.rpartition("@")[2] != domain:
            problems.append(TuiError("fresh.err.admin", value=a.admin, domain=domain))
    except ValueError:
        problems.append(TuiError("fresh.err.admin", value=a.admin, domain=domain or a.domain))
    if len(a.password) < MIN_PASSWORD:
        problems.append(TuiError("fresh.err.password"))
    if a.tls == "files" and (not a.cert.strip() or not a.key.strip()):
        problems.append(TuiError("fresh.err.cert"))
    return problems


def fresh_profile(a: FreshAnswers, template: Profile) -> Profile:
    domain = _domain(a.domain)
    admin = _address(a.admin)
    quota = template.accounts[0].quota if template.accounts else None
    tls = template.tls.model_copy(
        update={"self_signed": True, "cert": None, "key": None}
        if a.tls != "files"
        else {"self_signed": False, "cert": a.cert.strip(), "key": a.key.strip()}
    )
    server = template.server.model_copy(update={"hostname": _domain(a.hostname), "postmaster": admin})
    data = template.model_copy(
        update={
            "server": server,
            "tls": tls,
            "domains": [Domain(name=domain)],
            "accounts": [Account(address=admin, password_hash=hash_password(a.password), quota=quota)],
            "aliases": [
                Alias(address=f"postmaster@{domain}", targets=[admin]),
                Alias(address=f"abuse@{domain}", targets=[admin]),
            ],
        }
    )
    # Re-validate so the wizard can never write what `tayori check` refuses.
    return Profile.model_validate(data.model_dump(mode="json", by_alias=True))


def _strip_header(text: str) -> str:
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines) and (lines[i].startswith("#") or not lines[i].strip()):
        i += 1
    return "".join(lines[i:])


def render_fresh(a: FreshAnswers, template_text: str) -> str:
    template = load_profile_text(template_text, "template").profile
    profile = fresh_profile(a, template)
    doc = apply_model(load_document(template_text), profile)
    return HEADER + "\n" + _strip_header(dump_document(doc))


def with_standard_listeners(template_text: str, ipv6: bool = True) -> str:
    """The template listening on all interfaces on the standard ports: the container's embedded default."""
    profile = load_profile_text(template_text, "template").profile
    binds = ["0.0.0.0", "::"] if ipv6 else ["0.0.0.0"]
    listeners = profile.listeners.model_copy()
    for name, port in STANDARD_PORTS.items():
        lst = getattr(listeners, name)
        if lst is not None:
            setattr(listeners, name, lst.model_copy(update={"bind": binds, "port": port}))
    changed = profile.model_copy(update={"listeners": listeners})
    text = dump_document(apply_model(load_document(template_text), changed))
    # The template's header talks about loopback high ports; say what this copy does instead.
    return re.sub(
        r"(?m)^# One domain.*?\n(?=# Login)",
        "# The container's copy: all interfaces, standard ports (25, 587, 465, 110, 995, 143, 993).\n"
        "# コンテナ用: すべてのインターフェースの標準ポートで待ち受けます。\n#\n",
        text,
        count=1,
        flags=re.S,
    )
