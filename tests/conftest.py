"""Shared test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the checkout")
    return SHARED


@pytest.fixture
def state_root():  # type: ignore[no-untyped-def]
    """A state root the mail user can reach (pytest's own tmp folders are 0700 when run as root)."""
    import shutil
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="tayori-test-", dir="/tmp"))
    base.chmod(0o755)
    try:
        yield base / "root"
    finally:
        shutil.rmtree(base, ignore_errors=True)
