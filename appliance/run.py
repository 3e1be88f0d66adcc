"""`tayori run`: install a profile into the state root, prepare, and run everything under supervisord.

The root's live profile (`etc/tayori/profile.yaml`) is what runs: PROFILE is installed only when
the root has none, or with `--replace` (which keeps the live profile's answered `decisions:`).
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tayori.runtime.paths import StatePaths

# The runtime's modules are imported where they are used: `tayori --help` and `tayori check`
# build the whole parser, and must not pay for DKIM, TLS and Dovecot code they never run.


class RunError(Exception):
    pass


def _say(msg: str) -> None:
    print(f"tayori run: {msg}", file=sys.stderr, flush=True)


def _companion(profile: Path, suffix: str) -> Path:
    stem = profile.name[: -len(".yaml")] if profile.name.endswith(".yaml") else profile.name
    return profile.with_name(stem + suffix)


def _answered(text: str) -> dict[str, object]:
    import yaml

    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        return {}
    decisions = data.get("decisions") if isinstance(data, dict) else None
    if not isinstance(decisions, dict):
        return {}
    return {k: v for k, v in decisions.items() if isinstance(v, dict) and v.get("pending") is False}


def install(source: Path | None, paths: StatePaths, replace: bool = False) -> str:
    """Put the profile to run in place; returns a sentence saying what happened."""
    live = paths.profile
    if source is None:
        if not live.exists():
            raise RunError(f"{paths.root} has no profile yet: give one, e.g. tayori run profiles/default.yaml")
        return f"running the live profile {live}"
    if not source.exists():
        raise RunError(f"{source}: no such file")
    text = source.read_text(encoding="utf-8")
    if live.exists() and not replace:
        if live.read_text(encoding="utf-8") == text:
            return f"running {live} (same as {source})"
        return f"{paths.root} already has a live profile: running {live}, not {source} (--replace installs {source})"
    if live.exists() and replace:
        answered = _answered(live.read_text(encoding="utf-8"))
        if answered:
            from tayori.profiles.model import Decision, Profile
            from tayori.profiles.roundtrip import apply_model, dump_document, load_document

            doc = load_document(text)
            model = Profile.model_validate(load_document(text))
            decisions = dict(model.decisions)
            for key, value in answered.items():
                decisions[key] = Decision.model_validate(value)
            text = dump_document(apply_model(doc, model.model_copy(update={"decisions": decisions})))
    live.parent.mkdir(parents=True, exist_ok=True)
    tmp = live.with_name(".profile.yaml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(live)
    from tayori.runtime.secrets import write_private

    secrets = _companion(source, ".secrets.yaml")
    if secrets.exists() and (replace or not paths.secrets.exists()):
        write_private(paths.secrets, secrets.read_text(encoding="utf-8"))
    for suffix in (".report.json", ".report.txt"):
        report = _companion(source, suffix)
        if report.exists():
            paths.reports.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(report, paths.reports / ("profile" + suffix))
    return f"installed {source} as {live}"


def ensure_mail_user() -> None:
    """As root, mail and queue belong to a system user of their own, never to root."""
    from tayori.runtime import dovecot

    if os.geteuid() != 0:
        return
    try:
        pwd.getpwnam(dovecot.MAIL_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", dovecot.MAIL_USER],
            check=True,
            capture_output=True,
        )


def _chown_tree(path: Path, uid: int, gid: int) -> None:
    for dirpath, _dirnames, filenames in os.walk(path):
        os.chown(dirpath, uid, gid)
        for name in filenames:
            os.chown(os.path.join(dirpath, name), uid, gid, follow_symlinks=False)


def check_reachable(path: Path, uid: int, gid: int, who: str) -> None:
    """Every folder above the state root must let the mail user pass, or Dovecot fails later with a
    'Permission denied' that names no cause the admin can act on."""
    for parent in [path, *path.parents]:
        st = parent.stat()
        if st.st_uid == uid:
            ok = bool(st.st_mode & 0o100)
        elif st.st_gid == gid:
            ok = bool(st.st_mode & 0o010)
        else:
            ok = bool(st.st_mode & 0o001)
        if not ok:
            raise RunError(
                f"the state root {path} is inside {parent} (mode {st.st_mode & 0o777:04o}), which the mail user "
                f"'{who}' cannot enter: choose a root elsewhere, or allow passing through it: chmod o+x {parent}"
            )


def prepare(paths: StatePaths) -> Path:
    """Check the live profile and render everything; returns supervisord's config."""
    from tayori.profiles.loader import ProfileError, load_profile, summarize_warnings
    from tayori.runtime import dovecot, supervise
    from tayori.runtime.outbound import dkim
    from tayori.runtime.secrets import SecretsError, load_secrets
    from tayori.runtime.tlscert import CertError, ensure_certificate

    try:
        loaded = load_profile(paths.profile, cache=False)
    except ProfileError as exc:
        raise RunError("the live profile has errors:\n" + "\n".join(str(p) for p in exc.problems)) from None
    for line in summarize_warnings(loaded.warnings):
        _say(line)
    profile = loaded.profile
    ensure_mail_user()
    ident = dovecot.run_identity()
    if not paths.srs_key.exists():
        import secrets as random_secrets

        from tayori.runtime.secrets import write_private

        write_private(paths.srs_key, random_secrets.token_hex(32))
    if ident.privileged:
        check_reachable(paths.root, ident.uid, ident.gid, ident.user)
        for d in (
            paths.mail,
            paths.queue,
            paths.lists,
            paths.autoreply,
            paths.quarantine,
            paths.pop_logins,
            paths.dkim,
        ):
            _chown_tree(d, ident.uid, ident.gid)
        os.chown(paths.sockets, ident.uid, ident.gid)
    try:
        certs = ensure_certificate(profile, paths)
        secrets = load_secrets(paths)
    except (CertError, SecretsError) as exc:
        raise RunError(str(exc)) from None
    for key in dkim.ensure_keys(profile, paths):
        _say(f"DKIM key for {key.domain}: publish `tayori dkim show {key.domain}` in DNS")
    if ident.privileged:
        _chown_tree(paths.dkim, ident.uid, ident.gid)
    if ident.privileged:
        os.chown(certs.key, 0, ident.gid)
        os.chmod(certs.key, 0o640)
    if dovecot.dovecot_binary() is None:
        _say(
            "dovecot is not installed: POP3/IMAP and local delivery are off (apt-get install dovecot-core "
            "dovecot-imapd dovecot-pop3d dovecot-lmtpd)"
        )
    dconf = dovecot.render(profile, paths, certs, secrets)
    return supervise.render(profile, paths, dconf)


