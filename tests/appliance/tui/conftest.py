"""Fixtures for the TUI tests: a state root, a short socket dir, a profile, an app factory."""

from __future__ import annotations

import asyncio
import inspect
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tayori.appliance.tui import launcher
from tayori.appliance.tui.app import TayoriApp
from tayori.appliance.tui.fresh_profile import FreshAnswers, default_template, render_fresh
from tayori.runtime.paths import StatePaths

from .mock_supervisor import MockSupervisor

SIZE = (110, 36)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run `async def` tests (Textual's pilot is async) without another pytest plugin."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    kwargs = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    asyncio.run(pyfuncitem.obj(**kwargs))
    return True


def fake_resolver(name: str) -> list[str]:
    return ["192.0.2.25"]  # documentation address: nothing is ever sent to it


@pytest.fixture
def tui_root(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    base = Path(tempfile.mkdtemp(prefix="tayori-tui-", dir="/tmp"))
    base.chmod(0o755)
    sockets = Path(tempfile.mkdtemp(prefix="tts", dir="/tmp"))
    monkeypatch.setenv("TAYORI_SOCKET_DIR", str(sockets))
    # The pilot tests never start real services: `tayori run` is the live tests' business.
    monkeypatch.setattr(launcher, "run_available", lambda paths: False)
    try:
        yield base / "root"
    finally:
        shutil.rmtree(base, ignore_errors=True)
        shutil.rmtree(sockets, ignore_errors=True)


@pytest.fixture
def paths(tui_root: Path) -> StatePaths:
    return StatePaths.at(tui_root)


COMMENT = "# kept by every edit / 編集しても残るコメント"


@pytest.fixture
def live_profile(paths: StatePaths) -> Path:
    """A fresh profile in the root (ports from the default: loopback high ports, never bound here)."""
    text = render_fresh(
        FreshAnswers("mail.office.test", "office.test", "admin@office.test", "first-pass"), default_template()
    )
    paths.etc.mkdir(parents=True, exist_ok=True)
    paths.profile.write_text(text.replace("profile_version: 1", f"{COMMENT}\nprofile_version: 1"), encoding="utf-8")
    return paths.profile


@pytest.fixture
def supervisor(paths: StatePaths) -> Iterator[MockSupervisor]:
    paths.sockets.mkdir(parents=True, exist_ok=True)
    with MockSupervisor(paths.supervisor_socket) as mock:
        yield mock


@pytest.fixture
def make_app(tui_root: Path) -> Callable[..., TayoriApp]:
    def make(lang: str = "en", **kw: Any) -> TayoriApp:
        kw.setdefault("resolver", fake_resolver)
        return TayoriApp(tui_root, lang=lang, **kw)

    return make


async def settle(pilot: Any) -> None:
    """Let workers finish and the screen catch up."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
