"""A SAQ queue kept in the SQLite database the product already runs on, so the embedded default needs no other server.

Modelled on SAQ's own ``PostgresQueue``: the same ``saq_jobs`` and ``saq_stats`` tables (created here on connect, as
SAQ creates its own on PostgreSQL), the same enqueue rule (a key that exists and is not finished is not queued again)
and the same dequeue order (lowest ``priority`` first, then earliest ``scheduled``; one active job per ``group_key``).

What SQLite lacks, and what we do instead:

- Row locks (``FOR UPDATE SKIP LOCKED``): a claim is one ``BEGIN IMMEDIATE`` transaction, and SQLite runs those one at
  a time across every process on the file, so two workers can never claim the same job.
- LISTEN/NOTIFY: an enqueue wakes the waiting dequeues of this process at once (an asyncio event per waiter), and
  waiting dequeues poll every ``poll_interval`` seconds for jobs queued by other processes or falling due.
- A session that dies with its worker: each claimed job carries a lease (``lock_until``) that the claiming process
  renews while it holds the job. A worker that is killed stops renewing; once the lease runs out the sweep queues the
  job again (or fails it when its retries are used up). SAQ's own rules for stuck jobs (timeout, heartbeat) hold too.
- Advisory locks: one process at a time sweeps a queue, holding a short lease row in ``saq_locks``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import time
import typing as t
import uuid
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import aiosqlite
from saq.job import TERMINAL_STATUSES, Job, Status
from saq.queue.base import Queue
from saq.utils import now, now_seconds

if t.TYPE_CHECKING:
    from saq.types import CountKind, DumpType, LoadType, QueueInfo, WorkerInfo

logger = logging.getLogger("saq")

BUSY_TIMEOUT_SECONDS = 30  # as Piccolo's engine: writers queue for the lock instead of failing
DEFAULT_LEASE_SECONDS = 30.0
DEFAULT_POLL_INTERVAL_SECONDS = 0.5

_HELD = ("active", "aborting")
_FINISHED = tuple(status.value for status in TERMINAL_STATUSES)

_SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS saq_jobs (
        key TEXT PRIMARY KEY,
        job BLOB NOT NULL,
        queue TEXT NOT NULL,
        status TEXT NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        group_key TEXT,
        scheduled REAL NOT NULL,
        expire_at REAL,
        lock_until REAL
    )
    """,
    "CREATE INDEX IF NOT EXISTS saq_jobs_dequeue_idx ON saq_jobs (queue, status, priority, scheduled)",
    "CREATE INDEX IF NOT EXISTS saq_jobs_group_idx ON saq_jobs (queue, status, group_key)",
    """
    CREATE TABLE IF NOT EXISTS saq_stats (
        worker_id TEXT PRIMARY KEY,
        queue_key TEXT,
        stats TEXT,
        metadata TEXT,
        expire_at REAL
    )
    """,
    "CREATE TABLE IF NOT EXISTS saq_locks (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until REAL NOT NULL)",
)

# Dequeue order and eligibility, shared by the cheap look and the claim itself.
_READY = """
    FROM saq_jobs AS candidate
    WHERE candidate.queue = :queue
      AND candidate.status = 'queued'
      AND candidate.scheduled <= :now
      AND candidate.priority BETWEEN :low AND :high
      AND (
        candidate.group_key IS NULL
        OR NOT EXISTS (
          SELECT 1 FROM saq_jobs AS running
          WHERE running.queue = :queue AND running.status = 'active' AND running.group_key = candidate.group_key
        )
      )
"""

# The dequeues waiting in this process, by (database file, queue name): an enqueue here wakes them at once.
_Waiter = tuple[asyncio.AbstractEventLoop, asyncio.Event]
_WAITERS: dict[tuple[str, str], set[_Waiter]] = {}


def _wake(where: tuple[str, str]) -> None:
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    for loop, event in list(_WAITERS.get(where, ())):
        if loop is running:
            event.set()
        else:
            with contextlib.suppress(RuntimeError):  # that loop has closed
                loop.call_soon_threadsafe(event.set)


