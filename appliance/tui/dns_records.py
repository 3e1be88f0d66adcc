"""DNS records the admin publishes for each domain: MX, SPF, DKIM (from the key `tayori run` made), DMARC."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

from tayori.profiles.model import Domain, Profile
from tayori.runtime.paths import StatePaths


@dataclass
class DomainRecords:
    domain: str
    records: list[tuple[str, str]] = field(default_factory=list)  # (catalogue key, record text)
    note: tuple[str, dict[str, str]] | None = None  # (catalogue key, params) about DKIM


def dkim_key_path(paths: StatePaths, domain: Domain) -> Path:
    assert domain.dkim is not None
    if domain.dkim.key:
        p = Path(domain.dkim.key)
        return p if p.is_absolute() else paths.root / p
    return paths.dkim / f"{domain.name}.{domain.dkim.selector}.key"


def dkim_txt(key_pem: bytes) -> str:
    """The `p=` value and key type of a DKIM record for a PEM private key (RSA or Ed25519)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = serialization.load_pem_private_key(key_pem, password=None)
    pub = key.public_key()
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return f"v=DKIM1; k=ed25519; p={base64.b64encode(raw).decode()}"
    der = pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}"


def records_for(profile: Profile, paths: StatePaths) -> list[DomainRecords]:
    host = profile.server.hostname
    out = []
    for d in profile.domains:
        rec = DomainRecords(d.name)
        rec.records.append(("dom.mx", f"{d.name}. IN MX 10 {host}."))
        rec.records.append(("dom.spf", f'{d.name}. IN TXT "v=spf1 mx -all"'))
        if d.dkim is None or not d.dkim.enabled:
            rec.note = ("dom.off", {})
        else:
            key_path = dkim_key_path(paths, d)
            try:
                txt = dkim_txt(key_path.read_bytes())
                rec.records.append(("dom.dkim", f'{d.dkim.selector}._domainkey.{d.name}. IN TXT "{txt}"'))
            except FileNotFoundError:
                rec.note = ("dom.nokey", {"path": str(key_path)})
            except (OSError, ValueError, TypeError) as exc:
                rec.note = ("dom.badkey", {"error": str(exc)})
        postmaster = profile.server.postmaster or f"postmaster@{d.name}"
        rec.records.append(("dom.dmarc", f'_dmarc.{d.name}. IN TXT "v=DMARC1; p=none; rua=mailto:{postmaster}"'))
        out.append(rec)
    return out
