"""Test set-up: a real database (a fresh SQLite file, or PostgreSQL when CONSORTIUM_TEST_DATABASE_URL names one),
migrated once per run and emptied before each test that uses it.

Piccolo builds its engine when consortium.piccolo_conf is imported, so DATABASE_URL is set here first."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest


def _database_of_this_worker(url: str) -> str:
    """Under pytest-xdist each worker empties its database before every test, so each needs one of its own: the
    named database with the worker's id appended, created on first use on the same server."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url or not worker:
        return url
    import asyncpg

    server, _, name = url.rpartition("/")
    own = f"{name}_{worker}"

    async def create() -> None:
        connection = await asyncpg.connect(url, timeout=10)
        try:
            if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", own):
                await connection.execute(f'CREATE DATABASE "{own}"')
        finally:
            await connection.close()

    try:
        asyncio.run(create())
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return url  # unreachable: the migrated_database fixture reports it
    return f"{server}/{own}"


_POSTGRES_URL = _database_of_this_worker(os.environ.get("CONSORTIUM_TEST_DATABASE_URL", ""))
if _POSTGRES_URL:
    os.environ["CONSORTIUM_TEST_DATABASE_URL"] = _POSTGRES_URL
_TMP = Path(tempfile.mkdtemp(prefix="consortium-tests-"))
os.environ["DATABASE_URL"] = _POSTGRES_URL or f"sqlite:///{_TMP / 'test.sqlite3'}"
# Messages written as files (no mail server in tests) go to this run's folder, never the project's var/mail, from
# this process and from every server or command a test starts.
os.environ["CONSORTIUM_MAIL_DIR"] = str(_TMP / "mail")
os.environ.setdefault("PICCOLO_CONF", "consortium.piccolo_conf")
# argon2's cheapest parameters, as argon2-cffi advises for tests: the suite makes thousands of accounts, and the
# hashing cost is argon2's, not ours (tests/accounts/test_security.py checks the recommended ones are the default).
os.environ["CONSORTIUM_ARGON2_PROFILE"] = "cheapest"

from litestar import Litestar  # noqa: E402

from consortium.settings import Settings  # noqa: E402

ON_POSTGRES = bool(_POSTGRES_URL)


@pytest.hookimpl(tryfirst=True)  # before -m selects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test that touches the database is a database test: it runs again on PostgreSQL. Tests of PostgreSQL
    itself are left out of the SQLite pass rather than skipped, so a skip always means something is missing."""
    kept, left_out = [], []
    for item in items:
        if "db" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
        (left_out if item.get_closest_marker("postgres_only") and not ON_POSTGRES else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


def _postgres_available() -> bool:
    import asyncpg

    async def probe() -> None:
        connection = await asyncpg.connect(_POSTGRES_URL, timeout=5)
        await connection.close()

    try:
        asyncio.run(probe())
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    return True


@pytest.fixture(scope="session")
def settings() -> Settings:
    # Jobs run in the web process on both databases, so the `client` fixture's app renders and sends by itself.
    # Messages without a mail server are written as files: into this run's own folder, never the project's var/.
    return Settings.from_env().with_changes(
        environment="test", base_url="http://testserver.local", jobs_in_web="yes", mail_dir=str(_TMP / "mail")
    )


async def _reset_schema() -> None:
    from consortium.db import engine

    if ON_POSTGRES:
        db = engine()
        await db.run_ddl("DROP SCHEMA IF EXISTS public CASCADE")
        await db.run_ddl("CREATE SCHEMA public")
    from consortium.cli import migrate

    await migrate()


@pytest.fixture(scope="session")
def migrated_database() -> Iterator[None]:
    if ON_POSTGRES and not _postgres_available():
        if os.environ.get("CONSORTIUM_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required here but not reachable at {_POSTGRES_URL}", pytrace=False)
        pytest.skip(f"PostgreSQL is not reachable at {_POSTGRES_URL}")
    asyncio.run(_reset_schema())
    yield


async def empty_all_tables() -> None:
    from consortium.db import engine
    from consortium.piccolo_app import TABLES

    db = engine()
    names = [table._meta.tablename for table in TABLES]
    if ON_POSTGRES:
        await db.run_ddl(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE")
    else:
        async with db.transaction():
            for name in reversed(names):
                await db.run_ddl(f"DELETE FROM {name}")
    # The job queue's table (the queue makes it on connect): an earlier test's job must not run in this one, nor
    # its key (render:1, the ids start again) refuse this test's job.
    if ON_POSTGRES:
        await db.run_ddl("DO $$ BEGIN IF to_regclass('saq_jobs') IS NOT NULL THEN DELETE FROM saq_jobs; END IF; END $$")
    else:
        import contextlib
        import sqlite3

        with contextlib.suppress(sqlite3.OperationalError):  # no such table: no queue has used this database yet
            await db.run_ddl("DELETE FROM saq_jobs")


@pytest.fixture
async def db(migrated_database: None) -> AsyncIterator[None]:
    await empty_all_tables()
    yield


@pytest.fixture
def app(settings: Settings) -> Litestar:
    from consortium.app import create_app

    return create_app(settings)


@pytest.fixture
async def client(db: None, app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the app in this test's own event loop (Litestar's test client runs the app in
    another thread and loop, which a PostgreSQL pool shared with the test's own queries cannot survive)."""
    from consortium.app import database_lifespan

    # The app's own lifespan runs in an anyio task group that must not span pytest-asyncio's set-up and
    # tear-down tasks; ours is a plain context manager, so enter it directly.
    async with database_lifespan(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as test_client:
            yield test_client
