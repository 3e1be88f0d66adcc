"""Export SVG screenshots of the main screens (Textual's own screenshot feature) for the README.

`python -m tayori.appliance.tui.screenshots docs/img` — uses a scratch state root; nothing is started.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

from tayori.appliance.tui.app import TayoriApp
from tayori.appliance.tui.fresh_profile import FreshAnswers, default_template, render_fresh

SIZE = (110, 34)


async def _shoot(out: Path, root: Path) -> list[Path]:
    written: list[Path] = []
    for lang in ("ja", "en"):
        app = TayoriApp(root, lang=lang, wizard=True, start_services=False, resolver=lambda n: ["192.0.2.25"])
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            written.append(Path(app.save_screenshot(f"tui-welcome-{lang}.svg", str(out))))
            app.screen.query_one("#fresh").press()  # type: ignore[attr-defined]
            await pilot.pause()
            for name, value in (("domain", "example.jp"), ("admin", "admin")):
                app.screen.query_one(f"#{name}").value = value  # type: ignore[attr-defined]
            await pilot.pause()
            written.append(Path(app.save_screenshot(f"tui-wizard-{lang}.svg", str(out))))
    paths_profile = root / "etc/tayori/profile.yaml"
    paths_profile.parent.mkdir(parents=True, exist_ok=True)
    paths_profile.write_text(
        render_fresh(FreshAnswers("mail.example.jp", "example.jp", "admin@example.jp", "x" * 12), default_template())
    )
    for lang in ("ja", "en"):
        app = TayoriApp(root, lang=lang)
        async with app.run_test(size=SIZE) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            app.screen.query_one("#tabs").active = "tab-accounts"  # type: ignore[attr-defined]
            await pilot.pause()
            written.append(Path(app.save_screenshot(f"tui-dashboard-{lang}.svg", str(out))))
    return written


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "docs/img")
    out.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="tayori-shots-")) / "root"
    try:
        for p in asyncio.run(_shoot(out, root)):
            print(p)
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
