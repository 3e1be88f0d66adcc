"""Both services load, before dropping privileges, what a session or a delivery would otherwise
import lazily: found missing when the suite ran from a checkout under `mktemp -d` (the mail user
cannot read it), where the first DNS lookup of every SMTP session failed with 451."""

from __future__ import annotations

import subprocess
import sys

import pytest

LAZY = ("dns._asyncio_backend", "dns.rdtypes.ANY.MX", "dns.rdtypes.ANY.TXT", "dns.rdtypes.IN.A", "dns.rdtypes.ANY.TLSA")


# what the delivery service imports after the drop, beyond DNS
DELIVERY = ("tayori.runtime.outbound.remote", "tayori.runtime.outbound.dsn", "tayori.runtime.outbound.retry")


@pytest.mark.parametrize(
    "call",
    [
        "from tayori.runtime.smtpd.__main__ import preload; preload()",
        "from tayori.runtime.delivery.__main__ import _preload; _preload()",
    ],
)
def test_service_preload_covers_the_lazy_dns_modules(call: str) -> None:
    code = f"import sys\n{call}\nprint(' '.join(m for m in {LAZY!r} if m not in sys.modules))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""


def test_delivery_preload_covers_remote_delivery() -> None:
    # _remote_fn() runs after the drop; were the import to fail there, remote delivery would be off
    # (found the same way: every message stayed queued in the kill -9 test from such a checkout)
    call = "from tayori.runtime.delivery.__main__ import _preload; _preload()"
    code = f"import sys\n{call}\nprint(' '.join(m for m in {DELIVERY!r} if m not in sys.modules))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""
