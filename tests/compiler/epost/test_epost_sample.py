"""The synthetic E-Post install in ../shared/samples/epost, end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from epost_helpers import FIXTURES, compile_folder

from tayori.compiler.report import Kind, expand_ranges


def _coverage_is_complete(run) -> None:  # type: ignore[no-untyped-def]
    """Every line of every opened file is mapped or reported: a set equality per file."""
    reported: dict[str, set[int]] = {}
    for e in run.report.entries:
        if e.file is not None and e.line is not None:
            reported.setdefault(e.file, set()).add(e.line)
    for rel, cov in run.report.coverage.items():
        accounted = expand_ranges(cov.mapped) | reported.get(rel, set())
        assert accounted & set(range(1, cov.lines + 1)) == set(range(1, cov.lines + 1)), rel


def test_sample_compiles_with_every_line_accounted_for(shared: Path) -> None:
    run = compile_folder(shared / "samples" / "epost")
    assert run.builder.unaccounted() == {}
    _coverage_is_complete(run)
    assert run.report.errors == []
    p = run.result.profile
    assert [d.name for d in p.domains] == ["example.co.jp"]
    assert {a.address for a in p.accounts} == {
        "yamada@example.co.jp",
        "suzuki@example.co.jp",
        "spam-review@example.co.jp",
    }
    # the SPA-obfuscated password is recovered; plaintext only in ReaderResult.passwords
    assert run.result.passwords["suzuki@example.co.jp"] == "Suzuki!Pass7"
    assert run.result.secrets == {}  # APOP is not kept unless the admin decides so
    text = run.report.model_dump_json()
    for pw in run.result.passwords.values():
        assert pw not in text
    yamada = next(a for a in p.accounts if a.address.startswith("yamada"))
    assert yamada.forward is not None and yamada.forward.targets == [
        "yamada.taro@mobile.example.ne.jp",
        "yamada-home@example.net",
    ]
    suzuki = next(a for a in p.accounts if a.address.startswith("suzuki"))
    assert suzuki.auto_reply is not None and suzuki.auto_reply.subject == "休暇中のため自動応答しています"
    assert "8月5日" in suzuki.auto_reply.body
    assert p.policy.relay.fallback == "only-others"
    assert p.lists[0].subject_tag == "[staff {counter:04d}]"
    decide_ids = {e.id for e in run.report.entries if e.kind == Kind.DECIDE}
    assert "epost.relay.local_sender_any_ip" in decide_ids and "epost.auth.apop" in decide_ids


def test_apop_kept_on_purpose_goes_to_secrets(shared: Path) -> None:
    run = compile_folder(shared / "samples" / "epost", answers={"epost.auth.apop": "on"})
    assert run.result.secrets["accounts"]["suzuki@example.co.jp"] == "Suzuki!Pass7"
    suzuki = next(a for a in run.result.profile.accounts if a.address.startswith("suzuki"))
    assert suzuki.legacy_auth == ["apop"]


def test_same_input_same_ids(shared: Path) -> None:
    a = compile_folder(shared / "samples" / "epost")
    b = compile_folder(shared / "samples" / "epost")
    assert [e.id for e in a.report.entries] == [e.id for e in b.report.entries]


def test_hostile_install_never_raises_and_reports_each_problem() -> None:
    run = compile_folder(FIXTURES / "hostile")
    assert run.builder.unaccounted() == {}
    _coverage_is_complete(run)
    errors = run.report.errors
    assert errors and all(e.file for e in errors if not e.id.startswith("epost.domain"))
    text = run.report.model_dump_json()
    for secret in ("gw-secret-9", "gw-b64-secret", "Taro-Pass1", "Hanako-2019", "list-secret-1", "Other-Pass"):
        assert secret not in text
    assert run.result.secrets["smarthosts"]["epost-gateway-3"] == "gw-b64-secret"


@pytest.mark.parametrize("cli", [True])
def test_cli_compile_and_check(shared: Path, tmp_path: Path, cli: bool) -> None:
    from tayori.appliance.cli import main

    out = tmp_path / "office.yaml"
    rc = main(["compile", str(shared / "samples" / "epost"), "-o", str(out), "--report", str(tmp_path / "r.txt")])
    assert rc == 3  # a profile with pending decisions (documented exit code)
    assert main(["check", str(out)]) == 0
