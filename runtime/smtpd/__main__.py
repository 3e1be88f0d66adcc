"""The smtpd service: `python -m tayori.runtime.smtpd --root ROOT` (supervisord runs it).

Loads the live profile, binds every enabled SMTP listener (smtp, submission, submissions) on each of
its addresses (IPv6 sockets with IPV6_V6ONLY, so `0.0.0.0` and `::` can both be bound), drops
privileges to the mail user when started as root, and serves until SIGTERM. With `--workers N`
(or `TAYORI_SMTPD_WORKERS`), N processes share the bound sockets: the kernel spreads connections
over them, and each keeps its own group-commit batch. Connection limits are then kept per worker
(each gets its share of `max_connections` and `max_per_ip`, rounded up).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import math
import os
import signal
import socket
import ssl
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tayori.profiles.loader import ProfileError, load_profile
from tayori.profiles.model import Listener, Profile
from tayori.profiles.relay import PopLogin
from tayori.runtime.delivery.forward import Srs
from tayori.runtime.dovecot import run_identity
from tayori.runtime.paths import StatePaths
from tayori.runtime.queue import Queue
from tayori.runtime.smtpd import popbeforesmtp
from tayori.runtime.smtpd.auth import DovecotAuth
from tayori.runtime.smtpd.dnsresolver import DnsResolver
from tayori.runtime.smtpd.session import SMTP_LISTENERS, ServerContext, SessionFactory, default_log
from tayori.runtime.smtpd.tls import ReloadingTLS
from tayori.runtime.tlscert import CertError

EXIT_CONFIG = 1


def say(text_en: str, text_ja: str) -> None:
    """Startup problems an administrator reads: English, then Japanese."""
    default_log(f"smtpd: {text_en} / {text_ja}")


@dataclass
class Bound:
    listener: str
    sock: socket.socket
    implicit_tls: bool


def bind_listeners(profile: Profile) -> list[Bound]:
    out: list[Bound] = []
    for name in SMTP_LISTENERS:
        lst: Listener = getattr(profile.listeners, name)
        if not lst.enabled:
            continue
        for addr in lst.bind:
            v6 = ":" in addr
            if (v6 and not profile.server.ipv6) or (not v6 and not profile.server.ipv4):
                continue
            sock = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if v6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind((addr, lst.port))
            except OSError as exc:
                sock.close()
                for b in out:
                    b.sock.close()
                raise OSError(exc.errno, f"{name} {addr} port {lst.port}: {exc.strerror}") from None
            sock.listen(min(1024, max(128, lst.max_connections)))
            sock.setblocking(False)
            out.append(Bound(name, sock, lst.tls == "implicit"))
    return out


def prepare_dirs(paths: StatePaths) -> None:
    """The directories smtpd writes, owned by the mail user (`tayori run` does this too; smtpd may run alone)."""
    ident = run_identity()
    dirs = [paths.queue, *(paths.queue / d for d in ("tmp", "ready", "hold", "corrupt")), paths.quarantine]
    for d in dirs:
        d.mkdir(parents=True, exist_ok=True)
        if ident.privileged and os.geteuid() == 0:
            os.chown(d, ident.uid, ident.gid)


def preload() -> None:
    """Load, while still root, what is otherwise imported lazily: after dropping privileges the
    interpreter's own library may be unreadable (e.g. a Python installed under /root), and a failed
    lazy import in the middle of a session would end it."""
    import email.parser  # noqa: F401
    import encodings.idna  # noqa: F401

    from tayori.runtime.preload import preload_codecs, preload_dns

    preload_codecs(("idna", "ascii", "latin-1", "utf-8", "unicode_escape", "raw_unicode_escape"))
    preload_dns()
    with contextlib.suppress(ImportError):
        import uvloop  # noqa: F401


def drop_privileges() -> None:
    ident = run_identity()
    if not ident.privileged or os.geteuid() != 0:
        return
    os.setgroups([])
    os.setgid(ident.gid)
    os.setuid(ident.uid)


def _share(profile: Profile, workers: int) -> Profile:
    if workers <= 1:
        return profile
    update = {}
    for name in SMTP_LISTENERS:
        lst: Listener = getattr(profile.listeners, name)
        update[name] = lst.model_copy(
            update={
                "max_connections": math.ceil(lst.max_connections / workers),
                "max_per_ip": math.ceil(lst.max_per_ip / workers),
            }
        )
    return profile.model_copy(update={"listeners": profile.listeners.model_copy(update=update)})


def _dump_tasks() -> None:
    """`kill -USR2 PID`: where every session is waiting, into smtpd.log (for diagnosing stuck sessions)."""
    for task in asyncio.all_tasks():
        buf = io.StringIO()
        task.print_stack(limit=8, file=buf)
        default_log("smtpd: task " + buf.getvalue().replace("\n", " | "))


def needs_tls(profile: Profile) -> bool:
    return any(
        getattr(profile.listeners, n).enabled and getattr(profile.listeners, n).tls != "none" for n in SMTP_LISTENERS
    )


async def serve(profile: Profile, paths: StatePaths, bound: list[Bound], worker: int, tls: ReloadingTLS | None) -> int:
    loop = asyncio.get_running_loop()
    queue = Queue(paths.queue)
    try:
        queue.recover()
    except OSError as exc:
        say(f"queue recovery failed: {exc}", f"キューの回復に失敗しました: {exc}")
    needs_auth = any(
        getattr(profile.listeners, n).enabled and getattr(profile.listeners, n).auth for n in SMTP_LISTENERS
    )
    auth = DovecotAuth(paths.auth_socket) if needs_auth else None
    pol = profile.policy
    needs_dns = bool(pol.dnsbl.zones) or pol.rdns != "off" or pol.spf != "off" or pol.unknown_sender_domain == "refuse"
    resolver = None
    if needs_dns:
        resolver = DnsResolver(
            profile.server.resolvers,
            dnsbl_zones=[z.zone for z in pol.dnsbl.zones],
            cache_size=pol.dnsbl.cache_size,
            cache_time=float(pol.dnsbl.cache_time),
            loop=loop,
        )
    pop = None
    if pol.pop_before_smtp.enabled:
        directory = paths.pop_logins

        def pop(ip: str, window: float) -> tuple[PopLogin, ...]:
            return popbeforesmtp.read_logins(directory, ip, window)

    ctx = ServerContext(
        profile,
        queue,
        auth=auth,
        resolver=resolver,
        tls=tls,
        pop_logins=pop,
        quarantine_dir=paths.quarantine,
        wakeup_path=paths.delivery_wakeup,
        reverse_srs=_srs_reverser(paths),
    )
    factory = SessionFactory(ctx)
    servers = []
    for b in bound:
        ssl_ctx = tls.ctx if (b.implicit_tls and tls is not None) else None
        srv = await loop.create_server(
            factory.factory_for(b.listener, implicit_tls=b.implicit_tls),
            sock=b.sock,
            ssl=ssl_ctx,
            ssl_handshake_timeout=30 if ssl_ctx else None,
        )
        servers.append(srv)
        host, port = b.sock.getsockname()[:2]
        ctx.log(
            "listening",
            listener=b.listener,
            addr=f"[{host}]:{port}",
            tls="implicit" if ssl_ctx else None,
            worker=worker if worker else None,
        )
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGUSR2, _dump_tasks)

    async def tick() -> None:
        while True:
            await asyncio.sleep(2.0)
            if tls is not None and tls.check():
                ctx.log("tls-reloaded", cert=str(tls.files.cert))

    ticker = loop.create_task(tick())
    await stop.wait()
    ticker.cancel()
    for srv in servers:
        srv.close()
    # Let sessions in the middle of a commit finish; the rest are cut (the client retries).
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*(s.wait_closed() for s in servers)), 5.0)
    if auth is not None:
        await auth.close()
    queue.close()
    ctx.log("stopped", queued=ctx.stats["queued"], rejected=ctx.stats["rejected"])
    return 0


def _run(profile: Profile, paths: StatePaths, bound: list[Bound], worker: int, tls: ReloadingTLS | None) -> int:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(serve(profile, paths, bound, worker, tls))
    return uvloop.run(serve(profile, paths, bound, worker, tls))


def _srs_reverser(paths: StatePaths) -> Callable[[str], str | None] | None:
    """The delivery service's SRS (same key), read now: after the privilege drop it may be unreadable."""
    if not paths.srs_key.exists():
        return None
    return Srs(paths.srs_key).reverse


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tayori.runtime.smtpd", description="Tayori SMTP service")
    ap.add_argument("--root", default=os.environ.get("TAYORI_ROOT") or ".tayori", help="state root")
    ap.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("TAYORI_SMTPD_WORKERS") or 1),
        help="processes sharing the listening sockets (default 1, or TAYORI_SMTPD_WORKERS)",
    )
    args = ap.parse_args(argv)
    paths = StatePaths.at(Path(args.root))
    try:
        profile = load_profile(paths.profile, cache=True).profile
    except ProfileError as exc:
        say(
            "the live profile has errors: " + "; ".join(str(p) for p in exc.problems)[:2000],
            "プロファイルに誤りがあります（tayori check で確認してください）",
        )
        return EXIT_CONFIG
    except OSError as exc:
        say(f"cannot read the profile {paths.profile}: {exc.strerror}", f"プロファイルを読めません: {paths.profile}")
        return EXIT_CONFIG
    try:
        bound = bind_listeners(profile)
    except OSError as exc:
        say(f"cannot listen: {exc.strerror}", f"待ち受けできません: {exc.strerror}")
        return EXIT_CONFIG
    if not bound:
        say("no SMTP listener is enabled; idling", "有効な SMTP リスナーがありません")
    try:
        # the certificate is read (or made) before dropping privileges: its key may be root's alone
        tls = ReloadingTLS(profile, paths) if needs_tls(profile) else None
    except (CertError, OSError, ssl.SSLError) as exc:
        say(f"TLS certificate problem: {exc}", f"TLS 証明書の問題: {exc}")
        return EXIT_CONFIG
    try:
        prepare_dirs(paths)
        preload()
        drop_privileges()
    except (OSError, KeyError) as exc:
        say(f"cannot drop privileges: {exc}", f"権限を下げられません: {exc}")
        return EXIT_CONFIG
    workers = max(1, args.workers)
    if workers == 1:
        return _run(profile, paths, bound, 0, tls)
    shared = _share(profile, workers)
    children: list[int] = []
    for i in range(workers):
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = _run(shared, paths, bound, i + 1, tls)
            except Exception as exc:
                say(
                    f"worker stopped by an unexpected error: {exc!r}",
                    f"ワーカーが予期しないエラーで停止しました: {exc!r}",
                )
            finally:
                os._exit(code)
        children.append(pid)
    for b in bound:
        b.sock.close()

    def forward(signum: int, _frame: object) -> None:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    status = 0
    # A worker that dies takes the service down: supervisord restarts the whole group cleanly.
    while children:
        try:
            pid, st = os.wait()
        except ChildProcessError:
            break
        if pid in children:
            children.remove(pid)
            if os.waitstatus_to_exitcode(st) != 0 and children:
                status = 1
                forward(signal.SIGTERM, None)
    return status


def entry() -> int:
    import faulthandler

    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 PID`: every thread's stack into smtpd.log
    try:
        return main()
    except KeyboardInterrupt:
        return 0
    except Exception as exc:  # an admin reads this in smtpd.log: one line, no traceback
        say(f"stopped by an unexpected error: {exc!r}", f"予期しないエラーで停止しました: {exc!r}")
        return 1


if __name__ == "__main__":
    sys.exit(entry())
