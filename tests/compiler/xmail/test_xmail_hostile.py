"""Bad input: the reader keeps going, reports `file:line: message`, and never raises."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from conftest import compile_root
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tayori.compiler.report import Kind
from tayori.profiles.model import Profile
from tayori.profiles.semantics import semantic_problems


def assert_checks(run) -> None:  # type: ignore[no-untyped-def]
    """What `tayori check` would refuse must never come out of the reader."""
    profile = Profile.model_validate(run.result.profile.model_dump(mode="json", by_alias=True))
    errors = [(path, msg) for path, msg, severity in semantic_problems(profile) if severity == "error"]
    assert errors == []


def test_hostile_fixture(tmp_path: Path, hostile_maker) -> None:  # type: ignore[no-untyped-def]
    root = hostile_maker.write(tmp_path)
    run = compile_root(root)
    assert run.unaccounted == {}
    assert_checks(run)
    errors = {(e.file, e.line, e.message) for e in run.report.entries if e.kind == Kind.ERROR}
    expected = {
        ("server.tab", 9, "xmail.tab.fields"),  # truncated line
        ("server.tab", 10, "xmail.tab.unterminated"),
        ("server.tab", 11, "xmail.tab.dropped"),
        ("mailusers.tab", 3, "xmail.mailusers.unknown_domain"),
        ("mailusers.tab", 4, "xmail.password.undecodable"),
        ("mailusers.tab", 6, "xmail.mailusers.type"),
        ("mailusers.tab", 7, "input.decode"),  # binary junk
        ("mailusers.tab", 8, "input.decode"),  # not CP932
        ("spam-address.tab", 3, "xmail.tab.overlong"),
        ("smtprelay.tab", 3, "xmail.net.invalid"),
    }
    assert expected <= errors
    unmapped = {(e.file, e.line, e.message) for e in run.report.entries if e.kind == Kind.UNMAPPED}
    assert ("server.tab", 3, "xmail.server.duplicate") in unmapped
    assert ("server.tab", 5, "xmail.server.typo") in unmapped
    assert ("server.tab", 8, "xmail.server.unknown") in unmapped
    assert ("mailusers.tab", 2, "xmail.duplicate") in unmapped
    assert ("domains.tab", 2, "xmail.duplicate") in unmapped
    upgraded = {e.message for e in run.report.entries if e.kind == Kind.UPGRADED}
    assert {"xmail.relay.open", "xmail.ipmap.dropcode0", "xmail.server.smtp_tls_off"} <= upgraded
    # The best profile it can: the good records survive.
    p = run.result.profile
    assert [a.address for a in p.accounts] == ["alice@hostile.test", "frank@hostile.test"]
    assert p.domains[0].name == "hostile.test"
    alice = p.accounts[0]
    assert alice.forward is not None and alice.forward.targets == ["alice@elsewhere.test"]
    assert not alice.forward.keep_copy
    sales = next(a for a in p.aliases if a.address == "sales@hostile.test")
    assert sales.targets == ["team@elsewhere.test"] and sales.rewrite_envelope
    assert ("aliases.tab", 6, "xmail.aliases.cmdalias") in unmapped
    assert not any("0.0.0.0/0" in r.clients for r in p.policy.relay.rules if r.table == "trust")
    for e in run.report.entries:
        if e.kind == Kind.ERROR and e.file:
            assert e.location().startswith(e.file)


def test_missing_everything(tmp_path: Path) -> None:
    run = compile_root(tmp_path)
    assert {"xmail.server.missing", "xmail.domains.missing", "xmail.mailusers.missing"} <= {
        e.message for e in run.report.entries
    }
    assert run.result.profile.accounts == []


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_bytes_in_every_file_never_raise(sample_root: Path, data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "MailRoot"
        shutil.copytree(sample_root, root)
        files = _files(root)
        chosen = data.draw(st.lists(st.sampled_from(files), min_size=1, max_size=len(files), unique=True))
        for f in chosen:
            f.write_bytes(data.draw(st.binary(max_size=300)))
        run = compile_root(root)
        assert run.unaccounted == {}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blob=st.binary(min_size=1, max_size=2000))
def test_the_same_junk_everywhere(sample_root: Path, blob: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "MailRoot"
        shutil.copytree(sample_root, root)
        for f in _files(root):
            f.write_bytes(blob)
        run = compile_root(root)
        assert run.unaccounted == {}


field_text = st.text(alphabet=st.sampled_from(list('ab@.*?[]-/:,=0123456789 "\\#表MRUW')), max_size=12)
records = st.lists(st.lists(field_text, min_size=1, max_size=7), max_size=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_records_in_every_file_never_raise(sample_root: Path, data: st.DataObject) -> None:
    """Well-formed lines with hostile values reach the mapping code, not just the lexer."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "MailRoot"
        shutil.copytree(sample_root, root)
        files = [f for f in _files(root) if f.suffix == ".tab"]
        chosen = data.draw(st.lists(st.sampled_from(files), min_size=1, max_size=8, unique=True))
        for f in chosen:
            rows = data.draw(records)
            text = "\r\n".join("\t".join('"' + v.replace('"', '\\"') + '"' for v in r) for r in rows)
            f.write_bytes(text.encode("cp932"))
        run = compile_root(root)
        assert run.unaccounted == {}
        assert_checks(run)
