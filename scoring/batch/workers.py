"""The worker threads of one batch.

Most of a batch's time is spent inside numpy ufuncs and Arrow kernels, which release the GIL, on
independent pieces: the table's columns, the form groups, the (criteria set, period) decisions.
Threads (not processes) share the table without copying it; results are gathered in submission
order, so the output never depends on which thread ran what. With one worker everything runs in
the calling thread.
"""
from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator

MAX_DEFAULT = 4  # beyond a few threads the Python parts between kernels (GIL-bound) dominate


def default_workers() -> int:
    return max(1, min(MAX_DEFAULT, os.cpu_count() or 1))


class Inline:
    """The executor interface, run in the calling thread (one worker, or nested use)."""

    def map(self, fn: Callable[..., Any], *items: Iterable[Any]) -> Iterator[Any]:
        return map(fn, *items)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # re-raised by .result(), as a pool's future would
            future.set_exception(exc)
        return future


@contextmanager
def executor(workers: int | None) -> Iterator[ThreadPoolExecutor | Inline]:
    n = default_workers() if workers is None else workers
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"workers: {workers!r} is not allowed; allowed: a whole number ≥ 1, or None for "
                         f"the machine's cores (up to {MAX_DEFAULT})")
    if n == 1:
        yield Inline()
        return
    with ThreadPoolExecutor(n, thread_name_prefix="ocop-batch") as pool:
        yield pool
