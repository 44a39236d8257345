"""The job queue keeps SAQ's contract on the database the run uses: our SqliteQueue on SQLite and SAQ's own
PostgresQueue in the PostgreSQL pass (these tests use ``db``, so they run in both). Workers are SAQ's own, running real
functions; the crash tests kill real worker processes with SIGKILL.

Each test has a queue of its own name, so what one leaves in the SAQ tables never reaches another."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from saq import CronJob, Queue, Worker
from saq.job import Status
from saq.types import Context

from consortium.jobs.queue import build_queue
from consortium.jobs.sqlite_queue import SqliteQueue
from consortium.settings import Settings
from tests.jobs.queue_worker_process import LEASE_SECONDS, POLL_INTERVAL, TIMERS, lines, record

REPO = Path(__file__).resolve().parents[2]
WAIT = 30.0  # the longest any condition below may take before the test fails


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = WAIT, what: str = "condition") -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"Gave up waiting {timeout:.0f}s for {what}")
        await asyncio.sleep(0.05)


def make_queue(settings: Settings, **options: Any) -> Queue:
    return build_queue(settings, name=f"test-{uuid.uuid4().hex[:12]}", **options)


@pytest.fixture
async def queue(db: None, settings: Settings) -> AsyncIterator[Queue]:
    queue = make_queue(settings, lease_seconds=LEASE_SECONDS, poll_interval=POLL_INTERVAL)
    await queue.connect()
    yield queue
    await queue.disconnect()


def on_postgres(queue: Queue) -> bool:
    return not isinstance(queue, SqliteQueue)


@contextlib.asynccontextmanager
async def running(worker: Worker[Any]) -> AsyncIterator[Worker[Any]]:
    started = asyncio.create_task(worker.start())
    try:
        yield worker
    finally:
        await worker.stop()
        await started


async def add(ctx: Context, *, a: int, b: int) -> int:
    return a + b


async def fails_at_first(ctx: Context, *, record_file: str, failures: int) -> str:
    attempt = ctx["job"].attempts
    record(record_file, f"attempt {attempt}")
    if attempt <= failures:
        raise RuntimeError(f"failure number {attempt}")
    return "done"


async def tick(ctx: Context, *, record_file: str) -> None:
    record(record_file, "tick")


def worker_for(queue: Queue, *functions: Any, **options: Any) -> Worker[Any]:
    return Worker(queue, functions=list(functions), concurrency=4, timers=TIMERS, **options)


async def status_of(queue: Queue, key: str) -> Status | None:
    job = await queue.job(key)
    return job.status if job else None


# The queue by itself ----------------------------------------------------------------------------------------------


async def test_a_job_goes_from_enqueue_to_dequeue_to_finished(queue: Queue) -> None:
    queued = await queue.enqueue("add", key="one", a=1, b=2)
    assert queued is not None and queued.status == Status.QUEUED
    assert await queue.count("queued") == 1

    job = await queue.dequeue(timeout=5)
    assert job is not None
    assert (job.key, job.function, job.kwargs, job.status) == ("one", "add", {"a": 1, "b": 2}, Status.ACTIVE)
    assert await queue.count("active") == 1
    assert await queue.dequeue(timeout=0.2) is None  # taken: nobody else gets it

    await job.finish(Status.COMPLETE, result=3)
    stored = await queue.job("one")
    assert stored is not None
    assert (stored.status, stored.result, stored.kwargs) == (Status.COMPLETE, 3, {"a": 1, "b": 2})
    assert await queue.count("incomplete") == 0
    assert await queue.jobs(["one", "missing"]) == [stored, None]


async def test_a_key_that_is_waiting_or_running_is_not_queued_again(queue: Queue) -> None:
    assert await queue.enqueue("add", key="same", a=1, b=1) is not None
    assert await queue.enqueue("add", key="same", a=2, b=2) is None  # SAQ: None means already queued
    assert await queue.count("queued") == 1

    job = await queue.dequeue(timeout=5)
    assert job is not None and job.kwargs == {"a": 1, "b": 1}
    assert await queue.enqueue("add", key="same", a=3, b=3) is None  # running: still not queued again

    await job.finish(Status.COMPLETE, result=2)
    again = await queue.enqueue("add", key="same", a=4, b=4)  # finished: it may run again
    assert again is not None
    taken = await queue.dequeue(timeout=5)
    assert taken is not None and taken.kwargs == {"a": 4, "b": 4}


async def test_a_scheduled_job_waits_for_its_time(queue: Queue) -> None:
    due = int(time.time()) + 2  # one to two seconds from now (SAQ schedules in whole seconds)
    await queue.enqueue("add", key="later", scheduled=due, a=1, b=1)
    assert await queue.count("queued") == 0  # not due yet

    assert await queue.dequeue(timeout=0.5) is None
    # A worker takes it once due (on PostgreSQL its schedule timer looks for jobs falling due; no NOTIFY says so).
    async with running(worker_for(queue, add)):
        await eventually(lambda: _has_status(queue, "later", Status.COMPLETE), what="the scheduled job to run")
    job = await queue.job("later")
    assert job is not None and job.started >= due * 1000


async def test_the_lowest_priority_number_is_taken_first(queue: Queue) -> None:
    for key, priority in [("low", 5), ("high", 1), ("middle", 3)]:
        await queue.enqueue("add", key=key, priority=priority, a=0, b=0)
    taken = [await queue.dequeue(timeout=5) for _ in range(3)]
    assert [job.key for job in taken if job] == ["high", "middle", "low"]


async def test_a_dequeue_wakes_at_once_for_a_job_queued_in_the_same_process(db: None, settings: Settings) -> None:
    """SQLite: with long polls (10 s) between looks, only the wake-up can bring the job in time. (PostgreSQL: SAQ's
    LISTEN/NOTIFY, whose start a test cannot see: a NOTIFY sent before the LISTEN is missed, and a worker's next
    enqueue or the minute's crons bring the job instead. There the dequeue polls, so the test checks the job
    arrives, not SAQ's listener's timing.)"""
    queue = make_queue(settings, poll_interval=10)
    await queue.connect()
    try:
        sqlite = isinstance(queue, SqliteQueue)
        waiting = asyncio.create_task(queue.dequeue(timeout=8) if sqlite else queue.dequeue(8, poll_interval=0.2))
        if sqlite:
            await eventually(lambda: _true(queue.waiting == 1), what="the dequeue to look, find nothing and wait")
        started = time.monotonic()
        await queue.enqueue("add", key="wake", a=1, b=1)
        job = await waiting
        assert job is not None and job.key == "wake"
        assert time.monotonic() - started < 2
    finally:
        await queue.disconnect()


async def test_the_queue_reports_its_jobs_and_workers(queue: Queue) -> None:
    await queue.enqueue("add", key="a", a=1, b=1)
    await queue.enqueue("add", key="b", a=1, b=1)
    await queue.enqueue("add", key="c", scheduled=int(time.time()) + 600, a=1, b=1)
    running_job = await queue.dequeue(timeout=5)
    assert running_job is not None
    await queue.worker_info("worker-1", queue_key=queue.name, metadata={"host": "here"}, ttl=60)

    info = await queue.info(jobs=True)
    assert (info["queued"], info["active"], info["scheduled"]) == (1, 1, 1)
    assert info["workers"]["worker-1"]["metadata"] == {"host": "here"}
    assert sorted(job["key"] for job in info["jobs"]) == ["a", "b", "c"]

    waiting = await queue.job("b" if running_job.key == "a" else "a")
    assert waiting is not None
    await queue.abort(waiting, "no longer wanted")  # waiting: aborted at once
    assert await status_of(queue, waiting.key) == Status.ABORTED
    await queue.abort(running_job, "stop please")  # running: its worker is asked to stop it
    assert await status_of(queue, running_job.key) == Status.ABORTING

    every = [job.key async for job in queue.iter_jobs(batch_size=1)]
    assert sorted(every) == ["a", "b", "c"]
    aborted = [job.key async for job in queue.iter_jobs([Status.ABORTED])]
    assert aborted == [waiting.key]


async def test_finished_jobs_are_deleted_once_their_ttl_has_passed(queue: Queue) -> None:
    await queue.enqueue("add", key="short", ttl=1, a=1, b=1)
    await queue.enqueue("add", key="kept", ttl=0, a=1, b=1)  # 0: kept indefinitely
    for _ in range(2):
        job = await queue.dequeue(timeout=5)
        assert job is not None
        await job.finish(Status.COMPLETE, result=2)

    async def swept_away() -> bool:
        await queue.sweep(lock=1, abort=0.1)
        return await queue.job("short") is None

    await eventually(swept_away, what="the finished job to be deleted after its ttl")
    assert await status_of(queue, "kept") == Status.COMPLETE


async def test_a_job_whose_worker_stopped_is_queued_again_and_given_up_after_its_retries(
    db: None, settings: Settings
) -> None:
    """The first queue claims two jobs and stops (it renews no lease and sends no heartbeat); the second sweeps.
    On SQLite the lease runs out; SAQ's PostgresQueue finds them by their heartbeat."""
    first = make_queue(settings, lease_seconds=0.5)
    await first.connect()
    second = build_queue(settings, name=first.name)
    await second.connect()
    try:
        heartbeat = {"heartbeat": 1} if on_postgres(first) else {}
        await first.enqueue("add", key="again", retries=2, a=1, b=1, **heartbeat)
        await first.enqueue("add", key="last", retries=1, a=1, b=1, **heartbeat)
        for _ in range(2):
            job = await first.dequeue(timeout=5)
            assert job is not None
            job.attempts += 1  # as SAQ's worker does when it starts a job
            await job.update(status=Status.ACTIVE)
        await first.disconnect()

        async def both_swept() -> bool:
            await second.sweep(lock=1, abort=0.1)
            return {await status_of(second, "again"), await status_of(second, "last")} <= {
                Status.QUEUED,
                Status.FAILED,
                Status.ABORTED,
            }

        await eventually(both_swept, what="the stopped worker's jobs to be swept")
        retried = await second.job("again")
        assert retried is not None and retried.status == Status.QUEUED and retried.error == second.swept_error_message
        # SAQ's PostgresQueue records the job it gives up as aborted (its sweep aborted it); ours as failed.
        assert await status_of(second, "last") == (Status.ABORTED if on_postgres(second) else Status.FAILED)
        taken = await second.dequeue(timeout=5)
        assert taken is not None and taken.key == "again"
    finally:
        await first.disconnect()
        await second.disconnect()


