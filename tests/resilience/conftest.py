"""The real server the resilience tests drive: uvicorn in its own process."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.resilience.server import Server, postgres_database, prepare, prepare_sqlite


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres, pytest.mark.postgres_only])])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """uvicorn on a temporary SQLite file; in the PostgreSQL pass, also on a database of its own there."""
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = prepare_sqlite(tmp_path)
        else:
            url = prepare(stack.enter_context(postgres_database()))
        server = Server(database_url=url, log=tmp_path / "server.log")
        stack.callback(server.stop)
        server.start()
        yield server
