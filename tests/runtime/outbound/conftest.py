"""Fixtures for outbound tests: the network-namespace world (tests/harness/netns)."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

HARNESS = Path(__file__).resolve().parents[2] / "harness"
if str(HARNESS) not in sys.path:
    sys.path.insert(0, str(HARNESS))


def _missing_tools() -> list[str]:
    return [t for t in ("nsd", "postfix", "dovecot", "ss") if shutil.which(t) is None]


@pytest.fixture(scope="session")
def world() -> Iterator[object]:
    from netns.net import available
    from netns.world import World

    why = available()
    if why is None and _missing_tools():
        why = "missing tools: " + ", ".join(_missing_tools()) + " (apt-get install nsd postfix dovecot-core iproute2)"
    if why is not None:
        pytest.skip(f"netns harness unavailable: {why}")
    base = Path(tempfile.mkdtemp(prefix="tyo", dir="/tmp"))
    os.chmod(base, 0o755)
    w = World(base)
    try:
        w.build()
        yield w
    finally:
        w.close()
        if os.environ.get("TAYORI_KEEP_HARNESS") != "1":
            shutil.rmtree(base, ignore_errors=True)
