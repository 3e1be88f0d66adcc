"""Fewer garbage-collector passes while a profile is built or loaded in bulk.

Compiling or checking a 10,000-account install creates some hundreds of thousands of small objects
that all stay alive until the end (parsed lines, accounts, report entries). With CPython's default
thresholds the cyclic collector runs every 700 allocations and keeps re-walking that growing heap,
which measured as a quarter of a compile. Raising the thresholds for the duration keeps collection
on (cycles are still found) but at a rate that matches a batch job.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

BATCH_THRESHOLDS = (50_000, 20, 100)


@contextmanager
def batch_allocations() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(*BATCH_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
