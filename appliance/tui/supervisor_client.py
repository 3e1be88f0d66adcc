"""Service status and restart through supervisord's XML-RPC socket (`StatePaths.supervisor_socket`)."""

from __future__ import annotations

import xmlrpc.client
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supervisor.xmlrpc import SupervisorTransport


@dataclass(frozen=True)
class Service:
    name: str
    group: str
    state: str  # RUNNING, STOPPED, STARTING, BACKOFF, FATAL, EXITED, ...
    description: str

    @property
    def full_name(self) -> str:
        return self.name if self.group in ("", self.name) else f"{self.group}:{self.name}"


class ServiceControl:
    """A short-lived client: each call opens the socket, so a restarted supervisord is found again."""

    def __init__(self, socket_path: Path, timeout: float = 5.0) -> None:
        self.socket_path = socket_path
        self.timeout = timeout

    def _proxy(self) -> Any:
        transport = SupervisorTransport(serverurl=f"unix://{self.socket_path}")
        # supervisord answers in milliseconds; a hung one must not freeze the TUI
        original = transport._get_connection

        def connect() -> Any:
            conn = original()
            conn.timeout = self.timeout
            return conn

        transport._get_connection = connect
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)

    def available(self) -> bool:
        try:
            self.state()
        except (OSError, xmlrpc.client.Error):
            return False
        return True

    def state(self) -> str:
        info = self._proxy().supervisor.getState()
        return str(info.get("statename", "?"))

    def services(self) -> list[Service]:
        rows = self._proxy().supervisor.getAllProcessInfo()
        return [
            Service(
                str(r.get("name", "?")),
                str(r.get("group", "")),
                str(r.get("statename", "?")),
                str(r.get("description", "")),
            )
            for r in rows
        ]

    def restart(self, name: str) -> None:
        proxy = self._proxy()
        try:
            proxy.supervisor.stopProcess(name, True)
        except xmlrpc.client.Fault as fault:
            if "NOT_RUNNING" not in fault.faultString:
                raise
        proxy.supervisor.startProcess(name, True)

    def restart_all(self) -> None:
        proxy = self._proxy()
        proxy.supervisor.stopAllProcesses(True)
        proxy.supervisor.startAllProcesses(True)
