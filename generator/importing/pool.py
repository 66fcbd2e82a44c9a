"""An ordered, bounded parallel map over worker processes.

`Pool.imap` would read its whole input ahead (a 1.7 GB dump into memory);
this keeps at most `window` tasks in flight and yields results in input
order, so memory stays flat and the report lists problems in file order.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def ordered_map(
    fn: Callable[[T], R], tasks: Iterable[T], *, jobs: int, window_per_job: int = 3
) -> Iterator[tuple[T, R]]:
    """(task, fn(task)) in task order, computed by `jobs` processes (in-process when jobs <= 1)."""
    if jobs <= 1:
        for task in tasks:
            yield task, fn(task)
        return
    # fork where there is one: "spawn" and "forkserver" start each worker by
    # importing the caller's main module, which breaks any script that calls
    # run_import without an `if __name__ == "__main__"` guard.  The executor
    # forks all its workers before it starts its own thread, and this is
    # called before the import holds much memory.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    window = jobs * window_per_job
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as executor:
        pending: deque[tuple[T, Future[R]]] = deque()
        try:
            for task in tasks:
                pending.append((task, executor.submit(fn, task)))
                if len(pending) >= window:
                    done_task, future = pending.popleft()
                    yield done_task, future.result()
            while pending:
                done_task, future = pending.popleft()
                yield done_task, future.result()
        finally:
            for _, future in pending:
                future.cancel()
