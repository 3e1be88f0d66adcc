"""A stand-in for supervisord's XML-RPC interface on a Unix socket: status, stop and start, recorded."""

from __future__ import annotations

import socketserver
import threading
import xmlrpc.client
from pathlib import Path
from typing import Any
from xmlrpc.server import SimpleXMLRPCDispatcher, SimpleXMLRPCRequestHandler

PROGRAMS = ("delivery", "dovecot", "smtpd")


class _Handler(SimpleXMLRPCRequestHandler):
    rpc_paths = ("/RPC2",)
    disable_nagle_algorithm = False  # TCP_NODELAY does not exist on a Unix socket

    def address_string(self) -> str:  # a Unix socket has no client address
        return "unix"

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer, SimpleXMLRPCDispatcher):
    daemon_threads = True
    logRequests = False

    def __init__(self, path: str) -> None:
        socketserver.UnixStreamServer.__init__(self, path, _Handler)
        SimpleXMLRPCDispatcher.__init__(self, allow_none=True, encoding=None)


class MockSupervisor:
    def __init__(self, socket_path: Path) -> None:
        self.path = socket_path
        self.states = {name: "RUNNING" for name in PROGRAMS}
        self.calls: list[tuple[str, ...]] = []
        self.server = _Server(str(socket_path))
        s = self.server
        s.register_function(lambda: {"statecode": 1, "statename": "RUNNING"}, "supervisor.getState")
        s.register_function(self._all, "supervisor.getAllProcessInfo")
        s.register_function(self._stop, "supervisor.stopProcess")
        s.register_function(self._start, "supervisor.startProcess")
        s.register_function(self._stop_all, "supervisor.stopAllProcesses")
        s.register_function(self._start_all, "supervisor.startAllProcesses")
        self.thread = threading.Thread(target=s.serve_forever, daemon=True)

    def _all(self) -> list[dict[str, Any]]:
        return [
            {
                "name": n,
                "group": n,
                "statename": st,
                "description": "pid 4242, uptime 0:01:00" if st == "RUNNING" else "",
            }
            for n, st in sorted(self.states.items())
        ]

    def _stop(self, name: str, wait: bool = True) -> bool:
        self.calls.append(("stop", name))
        if self.states.get(name) != "RUNNING":
            raise xmlrpc.client.Fault(70, "NOT_RUNNING")
        self.states[name] = "STOPPED"
        return True

    def _start(self, name: str, wait: bool = True) -> bool:
        self.calls.append(("start", name))
        self.states[name] = "RUNNING"
        return True

    def _stop_all(self, wait: bool = True) -> list[Any]:
        self.calls.append(("stop_all",))
        self.states = dict.fromkeys(self.states, "STOPPED")
        return []

    def _start_all(self, wait: bool = True) -> list[Any]:
        self.calls.append(("start_all",))
        self.states = dict.fromkeys(self.states, "RUNNING")
        return []

    def __enter__(self) -> MockSupervisor:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.path.unlink(missing_ok=True)
