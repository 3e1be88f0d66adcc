"""Network namespaces joined by a bridge: a small private internet for delivery tests.

One hub namespace holds a bridge; every "host" is a namespace with one veth (``eth0``) into the hub,
an IPv4 address in 10.99.0.0/24 and an IPv6 address in fd99::/64. Nothing is routed out: the
addresses exist only inside these namespaces (platform.md §5). Namespace names carry a random tag, so
parallel jobs on one kernel never collide; veth pairs are created directly inside the namespaces, so no
interface name ever appears in the host's namespace. ``close()`` kills what was started (by PID) and
deletes the namespaces (the veths go with them), also after failures.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

V4 = "10.99.0.{}"
V6 = "fd99::{}"


def available() -> str | None:
    """None if namespaces can be made here, else why not."""
    if shutil.which("ip") is None:
        return "iproute2 (ip) is not installed"
    if os.geteuid() != 0:
        return "network namespaces need root (CAP_NET_ADMIN)"
    name = f"tyk{secrets.token_hex(3)}"
    r = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if r.returncode != 0:
        return f"ip netns add failed: {r.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
    return None


@dataclass
class Host:
    name: str  # role, e.g. "dns"
    ns: str  # namespace name
    index: int

    @property
    def v4(self) -> str:
        return V4.format(self.index)

    @property
    def v6(self) -> str:
        return V6.format(self.index)


class Net:
    def __init__(self) -> None:
        self.tag = secrets.token_hex(3)
        self.hub = f"ty{self.tag}hub"
        self.hosts: dict[str, Host] = {}
        self.procs: list[subprocess.Popen[bytes]] = []
        self.pids: list[int] = []  # daemons that fork (postfix master): killed by PID at close
        self.cleanups: list[list[str]] = []
        self._ip("netns", "add", self.hub)
        self._ip("-n", self.hub, "link", "add", "br0", "type", "bridge")
        self._ip("-n", self.hub, "link", "set", "br0", "up")
        self._ip("-n", self.hub, "link", "set", "lo", "up")

    @staticmethod
    def _ip(*args: str) -> None:
        r = subprocess.run(["ip", *args], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"ip {' '.join(args)}: {r.stderr.strip()}")

    def add_host(self, name: str, index: int, *, v6: bool = True) -> Host:
        ns = f"ty{self.tag}{name}"[:30]
        self._ip("netns", "add", ns)
        h = Host(name, ns, index)
        self.hosts[name] = h
        port = f"p{index}"
        self._ip("link", "add", port, "netns", self.hub, "type", "veth", "peer", "name", "eth0", "netns", ns)
        self._ip("-n", self.hub, "link", "set", port, "master", "br0")
        self._ip("-n", self.hub, "link", "set", port, "up")
        self._ip("-n", ns, "link", "set", "lo", "up")
        self._ip("-n", ns, "addr", "add", f"{h.v4}/24", "dev", "eth0")
        if v6:
            self._ip("-n", ns, "addr", "add", f"{h.v6}/64", "dev", "eth0", "nodad")
        self._ip("-n", ns, "link", "set", "eth0", "up")
        return h

    def cmd(self, host: str, argv: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.hosts[host].ns, *argv]

    def run(self, host: str, argv: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
        kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        kw.setdefault("timeout", 60)
        return subprocess.run(self.cmd(host, argv), **kw)  # type: ignore[call-overload,no-any-return]

    def start(self, host: str, argv: list[str], log: Path) -> subprocess.Popen[bytes]:
        fh = open(log, "ab")  # noqa: SIM115 -- the child keeps it
        p = subprocess.Popen(self.cmd(host, argv), stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
        fh.close()
        self.procs.append(p)
        return p

    def wait_port(self, host: str, addr: str, port: int, timeout: float = 10.0) -> None:
        """Wait until something listens (checked from inside the namespace, with ss)."""
        deadline = time.monotonic() + timeout
        want = f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"
        while time.monotonic() < deadline:
            r = self.run(host, ["ss", "-Hlnt"])
            if want in r.stdout or f"*:{port}" in r.stdout or f"0.0.0.0:{port}" in r.stdout:
                return
            time.sleep(0.05)
        raise TimeoutError(f"nothing listens on {want} in {host}")

    def close(self) -> None:
        for argv in reversed(self.cleanups):
            with contextlib.suppress(Exception):
                subprocess.run(argv, capture_output=True, timeout=20)
        for pid in self.pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for p in self.procs:
            if p.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        for p in self.procs:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        for pid in self.pids:
            for _ in range(50):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
            else:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        for h in list(self.hosts.values()):
            subprocess.run(["ip", "netns", "del", h.ns], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.hub], capture_output=True)
        self.hosts.clear()
