"""Password hashing on all cores, from the CLI (one thread) and from the TUI's worker thread."""

from __future__ import annotations

import subprocess
import sys

from tayori.compiler.compile import hash_passwords
from tayori.profiles.passwords import verify_password

PASSWORDS = {f"user{n}@example.jp": f"pässwörd-{n}" for n in range(70)}  # above the pool threshold


def _check(hashed: dict[str, str]) -> None:
    assert hashed.keys() == PASSWORDS.keys()
    assert all(verify_password(PASSWORDS[k], h) for k, h in hashed.items())
    assert len(set(hashed.values())) == len(hashed)  # salted


def test_hashing_in_a_pool_with_progress() -> None:
    seen: list[int] = []
    _check(hash_passwords(PASSWORDS, lambda done, total, what: seen.append(done), workers=2))
    assert seen[-1] == len(PASSWORDS)


SCREEN_CASE = """
import sys, threading
from tayori.compiler.compile import hash_passwords
from tayori.profiles.passwords import verify_password

class ScreenStderr:  # what a full-screen UI puts in sys.stderr: no file descriptor behind it
    def write(self, text): return len(text)
    def flush(self): pass
    def fileno(self): return -1

real_stdout = sys.stdout
sys.stderr = ScreenStderr()
passwords = {f"u{n}@example.jp": f"pw-{n}" for n in range(70)}
out = {}
stop = threading.Event()
busy = threading.Thread(target=stop.wait)
busy.start()
worker = threading.Thread(target=lambda: out.update(h=hash_passwords(passwords, workers=2)))
worker.start()
worker.join(120)
stop.set()
busy.join()
h = out.get("h", {})
print(sum(verify_password(passwords[k], v) for k, v in h.items()), file=real_stdout)
"""


def test_hashing_from_a_worker_thread_beside_others() -> None:
    # The TUI's case, in a fresh interpreter: other threads run and stderr is the UI's. The fork
    # server and spawn methods failed there ("bad value(s) in fds_to_keep"), found by driving the
    # wizard in tmux with a 100-account install.
    r = subprocess.run([sys.executable, "-c", SCREEN_CASE], capture_output=True, text=True, timeout=180)
    assert r.stdout.strip() == "70", r.stderr[-2000:]
