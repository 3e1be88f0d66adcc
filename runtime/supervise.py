"""supervisord's configuration: one program per service, rendered from the profile."""

from __future__ import annotations

import importlib.util
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import jinja2

from tayori.profiles.model import Profile
from tayori.runtime.dovecot import TEMPLATES, dovecot_binary, run_identity
from tayori.runtime.paths import StatePaths
from tayori.runtime.secrets import write_private


@dataclass(frozen=True)
class Program:
    name: str
    command: str
    priority: int
    startsecs: int = 1
    stopwaitsecs: int = 8


def _python_service(module: str) -> bool:
    """A service is run only once its module exists (the runtime grows issue by issue)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def programs(paths: StatePaths, dovecot_conf: Path) -> list[Program]:
    out = []
    binary = dovecot_binary()
    if binary:
        out.append(Program("dovecot", f"{binary} -F -c {shlex.quote(str(dovecot_conf))}", 10, 2, 8))
    py = shlex.quote(sys.executable)
    root = shlex.quote(str(paths.root))
    for name, module, prio in (("smtpd", "tayori.runtime.smtpd", 20), ("delivery", "tayori.runtime.delivery", 30)):
        if _python_service(module):
            out.append(Program(name, f"{py} -m {module} --root {root}", prio))
    return out


def render(profile: Profile, paths: StatePaths, dovecot_conf: Path) -> Path:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined, keep_trailing_newline=True
    )
    level = {"debug": "debug", "info": "info", "warning": "warn", "error": "error"}[
        profile.logging.levels.get("supervisor", profile.logging.level)
    ]
    text = env.get_template("supervisord.conf.j2").render(
        paths=paths,
        keep=profile.logging.keep,
        loglevel=level,
        privileged=run_identity().privileged,
        instance=paths.instance,
        programs=programs(paths, dovecot_conf),
    )
    conf = paths.generated / "supervisord.conf"
    write_private(conf, text)
    return conf