class SqliteQueue(Queue):
    """SAQ queue on a SQLite file.

    Args:
        path: the database file (the one Piccolo uses; our tables sit beside its own).
        name: the queue name; several queues can share the file.
        lease_seconds: how long a claimed job stays claimed unless its worker renews the lease (it does, every third
            of this). A killed worker's jobs are queued again about this long after it died (plus the sweep timer).
        poll_interval: how often a waiting dequeue looks for jobs queued by other processes or falling due.
        priorities: the range of priorities this queue's workers take, as PostgresQueue's.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        name: str = "default",
        dump: DumpType | None = None,
        load: LoadType | None = None,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        poll_interval: float = DEFAULT_POLL_INTERVAL_SECONDS,
        priorities: tuple[int, int] = (0, 32767),
        swept_error_message: str | None = None,
    ) -> None:
        super().__init__(name=name, dump=dump, load=load, swept_error_message=swept_error_message)
        self.path = Path(path)
        self.lease_seconds = lease_seconds
        self.poll_interval = poll_interval
        self._priorities = priorities
        self._where = (str(self.path.resolve()), name)
        self._id = uuid.uuid4().hex  # holder name in saq_locks
        self._connection: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()  # one statement or transaction at a time on our one connection
        self._held: set[str] = set()  # keys of jobs this process claimed and has not yet let go
        self._renewer: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._idle = 0  # dequeues of this queue waiting for a wake-up or their next poll
        self._connected = False

    def __repr__(self) -> str:
        return f"SqliteQueue<path={self.path}, name={self.name}>"

    # Connection ------------------------------------------------------------------------------------------------

    async def connect(self) -> None:
        if self._connected:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = await aiosqlite.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        try:
            await connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
            await connection.execute("PRAGMA journal_mode = WAL")
            await connection.execute("BEGIN IMMEDIATE")
            for statement in _SCHEMA:
                await connection.execute(statement)
            await connection.execute("COMMIT")
        except BaseException:
            await connection.close()
            raise
        self._connection = connection
        await super().connect()
        self._connected = True
        self._renewer = asyncio.create_task(self._renew_leases(), name=f"saq-lease-{self.name}")

    async def disconnect(self) -> None:
        if not self._connected:
            return
        self._connected = False
        _wake(self._where)  # waiting dequeues see we are closing and return None
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
            self._renewer = None
        async with self._lock:
            if self._connection is not None:
                await self._connection.close()
                self._connection = None

    @property
    def waiting(self) -> int:
        """How many dequeues of this queue have looked, found nothing and wait for a wake-up or their next poll."""
        return self._idle

    def _open(self) -> aiosqlite.Connection:
        if self._connection is None:
            raise RuntimeError(f"{self!r} is not connected")
        return self._connection

    async def _fetch(self, sql: str, parameters: t.Any = ()) -> list[sqlite3.Row]:
        async with self._lock:
            return list(await self._open().execute_fetchall(sql, parameters))

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction, holding SQLite's write lock from the start (no upgrade deadlocks)."""
        async with self._lock:
            connection = self._open()
            try:
                await connection.execute("BEGIN IMMEDIATE")
                yield connection
                # Shielded: once sent, a cancelled caller must not leave the connection inside a transaction.
                await asyncio.shield(connection.execute("COMMIT"))
            except BaseException:
                # The connection runs statements in order, so this follows whatever was sent; if BEGIN itself
                # failed there is nothing to roll back.
                with contextlib.suppress(sqlite3.OperationalError):
                    await asyncio.shield(connection.execute("ROLLBACK"))
                raise

    # Writing jobs ----------------------------------------------------------------------------------------------

    async def _enqueue(self, job: Job) -> Job | None:
        async with self._transaction() as connection:
            inserted = await connection.execute_fetchall(
                """
                INSERT INTO saq_jobs (key, job, queue, status, priority, group_key, scheduled)
                VALUES (:key, :job, :queue, :status, :priority, :group_key, :scheduled)
                ON CONFLICT (key) DO UPDATE SET
                  job = excluded.job, queue = excluded.queue, status = excluded.status,
                  priority = excluded.priority, group_key = excluded.group_key, scheduled = excluded.scheduled,
                  expire_at = NULL, lock_until = NULL
                WHERE saq_jobs.status IN ('aborted', 'complete', 'failed') AND excluded.scheduled > saq_jobs.scheduled
                RETURNING 1
                """,
                {
                    "key": job.key,
                    "job": self.serialize(job),
                    "queue": self.name,
                    "status": job.status.value,
                    "priority": job.priority,
                    "group_key": job.group_key,
                    "scheduled": job.scheduled or int(now_seconds()),
                },
            )
        if not list(inserted):
            return None
        _wake(self._where)
        logger.info("Enqueuing %s", job.info(logger.isEnabledFor(logging.DEBUG)))
        return job

    async def _update(self, job: Job, status: Status | None = None, **kwargs: t.Any) -> None:
        expire_at = kwargs.pop("expire_at", -1)
        async with self._transaction() as connection:
            if not status:
                status = await self._status(connection, job.key)  # a heartbeat must not undo an abort
            job.status = status or job.status
            await self._write(connection, job, expire_at)
        if job.status.value not in _HELD:
            self._held.discard(job.key)
        if job.status == Status.QUEUED:
            _wake(self._where)

    async def _write(self, connection: aiosqlite.Connection, job: Job, expire_at: float | None = -1) -> None:
        """Store ``job`` as it is now; a job that is no longer running gives up its lease."""
        await connection.execute(
            f"""
            UPDATE saq_jobs SET job = :job, status = :status, scheduled = :scheduled
              {", expire_at = :expire_at" if expire_at != -1 else ""}
              {", lock_until = NULL" if job.status.value not in _HELD else ""}
            WHERE key = :key
            """,
            {
                "job": self.serialize(job),
                "status": job.status.value,
                "scheduled": job.scheduled,
                "expire_at": expire_at,
                "key": job.key,
            },
        )

    async def _status(self, connection: aiosqlite.Connection, key: str) -> Status | None:
        rows = list(await connection.execute_fetchall("SELECT status FROM saq_jobs WHERE key = ?", (key,)))
        return Status(rows[0][0]) if rows else None

    async def _retry(self, job: Job, error: str | None) -> None:
        delay = job.next_retry_delay()
        scheduled = time.time() + delay if delay else job.scheduled or now_seconds()
        await self.update(job, status=Status.QUEUED, scheduled=int(scheduled), expire_at=None)

    async def _finish(
        self,
        job: Job,
        status: Status,
        *,
        result: t.Any = None,
        error: str | None = None,
    ) -> None:
        if job.ttl >= 0:
            expire_at = now_seconds() + job.ttl if job.ttl > 0 else None
            await self.update(job, status=status, expire_at=expire_at)
        else:
            async with self._transaction() as connection:
                await connection.execute("DELETE FROM saq_jobs WHERE key = ?", (job.key,))
        self._held.discard(job.key)

    async def abort(self, job: Job, error: str, ttl: float = 5) -> None:
        """A job still waiting is aborted at once; a running one is marked aborting, and its worker stops it."""
        async with self._transaction() as connection:
            status = await self._status(connection, job.key)
            waiting = not status or status == Status.QUEUED
            job.error = error
            job.touched = now()
            if waiting:
                job.status = Status.ABORTED
                job.completed = now()
                await self._store_finished(connection, job)
            else:
                job.status = Status.ABORTING
                await self._write(connection, job)
        if waiting:
            self._held.discard(job.key)
            self.aborted += 1
            logger.info("Finished %s", job.info(logger.isEnabledFor(logging.DEBUG)))

    async def _store_finished(self, connection: aiosqlite.Connection, job: Job) -> None:
        if job.ttl >= 0:
            await self._write(connection, job, now_seconds() + job.ttl if job.ttl > 0 else None)
        else:
            await connection.execute("DELETE FROM saq_jobs WHERE key = ?", (job.key,))

    # Taking jobs -----------------------------------------------------------------------------------------------

    async def dequeue(self, timeout: float = 0.0, poll_interval: float = 0.0) -> Job | None:
        """The next job, claimed for this process; None after ``timeout`` seconds (0: wait as long as it takes)."""
        loop = asyncio.get_running_loop()
        interval = poll_interval if poll_interval > 0 else self.poll_interval
        deadline = loop.time() + timeout if timeout > 0 else None
        waiter: _Waiter = (loop, asyncio.Event())
        waiters = _WAITERS.setdefault(self._where, set())
        waiters.add(waiter)
        try:
            while self._connected:
                waiter[1].clear()  # before looking, so an enqueue during the look still wakes the wait below
                job = await self._claim_unless_cancelled()
                if job is not None:
                    return job
                wait = interval if deadline is None else min(interval, deadline - loop.time())
                if wait <= 0:
                    return None
                self._idle += 1
                try:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(waiter[1].wait(), wait)
                finally:
                    self._idle -= 1
            return None
        finally:
            waiters.discard(waiter)

    async def _claim_unless_cancelled(self) -> Job | None:
        """Claim in a task of its own: if our caller is cancelled after the claim commits, the job is put back
        rather than left claimed (and its lease renewed) by nobody."""
        claim = asyncio.create_task(self._claim())
        try:
            return await asyncio.shield(claim)
        except asyncio.CancelledError:
            claim.add_done_callback(self._put_back_abandoned)
            raise

    def _put_back_abandoned(self, claim: asyncio.Task[Job | None]) -> None:
        if claim.cancelled() or claim.exception() is not None or claim.result() is None:
            return
        job = claim.result()
        assert job is not None
        job.status = Status.QUEUED
        job.started = 0
        put_back = asyncio.create_task(self.update(job, status=Status.QUEUED))
        self._background.add(put_back)
        put_back.add_done_callback(self._background.discard)

    async def _claim(self) -> Job | None:
        parameters = {
            "queue": self.name,
            "now": now_seconds(),
            "low": self._priorities[0],
            "high": self._priorities[1],
        }
        # A plain read first: an idle poll never takes the write lock the web's own writes need.
        if not await self._fetch(f"SELECT 1 {_READY} LIMIT 1", parameters):
            return None
        async with self._transaction() as connection:
            rows = list(
                await connection.execute_fetchall(
                    f"SELECT candidate.job {_READY} ORDER BY candidate.priority, candidate.scheduled LIMIT 1",
                    parameters,
                )
            )
            if not rows:
                return None  # another worker took it between the look and the claim
            job = self.deserialize(rows[0][0], Status.ACTIVE)
            assert job is not None
            job.started = job.touched = now()
            await self._write(connection, job)
            await connection.execute(
                "UPDATE saq_jobs SET lock_until = ? WHERE key = ?", (now_seconds() + self.lease_seconds, job.key)
            )
        self._held.add(job.key)
        return job

    async def _renew_leases(self) -> None:
        """While this process holds jobs, keep their leases fresh: a running worker's jobs are never swept."""
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            if not self._held:
                continue
            try:
                async with self._transaction() as connection:
                    await connection.execute(
                        """
                        UPDATE saq_jobs SET lock_until = ?
                        WHERE key IN (SELECT value FROM json_each(?)) AND status IN ('active', 'aborting')
                        """,
                        (now_seconds() + self.lease_seconds, json.dumps(sorted(self._held))),
                    )
            except (sqlite3.Error, RuntimeError):
                logger.exception("Could not renew the leases of %s", sorted(self._held))

    async def schedule(self, lock: int = 1) -> list[str]:
        """Jobs falling due need no moving here (dequeue compares ``scheduled`` with the clock); wake our waiters."""
        _wake(self._where)
        return []

    # Sweeping --------------------------------------------------------------------------------------------------

    async def sweep(self, lock: int = 60, abort: float = 5.0) -> list[str]:
        """Delete finished jobs past their ttl and expired worker stats; queue again (or fail) jobs whose worker
        stopped renewing their lease; abort and retry jobs stuck past their timeout or heartbeat, as SAQ does."""
        if not await self._lead_sweeping(hold=2 * lock):
            return []
        swept: list[str] = []
        stuck: list[Job] = []
        now_s = now_seconds()
        async with self._transaction() as connection:
            await connection.execute(
                """
                DELETE FROM saq_jobs
                WHERE queue = ? AND status IN ('aborted', 'complete', 'failed') AND expire_at <= ?
                """,
                (self.name, now_s),
            )
            await connection.execute("DELETE FROM saq_stats WHERE expire_at <= ?", (now_s,))
            rows = await connection.execute_fetchall(
                "SELECT job, status, lock_until FROM saq_jobs WHERE queue = ? AND status IN ('active', 'aborting')",
                (self.name,),
            )
            for payload, status, lock_until in rows:
                job = self.deserialize(payload, status)
                assert job is not None
                if lock_until is not None and lock_until < now_s:
                    swept.append(job.key)
                    await self._give_up_or_requeue(connection, job)
                elif job.stuck:
                    stuck.append(job)
        if swept:
            _wake(self._where)
        for job in stuck:  # the worker is alive: ask it to stop the job, then retry, exactly as PostgresQueue
            swept.append(job.key)
            logger.info("Sweeping %s", job.info(logger.isEnabledFor(logging.DEBUG)))
            await self.abort(job, error=self.swept_error_message)
            try:
                await job.refresh(abort)
            except TimeoutError:
                logger.info("Could not abort job %s", job.key)
            if job.retryable:
                await self.retry(job, error=self.swept_error_message)
            else:
                await self.finish(job, Status.ABORTED, error=self.swept_error_message)
        return swept

    async def _give_up_or_requeue(self, connection: aiosqlite.Connection, job: Job) -> None:
        """The worker running ``job`` is gone: run it again if it has runs left, else record it failed."""
        logger.info("Sweeping %s (its worker stopped)", job.info(logger.isEnabledFor(logging.DEBUG)))
        job.error = self.swept_error_message
        job.touched = now()
        if job.retryable:
            job.status = Status.QUEUED
            job.completed = job.started = 0
            job.progress = 0.0
            delay = job.next_retry_delay()
            job.scheduled = int(time.time() + delay if delay else job.scheduled or now_seconds())
            await self._write(connection, job, expire_at=None)
            self.retried += 1
        else:
            job.status = Status.FAILED
            job.completed = now()
            await self._store_finished(connection, job)
            self.failed += 1

    async def _lead_sweeping(self, hold: float) -> bool:
        """One sweeper per queue at a time, as PostgresQueue's advisory lock; the lead lapses if its process dies."""
        now_s = now_seconds()
        async with self._transaction() as connection:
            rows = await connection.execute_fetchall(
                """
                INSERT INTO saq_locks (name, holder, until) VALUES (:name, :holder, :until)
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
                WHERE saq_locks.holder = excluded.holder OR saq_locks.until < :now
                RETURNING 1
                """,
                {"name": f"sweep:{self.name}", "holder": self._id, "until": now_s + hold, "now": now_s},
            )
        return bool(list(rows))

    # Reading ---------------------------------------------------------------------------------------------------

    async def job(self, job_key: str) -> Job | None:
        rows = await self._fetch("SELECT job, status FROM saq_jobs WHERE key = ? AND queue = ?", (job_key, self.name))
        return self.deserialize(rows[0][0], rows[0][1]) if rows else None

    async def jobs(self, job_keys: Iterable[str]) -> list[Job | None]:
        keys = list(job_keys)
        rows = await self._fetch(
            "SELECT key, job, status FROM saq_jobs WHERE key IN (SELECT value FROM json_each(?)) AND queue = ?",
            (json.dumps(keys), self.name),
        )
        found = {key: (payload, status) for key, payload, status in rows}
        return [self.deserialize(*found[key]) if key in found else None for key in keys]

    async def iter_jobs(
        self,
        statuses: list[Status] = list(Status),  # noqa: B006 - the signature of SAQ's Queue.iter_jobs
        batch_size: int = 100,
    ) -> AsyncIterator[Job]:
        wanted = json.dumps([Status(status).value for status in statuses])
        last_key = ""
        while True:
            rows = await self._fetch(
                """
                SELECT key, job, status FROM saq_jobs
                WHERE status IN (SELECT value FROM json_each(?)) AND queue = ? AND key > ?
                ORDER BY key LIMIT ?
                """,
                (wanted, self.name, last_key, batch_size),
            )
            if not rows:
                return
            for key, payload, status in rows:
                last_key = key
                job = self.deserialize(payload, status)
                if job:
                    yield job

    async def count(self, kind: CountKind) -> int:
        if kind == "queued":
            sql = "SELECT count(*) FROM saq_jobs WHERE queue = ? AND status = 'queued' AND scheduled <= ?"
            parameters: tuple[t.Any, ...] = (self.name, now_seconds())
        elif kind == "active":
            sql = "SELECT count(*) FROM saq_jobs WHERE queue = ? AND status = 'active'"
            parameters = (self.name,)
        elif kind == "incomplete":
            sql = "SELECT count(*) FROM saq_jobs WHERE queue = ? AND status IN ('new', 'deferred', 'queued', 'active')"
            parameters = (self.name,)
        else:
            raise ValueError(f"Can't count unknown type {kind}")
        rows = await self._fetch(sql, parameters)
        return int(rows[0][0])

    async def info(self, jobs: bool = False, offset: int = 0, limit: int = 10) -> QueueInfo:
        rows = await self._fetch(
            "SELECT worker_id, stats, queue_key, metadata FROM saq_stats WHERE expire_at >= ? AND queue_key = ?",
            (now_seconds(), self.name),
        )
        workers: dict[str, WorkerInfo] = {
            worker_id: {"stats": json.loads(stats), "queue_key": queue_key, "metadata": json.loads(metadata)}
            for worker_id, stats, queue_key, metadata in rows
        }
        queued = await self.count("queued")
        active = await self.count("active")
        incomplete = await self.count("incomplete")
        jobs_info: list[dict[str, t.Any]] = []
        if jobs:
            job_rows = await self._fetch(
                """
                SELECT job, status FROM saq_jobs
                WHERE queue = ? AND status IN ('new', 'deferred', 'queued', 'active')
                ORDER BY priority, scheduled LIMIT ? OFFSET ?
                """,
                (self.name, limit, offset),
            )
            jobs_info = [job.to_dict() for job in (self.deserialize(*row) for row in job_rows) if job]
        return {
            "workers": workers,
            "name": self.name,
            "queued": queued,
            "active": active,
            "scheduled": incomplete - queued - active,
            "jobs": jobs_info,
        }

    async def write_worker_info(self, worker_id: str, info: WorkerInfo, ttl: int) -> None:
        async with self._transaction() as connection:
            await connection.execute(
                """
                INSERT INTO saq_stats (worker_id, stats, queue_key, metadata, expire_at)
                VALUES (:worker_id, :stats, :queue_key, :metadata, :expire_at)
                ON CONFLICT (worker_id) DO UPDATE SET
                  stats = excluded.stats, queue_key = excluded.queue_key, metadata = excluded.metadata,
                  expire_at = excluded.expire_at
                """,
                {
                    "worker_id": worker_id,
                    "stats": json.dumps(info["stats"]),
                    "queue_key": info["queue_key"],
                    "metadata": json.dumps(info["metadata"]),
                    "expire_at": now_seconds() + ttl,
                },
            )
