"""Running build tasks in worker processes, or in this one.

The build's large read-only data (the archive, the plan, the Jinja
environment) is put in place *before* the workers are forked, so they
inherit it copy-on-write: a task is a few indices, never a pickled
archive. Results come back in task order, so what the build does with
them (the order of problems, records and written files) is the same for
any number of workers.

``fork`` is the start method on purpose: it starts in milliseconds and
shares the parent's memory, where ``spawn`` would re-import everything and
need the archive pickled. Work that is too small to pay for the forks runs
in this process.

A worker's exception comes back as a :class:`TaskFailure` carrying either
the user error (``path:line: message``) or the traceback of a bug, since
neither the Jinja exception nor its traceback can cross the process
boundary as they are.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import select
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from typing import Any, TypeVar

from generator.errors import UserError

T = TypeVar("T")
R = TypeVar("R")


class TaskFailure(Exception):
    """A task failed in a worker; `user` is the user error when it was one."""

    def __init__(self, user: tuple[str, int | None, str] | None, detail: str) -> None:
        super().__init__(user, detail)
        self.user = user
        self.detail = detail


def default_jobs() -> int:
    """One worker per CPU this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def run_tasks(
    work: Callable[[T], R],
    tasks: Sequence[T],
    jobs: int,
    *,
    min_parallel: int = 2,
    recycle: int | None = None,
    niceness: int = 0,
) -> Iterator[R]:
    """`work(task)` for every task, results in task order.

    With one job, or fewer than `min_parallel` tasks, everything runs here.
    `recycle`: a worker is replaced, by a new fork, after that many tasks.
    Reading an inherited object writes its reference count, so a worker's
    copy-on-write pages become private one by one; a fresh fork shares them
    all again, which keeps the workers' memory from growing to the parent's.
    A failure re-raises the worker's :class:`UserError` (or a RuntimeError
    with the worker's traceback) once the pool is torn down. `niceness`: how
    much lower than this process the workers run (`os.nice`), to yield to
    another process of the build (see render_pass.render_pages).
    """
    if jobs <= 1 or len(tasks) < min_parallel:
        for task in tasks:
            yield work(task)
        return
    context = multiprocessing.get_context("fork")
    # What the workers inherit is out of the collector's sight (in them and
    # here): a collection in a worker would write to every object it visits,
    # and so copy the pages of the archive that the worker never reads.
    gc.freeze()
    pool = context.Pool(
        min(jobs, len(tasks)),
        initializer=_worker_init,
        initargs=(niceness,),
        maxtasksperchild=recycle,
    )
    finished = False
    try:
        for outcome in pool.imap(_Guarded(work), tasks, chunksize=1):
            if isinstance(outcome, TaskFailure):
                raise _reraised(outcome)
            yield outcome
        finished = True
    finally:
        if finished:
            pool.close()
        else:
            pool.terminate()
        pool.join()


class _Guarded:
    """Wraps a task so that any failure comes back as a picklable value."""

    def __init__(self, work: Callable[[Any], Any]) -> None:
        self.work = work

    def __call__(self, task: Any) -> Any:
        try:
            return self.work(task)
        except UserError as error:
            return TaskFailure((error.path, error.line, error.message), "")
        except Exception:
            return TaskFailure(None, traceback.format_exc())


def _reraised(failure: TaskFailure) -> Exception:
    if failure.user is not None:
        return UserError(*failure.user)
    return RuntimeError(f"a build worker failed:\n{failure.detail}")


def _worker_init(niceness: int = 0) -> None:
    # Ctrl-C goes to the whole process group: the parent handles it and
    # tears the pool down; workers printing tracebacks would only add noise.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The parent may have its own SIGTERM handler (`serve` turns it into
    # Ctrl-C); a worker is stopped by SIGTERM and must simply stop.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent()
    if niceness:
        # (AttributeError: no os.nice on this platform; either way it runs as it was)
        with suppress(AttributeError, OSError):
            os.nice(niceness)


def die_with_parent() -> None:
    """Have this forked process exit when the build that forked it dies.

    A build killed outright (``kill -9``, the OOM killer) cannot tear its pool
    down: its workers would render on for nobody, then each print a
    BrokenPipeError traceback when it sent its result. A daemon thread waits
    for the parent to end and then ends the process at once.

    Not the kernel's PR_SET_PDEATHSIG: its "parent" is the *thread* that
    forked, and the pool forks replacement workers (``recycle``) from its
    worker-handler thread, which ends when the pool is closed. The kernel then
    killed those workers, one of them at times between sending its last
    result and releasing the result queue's lock, and ``Pool.join`` waited
    for that lock for ever: a build of 251,052 cables hung at its index pages.
    """
    parent = os.getppid()
    if parent == 1:  # the parent died before this worker got here
        raise SystemExit(0)
    threading.Thread(target=_exit_with, args=(parent,), name="exit-with-build", daemon=True).start()


def _exit_with(parent: int) -> None:
    """Wait for `parent` to end (a pidfd on Linux; elsewhere, a look every half second)."""
    try:
        watched = os.pidfd_open(parent)
    except (AttributeError, OSError):
        watched = None
    if watched is not None and os.getppid() == parent:
        # A pidfd turns readable when its process ends, zombie or not.
        # (poll, not select: a worker forked by a busy `serve` may hold more than
        # select's 1,024 descriptors, and the pidfd's number can be above them)
        waiting = select.poll()
        waiting.register(watched, select.POLLIN)
        waiting.poll()
    else:
        while os.getppid() == parent:
            time.sleep(0.5)
    # At once, as the kernel's kill would: no clean-up, no traceback.
    os.kill(os.getpid(), signal.SIGKILL)
