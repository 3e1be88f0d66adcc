"""Password hashes that both Dovecot and Python verify: SHA512-CRYPT (`{SHA512-CRYPT}$6$...`).

Debian 12's Dovecot also offers ARGON2ID, but SHA512-CRYPT is what every Dovecot build and the
C library verify, and it keeps hashing 10,000 migrated passwords within minutes on two cores.
"""

from __future__ import annotations

import hmac
import warnings

with warnings.catch_warnings():
    # The crypt module is deprecated from Python 3.13 on; 3.11 (Debian 12's) ships it and it binds
    # the C library's crypt(3), the same code Dovecot uses to verify these hashes.
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt

PREFIX = "{SHA512-CRYPT}"
ROUNDS = 5000  # crypt(3)'s default; Dovecot verifies any round count


def hash_password(plaintext: str) -> str:
    salt = crypt.mksalt(crypt.METHOD_SHA512)
    return PREFIX + crypt.crypt(plaintext, salt)


def verify_password(plaintext: str, stored: str) -> bool:
    h = stored.removeprefix(PREFIX)
    if not h.startswith("$6$"):
        return False
    computed = crypt.crypt(plaintext, h)
    return computed is not None and hmac.compare_digest(computed, h)
