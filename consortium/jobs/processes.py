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

# A child renders this many documents and is then replaced, so memory WeasyPrint keeps between renders (font and
# image caches) cannot grow for ever.
TASKS_PER_CHILD = 50
PARENT_CHECK_S = 2.0  # how often a render process checks that the process it works for is still there

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            workers = max(1, Settings.from_env().render_processes)
            _pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                max_tasks_per_child=TASKS_PER_CHILD,
                initializer=_leave_with_parent,
                initargs=(os.getpid(),),
            )
        return _pool


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
    if pool is None:
        return
    children = list((getattr(pool, "_processes", None) or {}).values())  # the executor offers no public handle
    pool.shutdown(wait=False, cancel_futures=True)
    for child in children:
        if child.is_alive():
            child.terminate()
    for child in children:
        child.join(timeout=5)


atexit.register(shutdown)
