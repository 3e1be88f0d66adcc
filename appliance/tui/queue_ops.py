"""Queue operations for the dashboard, on `tayori.runtime.queue.Queue` (safe beside running services:
every change goes through a claim, so a message being delivered is never touched)."""

from __future__ import annotations

import contextlib
import socket
from dataclasses import dataclass

from tayori.appliance.tui.errors import TuiError
from tayori.runtime.paths import StatePaths
from tayori.runtime.queue import Busy, Envelope, Gone, Queue

SHOW_LIMIT = 64 * 1024


@dataclass(frozen=True)
class QueueRow:
    id: str
    state: str
    mail_from: str
    rcpts: list[str]
    size: int
    last_error: str | None


class QueueOps:
    def __init__(self, paths: StatePaths) -> None:
        self.paths = paths

    def _open(self) -> Queue:
        return Queue(self.paths.queue)

    def rows(self) -> list[QueueRow]:
        if not self.paths.queue.is_dir():
            return []
        out = []
        with self._open() as q:
            for state in ("ready", "hold"):
                for env in q.entries(state):
                    pending = [r.address for r in env.rcpts if r.status not in ("delivered", "failed")]
                    errors = [r.last_error for r in env.rcpts if r.last_error]
                    out.append(
                        QueueRow(
                            env.id,
                            state,
                            env.mail_from or "<>",
                            pending or [r.address for r in env.rcpts],
                            env.size,
                            env.last_error or (errors[0] if errors else None),
                        )
                    )
        return out

    def show(self, qid: str, state: str) -> str:
        with self._open() as q:
            try:
                env = q.get(qid, state)
            except Gone:
                raise TuiError("queue.gone", id=qid) from None
            try:
                with open(q.message_path(qid, state), "rb") as fh:
                    body = fh.read(SHOW_LIMIT)
            except FileNotFoundError:
                raise TuiError("queue.gone", id=qid) from None
        return _describe(env) + "\n\n" + body.decode("utf-8", "replace")

    def _claimed(self, qid: str, state: str, action: str) -> None:
        with self._open() as q:
            try:
                if action == "hold":
                    q.hold(qid)
                elif action == "release":
                    q.release(qid)
                else:
                    with q.claim(qid, state) as c:
                        if action == "delete":
                            c.remove()
                        else:
                            c.envelope.next_attempt = None
                            c.save()
            except Busy:
                raise TuiError("queue.busy", id=qid) from None
            except Gone:
                raise TuiError("queue.gone", id=qid) from None

    def retry(self, qid: str, state: str = "ready") -> None:
        if state == "hold":
            self._claimed(qid, state, "release")
        self._claimed(qid, "ready", "retry")
        self._wake_delivery()

    def delete(self, qid: str, state: str) -> None:
        self._claimed(qid, state, "delete")

    def hold(self, qid: str) -> None:
        self._claimed(qid, "ready", "hold")

    def release(self, qid: str) -> None:
        self._claimed(qid, "hold", "release")
        self._wake_delivery()

    def _wake_delivery(self) -> None:
        # Delivery also polls, so a lost wake-up only delays the retry.
        with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.sendto(b"wake", str(self.paths.delivery_wakeup))


def _describe(env: Envelope) -> str:
    lines = [
        f"id: {env.id}",
        f"from: <{env.mail_from}>",
        f"received: {env.received}  client: {env.client_ip or '-'}  helo: {env.helo or '-'}",
        f"size: {env.size}  attempts: {env.attempts}  next: {env.next_attempt or 'now'}",
    ]
    if env.last_error:
        lines.append(f"last error: {env.last_error}")
    for r in env.rcpts:
        lines.append(f"  to <{r.address}>: {r.status}" + (f" ({r.last_error})" if r.last_error else ""))
    return "\n".join(lines)
