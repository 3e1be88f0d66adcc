"""The POP-before-SMTP post-login hook as Dovecot runs it: the generated wrapper alone, with the
empty environment script-login gives it, as the mail user who may not reach the installation."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tayori.profiles.model import Profile
from tayori.runtime import dovecot
from tayori.runtime.paths import StatePaths


def test_generated_postlogin_records_the_login_and_needs_nothing_outside_the_root(state_root: Path) -> None:
    paths = StatePaths.at(state_root)
    paths.pop_logins.mkdir(parents=True, exist_ok=True)
    dovecot.render(Profile.model_validate({"profile_version": 1}), paths, None, {})
    wrapper = paths.generated / "postlogin"
    text = wrapper.read_text(encoding="utf-8")
    assert str(dovecot.HOOKS) not in text  # a copy of the hook, not a path into the installation
    r = subprocess.run(
        [str(wrapper), "echo", "session continues"],
        env={"IP": "192.0.2.7", "USER": "alice@example.test", "PATH": os.defpath},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert r.returncode == 0 and r.stdout == "session continues\n", r.stderr
    login, when = (paths.pop_logins / "192.0.2.7").read_text().strip().split("\t")
    assert login == "alice@example.test" and when.isdigit()
