"""One decision per member organisation per document version: a unique index on sign_off (document, organisation),
so two people of one member signing at once make one sign-off (the second is a 409)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-04T22:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one sign-off per member per version"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="consortium", description=DESCRIPTION)
    manager.add_raw(_one_decision_per_member)
    return manager


async def _one_decision_per_member() -> None:
    from piccolo.engine.finder import engine_finder

    engine = engine_finder()
    assert engine is not None
    await engine.run_ddl(
        'CREATE UNIQUE INDEX IF NOT EXISTS "sign_off_document_organisation_unique" '
        'ON "sign_off" ("document", "organisation")'
    )
