"""Piccolo's configuration module (PICCOLO_CONF=consortium.piccolo_conf). The engine is built from Settings."""

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from consortium.settings import Settings

SQLITE_BUSY_TIMEOUT_SECONDS = 30


def engine_for(settings: Settings) -> Engine:
    if settings.is_sqlite:
        path = settings.sqlite_path
        path.parent.mkdir(parents=True, exist_ok=True)
        # A long busy timeout lets concurrent writers queue instead of failing with "database is locked".
        return SQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
    if settings.database_url.startswith(("postgresql://", "postgres://")):
        return PostgresEngine(config={"dsn": settings.database_url})
    raise ValueError(f"DATABASE_URL must start with sqlite:/// or postgresql://, not {settings.database_url!r}")


DB = engine_for(Settings.from_env())

APP_REGISTRY = AppRegistry(apps=["consortium.piccolo_app"])
