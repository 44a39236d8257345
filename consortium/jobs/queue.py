"""The job queue, in the database we already run: SAQ's own PostgresQueue on PostgreSQL, our SqliteQueue on SQLite.

Either way the queued work lives in the database, so a restart loses nothing. How a job whose worker died comes back:
on SQLite its lease runs out (``lease_seconds``) and the sweep queues it again; on PostgreSQL SAQ's sweep retries it
once it is past its timeout (or heartbeat), so every task needs a timeout (the registry's ``timeout_s``)."""

from __future__ import annotations

from saq.queue.base import Queue

from consortium.jobs.sqlite_queue import DEFAULT_LEASE_SECONDS, DEFAULT_POLL_INTERVAL_SECONDS, SqliteQueue
from consortium.settings import Settings

QUEUE_NAME = "consortium"


def build_queue(
    settings: Settings,
    *,
    name: str = QUEUE_NAME,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    poll_interval: float = DEFAULT_POLL_INTERVAL_SECONDS,
) -> Queue:
    """The queue for ``settings.database_url`` (not yet connected: ``await queue.connect()``).

    ``lease_seconds`` and ``poll_interval`` tune the SQLite queue (see SqliteQueue); PostgreSQL wakes workers with
    LISTEN/NOTIFY and needs neither."""
    if settings.is_sqlite:
        return SqliteQueue(settings.sqlite_path, name=name, lease_seconds=lease_seconds, poll_interval=poll_interval)
    if settings.database_url.startswith(("postgresql://", "postgres://")):
        from saq.queue.postgres import PostgresQueue

        # A worker holds one connection to LISTEN and takes others briefly; a web process only enqueues.
        return PostgresQueue.from_url(settings.database_url, name=name, min_size=1, max_size=10)
    raise ValueError(f"DATABASE_URL must start with sqlite:/// or postgresql://, not {settings.database_url!r}")
