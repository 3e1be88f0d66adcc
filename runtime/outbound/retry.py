"""The retry schedule: when to try again, when to give up, when to warn the sender.

``delivery.retry_schedule`` lists the waits between attempts (the last one repeats);
``delivery.give_up_after`` is the longest a message stays queued. The last attempt is made *at* the
give-up time rather than skipped, so a message is never bounced without one more try at the end.
All functions are pure (times are epoch seconds) so the delivery process and tests share them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Plan:
    """``give_up``: bounce now; otherwise try again at ``next_attempt``."""

    give_up: bool
    next_attempt: float | None = None


def wait_after(delivery: Any, attempts: int) -> float:
    """The wait after the ``attempts``-th failed attempt (1-based)."""
    schedule = list(delivery.retry_schedule) or [300]
    return float(schedule[min(max(attempts, 1), len(schedule)) - 1])


def plan(delivery: Any, *, received: float, attempts: int, now: float) -> Plan:
    """What to do after a failed (4xx) attempt made at ``now``; ``attempts`` counts it."""
    deadline = received + float(delivery.give_up_after)
    if now >= deadline:
        return Plan(True)
    return Plan(False, min(now + wait_after(delivery, attempts), deadline))


def delay_warning_due(delivery: Any, *, received: float, previous_attempt: float | None, now: float) -> bool:
    """True exactly once: on the first failed attempt at or after ``delay_warning_after``.

    Stateless: the warning is due when the threshold lies between the previous attempt and this one, so
    the queue needs no extra field. A message that is bounced at the same attempt gets no warning.
    """
    after = delivery.delay_warning_after
    if after is None:
        return False
    threshold = received + float(after)
    if received + float(delivery.give_up_after) <= now:
        return False
    if previous_attempt is None:
        return threshold <= now  # the first failure already reaches the threshold (or after is 0)
    return previous_attempt < threshold <= now