# SAQ's worker on the queue ----------------------------------------------------------------------------------------


async def test_a_saq_worker_runs_real_functions_and_stores_their_results(queue: Queue) -> None:
    async with running(worker_for(queue, add)):
        results = await queue.map("add", [{"a": n, "b": 100} for n in range(10)], timeout=WAIT, poll_interval=0.05)
    assert results == [n + 100 for n in range(10)]
    assert await queue.count("incomplete") == 0


async def test_a_failing_job_is_retried_until_it_succeeds(queue: Queue, tmp_path: Path) -> None:
    trace = tmp_path / "trace"
    async with running(worker_for(queue, fails_at_first)):
        await queue.enqueue("fails_at_first", key="flaky", retries=3, record_file=str(trace), failures=2)
        await eventually(lambda: _has_status(queue, "flaky", Status.COMPLETE), what="the flaky job to succeed")
    job = await queue.job("flaky")
    assert job is not None and (job.result, job.attempts) == ("done", 3)
    assert lines(trace) == ["attempt 1", "attempt 2", "attempt 3"]


async def test_a_job_that_keeps_failing_is_given_up_after_its_retries(queue: Queue, tmp_path: Path) -> None:
    trace = tmp_path / "trace"
    async with running(worker_for(queue, fails_at_first)):
        await queue.enqueue("fails_at_first", key="broken", retries=2, record_file=str(trace), failures=99)
        await eventually(lambda: _has_status(queue, "broken", Status.FAILED), what="the job to be given up")
    job = await queue.job("broken")
    assert job is not None and job.attempts == 2 and "failure number 2" in (job.error or "")
    assert lines(trace) == ["attempt 1", "attempt 2"]


