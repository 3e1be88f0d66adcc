"""DKIM keys and signatures (dkimpy) for the profile's local sending domains.

Keys: one per domain and selector, generated on first start (:func:`ensure_keys`) under
``StatePaths.dkim`` as ``<domain>.<selector>.key`` (mode 0600) unless ``domains[].dkim.key`` names a
file. RSA keys (2048 bits by default) are PEM (PKCS#1, what dkimpy reads); ed25519 keys (RFC 8463) are
the base64 32-byte seed dkimpy expects, and need PyNaCl.

Which domain signs: the domain of the message's From header when it is a local domain with DKIM
enabled (what DMARC aligns with), else the envelope sender's domain when that one is.
"""

from __future__ import annotations

import base64
import contextlib
import os
from dataclasses import dataclass
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import dkim as dkimpy
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa, utils

from tayori.runtime.paths import StatePaths

HEADER_LIMIT = 64 * 1024  # only the header block is parsed to find From


class DkimError(Exception):
    pass


@dataclass(frozen=True)
class KeyInfo:
    domain: str
    selector: str
    algorithm: str
    path: Path


def _domain_cfg(profile: Any, domain: str) -> tuple[str, Any] | None:
    d = domain.lower().rstrip(".")
    for dom in profile.domains:
        if dom.name == d or d in (a.lower() for a in dom.aliases):
            if dom.dkim is None or not dom.dkim.enabled:
                return None
            return dom.name, dom.dkim
    return None


def key_info(profile: Any, paths: StatePaths, domain: str) -> KeyInfo | None:
    """The key that signs for ``domain``, or None when the domain is not local or does not sign."""
    found = _domain_cfg(profile, domain)
    if found is None:
        return None
    name, cfg = found
    if cfg.key:
        p = Path(cfg.key)
        path = p if p.is_absolute() else paths.root / p
    else:
        path = paths.dkim / f"{name}.{cfg.selector}.key"
    return KeyInfo(name, cfg.selector, cfg.algorithm, path)


