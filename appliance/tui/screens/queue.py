"""Dashboard tab: the queue — list, show, retry now, hold, release, delete."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Static

from tayori.appliance.tui.errors import TuiError
from tayori.appliance.tui.queue_ops import QueueOps, QueueRow
from tayori.appliance.tui.screens.base import Pane, plain
from tayori.appliance.tui.screens.dialogs import ConfirmDialog, TextDialog

ACTIONS = ("show", "retry", "hold", "release", "delete")


class QueuePane(Pane):
    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.rows: list[QueueRow] = []

    def compose(self) -> ComposeResult:
        yield DataTable(id="queue-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="queue-status", markup=False)
        with Horizontal(classes="toolbar"):
            for action in ACTIONS:
                yield Button(id=f"queue-{action}", variant="error" if action == "delete" else "default")
            yield Button(id="queue-refresh")

    @property
    def ops(self) -> QueueOps:
        return QueueOps(self.tapp.paths)

    def apply_texts(self) -> None:
        for action in ACTIONS:
            self.query_one(f"#queue-{action}", Button).label = self.t(f"queue.{action}")
        self.query_one("#queue-refresh", Button).label = self.t("app.refresh")
        self.fill()

    def reload(self) -> None:
        try:
            self.rows = self.ops.rows()
        except OSError as exc:
            self.rows = []
            self.notify(self.t("app.error", error=str(exc)), severity="error")
        self.fill()

    def fill(self) -> None:
        table = self.query_one("#queue-table", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        for key in ("id", "state", "from", "to", "size", "error"):
            table.add_column(self.t(f"queue.col.{key}"), key=key)
        for r in self.rows:
            table.add_row(
                plain(r.id),
                plain(r.state),
                plain(r.mail_from),
                plain(", ".join(r.rcpts)),
                plain(r.size),
                plain(r.last_error or ""),
                key=r.id,
            )
        if self.rows:
            table.move_cursor(row=min(max(row, 0), len(self.rows) - 1))
        self.query_one("#queue-status", Static).update("" if self.rows else self.t("queue.empty"))

    def selected(self) -> QueueRow | None:
        table = self.query_one("#queue-table", DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(Button.Pressed, "#queue-refresh")
    def _refresh(self) -> None:
        self.reload()

    @on(Button.Pressed)
    def _action(self, event: Button.Pressed) -> None:
        action = (event.button.id or "").removeprefix("queue-")
        if action not in ACTIONS:
            return
        row = self.selected()
        if row is None:
            self.notify(self.t("queue.none"), severity="warning")
            return
        if action == "delete":

            def confirmed(ok: bool | None) -> None:
                if ok:
                    self.do_action("delete", row)

            self.app.push_screen(ConfirmDialog(self.t("queue.confirm_delete", id=row.id)), confirmed)
            return
        self.do_action(action, row)

    def do_action(self, action: str, row: QueueRow) -> None:
        ops = self.ops
        try:
            if action == "show":
                self.app.push_screen(TextDialog(ops.show(row.id, row.state)))
                return
            if action == "retry":
                ops.retry(row.id, row.state)
            elif action == "hold":
                ops.hold(row.id)
            elif action == "release":
                ops.release(row.id)
            else:
                ops.delete(row.id, row.state)
        except TuiError as exc:
            self.notify(self.error_text(exc), severity="error")
        except OSError as exc:
            self.notify(self.t("app.error", error=str(exc)), severity="error")
        else:
            self.notify(self.t(f"queue.done.{action}", id=row.id))
        self.reload()
