"""The appliance's TLS certificate: the profile's files, or a self-signed one made on first start."""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tayori.profiles.model import Profile
from tayori.runtime.paths import StatePaths
from tayori.runtime.secrets import write_private


@dataclass(frozen=True)
class CertFiles:
    cert: Path
    key: Path
    self_signed: bool


class CertError(Exception):
    pass


def _resolve(paths: StatePaths, p: str) -> Path:
    path = Path(p)
    return path if path.is_absolute() else paths.root / path


def make_self_signed(hostname: str, cert: Path, key: Path, days: int = 825) -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.UTC)
    sans: list[x509.GeneralName] = [x509.DNSName(hostname), x509.DNSName("localhost")]
    sans += [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.IPAddress(ipaddress.ip_address("::1"))]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(private, hashes.SHA256())
    )
    write_private(
        key,
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii"),
    )
    cert.parent.mkdir(parents=True, exist_ok=True)
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def ensure_certificate(profile: Profile, paths: StatePaths) -> CertFiles:
    """The certificate the listeners use; generated when the profile names none (and allows it)."""
    tls = profile.tls
    if tls.cert and tls.key:
        cert, key = _resolve(paths, tls.cert), _resolve(paths, tls.key)
        for f in (cert, key):
            if not f.exists():
                raise CertError(f"tls: {f} does not exist (tls.cert / tls.key in the profile)")
        return CertFiles(cert, key, False)
    if not tls.self_signed:
        raise CertError("tls: no certificate named and tls.self_signed is false")
    cert, key = paths.tls / "selfsigned.crt", paths.tls / "selfsigned.key"
    if not (cert.exists() and key.exists()):
        make_self_signed(profile.server.hostname, cert, key)
    return CertFiles(cert, key, True)
