"""One follow-up per registration and delay (J+30…): the scheduler may run in several workers at once.
Written by hand: a two-column unique index is not a column option in Piccolo (and a raw step runs before the
tables of its own migration are created)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T08:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one follow-up per registration and delay"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="outcomes", description=DESCRIPTION)

    async def run():
        from piccolo_conf import DB

        await DB.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS follow_up_registration_days ON follow_up (registration, days)"
        )

    async def run_backwards():
        from piccolo_conf import DB

        await DB.run_ddl("DROP INDEX IF EXISTS follow_up_registration_days")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
