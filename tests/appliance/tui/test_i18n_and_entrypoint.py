"""The catalogue is complete in both languages; the language comes from the environment; the container
entrypoint installs the default on all interfaces and standard ports and stops its child on SIGTERM."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tayori.appliance import entrypoint
from tayori.appliance.tui.i18n import TEXTS, detect_language
from tayori.profiles.loader import load_profile
from tayori.runtime.paths import StatePaths


def test_every_text_in_both_languages_with_the_same_fields() -> None:
    for key, (ja, en) in TEXTS.items():
        assert ja.strip() and en.strip(), key
        assert set(re.findall(r"{(\w+)}", ja)) == set(re.findall(r"{(\w+)}", en)), key


@pytest.mark.parametrize(
    ("env", "lang"),
    [
        ({"TAYORI_LANG": "ja"}, "ja"),
        ({"TAYORI_LANG": "en", "LANG": "ja_JP.UTF-8"}, "en"),
        ({"LANG": "ja_JP.UTF-8"}, "ja"),
        ({"LC_ALL": "C.UTF-8", "LANG": "ja_JP.UTF-8"}, "en"),
        ({"LC_ALL": "ja_JP.eucJP"}, "ja"),
        ({"TAYORI_LANG": "fr", "LANG": "ja_JP.UTF-8"}, "ja"),
        ({}, "en"),
    ],
)
def test_language_from_environment(env: dict[str, str], lang: str) -> None:
    assert detect_language(env) == lang


def test_entrypoint_installs_the_container_default(paths: StatePaths) -> None:
    entrypoint.prepare(paths, wizard=True)  # no terminal under pytest: no wizard
    profile = load_profile(paths.profile).profile
    assert profile.listeners.smtp.port == 25 and profile.listeners.imaps.port == 993
    assert "0.0.0.0" in profile.listeners.submission.bind
    assert profile.accounts[0].address == "demo@example.test"
    before = paths.profile.read_text()
    entrypoint.prepare(paths, wizard=True)  # an existing profile is never replaced
    assert paths.profile.read_text() == before


def test_supervisor_passes_sigterm_on(tmp_path: Path) -> None:
    child = "import signal, sys, time; signal.signal(signal.SIGTERM, lambda *a: sys.exit(0)); time.sleep(60)"
    code = (
        "import sys; from tayori.appliance.entrypoint import Supervisor; "
        f"sys.exit(Supervisor([sys.executable, '-c', {child!r}], grace=5).run())"
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
