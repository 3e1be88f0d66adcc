"""Password hashing on all cores, from the CLI (one thread) and from the TUI's worker thread."""

from __future__ import annotations

import threading

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


def test_hashing_from_a_worker_thread_beside_others() -> None:
    # the TUI's case: other threads run while the pool starts (no fork of a threaded process)
    out: dict[str, dict[str, str]] = {}
    stop = threading.Event()
    busy = threading.Thread(target=stop.wait)
    busy.start()
    try:
        worker = threading.Thread(target=lambda: out.update(h=hash_passwords(PASSWORDS, workers=2)))
        worker.start()
        worker.join(timeout=120)
        assert not worker.is_alive()
    finally:
        stop.set()
        busy.join()
    _check(out["h"])
