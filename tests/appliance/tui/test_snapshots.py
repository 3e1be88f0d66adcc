"""Snapshot tests (pytest-textual-snapshot) of the main screens in both languages.

Regenerate after an intended change: `pytest tests/appliance/tui/test_snapshots.py --snapshot-update`,
then look at the SVGs under `__snapshots__/`. The state root is at a fixed path so that the paths
shown on screen are the same on every machine.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pytest_textual_snapshot")

from tayori.appliance.tui.app import TayoriApp
from tayori.appliance.tui.fresh_profile import FreshAnswers, default_template, render_fresh

FIXED = Path("/tmp/tayori-tui-snapshot")
SIZE = (110, 34)


@pytest.fixture
def fixed_root(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    shutil.rmtree(FIXED, ignore_errors=True)
    FIXED.mkdir(mode=0o755)
    monkeypatch.setenv("TAYORI_SOCKET_DIR", str(FIXED / "sock"))
    try:
        yield FIXED / "root"
    finally:
        shutil.rmtree(FIXED, ignore_errors=True)


def with_profile(root: Path) -> Path:
    profile = root / "etc/tayori/profile.yaml"
    profile.parent.mkdir(parents=True)
    profile.write_text(
        render_fresh(FreshAnswers("mail.example.jp", "example.jp", "admin@example.jp", "x" * 12), default_template())
    )
    return profile


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_welcome(snap_compare: Any, fixed_root: Path, lang: str) -> None:
    assert snap_compare(TayoriApp(fixed_root, lang=lang, wizard=True), terminal_size=SIZE)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_fresh_form(snap_compare: Any, fixed_root: Path, lang: str) -> None:
    async def fill(pilot: Any) -> None:
        pilot.app.screen.query_one("#fresh").press()
        await pilot.pause()
        pilot.app.screen.query_one("#domain").value = "example.jp"
        pilot.app.screen.query_one("#admin").value = "admin"
        await pilot.pause()

    assert snap_compare(TayoriApp(fixed_root, lang=lang, wizard=True), terminal_size=SIZE, run_before=fill)


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("tab", ["services", "accounts", "domains"])
def test_dashboard(snap_compare: Any, fixed_root: Path, lang: str, tab: str) -> None:
    with_profile(fixed_root)

    async def open_tab(pilot: Any) -> None:
        await pilot.app.workers.wait_for_complete()
        pilot.app.screen.query_one("#tabs").active = f"tab-{tab}"
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(TayoriApp(fixed_root, lang=lang), terminal_size=SIZE, run_before=open_tab)
