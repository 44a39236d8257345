"""One row per person in a team: a unique index on (network, person) for convenors and on (organisation, person)
for an organisation's people, so two invitations accepted at once cannot make two rows (the second is a 409).
Any duplicates made before are removed first, keeping the oldest row."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-04T18:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one row per person in a team"

TEAMS = (("network_convenor", "network"), ("organisation_user", "organisation"))


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="consortium", description=DESCRIPTION)
    manager.add_raw(_one_row_per_person)
    return manager


async def _one_row_per_person() -> None:
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    assert engine is not None
    for table, team in TEAMS:
        await engine.run_ddl(
            f'DELETE FROM "{table}" WHERE "id" NOT IN (SELECT MIN("id") FROM "{table}" GROUP BY "{team}", "user")'
        )
        await engine.run_ddl(
            f'CREATE UNIQUE INDEX IF NOT EXISTS "{table}_{team}_user_unique" ON "{table}" ("{team}", "user")'
        )
