"""Pausing Python's cyclic garbage collector around a bounded bulk job.

The collector runs a full pass each time the number of surviving objects has grown by a quarter,
and each full pass walks every live object. A job that builds millions of small acyclic objects and
keeps them (a cohort's Results for the planner, an import's 10^5 prepared dossiers) therefore pays
for walking its own data again and again: 4.5 s of 10 s CPU for `plan()` at 10^4 products, 2–2.6 s
of an 18 s import of 10^5 dossiers (benchmarks/README.md). Neither job makes reference cycles worth
collecting while it runs; the collector resumes when the job ends, and a collector the caller had
turned off stays off. Reference counting still frees everything that is not in a cycle.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cyclic collector for the `with` block (process-wide: meant for batch jobs)."""
    mine = gc.isenabled()
    if mine:
        gc.disable()
    try:
        yield
    finally:
        if mine:
            gc.enable()
