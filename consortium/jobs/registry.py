"""The named tasks and the schedule: each domain declares its own with ``@task`` and ``@cron``; the worker runs them.

A task takes keyword arguments that JSON can carry (ids, never rows) and reads what it needs from the database, so a
job queued before a restart runs the same after it. Every task is safe to run twice: a retry after a crash, or a
sweep that finds the same work, must change nothing the first run already did."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

TaskFunction = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class TaskSpec:
    name: str
    function: TaskFunction
    timeout_s: int  # a run taking longer is cancelled and retried
    retries: int  # runs in all before the job is given up


@dataclass(frozen=True)
class CronSpec:
    name: str
    function: TaskFunction
    schedule: str  # crontab, in UTC: "* * * * *" is every minute
    timeout_s: int


TASKS: dict[str, TaskSpec] = {}
CRONS: dict[str, CronSpec] = {}


def task(name: str, *, timeout_s: int = 60, retries: int = 5) -> Callable[[TaskFunction], TaskFunction]:
    def register(function: TaskFunction) -> TaskFunction:
        if name in TASKS:
            raise ValueError(f"Two tasks are named {name!r}")
        TASKS[name] = TaskSpec(name, function, timeout_s, retries)
        return function

    return register


def cron(name: str, schedule: str, *, timeout_s: int = 300) -> Callable[[TaskFunction], TaskFunction]:
    def register(function: TaskFunction) -> TaskFunction:
        if name in CRONS:
            raise ValueError(f"Two scheduled tasks are named {name!r}")
        CRONS[name] = CronSpec(name, function, schedule, timeout_s)
        return function

    return register
