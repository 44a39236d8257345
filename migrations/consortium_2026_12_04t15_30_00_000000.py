"""A unique index over two columns, in a migration of its own: Piccolo runs a migration's raw steps before it creates
its tables, so the index could not go in the migration that creates reminder_subscription."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-04T15:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one reminder subscription per bid and address"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="consortium", description=DESCRIPTION)
    manager.add_raw(_one_subscription_per_address)
    return manager


async def _one_subscription_per_address() -> None:
    """Two first reminders at once cannot give one address two unsubscribe links."""
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl(
        'CREATE UNIQUE INDEX IF NOT EXISTS "reminder_subscription_bid_email_unique" '
        'ON "reminder_subscription" ("bid", "email")'
    )
