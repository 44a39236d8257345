from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.base import OnUpdate
from piccolo.columns.column_types import ForeignKey
from piccolo.columns.column_types import JSON
from piccolo.columns.column_types import Serial
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class User(Table, tablename="app_user", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


ID = "2026-12-03T14:24:49:196438"
VERSION = "1.38.0"
DESCRIPTION = "integrity and privacy"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="consortium", description=DESCRIPTION
    )

    manager.add_table(
        class_name="PasswordReset",
        tablename="password_reset",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="PasswordReset",
        tablename="password_reset",
        column_name="user",
        db_column_name="user",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": User,
            "on_delete": OnDelete.cascade,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="PasswordReset",
        tablename="password_reset",
        column_name="token_hash",
        db_column_name="token_hash",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 64,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": True,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="PasswordReset",
        tablename="password_reset",
        column_name="created_by",
        db_column_name="created_by",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": User,
            "on_delete": OnDelete.set_null,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="PasswordReset",
        tablename="password_reset",
        column_name="created_at",
        db_column_name="created_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": TimestamptzNow(),
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="PasswordReset",
        tablename="password_reset",
        column_name="expires_at",
        db_column_name="expires_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": TimestamptzNow(),
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="PasswordReset",
        tablename="password_reset",
        column_name="used_at",
        db_column_name="used_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="ApiToken",
        tablename="api_token",
        column_name="expires_at",
        db_column_name="expires_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="BidMember",
        tablename="bid_member",
        column_name="frozen_at",
        db_column_name="frozen_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="BidMember",
        tablename="bid_member",
        column_name="frozen_profile",
        db_column_name="frozen_profile",
        column_class_name="JSON",
        column_class=JSON,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    if _on_sqlite():
        # SQLite cannot alter a column, and lengths mean nothing there.
        pass
    else:
        manager.alter_column(
            table_class_name="User",
            tablename="app_user",
            column_name="name",
            db_column_name="name",
            params={"length": 300},
            old_params={"length": 200},
            column_class=Varchar,
            old_column_class=Varchar,
            schema=None,
        )

        manager.alter_column(
            table_class_name="ApiToken",
            tablename="api_token",
            column_name="name",
            db_column_name="name",
            params={"length": 300},
            old_params={"length": 200},
            column_class=Varchar,
            old_column_class=Varchar,
            schema=None,
        )

        manager.alter_column(
            table_class_name="Network",
            tablename="network",
            column_name="name",
            db_column_name="name",
            params={"length": 300},
            old_params={"length": 200},
            column_class=Varchar,
            old_column_class=Varchar,
            schema=None,
        )


        manager.alter_column(
            table_class_name="Organisation",
            tablename="organisation",
            column_name="contact_name",
            db_column_name="contact_name",
            params={"length": 300},
            old_params={"length": 200},
            column_class=Varchar,
            old_column_class=Varchar,
            schema=None,
        )

        manager.alter_column(
            table_class_name="Bid",
            tablename="bid",
            column_name="funder_org_id",
            db_column_name="funder_org_id",
            params={"length": 300},
            old_params={"length": 80},
            column_class=Varchar,
            old_column_class=Varchar,
            schema=None,
        )

        manager.alter_column(
            table_class_name="ShareLink",
            tablename="share_link",
            column_name="label",
            db_column_name="label",
            params={"length": 300},
            old_params={"length": 200},
            column_class=Varchar,
            old_column_class=Varchar,
            schema=None,
        )

    manager.add_raw(_identifier_not_unique)
    manager.add_raw(_unique_pairs)
    return manager


def _on_sqlite() -> bool:
    from piccolo.engine.finder import engine_finder
    from piccolo.engine.sqlite import SQLiteEngine

    return isinstance(engine_finder(), SQLiteEngine)


async def _identifier_not_unique():
    """An organisation's identifier is no longer unique across Consortium (it is checked per network instead).
    PostgreSQL drops the constraint. SQLite can neither drop it nor a UNIQUE column without rebuilding the table
    (which, with foreign keys on, would cascade), so there the old column is renamed "org_id_unique_unused" and
    left empty, and a plain "org_id" column takes its values."""
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    if _on_sqlite():
        await engine.run_ddl('ALTER TABLE "organisation" RENAME COLUMN "org_id" TO "org_id_unique_unused"')
        await engine.run_ddl('ALTER TABLE "organisation" ADD COLUMN "org_id" VARCHAR(80) DEFAULT null')
        await engine.run_ddl('UPDATE "organisation" SET "org_id" = "org_id_unique_unused", "org_id_unique_unused" = NULL')
    else:
        await engine.run_ddl('ALTER TABLE "organisation" DROP CONSTRAINT IF EXISTS "organisation_org_id_key"')
    await engine.run_ddl('CREATE INDEX IF NOT EXISTS "organisation_org_id" ON "organisation" ("org_id")')


async def _unique_pairs():
    """Uniqueness the model needs across two columns (Piccolo's columns name only one): a membership per bid and
    organisation, a version number per bid, a convenor per network and person, a person per organisation. Rows
    doubled by the races these indexes now prevent are removed first, keeping the earliest."""
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    pairs = {
        "bid_member": ("bid", "organisation"),
        "network_convenor": ("network", "user"),
        "organisation_user": ("organisation", "user"),
    }
    for table, (a, b) in pairs.items():
        await engine.run_ddl(
            f'DELETE FROM "{table}" WHERE "id" NOT IN (SELECT MIN("id") FROM "{table}" GROUP BY "{a}", "{b}")'
        )
        await engine.run_ddl(f'CREATE UNIQUE INDEX IF NOT EXISTS "{table}_{a}_{b}_unique" ON "{table}" ("{a}", "{b}")')
    # Documents doubled by concurrent renders keep their rows (they may have been shared): the later ones are
    # renumbered after the bid's last version.
    duplicates = await engine.run_ddl(
        'SELECT "id", "bid" FROM "document" WHERE "id" NOT IN (SELECT MIN("id") FROM "document" GROUP BY "bid", "version") ORDER BY "id"'
    )
    for row in duplicates:
        await engine.run_ddl(
            f'UPDATE "document" SET "version" = (SELECT MAX("version") + 1 FROM "document" WHERE "bid" = {int(row["bid"])}) '
            f'WHERE "id" = {int(row["id"])}'
        )
    await engine.run_ddl('CREATE UNIQUE INDEX IF NOT EXISTS "document_bid_version_unique" ON "document" ("bid", "version")')
