"""The reader end to end: the ja5bga.com sample from the admin memo, the hostile sample, coverage."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import yaml
from conftest import crlf, run_reader

from tayori.compiler.compile import compile_legacy
from tayori.compiler.legacy_text import decode_legacy
from tayori.compiler.messages import CATALOGUE
from tayori.compiler.pmail import keys
from tayori.compiler.pmail.ini import parse_ini
from tayori.compiler.report import Entry, Kind, ReportBuilder, expand_ranges
from tayori.profiles.loader import load_profile_text

REPO = Path(__file__).resolve().parents[3]


def entries(report: ReportBuilder, kind: Kind | None = None) -> list[Entry]:
    built = report.build(source="x")
    return [e for e in built.entries if kind is None or e.kind == kind]


def by_id(report: ReportBuilder) -> dict[str, Entry]:
    return {e.id: e for e in entries(report)}


# -- the memo's installation ----------------------------------------------------------------
def test_memo_values_reach_the_profile(ja5bga: Path) -> None:
    result, _ = run_reader(ja5bga)
    p = result.profile
    assert [d.name for d in p.domains] == ["ja5bga.com"]
    assert p.server.hostname == "ja5bga.com"
    assert p.server.resolvers == ["211.121.17.68", "211.121.17.70"]
    assert p.server.timezone == "Asia/Tokyo"  # 時差 +09:00
    assert (p.listeners.smtp.port, p.listeners.smtp.max_connections) == (25, 100)
    assert (p.listeners.pop3.port, p.listeners.pop3.max_connections) == (110, 100)
    assert p.listeners.smtp.timeout == 180  # MUA タイムアウト
    assert not p.listeners.imap.enabled
    assert p.delivery.mx_cache_time == 480 * 60
    assert p.delivery.parallelism == 30
    assert p.delivery.connect_timeout == 120  # MTA タイムアウト
    # 300,...,43200 spool checks of 2 s: cumulative 10 min ... 24 h.
    assert p.delivery.retry_schedule == [600, 1200, 1800, 3600, 14400, 21600, 43200]
    assert p.delivery.give_up_after == 86400
    assert p.policy.limits.max_recipients == 100
    assert p.policy.limits.max_protocol_errors == 5
    assert p.policy.pop_before_smtp.window == 30 and not p.policy.pop_before_smtp.enabled
    assert (p.policy.dnsbl.cache_size, p.policy.dnsbl.cache_time) == (500, 3600)
    assert p.policy.unknown_sender_domain == "refuse"
    assert p.policy.rdns == "tag"
    assert p.policy.relay.fallback == "secure-default" and p.policy.relay.rules == []
    assert {lv for lv in p.logging.levels.values()} == {"info"}
    assert p.server.origin == "Data/pmail.ini:15"


def test_memo_accounts_users_and_lists(ja5bga: Path) -> None:
    result, report = run_reader(ja5bga)
    p = result.profile
    assert [a.address for a in p.accounts] == ["shin@ja5bga.com", "shin-n@ja5bga.com"]
    assert [m.address for m in p.lists] == [
        "bga_log@ja5bga.com",
        "edxg@ja5bga.com",
        "edxg-ml@ja5bga.com",
        "bga_test@ja5bga.com",
    ]
    shin_n = p.accounts[1]
    assert shin_n.max_send_size == 30720000 and shin_n.origin == "Data/account.dat: record 5"
    assert shin_n.forward is not None and shin_n.forward.targets == ["shin@ja5bga.com"]
    assert shin_n.forward.keep_copy
    assert set(result.passwords) == {"shin@ja5bga.com", "shin-n@ja5bga.com"}
    assert result.secrets == {}  # APOP/CRAM-MD5 not kept unless the admin says so
    ids = by_id(report)
    assert ids["pmail.list.limits.bga_test@ja5bga.com"].params["quota"] == 51200000


def test_report_names_every_security_upgrade(ja5bga: Path) -> None:
    _, report = run_reader(ja5bga)
    ids = by_id(report)
    upgraded = {e.id for e in entries(report, Kind.UPGRADED)}
    for must in (
        "pmail.listeners.smtp.auth_off",  # SMTP AUTH off
        "pmail.policy.relay.loopback",  # 127.0.0.1 trusted
        "pmail.listeners.pop3.plaintext",  # plaintext POP3 passwords
        "pmail.tls.versions",  # SSL3 / TLS 1.0 / 1.1
        "pmail.delivery.tls",  # outbound STARTTLS (off here)
        "pmail.tls.expired",  # expired certificates
        "pmail.delivery.queue_credentials",  # relay passwords in .imd queue files
    ):
        assert must in upgraded, must
    pbs = ids["pmail.policy.pop_before_smtp"]
    assert pbs.kind == Kind.DECIDE and pbs.decide.value == "off" and pbs.params["window"] == 30  # type: ignore[union-attr]
    assert ids["pmail.accounts.legacy_auth"].decide.value == "none"  # type: ignore[union-attr]
    assert ids["pmail.delivery.retry"].params["counts"] == "300,900,1800,3600,10800,21600,43200"
    assert ids["pmail.format.reconstructed"].kind == Kind.MAPPED
    assert not entries(report, Kind.ERROR)
    for e in entries(report):
        assert e.message in CATALOGUE, e.message


def test_every_ini_key_and_line_is_mapped_or_reported(ja5bga: Path) -> None:
    _, report = run_reader(ja5bga)
    assert report.unaccounted() == {}
    rel = "Data/pmail.ini"
    ini = parse_ini(decode_legacy((ja5bga / rel).read_bytes()).lines)
    key_lines = {i.line for i in ini.items}
    built = report.build(source="x")
    cov = built.coverage[rel]
    reported = {e.line for e in built.entries if e.file == rel and e.line}
    assert key_lines <= expand_ranges(cov.mapped) | reported
    assert built.coverage["Data/account.dat"].unit == "record"


def test_tayori_compile_and_check(ja5bga: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.yaml"
    cli = [sys.executable, "-m", "tayori.appliance.cli"]
    run = subprocess.run(
        [*cli, "compile", str(ja5bga), "-o", str(out), "--report", str(tmp_path / "r.txt")],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert run.returncode == 3, run.stderr  # ok, with decisions pending
    check = subprocess.run([*cli, "check", str(out)], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["accounts"][0]["password_hash"].startswith("{SHA512-CRYPT}")
    text = (tmp_path / "r.txt").read_text(encoding="utf-8")
    assert "Shin#2021pw" not in text and "Shin#2021pw" not in out.read_text(encoding="utf-8")
    assert "reconstruction" in text


# -- hostile input --------------------------------------------------------------------------
def test_hostile_sample_reports_instead_of_raising(hostile: Path) -> None:
    compiled = compile_legacy(hostile, hash_passwords_too=False)
    report = compiled.report
    assert not [e for e in report.entries if e.message == "input.unaccounted"]
    errors = report.errors
    assert errors and all(e.location() for e in errors)
    locs = {e.location() for e in errors}
    assert "Data/pmail.ini:3" in locs  # SMTPPort=99999
    assert "Data/account.dat:7" in locs  # unknown account type
    assert "spool/example.jp/user1/forward.txt:6" in locs
    assert "Data/serverfilter.txt:12" in locs  # FILTER6 never closed
    text = json.dumps(report.model_dump(mode="json"), ensure_ascii=False)
    for secret in ("IspSecret!99", "WebAdminSecret", "Pw-user1", "Pw-sales"):
        assert secret not in text
    assert compiled.secrets == {"smarthosts": {"pmail-route-1": "IspSecret!99"}}
    p = compiled.profile
    assert p.delivery.routes[0].password_secret == "pmail-route-1"
    kinds = {e.id: e.kind for e in report.entries}
    assert kinds["pmail.policy.relay.open.RelayAllow1"] == Kind.UPGRADED  # 0.0.0.0/0
    assert kinds["pmail.policy.relay.loopback.ExemptIP1"] == Kind.UPGRADED
    assert kinds["pmail.policy.relay.auth_exempt.192.168.1.20/32"] == Kind.DECIDE
    assert kinds["pmail.listeners.smtp.auth"] == Kind.DECIDE  # AUTH was required on 25
    assert kinds["pmail.delivery.tls_fallback"] == Kind.UPGRADED
    assert [r.table for r in p.policy.relay.rules] == ["refuse", "refuse", "trust"]
    assert p.aliases[0].address == "info@example.jp" and p.aliases[0].targets == ["sales@example.jp"]
    assert load_profile_text(yaml.safe_dump(p.model_dump(mode="json", by_alias=True, exclude_none=True)))


def test_every_table_row_is_used_by_the_mapping(install: Callable[[dict[str, bytes]], Path]) -> None:
    """A file holding every key of the table: nothing is left as `not mapped`, no value errors."""
    special = {
        ("Domain", "Domain#"): "example.jp",
        ("Routing", "Route#"): "*,relay.example.jp,,25,LOGIN,u,secretpw",
        ("DKIM", "Domain#"): "example.jp,sel,C:\\k.pem",
        ("Filter", "Rule#"): "REJECT,IP,192.0.2.9",
        ("SMTP", "NonLocalRecipient"): "postmaster",
        ("Global", "ServerName"): "mail.example.jp",
    }
    sample = {
        "bool": "1",
        "int": "1",
        "count": "1",
        "port": "2525",
        "str": "x",
        "ip": "192.0.2.1",
        "tz": "+09:00",
        "intlist": "300,900",
        "loglevel": "2",
        "network": "192.168.5.0,255.255.255.0",
        "hours": "0-23",
    }
    lines: list[str] = []
    section = None
    for row in sorted(keys.ROWS, key=lambda r: r.section):
        if row.section != section:
            section = row.section
            lines.append(f"[{section}]")
        value = special.get((row.section, row.key)) or (
            "0" if row.converter.startswith("choice:") else sample[row.converter]
        )
        lines.append(f"{row.key.replace('#', '1')}={value}")
    root = install({"Data/pmail.ini": crlf(*lines), "Data/account.dat": crlf("u\tu\tu\texample.jp\tpw\t0")})
    _, report = run_reader(root)
    found = entries(report)
    assert not [e for e in found if e.message == "pmail.ini.not_mapped"]
    assert not [e for e in found if e.kind == Kind.ERROR], [(e.id, e.params) for e in found if e.kind == Kind.ERROR]
    no_equiv = {(e.params["section"], e.params["key"]) for e in found if e.message == "pmail.ini.no_equivalent"}
    expected = {(r.section, r.key.replace("#", "1")) for r in keys.ROWS if r.path == "-"}
    assert no_equiv == expected
    assert report.unaccounted() == {}


def test_missing_files_are_errors_not_crashes(install: Callable[[dict[str, bytes]], Path]) -> None:
    result, report = run_reader(install({"pmman.exe": b"MZ"}))
    ids = by_id(report)
    assert ids["pmail.ini.missing"].kind == Kind.ERROR
    assert ids["pmail.account.missing"].kind == Kind.ERROR
    assert result.profile.accounts == []
