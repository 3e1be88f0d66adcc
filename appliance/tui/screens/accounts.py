"""Dashboard tab: accounts — add, enable/disable, reset password, quota (round-trip edits of the profile)."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Static

from tayori.appliance.tui.errors import TuiError
from tayori.appliance.tui.profile_edit import add_account, read_profile, set_enabled, set_password, set_quota
from tayori.appliance.tui.screens.base import Pane, plain
from tayori.appliance.tui.screens.dialogs import InputDialog
from tayori.profiles.model import Account
from tayori.profiles.units import format_size

ACTIONS = ("add", "toggle", "reset", "quota")


class AccountsPane(Pane):
    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.accounts: list[Account] = []
        self.error = ""

    def compose(self) -> ComposeResult:
        yield DataTable(id="acct-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="acct-status", markup=False)
        with Horizontal(classes="toolbar"):
            for action in ACTIONS:
                yield Button(id=f"acct-{action}")

    def apply_texts(self) -> None:
        for action in ACTIONS:
            self.query_one(f"#acct-{action}", Button).label = self.t(f"acct.{action}")
        self.fill()

    def reload(self) -> None:
        try:
            self.accounts, self.error = list(read_profile(self.tapp.paths.profile).accounts), ""
        except TuiError as exc:
            self.accounts, self.error = [], self.error_text(exc)
        self.fill()

    def fill(self) -> None:
        table = self.query_one("#acct-table", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        for key in ("address", "name", "enabled", "password", "quota"):
            table.add_column(self.t(f"acct.col.{key}"), key=key)
        for a in self.accounts:
            table.add_row(
                plain(a.address),
                plain(a.name or ""),
                plain(self.t("acct.yes" if a.enabled else "acct.no")),
                plain(self.t("acct.set" if a.password_hash else "acct.unset")),
                plain(format_size(a.quota) if a.quota else self.t("acct.unlimited")),
                key=a.address,
            )
        if self.accounts:
            table.move_cursor(row=min(max(row, 0), len(self.accounts) - 1))
        self.query_one("#acct-status", Static).update(self.error or self.t("acct.restart_hint"))

    def selected(self) -> Account | None:
        table = self.query_one("#acct-table", DataTable)
        if not self.accounts or not 0 <= table.cursor_row < len(self.accounts):
            return None
        return self.accounts[table.cursor_row]

    def _edit(self, edit: Callable[[], object], done_key: str, **params: object) -> None:
        try:
            edit()
        except TuiError as exc:
            self.notify(self.error_text(exc), severity="error")
            return
        self.notify(self.t(done_key, **params))
        self.reload()

    @on(Button.Pressed, "#acct-add")
    def _add(self) -> None:
        path = self.tapp.paths.profile

        def got_address(address: str | None) -> None:
            if not address:
                return

            def got_password(password: str | None) -> None:
                if password:
                    self._edit(
                        lambda: add_account(path, address.strip(), password), "acct.added", address=address.strip()
                    )

            self.app.push_screen(InputDialog(self.t("acct.new_password"), password=True), got_password)

        self.app.push_screen(InputDialog(self.t("acct.new_address")), got_address)

    @on(Button.Pressed, "#acct-toggle")
    def _toggle(self) -> None:
        a = self.selected()
        if a is None:
            self.notify(self.t("acct.none"), severity="warning")
            return
        key = "acct.disabled" if a.enabled else "acct.enabled"
        self._edit(lambda: set_enabled(self.tapp.paths.profile, a.address, not a.enabled), key, address=a.address)

    @on(Button.Pressed, "#acct-reset")
    def _reset(self) -> None:
        a = self.selected()
        if a is None:
            self.notify(self.t("acct.none"), severity="warning")
            return

        def done(password: str | None) -> None:
            if password:
                self._edit(
                    lambda: set_password(self.tapp.paths.profile, a.address, password), "pw.done", address=a.address
                )

        self.app.push_screen(InputDialog(self.t("pw.prompt", address=a.address), password=True), done)

    @on(Button.Pressed, "#acct-quota")
    def _quota(self) -> None:
        a = self.selected()
        if a is None:
            self.notify(self.t("acct.none"), severity="warning")
            return
        current = str(format_size(a.quota)) if a.quota else ""

        def done(quota: str | None) -> None:
            if quota is not None:
                shown = quota.strip() or self.t("acct.unlimited")
                self._edit(
                    lambda: set_quota(self.tapp.paths.profile, a.address, quota),
                    "acct.quota_set",
                    address=a.address,
                    quota=shown,
                )

        self.app.push_screen(InputDialog(self.t("acct.quota_prompt", address=a.address), value=current), done)
