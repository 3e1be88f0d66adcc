"""Files with no safe equivalent (filters, external auth, admin services) and XMailCFG's traces."""

from __future__ import annotations

from tayori.compiler.xmail.context import Context

FILTER_TABLES = (
    "filters.in.tab",
    "filters.out.tab",
    "filters.post-rcpt.tab",
    "filters.pre-data.tab",
    "filters.post-data.tab",
)
XMAILCFG_FILES = ("domainadmin.tab", "listadmin.tab", "spamwords.tab")
# Present in MailRoot but never read: they hold nothing a profile could use, or only run-time state.
NOT_READ = {
    "userdef.tab": "xmail.file.userdef",
    "ctrl.ipmap.tab": "xmail.file.ctrl",
    "finger.ipmap.tab": "xmail.file.finger",
    "dnsroots": "xmail.file.dnsroots",
    "server.cert": "xmail.file.tls",
    "server.key": "xmail.file.tls",
}


def read_filters(ctx: Context) -> None:
    referenced: set[str] = set()
    for name in FILTER_TABLES:
        path = ctx.find(name)
        loaded = ctx.load(path, 512) if path else None
        if loaded is None:
            continue
        for rec in loaded.records:
            ctx.unmapped("filters.selection", "xmail.filters.selection", loaded.rel, rec, table=name)
            if name in ("filters.in.tab", "filters.out.tab") and len(rec.fields) >= 5:
                referenced.add(rec.fields[4])
    for f in ctx.tree.children("filters", dirs=False):
        if f.name.startswith("."):
            continue
        if f.name.lower().startswith("xmailcfg_"):
            ctx.report.unmapped("xmailcfg.detected", "xmail.xmailcfg", {"file": ctx.rel(f)}, file=ctx.rel(f))
            continue
        loaded = ctx.load(f, 1024)
        if loaded is None:
            continue
        for rec in loaded.records:
            ctx.unmapped("filters.command", "xmail.filters.command", loaded.rel, rec, used=f.name in referenced)


def read_userauth_pop3(ctx: Context) -> None:
    for f in ctx.tree.children("userauth", "pop3", dirs=False):
        if f.name.startswith(".") and f.name.lower() != ".tab":
            continue
        loaded = ctx.load(f, 1024)
        if loaded is None:
            continue
        for rec in loaded.records:
            ctx.unmapped("userauth_pop3.line", "xmail.userauth_pop3", loaded.rel, rec)


def note_files(ctx: Context) -> None:
    for name, message in NOT_READ.items():
        path = ctx.find(name)
        if path is not None and path.is_file():
            ctx.report.unmapped(f"file.{name}", message, {"file": ctx.rel(path)}, file=ctx.rel(path))
    for d in ctx.tree.children("domains", dirs=True):
        path = ctx.find(ctx.rel(d), "userdef.tab")
        if path is not None:
            ctx.report.unmapped(
                f"file.userdef.{d.name.lower()}", "xmail.file.userdef", {"file": ctx.rel(path)}, file=ctx.rel(path)
            )
    for name in XMAILCFG_FILES:
        path = ctx.find(name)
        if path is not None:
            ctx.report.unmapped("xmailcfg.detected", "xmail.xmailcfg", {"file": ctx.rel(path)}, file=ctx.rel(path))
    frozen = 0
    for top in ctx.tree.children("spool", dirs=True):
        for sub in ctx.tree.children(ctx.rel(top), dirs=True):
            froz = ctx.find(ctx.rel(sub), "froz")
            if froz is not None and froz.is_dir():
                frozen += sum(1 for p in froz.iterdir() if p.is_file())
    if frozen:
        ctx.report.unmapped("spool.frozen", "xmail.spool.frozen", {"count": frozen}, file="spool")
