from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T19:29:19:722719"
VERSION = "1.38.0"
DESCRIPTION = "invitations carry the member list row"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="consortium", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Invitation",
        tablename="invitation",
        column_name="prefill",
        db_column_name="prefill",
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

    return manager
