"""The container's entrypoint (PID 1): prepare /data, then run `tayori run` as a child until told to stop.

- Empty volume: with a terminal attached (`podman run -it`), the first-run wizard writes the profile;
  otherwise the embedded default is installed, listening on all interfaces on the standard ports.
- Then `tayori run` (which runs supervisord in the foreground) is started as a child. SIGTERM, SIGINT,
  SIGHUP and SIGQUIT are passed on to it, so supervisord stops Dovecot, smtpd and delivery in order
  (smtpd answers 250 only once a message is durable, so the queue stays intact); if the child has not
  ended after TAYORI_STOP_GRACE seconds (default 8, inside `podman stop`'s 10), it is killed.
- As PID 1 it also reaps orphaned processes, which nobody else would.

`python -m tayori.appliance.entrypoint [--root DIR] [--no-wizard]`
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from tayori.runtime.paths import StatePaths

FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT)
DEFAULT_GRACE = 8


def log(ja: str, en: str) -> None:
    print(f"tayori-entrypoint: {en} / {ja}", file=sys.stderr, flush=True)


def ipv6_available() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


def container_default() -> str:
    from tayori.appliance.tui.fresh_profile import default_template, with_standard_listeners

    return with_standard_listeners(default_template(), ipv6=ipv6_available())


def install_default(paths: StatePaths, text: str) -> None:
    paths.etc.mkdir(parents=True, exist_ok=True)
    tmp = paths.profile.with_name(f".{paths.profile.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(paths.profile)


def interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def run_wizard(root: Path, template: str) -> None:
    from tayori.appliance.tui.app import TayoriApp

    try:
        TayoriApp(root, wizard=True, template_text=template, start_services=False).run()
    except Exception as exc:  # the default profile is installed instead; never a dead container
        log(f"ウィザードを実行できません: {exc}", f"the wizard failed: {exc}")


def prepare(paths: StatePaths, wizard: bool) -> None:
    if paths.profile.exists():
        log(f"プロファイル {paths.profile} を使用します", f"using the profile {paths.profile}")
        return
    template = container_default()
    if wizard and interactive():
        run_wizard(paths.root, template)
    if not paths.profile.exists():
        install_default(paths, template)
        log(
            f"既定プロファイルを {paths.profile} に作成しました（ログイン demo@example.test / tayori-demo）",
            f"installed the embedded default as {paths.profile} (login demo@example.test / tayori-demo)",
        )


class Supervisor:
    """Runs one child, passes stop signals on, kills it after the grace time, reaps every child."""

    def __init__(self, command: Sequence[str], grace: int) -> None:
        self.command = list(command)
        self.grace = grace
        self.child: subprocess.Popen[bytes] | None = None
        self.stopping = False

    def _forward(self, signum: int, _frame: FrameType | None) -> None:
        if self.child is None:
            sys.exit(128 + signum)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.child.pid, signum)
        if not self.stopping and signum != signal.SIGHUP:
            self.stopping = True
            signal.alarm(self.grace)

    def _kill(self, _signum: int, _frame: FrameType | None) -> None:
        if self.child is not None:
            log("停止が間に合わないため強制終了します", "the child did not stop in time: killing it")
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.child.pid, signal.SIGKILL)

    def run(self) -> int:
        for sig in FORWARDED:
            signal.signal(sig, self._forward)
        signal.signal(signal.SIGALRM, self._kill)
        try:
            self.child = subprocess.Popen(self.command)
        except OSError as exc:
            log(f"起動できません: {exc}", f"cannot start {self.command[0]}: {exc}")
            return 1
        while True:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                return 1
            if pid == self.child.pid:
                signal.alarm(0)
                code = os.waitstatus_to_exitcode(status)
                # A stop we were asked for is a clean exit, whatever signal ended the child.
                return 0 if self.stopping and code in (0, -signal.SIGTERM, -signal.SIGINT) else abs(code)


def run_command(paths: StatePaths) -> list[str]:
    return [sys.executable, "-m", "tayori.appliance.cli", "--root", str(paths.root), "run"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tayori-entrypoint", description="Container entrypoint: prepare the state root and run the appliance."
    )
    parser.add_argument("--root", default=os.environ.get("TAYORI_ROOT") or "/data", help="state root (/data)")
    parser.add_argument("--no-wizard", action="store_true", help="never run the wizard, even with a terminal")
    args = parser.parse_args(argv)
    paths = StatePaths.at(args.root)
    try:
        prepare(paths, wizard=not args.no_wizard and os.environ.get("TAYORI_WIZARD", "1") != "0")
    except OSError as exc:
        log(f"{paths.root} を準備できません: {exc}", f"cannot prepare {paths.root}: {exc}")
        return 1
    probe = subprocess.run([*run_command(paths), "--help"], capture_output=True, check=False)
    if probe.returncode != 0:
        log("このイメージの tayori には run コマンドがありません", "this image's tayori has no `run` command yet")
        return 1
    try:
        grace = int(os.environ.get("TAYORI_STOP_GRACE", DEFAULT_GRACE))
    except ValueError:
        grace = DEFAULT_GRACE
    return Supervisor(run_command(paths), grace).run()


if __name__ == "__main__":
    sys.exit(main())
