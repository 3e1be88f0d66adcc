"""Starting the services once the wizard has written the profile, and applying profile edits.

`tayori run` renders the services' configurations (Dovecot's passwd file among them) from the live
profile before it starts supervisord. A running appliance is therefore re-prepared with
`tayori run --prepare-only` and its programs restarted; otherwise `tayori run` is started in the
background, detached from the TUI, with its output in the log folder.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from tayori.appliance.tui.supervisor_client import ServiceControl
from tayori.runtime.paths import StatePaths


def tayori_command(paths: StatePaths, *args: str) -> list[str]:
    return [sys.executable, "-m", "tayori.appliance.cli", "--root", str(paths.root), *args]


def run_available(paths: StatePaths) -> bool:
    try:
        r = subprocess.run(tayori_command(paths, "run", "--help"), capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


def pid_file(paths: StatePaths) -> Path:
    return paths.lib / "tui-run.pid"


def prepare(paths: StatePaths) -> str | None:
    """Render the configurations from the live profile; None when done, else what went wrong."""
    try:
        r = subprocess.run(
            tayori_command(paths, "run", "--prepare-only"), capture_output=True, text=True, timeout=300, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if r.returncode == 0:
        return None
    lines = [ln for ln in (r.stderr or r.stdout).splitlines() if ln.strip()]
    return "\n".join(lines[-5:]) or f"exit {r.returncode}"


def apply_and_restart(paths: StatePaths, control: ServiceControl, name: str | None = None) -> None:
    """Re-render from the live profile, then restart one program or all. Raises RuntimeError on a
    profile that does not prepare (the running services are left as they are)."""
    if run_available(paths):
        problem = prepare(paths)
        if problem is not None:
            raise RuntimeError(problem)
    if name is None:
        control.restart_all()
    else:
        control.restart(name)


def start_services(paths: StatePaths) -> tuple[str, dict[str, Any]]:
    """(catalogue key, params) saying what happened; never raises, for the admin's sake."""
    control = ServiceControl(paths.supervisor_socket)
    try:
        if control.available():
            apply_and_restart(paths, control)
            return "svc.started", {}
        if not run_available(paths):
            return "svc.no_run", {}
        paths.logs.mkdir(parents=True, exist_ok=True)
        with open(paths.logs / "run.log", "ab") as log:
            proc = subprocess.Popen(
                tayori_command(paths, "run"),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # survives the TUI and its terminal
            )
        pid_file(paths).parent.mkdir(parents=True, exist_ok=True)
        pid_file(paths).write_text(f"{proc.pid}\n", encoding="ascii")
        return "svc.launched", {"pid": proc.pid}
    except Exception as exc:  # shown in the wizard; the profile is already saved
        return "svc.start_failed", {"error": f"{type(exc).__name__}: {exc}"}
