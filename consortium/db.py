"""The database engine (built in ``consortium.piccolo_conf``), and the transactions our writes use."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

# Ids are serial columns: 32-bit integers on PostgreSQL. A larger number names nothing, and must be answered as such
# before it reaches PostgreSQL, which would refuse it with an error (a 500), where SQLite simply finds no row.
LARGEST_ID = 2**31 - 1


def engine() -> Engine:
    """The engine Piccolo's tables use, built once from Settings in ``consortium.piccolo_conf``."""
    from consortium.piccolo_conf import DB

    return DB


async def prepare_database() -> None:
    """Per-database settings that must hold before we serve (WAL survives in the file once set)."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        await db.run_ddl("PRAGMA journal_mode=WAL")


@contextlib.asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """One atomic write. On SQLite take the write lock up front (IMMEDIATE) so two writers never deadlock
    upgrading read locks; PostgreSQL serialises conflicting row updates itself."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        async with db.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with db.transaction():
            yield


def share_locked(query: Any) -> Any:
    """A select whose rows stay locked FOR SHARE until the transaction ends, on PostgreSQL: a writer that checked
    "the bid is open" keeps it so until it commits, because the lock's UPDATE of the bid waits for it (or it waits
    for the lock and then reads "locked"). SQLite needs nothing: IMMEDIATE transactions already run one at a time."""
    if isinstance(engine(), SQLiteEngine):
        return query
    return query.lock_rows("SHARE")


def update_locked(query: Any) -> Any:
    """A select whose rows stay locked FOR UPDATE until the transaction ends, on PostgreSQL: two writers that both
    read-then-change the same row (two convenors locking one bid) run one after the other, and the second reads what
    the first wrote. SQLite needs nothing: IMMEDIATE transactions already run one at a time."""
    if isinstance(engine(), SQLiteEngine):
        return query
    return query.lock_rows("UPDATE")
