"""A SAQ worker in a process of its own, for the queue tests that kill workers or run two at once.

    python -m tests.jobs.queue_worker_process DATABASE_URL QUEUE_NAME RECORD_FILE [CONCURRENCY]

Each task appends a line to RECORD_FILE (one small O_APPEND write, so lines from several processes never mix); the
worker writes "ready <pid>" once it is taking jobs."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from saq import Worker
from saq.types import Context, Function, PartialTimersDict

from consortium.jobs.queue import build_queue
from consortium.settings import Settings

LEASE_SECONDS = 2.0
POLL_INTERVAL = 0.1
TIMERS: PartialTimersDict = {"schedule": 1, "sweep": 1, "abort": 1, "worker_info": 5}


def record(path: str | Path, line: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, f"{line}\n".encode())
    finally:
        os.close(descriptor)


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


async def append_key(ctx: Context, *, record_file: str, label: str) -> str:
    """A short job that leaves a trace: who ran which job."""
    await asyncio.sleep(0.05)
    record(record_file, f"ran {label} {os.getpid()}")
    return label


async def stalls_first_time(ctx: Context, *, record_file: str) -> int:
    """Its first run hangs (until the worker is killed); later runs finish at once."""
    attempt = ctx["job"].attempts
    record(record_file, f"attempt {attempt} {os.getpid()}")
    while attempt == 1:
        await asyncio.sleep(0.3)
        await ctx["job"].update()  # SAQ's heartbeat: this run is alive until its process is killed
    return attempt


FUNCTIONS: list[Function[Context]] = [append_key, stalls_first_time]


def worker(queue: Any, record_file: str, concurrency: int) -> Worker:
    async def announce(ctx: Context) -> None:
        record(record_file, f"ready {os.getpid()}")

    return Worker(queue, functions=FUNCTIONS, concurrency=concurrency, timers=TIMERS, startup=announce)


async def main(database_url: str, name: str, record_file: str, concurrency: int) -> None:
    queue = build_queue(
        Settings(database_url=database_url), name=name, lease_seconds=LEASE_SECONDS, poll_interval=POLL_INTERVAL
    )
    await queue.connect()
    try:
        await worker(queue, record_file, concurrency).start()  # until SIGTERM (or SIGKILL)
    finally:
        await queue.disconnect()


if __name__ == "__main__":
    url, queue_name, record_path, *rest = sys.argv[1:]
    asyncio.run(main(url, queue_name, record_path, int(rest[0]) if rest else 4))
