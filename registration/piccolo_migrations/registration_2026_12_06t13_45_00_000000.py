"""The personal tokens' columns become their digests, beside which the sealed tokens are added.

Renaming keeps each column's unique constraint and indexes (SQLite cannot drop a unique column); the digests
(32 characters) fit the former length. The next migration turns the clear tokens into digests and seals them.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T13:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "personal tokens kept as digests and sealed (columns)"


def _sealed(null: bool) -> dict:
    return {
        "length": 100,
        "default": None if null else "",
        "null": null,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registration", description=DESCRIPTION)
    for table_class_name, tablename, old, new, sealed, null in (
        ("Registration", "registration", "manage_token", "manage_hash", "manage_sealed", False),
        ("Registration", "registration", "ticket_token", "ticket_hash", "ticket_sealed", True),
        ("Proposal", "proposal", "token", "token_hash", "token_sealed", False),
    ):
        manager.rename_column(
            table_class_name=table_class_name,
            tablename=tablename,
            old_column_name=old,
            new_column_name=new,
            old_db_column_name=old,
            new_db_column_name=new,
            schema=None,
        )
        manager.add_column(
            table_class_name=table_class_name,
            tablename=tablename,
            column_name=sealed,
            db_column_name=sealed,
            column_class_name="Varchar",
            column_class=Varchar,
            params=_sealed(null),
            schema=None,
        )
    return manager
