"""One registration per participant and event (a youth re-registering reuses it).

Written by hand: a unique index works on both engines, a composite constraint
does not on SQLite.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-25T18:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique registration per event"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="registration", description=DESCRIPTION
    )

    async def run():
        from piccolo_conf import DB

        await DB.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS registration_event_participant_uniq "
            "ON registration (event, participant)"
        )

    async def run_backwards():
        from piccolo_conf import DB

        await DB.run_ddl("DROP INDEX IF EXISTS registration_event_participant_uniq")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
