"""Queue a named task for a worker. Called after the transaction that made the work commits; the work itself is
in the database (an outbox row, a document marked rendering), and a scheduled sweep finds anything a lost enqueue
left behind, so a failure to enqueue is logged and never fails the request.

The queue is process-wide: the web application and the worker set it at start-up (``use_queue``); anything else (a
command) gets one connected on first use from the environment's settings, closed by ``close_queue``. A queue
belongs to the event loop it was connected on, so one left from another loop is replaced."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from saq.job import Job

from consortium.jobs.registry import TASKS, TaskSpec

if TYPE_CHECKING:
    from saq.queue import Queue

logger = logging.getLogger("consortium.jobs")

# A running job is touched this often by its worker; one untouched for HEARTBEAT_S had its worker die (SIGKILL,
# power cut) and is handed to another worker by the queue's sweep.
HEARTBEAT_S = 20
TOUCH_EVERY_S = 5
# Retries wait RETRY_DELAY_S, doubling (with jitter) up to RETRY_MAX_DELAY_S, so a server that is down for a while
# is not hammered.
RETRY_DELAY_S = 2.0
RETRY_MAX_DELAY_S = 300.0
# How long a finished job's record is kept: its key refuses a second job for the same work in that time.
KEEP_FINISHED_S = 24 * 3600

_queue: Queue | None = None
_owned = False  # connected here on first use (not set by the app or a worker), so closed here too
_loop: asyncio.AbstractEventLoop | None = None


def use_queue(queue: Queue | None) -> None:
    """The queue this process enqueues on, set by whatever connected it (None when it is disconnected)."""
    global _queue, _owned, _loop
    _queue, _owned = queue, False
    _loop = asyncio.get_running_loop() if queue is not None else None


async def _current_queue() -> Queue:
    global _queue, _owned, _loop
    loop = asyncio.get_running_loop()
    if _queue is not None and _loop is loop:
        return _queue
    from consortium.jobs.queue import build_queue
    from consortium.settings import Settings

    queue = build_queue(Settings.from_env())
    await queue.connect()
    _queue, _owned, _loop = queue, True, loop
    return queue


async def close_queue() -> None:
    """Disconnect a queue this module connected on first use (a command that enqueued on its way out)."""
    global _queue, _owned, _loop
    if _queue is not None and _owned and _loop is asyncio.get_running_loop():
        await _queue.disconnect()
    if _owned:
        _queue, _owned, _loop = None, False, None


def task_spec(name: str) -> TaskSpec:
    """The registered task ``name``. Tasks register when ``consortium.jobs.tasks`` is imported, which whatever
    starts the process does (the application, the worker, the command line): importing it here would make every
    service that enqueues depend on every domain's tasks, and they on it."""
    try:
        return TASKS[name]
    except KeyError:
        raise KeyError(f"No task is registered as {name!r}: is consortium.jobs.tasks imported at start-up?") from None


def new_job(name: str, *, key: str | None, scheduled_at: datetime | None, kwargs: dict[str, Any]) -> Job:
    spec = task_spec(name)
    job = Job(
        function=name,
        kwargs=kwargs,
        timeout=spec.timeout_s,
        retries=spec.retries,
        retry_delay=RETRY_DELAY_S,
        retry_backoff=RETRY_MAX_DELAY_S,
        heartbeat=HEARTBEAT_S,
        ttl=KEEP_FINISHED_S,
        scheduled=int(scheduled_at.timestamp()) if scheduled_at is not None else 0,
    )
    if key is not None:
        job.key = key
    return job


async def enqueue(name: str, *, key: str | None = None, scheduled_at: datetime | None = None, **kwargs: Any) -> None:
    """Queue task ``name`` with ``kwargs``. A job with the same ``key`` already waiting is not queued again."""
    try:
        job = new_job(name, key=key, scheduled_at=scheduled_at, kwargs=kwargs)
        queue = await _current_queue()
        if await queue.enqueue(job) is None:
            logger.debug("Job %s (%s) is already queued", key, name)
    except Exception:
        logger.warning("Could not queue %s (key %s); the next sweep will find the work", name, key, exc_info=True)
