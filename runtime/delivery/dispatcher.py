"""One queue entry, start to finish: expand, apply the mailbox features, deliver, record, remove.

Runs in a worker thread (everything here blocks); remote delivery is a coroutine of the outbound
package, run on the service's event loop. The order of durable steps is what makes a crash safe:

1. expansion (aliases, catch-all, domain aliases, sub-addresses, SRS bounces) appends the targets to
   the entry's own recipient list and marks the original recipient done, in one envelope rewrite;
   lists and list addresses produce new queue entries first, and only then is the recipient marked;
2. local mailboxes get one LMTP transaction; each mailbox's fate is its own LMTP reply;
3. forwards, auto-replies and DSNs are committed as new queue entries *before* the statuses that
   caused them are recorded; a crash in between repeats them (at least once, never lost);
4. the entry is removed only when every recipient is delivered or failed.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from typing import Any

from tayori.profiles.model import Account, Profile
from tayori.profiles.resolve import Directory, split_address
from tayori.runtime.delivery import autoreply, forward, mime, userfilters
from tayori.runtime.delivery.lists import Lists, Notice, Post
from tayori.runtime.delivery.lmtp import LmtpClient
from tayori.runtime.paths import StatePaths
from tayori.runtime.queue import Busy, Claim, Envelope, Gone, Queue, Recipient

log = logging.getLogger("tayori.delivery")

FINAL = ("delivered", "failed")
MAX_EXPANSION = 2000  # recipients one entry may grow to; beyond it an alias web is treated as a loop
BUSY_RETRY = 5.0

RemoteFn = Callable[..., Coroutine[Any, Any, dict[str, Any]]]


@dataclass
class Outcome:
    """What `process` tells the scheduler: when to look at the entry again (None: it is gone)."""

    next_due: float | None
    enqueued: int = 0


@dataclass
class _Pass:
    updates: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    failed: dict[str, Any] = field(default_factory=dict)  # address -> outbound Result
    deferred_until: dict[str, float] = field(default_factory=dict)
    enqueued: int = 0


def _epoch(iso: str | None) -> float:
    if not iso:
        return time.time()
    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return time.time()


def _result(status: str, reply: str, code: int | None = None, dsn_status: str = "") -> Any:
    from tayori.runtime.outbound.result import Result

    if code is not None:
        return Result.from_reply(code, reply)
    return Result.failed(reply, dsn_status or "5.0.0") if status == "failed" else Result.deferred(reply, dsn_status)


class Dispatcher:
    def __init__(
        self,
        paths: StatePaths,
        profile: Profile,
        queue: Queue,
        *,
        secrets: dict[str, Any] | None = None,
        lmtp_address: str | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        remote: RemoteFn | None = None,
        on_enqueue: Callable[[], None] | None = None,
    ) -> None:
        self.paths = paths
        self.profile = profile
        self.queue = queue
        self.secrets = secrets or {}
        self.directory = Directory.build(profile)
        self.lists = Lists(paths.lists, profile.lists, profile.server.hostname)
        # the SRS key lives with the other automatic-mail state the mail user owns (var/lib/tayori is root's)
        self.srs = forward.Srs(paths.srs_key)
        self.memory = autoreply.Memory(paths.autoreply)
        self.lmtp_address = lmtp_address or str(paths.lmtp_socket)
        self.loop = loop
        self.remote = remote
        self.on_enqueue = on_enqueue
        self._local = threading.local()
        self.server_filters = [f for f in profile.filters if f.stage == "delivery"]

    # -- plumbing --------------------------------------------------------------------------------------
    def _lmtp(self) -> LmtpClient:
        c = getattr(self._local, "lmtp", None)
        if c is None:
            c = self._local.lmtp = LmtpClient(self.lmtp_address, self.profile.server.hostname)
        return c

    def close_thread(self) -> None:
        c = getattr(self._local, "lmtp", None)
        if c is not None:
            c.close()

    def _account(self, address: str) -> Account | None:
        hit = self.directory.accounts.get(address.lower())
        return hit[1] if hit else None

    def enqueue(self, mail_from: str, rcpts: list[str], data: bytes) -> str:
        spool = self.queue.new_spool()
        spool.write(data)
        env = self.queue.commit_sync(spool, Envelope.new(mail_from, rcpts, listener="delivery"))
        if self.on_enqueue is not None:
            self.on_enqueue()
        return env.id

    # -- the entry -------------------------------------------------------------------------------------
    def process(self, qid: str) -> Outcome:
        try:
            claim = self.queue.claim(qid)
        except Busy:
            return Outcome(time.time() + BUSY_RETRY)
        except Gone:
            return Outcome(None)
        except ValueError as exc:  # an envelope that does not parse: recovery moves it aside at next start
            log.error("delivery: unreadable entry id=%s error=%r / 読めないキュー項目", qid, str(exc))
            return Outcome(time.time() + 3600)
        with claim:
            env = claim.envelope
            if env.done:
                claim.remove()
                return Outcome(None)
            if not env.due():
                return Outcome(_epoch(env.next_attempt))
            return self._process(claim)

    def _process(self, claim: Claim) -> Outcome:
        env = claim.envelope
        p = _Pass()
        raw_cache: list[bytes] = []

        def raw() -> bytes:
            if not raw_cache:
                raw_cache.append(claim.read_message())
            return raw_cache[0]

        self._expand(claim, raw, p)
        local: dict[str, Account] = {}
        remote: list[str] = []
        for r in env.rcpts:
            if r.status in FINAL or r.address in p.updates:
                continue
            res = self.directory.resolve(r.address)
            acct = self._account(res.mailboxes[0]) if res.kind == "mailbox" and res.mailboxes else None
            if acct is not None:
                local[r.address] = acct
            elif res.kind == "external":
                remote.append(r.address)
        if local:
            self._deliver_local(env, local, raw, p)
        if remote:
            self._deliver_remote(claim, remote, p)
        return self._finish(claim, p)

    # -- 1. expansion ----------------------------------------------------------------------------------
    def _expand(self, claim: Claim, raw: Callable[[], bytes], p: _Pass) -> None:
        env = claim.envelope
        present = {r.address.lower() for r in env.rcpts}
        changed = False
        i = 0
        while i < len(env.rcpts):
            r = env.rcpts[i]
            i += 1
            if r.status in FINAL:
                continue
            addr = r.address
            targets: list[str] = []
            note: str | None = None
            role = self.lists.role_of(addr)
            res = self.directory.resolve(addr)
            original = self.srs.reverse(addr) if res.kind != "external" else None
            if role is not None:
                ml, what = role
                note = self._list_mail(env, ml, what, raw(), addr, p)
            elif original is not None:
                targets, note = [original], "SRS bounce returned to the original sender"
            elif res.kind == "mailbox":
                if res.mailboxes and res.mailboxes[0].lower() != addr.lower():
                    targets, note = list(res.mailboxes), f"to mailbox {res.mailboxes[0]}"
                else:
                    continue
            elif res.kind == "external":
                continue
            elif res.kind == "list":
                found = self.lists.by_address.get((res.target or "").lower())
                if found is None:
                    continue
                note = self._list_mail(env, found, "post", raw(), addr, p)
            elif res.kind == "alias":
                rewrite = self._alias_rewrites(res.path)
                targets = list(res.mailboxes)
                if rewrite and res.forwards:
                    p.enqueued += 1
                    self.enqueue(res.target or addr, list(res.forwards), raw())
                else:
                    targets += list(res.forwards)
                note = f"expanded by {res.path or 'alias'}"
            else:
                p.failed[addr] = _result("failed", f"5.1.1 <{addr}>: {res.reason or 'no such user'}", None, "5.1.1")
                p.updates[addr] = ("failed", f"550 5.1.1 {res.reason or 'no such user'}")
                continue
            if addr in p.updates:  # a list refused the post
                continue
            added = []
            for t in targets:
                if t.lower() not in present and len(env.rcpts) < MAX_EXPANSION:
                    env.rcpts.append(Recipient(t))
                    present.add(t.lower())
                    added.append(t)
            r.status, r.last_error = "delivered", (note or "expanded") + (f": {', '.join(added)}" if added else "")
            changed = True
            log.info("delivery: expand id=%s to=<%s> %s", env.id, addr, r.last_error)
        if changed:
            claim.save()

    def _alias_rewrites(self, path: str | None) -> bool:
        if path and path.startswith("aliases["):
            try:
                return self.profile.aliases[int(path[8:-1])].rewrite_envelope
            except (ValueError, IndexError):
                return False
        return False

    def _list_mail(self, env: Envelope, ml: Any, role: str, raw: bytes, addr: str, p: _Pass) -> str:
        out = self.lists.handle(ml, role, env.mail_from, raw)
        if out.refused is not None:
            text = f"{out.refused.code} {out.refused.text}"
            p.failed[addr] = _result("failed", text, None, out.refused.code)
            p.updates[addr] = ("failed", f"550 {text}")
            log.info(
                "delivery: list-refused id=%s list=<%s> from=<%s> reason=%r / 投稿を拒否",
                env.id,
                ml.address,
                env.mail_from,
                out.refused.text,
            )
            return text
        for m in out.posts:
            if isinstance(m, (Post, Notice)) and m.rcpts:
                p.enqueued += 1
                self.enqueue(m.sender, m.rcpts, m.message)
        log.info(
            "delivery: list id=%s list=<%s> role=%s from=<%s> %s", env.id, ml.address, role, env.mail_from, out.log
        )
        return f"list {ml.address} {role}: {out.log}"

    # -- 2. local mailboxes ----------------------------------------------------------------------------
    def _deliver_local(self, env: Envelope, local: dict[str, Account], raw: Callable[[], bytes], p: _Pass) -> None:
        msg: Message | None = None
        keep: dict[str, bool] = {}
        copies: dict[str, tuple[list[str], str]] = {}
        wants_reply: dict[str, bool] = {}
        for addr, acct in local.items():
            needs = self.server_filters or acct.filters or acct.forward or acct.auto_reply
            if not needs:
                keep[addr] = True
                continue
            if msg is None:
                msg = mime.parse(raw())
            fo = userfilters.apply_filters([*self.server_filters, *acct.filters], msg, env.size or len(raw()))
            fplan = forward.plan(acct, env.mail_from, forward.forwarded_by(msg.get_all(forward.LOOP_HEADER) or []))
            targets = list(fo.forward_to)
            kind = "srs"
            if fplan is not None:
                targets += [t for t in fplan.targets if t not in targets]
                kind = fplan.envelope
            keep[addr] = fo.keep and (fplan is None or fplan.keep_copy)
            if targets and fo.keep:
                copies[addr] = (targets, kind)
            wants_reply[addr] = fo.keep and acct.auto_reply is not None
            if fo.matched:
                log.info(
                    "delivery: filter id=%s to=<%s> matched=%s keep=%s", env.id, addr, ",".join(fo.matched), keep[addr]
                )
        stored = [a for a in local if keep[a]]
        replies = {}
        if stored:
            mboxes = [local[a].address for a in stored]
            eight = any(x.upper() == "BODY=8BITMIME" for x in env.mail_params)
            by_box = self._lmtp().deliver(env.mail_from, mboxes, raw(), eight_bit=eight)
            replies = {a: by_box[local[a].address] for a in stored}
        for addr, acct in local.items():
            rep = replies.get(addr)
            if rep is not None and not rep.delivered:
                status = "deferred" if rep.temporary else "failed"
                p.updates[addr] = (status, str(rep))
                if status == "failed":
                    p.failed[addr] = _result(status, rep.text, rep.code)
                log.info("delivery: local id=%s to=<%s> status=%s reply=%r", env.id, addr, status, str(rep))
                continue
            if addr in copies:
                self._forward(env, acct, *copies[addr], raw(), p)
            if wants_reply.get(addr) and msg is not None:
                self._auto_reply(env, acct, msg, p)
            p.updates[addr] = ("delivered", str(rep) if rep else "not stored (forwarded or discarded)")
            log.info("delivery: local id=%s to=<%s> status=delivered%s", env.id, addr, "" if rep else " stored=no")

    def _forward(self, env: Envelope, acct: Account, targets: list[str], kind: str, raw: bytes, p: _Pass) -> None:
        allowed = [t for t in targets if userfilters.destination_allowed(acct, t)]
        for t in targets:
            if t not in allowed:
                log.warning(
                    "delivery: forward-refused id=%s account=<%s> to=<%s> reason=allowed_destinations "
                    "/ 許可されていない転送先",
                    env.id,
                    acct.address,
                    t,
                )
        if not allowed:
            return
        domain = acct.address.rpartition("@")[2]
        sender = {"original": env.mail_from, "account": acct.address}.get(kind) or self.srs.forward(
            env.mail_from, domain
        )
        qid = self.enqueue(sender, allowed, mime.prepend_header(raw, forward.LOOP_HEADER, acct.address))
        p.enqueued += 1
        log.info(
            "delivery: forward id=%s account=<%s> to=%s new_id=%s from=<%s>",
            env.id,
            acct.address,
            ",".join(allowed),
            qid,
            sender,
        )

    def _auto_reply(self, env: Envelope, acct: Account, msg: Message, p: _Pass) -> None:
        ar = acct.auto_reply
        if ar is None:
            return
        why = autoreply.refusal(ar, acct, env.mail_from, msg, autoreply.today_in(self.profile.server.timezone))
        if why is None and not self.memory.claim(acct.address, env.mail_from, float(ar.period)):
            why = "already answered within the period"
        if why is not None:
            log.info(
                "delivery: auto-reply skipped id=%s account=<%s> to=<%s> reason=%r",
                env.id,
                acct.address,
                env.mail_from,
                why,
            )
            return
        data = autoreply.build(ar, acct, env.mail_from, msg, self.profile.server.hostname)
        qid = self.enqueue("", [env.mail_from], data)
        p.enqueued += 1
        log.info("delivery: auto-reply id=%s account=<%s> to=<%s> new_id=%s", env.id, acct.address, env.mail_from, qid)

    # -- 3. remote -------------------------------------------------------------------------------------
    def _deliver_remote(self, claim: Claim, rcpts: list[str], p: _Pass) -> None:
        env = claim.envelope
        sender_acct = self._account(env.auth) if env.auth else None
        if sender_acct is not None:
            until = userfilters.next_allowed(sender_acct, datetime.now().astimezone(), self.profile.server.timezone)
            keep = []
            for r in rcpts:
                if not userfilters.destination_allowed(sender_acct, r):
                    p.updates[r] = ("failed", "550 5.7.1 not an allowed destination for this account")
                    p.failed[r] = _result(
                        "failed", "5.7.1 not an allowed destination / 許可されていない宛先", None, "5.7.1"
                    )
                elif until is not None:
                    p.updates[r] = ("deferred", f"451 4.7.0 outside the account's sending hours until {until}")
                    p.deferred_until[r] = until.timestamp()
                else:
                    keep.append(r)
            rcpts = keep
        if not rcpts:
            return
        if self.remote is None or self.loop is None:
            for r in rcpts:
                p.updates[r] = ("deferred", "451 4.4.0 remote delivery is not available yet")
            log.warning(
                "delivery: remote deferred id=%s to=%s reason=outbound-unavailable / 外部配送は未対応のため保留",
                env.id,
                ",".join(rcpts),
            )
            return
        fut = asyncio.run_coroutine_threadsafe(
            self.remote(
                self.profile,
                self.secrets,
                self.paths,
                env.id,
                env.mail_from,
                rcpts,
                claim.message_path,
                mail_params=env.mail_params,
            ),
            self.loop,
        )
        results = fut.result()
        for r in rcpts:
            res = results.get(r)
            if res is None:
                p.updates[r] = ("deferred", "451 4.4.0 no result from outbound delivery")
                continue
            p.updates[r] = (res.status, res.reply)
            if res.status == "failed":
                p.failed[r] = res
            log.info("delivery: remote id=%s to=<%s> status=%s reply=%r", env.id, r, res.status, res.reply)

    # -- 4. record -------------------------------------------------------------------------------------
    def _bounce(self, claim: Claim, failed: dict[str, Any], p: _Pass) -> None:
        if not failed:
            return
        from tayori.runtime.outbound.dsn import RecipientReport, make_dsn

        env = claim.envelope
        orcpt = {r.address: r.orcpt for r in env.rcpts}
        dsn = make_dsn(
            self.profile,
            envelope_id=env.id,
            mail_from=env.mail_from,
            failed=[RecipientReport(a, res, orcpt.get(a)) for a, res in failed.items()],
            original=claim.message_path,
            received=_epoch(env.received),
        )
        if dsn is not None and dsn.rcpts:
            qid = self.enqueue(dsn.mail_from, list(dsn.rcpts), dsn.data)
            p.enqueued += 1
            log.info(
                "delivery: bounce id=%s to=<%s> failed=%s new_id=%s / 配送不能通知",
                env.id,
                env.mail_from,
                ",".join(failed),
                qid,
            )

    def _finish(self, claim: Claim, p: _Pass) -> Outcome:
        from tayori.runtime.outbound import retry

        env = claim.envelope
        now = time.time()
        status = {r.address: r.status for r in env.rcpts}
        status.update({a: s for a, (s, _) in p.updates.items()})
        pending = [a for a, s in status.items() if s not in FINAL]
        if pending:
            plan = retry.plan(self.profile.delivery, received=_epoch(env.received), attempts=env.attempts + 1, now=now)
            if plan.give_up:
                for a in pending:
                    last = (
                        p.updates.get(a, (None, None))[1]
                        or next((r.last_error for r in env.rcpts if r.address == a), None)
                        or "no answer"
                    )
                    p.updates[a] = ("failed", f"giving up: {last}")
                    p.failed[a] = _result("failed", f"5.4.7 delivery time expired: {last}", None, "5.4.7")
                pending = []
        self._bounce(claim, p.failed, p)
        if not pending:
            claim.remove()
            return Outcome(None, p.enqueued)
        if p.updates:
            claim.update_recipients(p.updates)
        nxt = plan.next_attempt or (now + 300)
        hours = [p.deferred_until[a] for a in pending if a in p.deferred_until]
        if hours and len(hours) == len(pending):
            nxt = min(hours)
        self._delay_warning(claim, pending, now)
        claim.defer(nxt, "; ".join(f"{a}: {p.updates.get(a, ('', ''))[1]}" for a in pending)[:500])
        return Outcome(nxt, p.enqueued)

    def _delay_warning(self, claim: Claim, pending: list[str], now: float) -> None:
        from tayori.runtime.outbound import retry
        from tayori.runtime.outbound.dsn import RecipientReport, make_delay_warning

        env = claim.envelope
        if not retry.delay_warning_due(
            self.profile.delivery,
            received=_epoch(env.received),
            previous_attempt=_epoch(env.last_attempt) if env.last_attempt else None,
            now=now,
        ):
            return
        errors = {r.address: r.last_error for r in env.rcpts}
        dw = make_delay_warning(
            self.profile,
            envelope_id=env.id,
            mail_from=env.mail_from,
            delayed=[
                RecipientReport(a, _result("deferred", errors.get(a) or "deferred", None, "4.0.0")) for a in pending
            ],
            original=claim.message_path,
            received=_epoch(env.received),
            now=now,
        )
        if dw is not None and dw.rcpts:
            self.enqueue(dw.mail_from, list(dw.rcpts), dw.data)


def is_local(directory: Directory, address: str) -> bool:
    parts = split_address(address)
    return parts is not None and directory.is_local_domain(parts[1])