async def takes_a_while(ctx: Context, *, record_file: str, seconds: float) -> None:
    record(record_file, "started")
    await asyncio.sleep(seconds)


async def test_a_job_running_longer_than_its_lease_is_left_to_its_worker(
    db: None, settings: Settings, tmp_path: Path
) -> None:
    """The worker's process renews the lease while the job runs, so its own sweeps (every second) leave it alone."""
    trace = tmp_path / "trace"
    queue = make_queue(settings, lease_seconds=0.5, poll_interval=POLL_INTERVAL)
    await queue.connect()
    try:
        async with running(worker_for(queue, takes_a_while)):
            await queue.enqueue("takes_a_while", key="long", retries=3, record_file=str(trace), seconds=2.5)
            await eventually(lambda: _has_status(queue, "long", Status.COMPLETE), what="the long job to finish")
        job = await queue.job("long")
        assert job is not None and job.attempts == 1
        assert lines(trace) == ["started"]
    finally:
        await queue.disconnect()


async def test_a_cron_job_is_queued_once_under_its_key_and_run(queue: Queue, tmp_path: Path) -> None:
    trace = tmp_path / "trace"
    cron = CronJob(tick, cron="* * * * * *", kwargs={"record_file": str(trace)})  # every second (sixth field)
    worker = worker_for(queue, cron_jobs=[cron])
    await worker.schedule()
    await worker.schedule()  # a second round finds it still waiting: not queued twice
    assert [job.key async for job in queue.iter_jobs()] == ["cron:tick"]
    async with running(worker):
        await eventually(lambda: _true(bool(lines(trace))), what="the cron job to run")


