"""Dashboard tab: the domains and the DNS records (MX, SPF, DKIM, DMARC) the admin publishes."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from tayori.appliance.tui.dns_records import DomainRecords, records_for
from tayori.appliance.tui.errors import TuiError
from tayori.appliance.tui.profile_edit import read_profile
from tayori.appliance.tui.screens.base import Pane


class DomainsPane(Pane):
    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.records: list[DomainRecords] = []
        self.error = ""

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(id="dom-text", markup=False)

    def reload(self) -> None:
        try:
            profile = read_profile(self.tapp.paths.profile)
            self.records, self.error = records_for(profile, self.tapp.paths), ""
        except TuiError as exc:
            self.records, self.error = [], self.error_text(exc)
        self.apply_texts()

    def apply_texts(self) -> None:
        if self.error:
            self.query_one("#dom-text", Static).update(self.error)
            return
        lines = [self.t("dom.intro"), ""]
        for d in self.records:
            lines.append(f"■ {d.domain}")
            for key, record in d.records:
                lines.append(f"  {self.t(key)}:")
                lines.append(f"    {record}")
            if d.note is not None:
                lines.append("  " + self.t(d.note[0], **d.note[1]))
            lines.append("")
        self.query_one("#dom-text", Static).update("\n".join(lines))
