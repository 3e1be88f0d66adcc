"""Loopback helpers for the tests (and benchmarks) that start real servers."""

from __future__ import annotations

import socket
import time


def free_port() -> int:
    """A port free on 127.0.0.1 and on ::1 (some listeners bind both)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        try:
            with socket.socket(socket.AF_INET6) as s6:
                s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                s6.bind(("::1", port))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port")


def wait_port(port: int, host: str = "127.0.0.1", timeout: float = 30.0) -> None:
    """Until something accepts connections on host:port; RuntimeError after `timeout` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection((host, port), 0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {host} port {port}")