# Real worker processes --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def worker_processes(
    queue: Queue, settings: Settings, trace: Path, count: int
) -> Iterator[list[subprocess.Popen[bytes]]]:
    log = (trace.parent / "workers.log").open("ab")
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.jobs.queue_worker_process", settings.database_url, queue.name, str(trace)],
            cwd=REPO,
            stdout=log,
            stderr=log,
        )
        for _ in range(count)
    ]
    try:
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


async def _ready(trace: Path, count: int) -> bool:
    return sum(line.startswith("ready ") for line in lines(trace)) >= count


async def test_a_job_whose_worker_is_killed_runs_again_exactly_once_more(
    queue: Queue, settings: Settings, tmp_path: Path
) -> None:
    trace = tmp_path / "trace"
    # On PostgreSQL, SAQ finds a dead worker's job by its heartbeat (the job beats while it runs); SQLite by lease.
    heartbeat = {"heartbeat": 1} if on_postgres(queue) else {}
    with worker_processes(queue, settings, trace, 1) as [doomed]:
        await eventually(lambda: _ready(trace, 1), what="the worker process to start")
        await queue.enqueue(
            "stalls_first_time", key="survivor", retries=3, timeout=600, record_file=str(trace), **heartbeat
        )
        await eventually(lambda: _true(f"attempt 1 {doomed.pid}" in lines(trace)), what="the first run to start")
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(timeout=10)
    assert await status_of(queue, "survivor") == Status.ACTIVE  # claimed by a worker that is gone

    from tests.jobs.queue_worker_process import FUNCTIONS

    async with running(worker_for(queue, *FUNCTIONS)):
        await eventually(lambda: _has_status(queue, "survivor", Status.COMPLETE), what="the job to run again")
    job = await queue.job("survivor")
    assert job is not None and (job.result, job.attempts) == (2, 2)
    runs = [line.split()[1] for line in lines(trace) if line.startswith("attempt ")]
    assert runs == ["1", "2"]


async def test_two_worker_processes_never_run_one_job_twice(queue: Queue, settings: Settings, tmp_path: Path) -> None:
    trace = tmp_path / "trace"
    keys = [f"job-{n}" for n in range(50)]
    with worker_processes(queue, settings, trace, 2) as processes:
        await eventually(lambda: _ready(trace, 2), what="both worker processes to start")
        for key in keys:
            await queue.enqueue("append_key", key=key, record_file=str(trace), label=key)

        async def all_complete() -> bool:
            return all(job is not None and job.status == Status.COMPLETE for job in await queue.jobs(keys))

        await eventually(all_complete, what="all 50 jobs to complete")
        pids = {str(process.pid) for process in processes}
    ran = [line.split() for line in lines(trace) if line.startswith("ran ")]
    assert Counter(key for _, key, _ in ran) == Counter(keys)  # every job once, none twice
    assert {pid for _, _, pid in ran} == pids  # and both workers took a share
    assert all(job is not None and job.attempts == 1 for job in await queue.jobs(keys))


async def _has_status(queue: Queue, key: str, status: Status) -> bool:
    return await status_of(queue, key) == status


async def _true(value: bool) -> bool:
    return value