def generate_key(path: Path, algorithm: str = "rsa-sha256", bits: int = 2048) -> None:
    """Write a new private key, 0600, atomically (an existing key is never overwritten)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if algorithm == "ed25519-sha256":
        ed = ed25519.Ed25519PrivateKey.generate()
        seed = ed.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        data = base64.b64encode(seed) + b"\n"
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        data = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(tmp, path)  # fails if another process made the key meanwhile: keep theirs
    except FileExistsError:
        pass
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def ensure_keys(profile: Any, paths: StatePaths) -> list[KeyInfo]:
    """Generate the missing key of every local domain that signs; returns the keys made."""
    made = []
    for dom in profile.domains:
        info = key_info(profile, paths, dom.name)
        if info is None or info.path.exists():
            continue
        generate_key(info.path, info.algorithm, dom.dkim.key_bits if dom.dkim else 2048)
        made.append(info)
    return made


def public_key_b64(info: KeyInfo) -> str:
    raw = info.path.read_bytes()
    if info.algorithm == "ed25519-sha256":
        seed = base64.b64decode(raw.strip())
        pub = ed25519.Ed25519PrivateKey.from_private_bytes(seed).public_key()
        return base64.b64encode(pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()
    key = serialization.load_pem_private_key(raw, password=None)
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def txt_value(info: KeyInfo) -> str:
    k = "ed25519" if info.algorithm == "ed25519-sha256" else "rsa"
    return f"v=DKIM1; k={k}; p={public_key_b64(info)}"


def dns_record(profile: Any, paths: StatePaths, domain: str) -> str:
    """The zone-file line to publish, e.g. for ``tayori dkim show DOMAIN``.

    The TXT value is split into 255-character strings (RFC 7208 §3.3 style), as zone files need.
    """
    info = key_info(profile, paths, domain)
    if info is None:
        raise DkimError(f"{domain}: not a local domain with DKIM enabled / DKIM が有効なローカルドメインではありません")
    if not info.path.exists():
        raise DkimError(f"{info.path}: no key yet / 鍵がまだありません")
    value = txt_value(info)
    chunks = " ".join(f'"{value[i : i + 255]}"' for i in range(0, len(value), 255))
    return f"{info.selector}._domainkey.{info.domain}. IN TXT ( {chunks} )"


# dkimpy does the DKIM work (canonicalisation, header selection, tag list) but signs RSA with
# Python integers: ~10 ms per message on these machines, most of outbound's CPU. Its signing
# primitive is replaced by OpenSSL's through `cryptography` (same PKCS#1 v1.5 bytes, ~0.5 ms); keys
# are converted once per modulus.
_RSA_KEYS: dict[int, rsa.RSAPrivateKey] = {}
_HASHES = {"sha256": hashes.SHA256(), "sha1": hashes.SHA1()}


def _openssl_rsa_sign(hash: Any, private_key: dict[str, int]) -> bytes:
    algorithm = _HASHES.get(getattr(hash, "name", ""))
    if algorithm is None:
        return bytes(_DKIMPY_RSA_SIGN(hash, private_key))
    key = _RSA_KEYS.get(private_key["modulus"])
    if key is None:
        public = rsa.RSAPublicNumbers(private_key["publicExponent"], private_key["modulus"])
        key = rsa.RSAPrivateNumbers(
            p=private_key["prime1"],
            q=private_key["prime2"],
            d=private_key["privateExponent"],
            dmp1=private_key["exponent1"],
            dmq1=private_key["exponent2"],
            iqmp=private_key["coefficient"],
            public_numbers=public,
        ).private_key()
        _RSA_KEYS[private_key["modulus"]] = key
    return key.sign(hash.digest(), padding.PKCS1v15(), utils.Prehashed(algorithm))


_DKIMPY_RSA_SIGN = dkimpy.RSASSA_PKCS1_v1_5_sign
dkimpy.RSASSA_PKCS1_v1_5_sign = _openssl_rsa_sign


def _header_block(message: bytes) -> bytes:
    head = message[:HEADER_LIMIT]
    end = head.find(b"\r\n\r\n")
    return head if end < 0 else head[: end + 2]


def from_domain(message: bytes) -> str | None:
    """Domain of the (first) From header address, or None."""
    lines = _header_block(message).split(b"\r\n")
    value: list[bytes] = []
    for i, line in enumerate(lines):
        if line[:5].lower() == b"from:":
            value.append(line[5:])
            for cont in lines[i + 1 :]:
                if cont[:1] in (b" ", b"\t"):
                    value.append(cont)
                else:
                    break
            break
    if not value:
        return None
    addrs = getaddresses([b"".join(value).decode("utf-8", "replace")])
    for _, addr in addrs:
        if "@" in addr:
            return addr.rpartition("@")[2].lower().rstrip(">")
    return None


class Signer:
    """Signs outgoing messages; keys are read once and kept."""

    def __init__(self, profile: Any, paths: StatePaths) -> None:
        self.profile = profile
        self.paths = paths
        self._keys: dict[str, tuple[KeyInfo, bytes] | None] = {}

    def _key(self, domain: str) -> tuple[KeyInfo, bytes] | None:
        d = domain.lower()
        if d not in self._keys:
            info = key_info(self.profile, self.paths, d)
            entry = None
            if info is not None:
                try:
                    entry = (info, info.path.read_bytes())
                except OSError:
                    entry = None  # no key: send unsigned rather than not at all; `tayori run` makes keys
            self._keys[d] = entry
        return self._keys[d]

    def signing_domain(self, message: bytes, mail_from: str) -> str | None:
        for cand in (from_domain(message), mail_from.rpartition("@")[2] if "@" in mail_from else None):
            if cand and self._key(cand) is not None:
                return cand
        return None

    def sign(self, message: bytes, mail_from: str) -> bytes:
        """The message with a DKIM-Signature header in front, or unchanged when no local key applies."""
        domain = self.signing_domain(message, mail_from)
        if domain is None:
            return message
        entry = self._key(domain)
        assert entry is not None
        info, key = entry
        cfg = _domain_cfg(self.profile, domain)
        assert cfg is not None
        c = cfg[1]
        hcanon, _, bcanon = c.canonicalization.partition("/")
        present = {h.split(b":", 1)[0].strip().lower() for h in _header_block(message).split(b"\r\n") if b":" in h}
        include = [h.encode() for h in c.headers if h.lower().encode() in present]
        if b"from" not in [h.lower() for h in include]:
            include.insert(0, b"From")
        try:
            sig = dkimpy.sign(
                message,
                info.selector.encode(),
                info.domain.encode(),
                key,
                canonicalize=(hcanon.encode(), bcanon.encode()),
                signature_algorithm=info.algorithm.encode(),
                include_headers=include,
            )
        except (dkimpy.DKIMException, ValueError) as exc:
            raise DkimError(f"{domain}: DKIM signing failed / DKIM 署名に失敗: {exc}") from None
        return bytes(sig) + message
