"""The OS processes that do CPU-bound work (PDF renders) for this process's jobs.

WeasyPrint holds the GIL for the whole of a render; run in a thread it would slow every request the same process
answers. A render is therefore sent to a separate process from one process-wide pool, made on first use with
``settings.render_processes`` workers and shut down when this process exits. The children are started fresh
("spawn"), never forked from a process that holds database connections and an event loop."""

from __future__ import annotations

import asyncio
import atexit
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from consortium.settings import Settings

T = TypeVar("T")

# The render processes are replaced after this many renders each, so memory WeasyPrint keeps between renders (font
# and image caches) cannot grow for ever. Not with the executor's own max_tasks_per_child: on Python 3.11 a pool
# with it hangs for ever once more tasks are waiting than its children have left (CPython gh-115634; seen here when
# a document was checked while others rendered). The whole pool is retired instead: ``shutdown(wait=False)`` lets
# the renders already given to it finish, then its processes exit, and the next render starts a new pool.
TASKS_PER_CHILD = 50
PARENT_CHECK_S = 2.0  # how often a render process checks that the process it works for is still there

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_given = 0  # tasks given to the current pool
_retired_children: list[Any] = []  # processes of retired pools, maybe still finishing a render (for ``shutdown``)


def _executor() -> ProcessPoolExecutor:
    global _pool, _given
    with _lock:
        workers = max(1, Settings.from_env().render_processes)
        if _pool is not None and _given >= TASKS_PER_CHILD * workers:
            _retired_children.extend(_children(_pool))
            _pool.shutdown(wait=False)
            _pool = None
        _retired_children[:] = [child for child in _retired_children if child.is_alive()]
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_leave_with_parent,
                initargs=(os.getpid(),),
            )
            _given = 0
        _given += 1
        return _pool


def _children(pool: ProcessPoolExecutor) -> list[Any]:
    return list((getattr(pool, "_processes", None) or {}).values())  # the executor offers no public handle


def _leave_with_parent(parent_pid: int) -> None:
    """In a render process: exit when the process that started it is gone. A parent killed with SIGKILL runs no
    clean-up, and its idle children would otherwise wait for work for ever (orphans holding memory)."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_S)
        os._exit(0)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


async def run_in_process(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in a render process; the caller's event loop keeps serving while it runs. ``function``
    and its arguments and result cross the process boundary by pickling: module-level functions and plain values.

    A pool whose child died (killed, out of memory) is broken for good: it is dropped so the next call starts a new
    one, and the error is raised for the job to be retried."""
    pool = _executor()
    try:
        return await asyncio.get_running_loop().run_in_executor(pool, function, *args)
    except BrokenProcessPool:
        _discard(pool)
        raise


def _discard(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def shutdown() -> None:
    """Stop the render processes (at exit). A render still running is abandoned, not waited for: its job was not
    marked done, so it is run again by the next worker, and a stopping worker must not wait minutes for it."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
        children = _retired_children[:]
        _retired_children.clear()
    if pool is not None:
        children += _children(pool)
        pool.shutdown(wait=False, cancel_futures=True)
    for child in children:
        if child.is_alive():
            child.terminate()
    for child in children:
        child.join(timeout=5)


atexit.register(shutdown)
