"""One membership per user and organisation.

Written by hand: Piccolo emits composite UNIQUE constraints as ALTER TABLE ADD
CONSTRAINT, which SQLite cannot run; a unique index works on both engines.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-25T18:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique membership per organisation"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)

    async def run():
        from piccolo_conf import DB

        await DB.run_ddl(
            'CREATE UNIQUE INDEX IF NOT EXISTS membership_user_organisation_uniq '
            'ON membership ("user", organisation)'
        )

    async def run_backwards():
        from piccolo_conf import DB

        await DB.run_ddl("DROP INDEX IF EXISTS membership_user_organisation_uniq")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
