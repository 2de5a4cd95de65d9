"""Counting an event's confirmed places is on the registration path: index (event, status)
so the count reads only the confirmed rows, however long the waiting list grows."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-25T20:15:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "index registrations by event and status"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registration", description=DESCRIPTION)

    async def run():
        from piccolo_conf import DB

        await DB.run_ddl("CREATE INDEX IF NOT EXISTS registration_event_status ON registration (event, status)")

    async def run_backwards():
        from piccolo_conf import DB

        await DB.run_ddl("DROP INDEX IF EXISTS registration_event_status")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
