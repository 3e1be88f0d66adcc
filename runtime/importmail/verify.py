"""Before/after accounting per mailbox and the import report (JSON, and text in Japanese and English).

Before: what the legacy folder holds (messages, bytes, sha256 of each message as it will be
stored). After: every message this run wrote is read back from the Maildir and its sha256 compared;
totals say how many were imported now, earlier, or deleted on the new server since.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tayori.runtime.importmail.notes import Note

REPORT_VERSION = 1


@dataclass
class MailboxReport:
    address: str
    folder: str
    kind: str
    source: str
    target: str
    legacy_messages: int = 0
    legacy_bytes: int = 0
    imported_now: int = 0
    imported_now_bytes: int = 0
    imported_before: int = 0
    deleted_since: int = 0
    uidl_recorded: int = 0
    uidl_inferred: int = 0
    unparseable: list[str] = field(default_factory=list)
    verified: int = 0
    verify_failed: int = 0
    notes: list[Note] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        accounted = self.imported_now + self.imported_before + self.deleted_since
        errors = any(n.severity == "error" for n in self.notes)
        return self.verify_failed == 0 and accounted == self.legacy_messages and not errors

    def as_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "folder": self.folder or "INBOX",
            "kind": self.kind,
            "source": self.source,
            "target": self.target,
            "before": {"messages": self.legacy_messages, "bytes": self.legacy_bytes},
            "after": {
                "imported_now": self.imported_now,
                "imported_now_bytes": self.imported_now_bytes,
                "imported_before": self.imported_before,
                "deleted_since": self.deleted_since,
                "verified": self.verified,
                "verify_failed": self.verify_failed,
            },
            "uidl": {"recorded": self.uidl_recorded, "inferred": self.uidl_inferred},
            "unparseable": self.unparseable,
            "ok": self.ok,
            "notes": [n.as_json() for n in self.notes],
        }


@dataclass
class RunReport:
    dialect: str
    legacy: str
    root: str
    started: float = field(default_factory=time.time)
    finished: float = 0.0
    mailboxes: list[MailboxReport] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(m.ok for m in self.mailboxes) and not any(n.severity == "error" for n in self.notes)

    @property
    def imported_now(self) -> int:
        return sum(m.imported_now for m in self.mailboxes)

    def as_json(self) -> dict[str, Any]:
        return {
            "report_version": REPORT_VERSION,
            "kind": "import-mail",
            "dialect": self.dialect,
            "legacy": self.legacy,
            "root": self.root,
            "started": self.started,
            "finished": self.finished,
            "ok": self.ok,
            "totals": {
                "mailboxes": len(self.mailboxes),
                "legacy_messages": sum(m.legacy_messages for m in self.mailboxes),
                "legacy_bytes": sum(m.legacy_bytes for m in self.mailboxes),
                "imported_now": self.imported_now,
                "imported_now_bytes": sum(m.imported_now_bytes for m in self.mailboxes),
                "imported_before": sum(m.imported_before for m in self.mailboxes),
                "deleted_since": sum(m.deleted_since for m in self.mailboxes),
                "unparseable": sum(len(m.unparseable) for m in self.mailboxes),
                "verify_failed": sum(m.verify_failed for m in self.mailboxes),
            },
            "mailboxes": [m.as_json() for m in self.mailboxes],
            "notes": [n.as_json() for n in self.notes],
        }

    def render(self, lang: str) -> str:
        ja = lang == "ja"
        out = []
        if ja:
            out.append(f"メール取り込みレポート（{self.dialect}）: {self.legacy}")
        else:
            out.append(f"Mail import report ({self.dialect}): {self.legacy}")
        for m in self.mailboxes:
            folder = m.folder or "INBOX"
            status = ("OK" if m.ok else "要確認") if ja else ("ok" if m.ok else "CHECK")
            if ja:
                out.append(
                    f"- [{status}] {m.address} {folder} ← {m.source}: 旧 {m.legacy_messages} 通 {m.legacy_bytes} バイト"
                    f" / 今回 {m.imported_now} 通 {m.imported_now_bytes} バイト / 取り込み済み {m.imported_before} 通"
                    f" / 新サーバーで削除済み {m.deleted_since} 通"
                    f" / 照合 {m.verified} 通 OK, {m.verify_failed} 通 不一致"
                    f" / UIDL 旧サーバーの記録 {m.uidl_recorded} 通, 推定 {m.uidl_inferred} 通"
                )
            else:
                out.append(
                    f"- [{status}] {m.address} {folder} <- {m.source}: legacy {m.legacy_messages} messages "
                    f"{m.legacy_bytes} bytes / now {m.imported_now} messages {m.imported_now_bytes} bytes / "
                    f"earlier {m.imported_before} / deleted on the new server since {m.deleted_since} / "
                    f"verified {m.verified} ok, {m.verify_failed} differ / UIDL recorded {m.uidl_recorded}, "
                    f"inferred {m.uidl_inferred}"
                )
            for n in m.notes:
                out.append(f"    {n.render(lang)}")
        for n in self.notes:
            out.append(f"* {n.render(lang)}")
        return "\n".join(out) + "\n"

    def write(self, directory: Path) -> tuple[Path, Path]:
        directory.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(self.started))
        base = directory / f"import-mail-{stamp}-{os.getpid()}"
        js, txt = base.with_suffix(".json"), base.with_suffix(".txt")
        js.write_text(json.dumps(self.as_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        txt.write_text(self.render("ja") + "\n" + self.render("en"), encoding="utf-8")
        return js, txt


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_file(path: Path | None, want_sha: str) -> str | None:
    """None when the stored file has the expected checksum, else what was found ('missing' or a sha256)."""
    if path is None:
        return "missing"
    try:
        with open(path, "rb") as fh:
            got = hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return "missing"
    return None if got == want_sha else got
