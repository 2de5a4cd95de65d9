"""A youth is one participant per organisation, known by their phone; one check-in per
registration and session. Written by hand: unique indexes work on both engines."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-25T19:33:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique participant phone per organisation"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registration", description=DESCRIPTION)

    async def run():
        from piccolo_conf import DB

        await DB.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS participant_organisation_phone_uniq "
            "ON participant (organisation, phone)"
        )

    async def run_backwards():
        from piccolo_conf import DB

        await DB.run_ddl("DROP INDEX IF EXISTS participant_organisation_phone_uniq")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
