"""The worker: a SAQ worker running our registered tasks (``consortium.jobs.registry``) from the queue.

Two ways to run one: ``consortium worker`` (``run_worker``: its own process, stopped by SIGTERM or SIGINT) and
inside each web process (``start_in_web``: the default on SQLite, so ``make run`` needs nothing else).

What makes a job survive a dead worker: a running job is touched every few seconds (``keep_alive``); one untouched
for ``HEARTBEAT_S`` is retried by the queue's sweep, which every worker runs every ``SWEEP_EVERY_S`` seconds. Work
is never lost with the worker: a job is only marked done after its task returned."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from saq import CronJob, Worker
from saq.types import PartialTimersDict

from consortium.jobs.enqueue import HEARTBEAT_S, TOUCH_EVERY_S, use_queue
from consortium.jobs.registry import CRONS, TASKS, TaskFunction
from consortium.settings import Settings

if TYPE_CHECKING:
    from saq.job import Job
    from saq.queue import Queue

logger = logging.getLogger("consortium.jobs")

SWEEP_EVERY_S = 10  # how often a worker looks for jobs whose worker died (SAQ's default is a minute)
STOP_GRACE_S = 10.0  # how long a stopping worker lets jobs in flight finish before cancelling them (then retried)
SaqFunction = Callable[..., Awaitable[Any]]


async def keep_alive(job: Job) -> None:
    """Touch ``job`` while its task runs, so that the sweep knows its worker is alive."""
    while True:
        await asyncio.sleep(TOUCH_EVERY_S)
        try:
            await job.update()
        except Exception:  # a missed touch is repaired by the next; a dead database ends the task anyway
            logger.warning("Could not touch job %s", job.key, exc_info=True)


def saq_function(name: str, function: TaskFunction, settings: Settings) -> SaqFunction:
    """Our task ``async def f(**kwargs)`` as SAQ calls it, ``f(ctx, **kwargs)``, touching its job as it runs. A task
    with a ``settings`` parameter gets the worker's (so a worker inside the web process uses the application's)."""
    wants_settings = "settings" in inspect.signature(function).parameters

    async def run(ctx: dict[str, Any], **kwargs: Any) -> Any:
        if wants_settings:
            kwargs["settings"] = settings
        beating = asyncio.create_task(keep_alive(ctx["job"]))
        try:
            return await function(**kwargs)
        finally:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating

    # SAQ names a cron job's function by its __qualname__ (and keys its slot "cron:<name>").
    run.__qualname__ = run.__name__ = name
    return run


def build_worker(settings: Settings, queue: Queue, *, open_database: bool = False) -> Worker[Any]:
    """A SAQ worker for every registered task and cron. ``open_database``: the worker is a process of its own and
    opens (and closes) Piccolo's PostgreSQL pool itself; in a web process the application already has."""
    import consortium.jobs.tasks  # noqa: F401 - every domain's tasks register on import
    from consortium.mail.transport import check_mail_settings

    check_mail_settings(settings)  # refuse to start with a mail server address that could never deliver
    functions = [(spec.name, saq_function(spec.name, spec.function, settings)) for spec in TASKS.values()]
    crons = [
        # unique: the slot's job has one key, so several workers never run the same minute twice.
        CronJob(
            saq_function(spec.name, spec.function, settings),
            cron=spec.schedule,
            unique=True,
            timeout=spec.timeout_s,
            heartbeat=HEARTBEAT_S,
            retries=1,
        )
        for spec in CRONS.values()
    ]
    worker: Worker[Any] = Worker(
        queue,
        functions=functions,
        cron_jobs=crons,
        concurrency=max(1, settings.worker_concurrency),
        startup=_open_database if open_database else None,
        shutdown=_close_database if open_database else None,
        timers=PartialTimersDict(schedule=1, worker_info=10, sweep=SWEEP_EVERY_S, abort=1),  # SAQ's, but the sweep
    )
    worker.SIGNALS = []  # who runs the worker decides what a signal means (uvicorn's in a web process)
    return worker


async def _open_database(ctx: dict[str, Any]) -> None:
    from piccolo.engine.postgres import PostgresEngine

    from consortium.db import engine, prepare_database

    db = engine()
    if isinstance(db, PostgresEngine):
        await db.start_connection_pool()
    await prepare_database()


async def _close_database(ctx: dict[str, Any]) -> None:
    from piccolo.engine.postgres import PostgresEngine

    from consortium.db import engine

    db = engine()
    if isinstance(db, PostgresEngine):
        await db.close_connection_pool()


class RunningWorker:
    """A worker started in this event loop, and its stop: jobs in flight get ``grace_s`` to finish; whatever is
    still running then is cancelled and goes back to the queue for the next worker."""

    def __init__(self, worker: Worker[Any]) -> None:
        self.worker = worker
        self.task = asyncio.create_task(worker.start(), name="consortium-worker")

    @property
    def jobs_in_flight(self) -> int:
        return len(self.worker.job_task_contexts)

    async def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace_s
        while self.jobs_in_flight and loop.time() < deadline:
            await asyncio.sleep(0.05)
        # Cancelling the worker's own task (not calling worker.stop()) stops it wherever it is: Worker.start() ends
        # in stop() either way, and a stop() that ran before start() got going would be undone by it.
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def start_in_web(settings: Settings, queue: Queue) -> RunningWorker:
    """A worker inside the web process, on the queue the web process enqueues on."""
    return RunningWorker(build_worker(settings, queue))


async def run_worker(settings: Settings) -> None:
    """``consortium worker``: run jobs until SIGTERM or SIGINT, then stop cleanly (jobs in flight finish, or are
    handed back to the queue)."""
    from consortium.jobs import processes
    from consortium.jobs.queue import build_queue

    queue = build_queue(settings)
    await queue.connect()
    use_queue(queue)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    try:
        running = RunningWorker(build_worker(settings, queue, open_database=True))
        logger.info("Worker started (%s jobs at once)", settings.worker_concurrency)
        print("Worker started; stop it with Ctrl+C or SIGTERM.", flush=True)
        signalled = asyncio.ensure_future(stopping.wait())
        await asyncio.wait([running.task, signalled], return_when=asyncio.FIRST_COMPLETED)
        signalled.cancel()
        await running.stop()
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        use_queue(None)
        await queue.disconnect()
        processes.shutdown()
    print("Worker stopped.", flush=True)
