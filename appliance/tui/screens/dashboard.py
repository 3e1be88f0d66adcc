"""The dashboard: one tab per task (services, queue, logs, accounts, domains and DKIM, the report)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from tayori.appliance.tui.migration import load_report
from tayori.appliance.tui.screens.accounts import AccountsPane
from tayori.appliance.tui.screens.base import Pane, TayoriScreen
from tayori.appliance.tui.screens.domains import DomainsPane
from tayori.appliance.tui.screens.logs import LogsPane
from tayori.appliance.tui.screens.queue import QueuePane
from tayori.appliance.tui.screens.report import ReportView
from tayori.appliance.tui.screens.services import ServicesPane

TABS = (
    ("services", "svc.title"),
    ("queue", "queue.title"),
    ("logs", "logs.title"),
    ("accounts", "acct.title"),
    ("domains", "dom.title"),
    ("report", "report.title"),
)


class DashboardScreen(TayoriScreen):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="dash-profile", markup=False)
        with TabbedContent(id="tabs", initial="tab-services"):
            with TabPane("", id="tab-services"):
                yield ServicesPane(id="services")
            with TabPane("", id="tab-queue"):
                yield QueuePane(id="queue")
            with TabPane("", id="tab-logs"):
                yield LogsPane(id="logs")
            with TabPane("", id="tab-accounts"):
                yield AccountsPane(id="accounts")
            with TabPane("", id="tab-domains"):
                yield DomainsPane(id="domains")
            with TabPane("", id="tab-report"):
                yield ReportView(load_report(self.tapp.paths), id="report")
        yield Footer()

    def apply_texts(self) -> None:
        profile = self.tapp.paths.profile
        key = "dash.profile" if profile.exists() else "dash.noprofile"
        self.query_one("#dash-profile", Static).update(self.t(key, path=str(profile)))
        tabs = self.query_one("#tabs", TabbedContent)
        for name, title in TABS:
            tabs.get_tab(f"tab-{name}").label = self.t(title)
        for pane in self.query(Pane):
            pane.apply_texts()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        pane_id = (event.pane.id or "").removeprefix("tab-")
        for pane in self.query(Pane):
            if pane.id == pane_id:
                pane.reload()
