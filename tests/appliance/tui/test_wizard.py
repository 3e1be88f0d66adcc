"""The first-run wizard, driven with Textual's pilot in both languages: start fresh (self-signed or own
certificate files), migrate (detect, compile with progress, report filters, decisions answered in place
and applied, passwords set), preflight checks, the profile written and the services (re)started."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, DataTable, Input, RadioButton, Select, Static

from tayori.appliance.tui.i18n import text
from tayori.appliance.tui.screens.dashboard import DashboardScreen
from tayori.appliance.tui.screens.dialogs import ChoiceDialog, InputDialog
from tayori.appliance.tui.screens.finish import FinishScreen
from tayori.appliance.tui.screens.fresh import FreshScreen
from tayori.appliance.tui.screens.migrate import MigrateScreen
from tayori.appliance.tui.screens.passwords import PasswordsScreen
from tayori.appliance.tui.screens.report import ReportScreen, ReportView
from tayori.appliance.tui.screens.welcome import WelcomeScreen
from tayori.profiles.loader import load_profile
from tayori.profiles.passwords import verify_password
from tayori.profiles.roundtrip import update_profile_file
from tayori.runtime.paths import StatePaths

from .conftest import SIZE, settle

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
LANGS = ["ja", "en"]


def shown(app: Any, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def press(pilot: Any, selector: str) -> None:
    pilot.app.screen.query_one(selector, Button).press()
    await settle(pilot)


def fill(app: Any, **values: str) -> None:
    for name, value in values.items():
        app.screen.query_one(f"#{name}", Input).value = value


@pytest.mark.parametrize("lang", LANGS)
async def test_fresh_self_signed_writes_profile_and_restarts_services(
    make_app: Any, paths: StatePaths, supervisor: Any, lang: str
) -> None:
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, WelcomeScreen)
        assert shown(app, "#welcome-intro") == text("welcome.intro", lang)
        await pilot.click("#fresh")
        await pilot.pause()
        assert isinstance(app.screen, FreshScreen)
        fill(app, domain="Office.test", admin="admin", password="s3cret-pass")
        await press(pilot, "#next")
        assert isinstance(app.screen, FinishScreen)
        table = app.screen.query_one("#checks", DataTable)
        rows = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert rows[0] == text("check.profile", lang)
        assert text("check.host", lang, host="mail.office.test") in rows
        assert any(r.startswith(text("check.port", lang, name="smtp", bind="127.0.0.1", port=2525)) for r in rows)
        assert not paths.profile.exists()  # nothing is written before the admin says so
        await press(pilot, "#write")
        result = shown(app, "#finish-result")
        assert text("finish.written", lang, path=str(paths.profile)) in result
        assert text("svc.started", lang) in result
        assert ("stop_all",) in supervisor.calls and ("start_all",) in supervisor.calls
        await press(pilot, "#dashboard")
        assert isinstance(app.screen, DashboardScreen)
    profile = load_profile(paths.profile).profile
    assert profile.server.hostname == "mail.office.test"
    assert [d.name for d in profile.domains] == ["office.test"]
    (acct,) = profile.accounts
    assert acct.address == "admin@office.test"
    assert acct.password_hash and verify_password("s3cret-pass", acct.password_hash)
    assert profile.tls.self_signed and profile.tls.cert is None
    written = paths.profile.read_text(encoding="utf-8")
    assert "relaying needs AUTH on 587/465" in written  # the template's comments survive
    assert "tayori-demo" not in written and "demo@" not in written


@pytest.mark.parametrize("lang", LANGS)
async def test_fresh_shows_every_problem_at_once(make_app: Any, paths: StatePaths, lang: str) -> None:
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "#fresh")
        fill(app, domain="not a domain", admin="x@other.test", password="short")
        await press(pilot, "#next")
        assert isinstance(app.screen, FreshScreen)
        errors = shown(app, "#fresh-errors")
        assert text("fresh.err.domain", lang, value="not a domain") in errors
        assert text("fresh.err.password", lang) in errors
        # own certificate files chosen but not named
        await pilot.click("#tls-files")
        await pilot.pause()
        assert app.screen.query_one("#row-cert").display
        fill(app, domain="office.test", admin="admin@office.test", password="long-enough")
        await press(pilot, "#next")
        assert shown(app, "#fresh-errors") == text("fresh.err.cert", lang)
        await press(pilot, "#back")
        assert isinstance(app.screen, WelcomeScreen)
    assert not paths.profile.exists()


def make_certificate(directory: Path, host: str, days: int = 30) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.mark.parametrize("lang", LANGS)
async def test_fresh_with_my_certificate_files(make_app: Any, paths: StatePaths, lang: str) -> None:
    cert, key = make_certificate(paths.root.parent / "certs", "mail.office.test")
    app = make_app(lang, start_services=False)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "#fresh")
        await pilot.click("#tls-files")
        await pilot.pause()
        assert app.screen.query_one("#tls-files", RadioButton).value
        fill(app, domain="office.test", admin="admin@office.test", password="long-enough", cert=str(cert), key=str(key))
        await press(pilot, "#next")
        assert isinstance(app.screen, FinishScreen)
        table = app.screen.query_one("#checks", DataTable)
        results = {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[1]) for i in range(table.row_count)}
        until = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).strftime("%Y-%m-%d")
        assert text("check.cert.ok", lang, until=until) in results[text("check.cert", lang)]
        # start_services=False is the container entrypoint's mode: write, then leave the app
        await press(pilot, "#write")
    assert app.return_value == "written"
    profile = load_profile(paths.profile).profile
    assert profile.tls.cert == str(cert) and not profile.tls.self_signed


@pytest.mark.parametrize("lang", LANGS)
async def test_migrate_report_decisions_and_passwords(
    make_app: Any, paths: StatePaths, supervisor: Any, lang: str, tmp_path: Path
) -> None:
    legacy = tmp_path / "legacy"
    shutil.copytree(FIXTURES / "pmail" / "ja5bga", legacy)
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "#migrate")
        assert isinstance(app.screen, MigrateScreen)
        fill(app, folder=str(tmp_path / "nothing-here"))
        await press(pilot, "#detect")
        assert shown(app, "#detected") == text("migrate.notfolder", lang, path=str(tmp_path / "nothing-here"))
        fill(app, folder=str(tmp_path))
        await press(pilot, "#detect")
        assert shown(app, "#detected") == text("migrate.unknown", lang)
        fill(app, folder=str(legacy))
        await press(pilot, "#detect")
        assert "PMailServer2" in shown(app, "#detected")
        await press(pilot, "#compile")
        assert isinstance(app.screen, ReportScreen)
        view = app.screen.query_one(ReportView)
        assert view.report is not None and len(view.report.pending_decisions) == 2
        # the filter by kind
        app.screen.query_one("#kind-filter", Select).value = "decide"
        await settle(pilot)
        table = app.screen.query_one("#report-table", DataTable)
        assert table.row_count == 2 and {e.kind.value for e in view.shown} == {"decide"}
        assert str(table.get_row_at(0)[0]) == text("report.kind.decide", lang)
        app.screen.query_one("#kind-filter", Select).value = "unmapped"
        await settle(pilot)
        assert table.row_count > 0 and {e.kind.value for e in view.shown} == {"unmapped"}
        # a non-decide entry cannot be answered
        await press(pilot, "#answer")
        assert not isinstance(app.screen, ChoiceDialog)
        # answer the POP-before-SMTP question in place
        app.screen.query_one("#kind-filter", Select).value = "decide"
        await settle(pilot)
        row = next(i for i, e in enumerate(view.shown) if e.decide and e.decide.key == "pmail.pop_before_smtp")
        table.move_cursor(row=row)
        await press(pilot, "#answer")
        assert isinstance(app.screen, ChoiceDialog)
        await press(pilot, "#dlg-opt-1")  # ip+account
        assert isinstance(app.screen, ReportScreen)
        decisions = load_profile(paths.profile).profile.decisions
        assert decisions["pmail.pop_before_smtp"].value == "ip+account"
        assert decisions["pmail.pop_before_smtp"].pending is False
        # apply: compile again into the same profile, so the reader acts on the answer
        await press(pilot, "#apply")
        assert len(view.report.pending_decisions) == 1
        assert load_profile(paths.profile).profile.policy.pop_before_smtp.enabled
        # an account whose legacy password could not be carried over
        profile = load_profile(paths.profile).profile
        first = profile.accounts[0].address
        accounts = [a.model_copy(update={"password_hash": None}) if a.address == first else a for a in profile.accounts]
        update_profile_file(paths.profile, profile.model_copy(update={"accounts": accounts}))
        await press(pilot, "#next")
        assert isinstance(app.screen, PasswordsScreen)
        table = app.screen.query_one("#pw-table", DataTable)
        assert table.row_count == 1 and str(table.get_row_at(0)[0]) == first
        await press(pilot, "#set")
        assert isinstance(app.screen, InputDialog)
        app.screen.query_one("#dlg-input", Input).value = "new-password-1"
        await press(pilot, "#dlg-ok")
        assert shown(app, "#pw-intro") == text("pw.none", lang)
        await press(pilot, "#next")
        assert isinstance(app.screen, FinishScreen)
        await press(pilot, "#write")
        assert text("svc.started", lang) in shown(app, "#finish-result")
    profile = load_profile(paths.profile).profile
    acct = next(a for a in profile.accounts if a.address == first)
    assert acct.password_hash and verify_password("new-password-1", acct.password_hash)
    assert (paths.reports / "migration.report.json").exists()
    assert profile.source is not None and profile.source.dialect == "pmail"


@pytest.mark.parametrize("lang", LANGS)
async def test_finish_without_supervisor_or_run(make_app: Any, paths: StatePaths, lang: str) -> None:
    """No appliance running and no `tayori run`: the profile is saved and the admin is told so."""
    app = make_app(lang)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "#fresh")
        fill(app, domain="office.test", admin="admin", password="long-enough")
        await press(pilot, "#next")
        await press(pilot, "#write")
        assert text("svc.no_run", lang) in shown(app, "#finish-result")
    assert paths.profile.exists()


async def test_language_switch_in_the_wizard(make_app: Any) -> None:
    app = make_app("en")
    async with app.run_test(size=SIZE) as pilot:
        assert str(app.screen.query_one("#fresh", Button).label) == text("welcome.fresh", "en")
        await press(pilot, "#lang")
        assert app.t.lang == "ja"
        assert str(app.screen.query_one("#fresh", Button).label) == text("welcome.fresh", "ja")
        await press(pilot, "#fresh")
        await pilot.press("f2")
        await pilot.pause()
        assert str(app.screen.query_one("#next", Button).label) == text("app.next", "en")


async def test_wizard_forced_over_existing_profile(make_app: Any, live_profile: Path) -> None:
    app = make_app("en", wizard=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
        assert str(live_profile) in shown(app, "#welcome-existing")
    app = make_app("en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
