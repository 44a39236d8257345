"""`consortium backup PATH` and `consortium restore PATH --yes`.

SQLite: the sqlite3 online backup API, so a copy taken while the server writes is still one consistent moment
(WAL included); restore copies the file back into the live database through the same API, under its write lock.
PostgreSQL: `pg_dump -Fc` and `pg_restore --clean --if-exists --single-transaction`, so a failed restore changes
nothing. Both take the database from DATABASE_URL."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from consortium.settings import Settings


class BackupError(Exception):
    """A backup or restore that could not be done, with a message for the operator."""


def _require_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is needed for PostgreSQL backups but is not on PATH: install postgresql-client.")
    return found


def _postgres_url(settings: Settings) -> str:
    url = settings.database_url
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if not url.startswith("postgresql://"):
        raise BackupError(f"DATABASE_URL must be sqlite:/// or postgresql://, not {settings.database_url!r}.")
    return url


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - fixed tool, no shell
    if done.returncode != 0:
        raise BackupError(f"{what} failed ({Path(command[0]).name} exited {done.returncode}): {done.stderr.strip()}")


def _sqlite_copy(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    # Context managers commit but do not close.
    src.close()
    dst.close()


def backup(settings: Settings, path: str | Path) -> str:
    """Write a consistent copy of the whole database to ``path`` (replacing it only once the copy is complete)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, partial_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(handle)
    partial = Path(partial_name)
    try:
        if settings.is_sqlite:
            source = settings.sqlite_path
            if not source.exists():
                raise BackupError(f"There is no database at {source} to back up.")
            partial.unlink()
            _sqlite_copy(source, partial)
            kind = "SQLite online backup"
        else:
            _run(
                [
                    _require_tool("pg_dump"),
                    "--format=custom",
                    f"--file={partial}",
                    f"--dbname={_postgres_url(settings)}",
                ],
                "pg_dump",
            )
            kind = "pg_dump custom format"
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return f"Backed up the database to {target} ({kind}, {target.stat().st_size:,} bytes)."


def _check_sqlite_backup(path: Path) -> None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as check:
            result = check.execute("PRAGMA integrity_check").fetchone()
            tables = {row[0] for row in check.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        check.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a SQLite backup: {error}") from error
    if result != ("ok",):
        raise BackupError(f"{path} failed SQLite's integrity check: {result}")
    if "pledge" not in tables:
        raise BackupError(f"{path} is a SQLite database but not a Consortium backup (it has no pledge table).")


def restore(settings: Settings, path: str | Path, *, yes: bool) -> str:
    """Replace everything in the database with the backup at ``path``. Refuses unless ``yes``."""
    source = Path(path)
    if not source.is_file():
        raise BackupError(f"There is no backup file at {source}.")
    where = str(settings.sqlite_path) if settings.is_sqlite else _postgres_url(settings).rsplit("@", 1)[-1]
    if not yes:
        raise BackupError(
            f"Restoring replaces everything in the database ({where}) with {source}; changes made since that backup "
            "are lost. Run the command again with --yes to go ahead."
        )
    if settings.is_sqlite:
        _check_sqlite_backup(source)
        target = settings.sqlite_path
        target.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(source, target)
    else:
        _run(
            [
                _require_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--single-transaction",
                "--no-owner",
                "--exit-on-error",
                f"--dbname={_postgres_url(settings)}",
                str(source),
            ],
            "pg_restore",
        )
    return f"Restored the database ({where}) from {source}."
