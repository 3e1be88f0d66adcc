"""The dashboard, driven with the pilot in both languages: services (mock supervisord), queue, logs,
accounts (round-trip edits keep comments), domains and DKIM records, the migration report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, DataTable, Input, Log, Static, TabbedContent

from tayori.appliance.tui.i18n import text
from tayori.appliance.tui.screens.dialogs import ConfirmDialog, InputDialog, TextDialog
from tayori.profiles.loader import load_profile
from tayori.profiles.passwords import verify_password
from tayori.runtime.paths import StatePaths
from tayori.runtime.queue import Envelope, Queue

from .conftest import COMMENT, SIZE, settle
from .test_wizard import press, shown

LANGS = ["ja", "en"]


async def open_tab(pilot: Any, name: str) -> None:
    pilot.app.screen.query_one("#tabs", TabbedContent).active = f"tab-{name}"
    await settle(pilot)


def cells(app: Any, table_id: str, column: int = 0) -> list[str]:
    table = app.screen.query_one(table_id, DataTable)
    return [str(table.get_row_at(i)[column]) for i in range(table.row_count)]


@pytest.mark.parametrize("lang", LANGS)
async def test_services_status_and_restart(make_app: Any, live_profile: Path, supervisor: Any, lang: str) -> None:
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert cells(app, "#svc-table") == ["delivery", "dovecot", "smtpd"]
        assert set(cells(app, "#svc-table", 1)) == {"RUNNING"}
        app.screen.query_one("#svc-table", DataTable).move_cursor(row=2)
        await press(pilot, "#svc-restart")
        assert ("stop", "smtpd") in supervisor.calls and ("start", "smtpd") in supervisor.calls
        await press(pilot, "#svc-restart-all")
        assert ("start_all",) in supervisor.calls


@pytest.mark.parametrize("lang", LANGS)
async def test_services_when_appliance_is_down(make_app: Any, live_profile: Path, lang: str) -> None:
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = shown(app, "#svc-status")
        assert status.startswith(text("svc.down", lang, error="")[:8])
        assert app.screen.query_one("#svc-restart", Button).disabled


def queue_two(paths: StatePaths) -> list[str]:
    with Queue(paths.queue) as q:
        ids = []
        for n in range(2):
            spool = q.new_spool()
            spool.write(f"Subject: test {n}\r\n\r\nbody\r\n".encode())
            ids.append(q.commit_sync(spool, Envelope.new("a@sender.test", [f"u{n}@remote.test"])).id)
    return ids


@pytest.mark.parametrize("lang", LANGS)
async def test_queue_list_show_hold_release_retry_delete(
    make_app: Any, live_profile: Path, paths: StatePaths, lang: str
) -> None:
    first, second = queue_two(paths)
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await open_tab(pilot, "queue")
        assert cells(app, "#queue-table") == [first, second]
        await press(pilot, "#queue-show")
        assert isinstance(app.screen, TextDialog)
        assert "Subject: test 0" in str(app.screen.query_one("#dlg-text", Static).render())
        await press(pilot, "#dlg-ok")
        await press(pilot, "#queue-hold")
        with Queue(paths.queue) as q:
            assert q.ids("hold") == [first]
        assert sorted(cells(app, "#queue-table", 1)) == ["hold", "ready"]
        row = cells(app, "#queue-table").index(first)
        app.screen.query_one("#queue-table", DataTable).move_cursor(row=row)
        await press(pilot, "#queue-retry")  # a held message: released and due now
        with Queue(paths.queue) as q:
            assert q.ids("hold") == [] and q.get(first).next_attempt is None
        await press(pilot, "#queue-delete")
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "#dlg-ok")
        with Queue(paths.queue) as q:
            assert len(q.ids("ready")) == 1
        assert len(cells(app, "#queue-table")) == 1


@pytest.mark.parametrize("lang", LANGS)
async def test_logs_tail_with_filter(make_app: Any, live_profile: Path, paths: StatePaths, lang: str) -> None:
    paths.logs.mkdir(parents=True, exist_ok=True)
    (paths.logs / "smtpd.log").write_text(
        "smtpd: accept client=192.0.2.1\nsmtpd: reject client=203.0.113.5 reply=554\nsmtpd: accept client=192.0.2.9\n"
    )
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await open_tab(pilot, "logs")
        log = app.screen.query_one("#log-view", Log)
        assert log.line_count == 3
        app.screen.query_one("#log-filter", Input).value = "REJECT"
        await settle(pilot)
        assert log.line_count == 1 and "203.0.113.5" in log.lines[0]


async def test_logs_none_yet(make_app: Any, live_profile: Path, paths: StatePaths) -> None:
    app = make_app("ja")
    async with app.run_test(size=SIZE) as pilot:
        await open_tab(pilot, "logs")
        assert shown(app, "#log-status") == text("logs.none", "ja", path=str(paths.logs))


async def answer(pilot: Any, value: str) -> None:
    assert isinstance(pilot.app.screen, InputDialog)
    pilot.app.screen.query_one("#dlg-input", Input).value = value
    await press(pilot, "#dlg-ok")


@pytest.mark.parametrize("lang", LANGS)
async def test_accounts_add_disable_reset_quota(make_app: Any, live_profile: Path, lang: str) -> None:
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await open_tab(pilot, "accounts")
        assert cells(app, "#acct-table") == ["admin@office.test"]
        await press(pilot, "#acct-add")
        await answer(pilot, "sales@elsewhere.test")
        await answer(pilot, "good-password")
        assert cells(app, "#acct-table") == ["admin@office.test"]  # not a local domain: refused
        await press(pilot, "#acct-add")
        await answer(pilot, "sales@office.test")
        await answer(pilot, "good-password")
        assert cells(app, "#acct-table") == ["admin@office.test", "sales@office.test"]
        app.screen.query_one("#acct-table", DataTable).move_cursor(row=1)
        await press(pilot, "#acct-toggle")
        assert cells(app, "#acct-table", 2)[1] == text("acct.no", lang)
        await press(pilot, "#acct-reset")
        await answer(pilot, "changed-password")
        await press(pilot, "#acct-quota")
        await answer(pilot, "lots")
        await press(pilot, "#acct-quota")
        await answer(pilot, "500M")
        assert cells(app, "#acct-table", 4)[1] == "500M"
    profile = load_profile(live_profile).profile
    sales = profile.accounts[1]
    assert sales.address == "sales@office.test" and not sales.enabled and sales.quota == 500 * 1024**2
    assert sales.password_hash and verify_password("changed-password", sales.password_hash)
    assert COMMENT in live_profile.read_text(encoding="utf-8")


def make_dkim_key(paths: StatePaths) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    paths.dkim.mkdir(parents=True, exist_ok=True)
    (paths.dkim / "office.test.tayori.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


@pytest.mark.parametrize("lang", LANGS)
async def test_domains_and_dkim_records(make_app: Any, live_profile: Path, paths: StatePaths, lang: str) -> None:
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await open_tab(pilot, "domains")
        body = shown(app, "#dom-text")
        assert "office.test. IN MX 10 mail.office.test." in body
        assert text("dom.nokey", lang, path=str(paths.dkim / "office.test.tayori.key")) in body
        make_dkim_key(paths)
        app.screen.query_one("#domains").reload()
        await settle(pilot)
        body = shown(app, "#dom-text")
        assert 'tayori._domainkey.office.test. IN TXT "v=DKIM1; k=rsa; p=' in body


@pytest.mark.parametrize("lang", LANGS)
async def test_report_tab(make_app: Any, live_profile: Path, paths: StatePaths, lang: str) -> None:
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await open_tab(pilot, "report")
        assert shown(app, "#report-summary") == text("report.none", lang)
    from tayori.appliance.tui.migration import compile_into_root

    compile_into_root(Path(__file__).resolve().parents[2] / "fixtures" / "pmail" / "ja5bga", paths)
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await open_tab(pilot, "report")
        assert text("report.counts", lang, pending=2, total=0).split("/")[0] in shown(app, "#report-summary")
        assert cells(app, "#report-table")[0] == text("report.kind.decide", lang)
        await pilot.press("f2")
        await pilot.pause()
        other = "en" if lang == "ja" else "ja"
        assert cells(app, "#report-table")[0] == text("report.kind.decide", other)
        tabs = app.screen.query_one("#tabs", TabbedContent)
        assert str(tabs.get_tab("tab-report").label) == text("report.title", other)


async def test_broken_profile_is_shown_not_raised(make_app: Any, live_profile: Path) -> None:
    live_profile.write_text("profile_version: 1\nserver: [oops\n", encoding="utf-8")
    app = make_app("en")
    async with app.run_test(size=SIZE) as pilot:
        await open_tab(pilot, "accounts")
        assert shown(app, "#acct-status").startswith("The profile cannot be read")
        await open_tab(pilot, "domains")
        assert shown(app, "#dom-text").startswith("The profile cannot be read")
