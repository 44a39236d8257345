"""Workers as real processes (`consortium worker`) beside a real web server that leaves its jobs to them
(CONSORTIUM_JOBS_IN_WEB=no): a worker SIGKILLed in the middle of a render loses nothing, and two workers on one queue
never run one job twice. Each runs on a temporary SQLite file and, in the PostgreSQL pass, on a database of its own.

No sleeps stand in for synchronisation: every wait polls the database (or the process) with a deadline."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from consortium.settings import Settings
from tests.resilience.server import (
    CONSORTIUM,
    Server,
    bid_with_member,
    postgres_database,
    prepare,
    prepare_sqlite,
    server_env,
)

RENDERED = re.compile(r"Rendered document (\d+) ")


class WebServer(Server):
    """`consortium serve` with its background jobs left to worker processes."""

    def start(self, timeout: float = 60) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [CONSORTIUM, "serve"],
                env=server_env(self.database_url, self.port) | {"CONSORTIUM_JOBS_IN_WEB": "no"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"The server exited with {self.process.returncode}:\n{self.log.read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/health", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise AssertionError(f"The server did not come up:\n{self.log.read_text()}")


def _env(database_url: str) -> dict[str, str]:
    return server_env(database_url, 0) | {"CONSORTIUM_JOBS_IN_WEB": "no"}


class WorkerProcess:
    def __init__(self, database_url: str, log: Path) -> None:
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [CONSORTIUM, "worker"], env=_env(database_url), stdout=out, stderr=subprocess.STDOUT
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def terminate(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


async def query(database_url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Read the database from a connection of our own (``?`` placeholders on both databases)."""
    if database_url.startswith("sqlite:"):
        with contextlib.closing(sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=30)) as connection:
            return list(connection.execute(sql, params).fetchall())
    for n in range(1, len(params) + 1):
        sql = sql.replace("?", f"${n}", 1)
    connection = await asyncpg.connect(database_url)
    try:
        return [tuple(row) for row in await connection.fetch(sql, *params)]
    finally:
        await connection.close()


async def poll(check: Any, what: str, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = await check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def job_status(database_url: str, key: str) -> str | None:
    try:
        rows = await query(database_url, "SELECT status FROM saq_jobs WHERE key = ?", key)
    except (sqlite3.OperationalError, asyncpg.UndefinedTableError):
        return None  # no queue has made its table yet
    return str(rows[0][0]) if rows else None


async def document_states(database_url: str) -> dict[int, str]:
    return {int(i): str(s) for i, s in await query(database_url, "SELECT id, state FROM document ORDER BY id")}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres, pytest.mark.postgres_only])])
def web(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[WebServer]:
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = prepare_sqlite(tmp_path)
        else:
            url = prepare(stack.enter_context(postgres_database()))
        server = WebServer(database_url=url, log=tmp_path / "server.log")
        stack.callback(server.stop)
        server.start()
        yield server


async def make_documents(web: WebServer, count: int) -> tuple[dict[str, Any], list[int]]:
    async with httpx.AsyncClient(base_url=web.base_url, timeout=60) as client:
        setup = await bid_with_member(client, "convenor@example.org")
        ids = []
        for _ in range(count):
            made = await client.post(f"/api/v1/bids/{setup['bid_id']}/documents", json={}, headers=setup["convenor"])
            assert made.status_code == 202, made.text
            assert made.json()["state"] == "rendering"
            ids.append(int(made.json()["id"]))
    return setup, ids


async def test_a_worker_killed_during_a_render_loses_nothing(web: WebServer, tmp_path: Path) -> None:
    setup, [document_id] = await make_documents(web, 1)
    key = f"render:{document_id}"
    assert await job_status(web.database_url, key) == "queued", "the web process queued the render, not ran it"

    first = WorkerProcess(web.database_url, tmp_path / "worker-1.log")
    try:
        await poll(lambda: _is(job_status(web.database_url, key), "active"), "the worker to take the render")
    finally:
        first.kill()
    assert (await document_states(web.database_url))[document_id] == "rendering", "killed before it finished"
    assert not RENDERED.search(first.text())

    second = WorkerProcess(web.database_url, tmp_path / "worker-2.log")
    try:
        await poll(
            lambda: _is(_state(web.database_url, document_id), "ready"), "the render to be run again", timeout=180
        )
    finally:
        assert second.terminate() == 0, second.text()
    assert "Worker stopped." in second.text()
    assert RENDERED.findall(second.text()) == [str(document_id)]
    async with httpx.AsyncClient(base_url=web.base_url, timeout=60) as client:
        document = (await client.get(f"/api/v1/documents/{document_id}", headers=setup["convenor"])).json()
        pdf = await client.get(document["pdf_url"], headers=setup["convenor"])
    assert pdf.status_code == 200 and hashlib.sha256(pdf.content).hexdigest() == document["pdf_sha256"]
    assert await job_status(web.database_url, key) == "complete"


async def test_two_workers_never_run_one_job_twice(web: WebServer, tmp_path: Path) -> None:
    _, ids = await make_documents(web, 8)
    workers = [WorkerProcess(web.database_url, tmp_path / f"worker-{n}.log") for n in (1, 2)]
    try:

        async def all_ready() -> bool:
            states = await document_states(web.database_url)
            return all(states[i] == "ready" for i in ids)

        await poll(all_ready, "every document to be rendered", timeout=240)
    finally:
        codes = [worker.terminate() for worker in workers]
    assert codes == [0, 0], [worker.text() for worker in workers]
    rendered = [int(i) for worker in workers for i in RENDERED.findall(worker.text())]
    assert sorted(rendered) == ids, "each document rendered once, by one of the workers"
    for document_id in ids:
        assert await job_status(web.database_url, f"render:{document_id}") == "complete"


async def _is(value: Any, expected: str) -> bool:
    return bool(await value == expected)


async def _state(database_url: str, document_id: int) -> str:
    return (await document_states(database_url))[document_id]


async def test_workers_queue_each_scheduled_slot_once(db: None, settings: Settings) -> None:
    """Every worker puts the next slot of each cron task on the queue; the slot's job has one key, so however many
    workers there are, the sweep runs once a minute, not once per worker."""
    from consortium.jobs.queue import build_queue
    from consortium.jobs.registry import CRONS
    from consortium.jobs.worker import build_worker

    queue = build_queue(settings)
    await queue.connect()
    try:
        workers = [build_worker(settings, queue) for _ in range(3)]
        for worker in workers:
            await worker.schedule()
        for name in CRONS:
            job = await queue.job(f"cron:{name}")
            assert job is not None and job.status.value == "queued", name
        assert await queue.count("incomplete") == len(CRONS)  # one job per slot, not one per worker
    finally:
        await queue.disconnect()