def cmd_run(args: argparse.Namespace, root: Path) -> int:
    from tayori.runtime.paths import StatePaths

    paths = StatePaths.at(root)
    try:
        paths.ensure()
        _say(install(Path(args.profile) if args.profile else None, paths, args.replace))
        conf = prepare(paths)
    except RunError as exc:
        _say(str(exc))
        return 1
    except OSError as exc:
        _say(f"{exc.filename or ''}: {exc.strerror or exc}")
        return 1
    if args.prepare_only:
        _say(f"prepared {conf}")
        return 0
    supervisord = Path(sys.executable).parent / "supervisord"
    argv = (
        [str(supervisord), "-n", "-c", str(conf)]
        if supervisord.exists()
        else [sys.executable, "-c", "from supervisor.supervisord import main; main()", "-n", "-c", str(conf)]
    )
    _say(f"starting services (supervisord, logs in {paths.logs}); Ctrl-C stops")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], argv)
    return 0  # not reached


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "run",
        help="run the appliance: SMTP, delivery and Dovecot under supervisord, in the foreground",
        description="Install PROFILE into the state root when the root has none (or with --replace, keeping "
        "answered decisions), check it, render the services' configurations and run them under supervisord "
        "in the foreground. Without PROFILE, run the root's live profile. "
        "プロファイルを状態ディレクトリに配置し、全サービスを起動します。",
    )
    p.add_argument("profile", nargs="?", metavar="PROFILE", help="profile to install when the root has none")
    p.add_argument("--replace", action="store_true", help="install PROFILE over the live one (keeps answers)")
    p.add_argument("--prepare-only", action="store_true", help="render everything, start nothing")
    p.set_defaults(func=lambda a: cmd_run(a, Path(os.environ.get("TAYORI_ROOT") or _default_root())))


def _default_root() -> str:
    from tayori.appliance.cli import default_root

    return str(default_root())
