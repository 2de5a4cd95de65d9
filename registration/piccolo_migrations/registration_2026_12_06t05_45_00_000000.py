"""Indexes for the youths' list, measured by bench/console_pages.py (10,000 youths in one organisation):
- the search reads the organisation's folded names from an index of their own (organisation, search_name),
  without visiting the table's rows;
- who a user's organisations referred (`Registration.referring_organisation`) is read on every list.
Written by hand: a two-column index is not a column option in Piccolo."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T05:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "indexes for the youths' search"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registration", description=DESCRIPTION)

    async def run():
        from piccolo_conf import DB

        await DB.run_ddl(
            "CREATE INDEX IF NOT EXISTS participant_organisation_search_name ON participant (organisation, search_name)"
        )
        await DB.run_ddl(
            "CREATE INDEX IF NOT EXISTS registration_referring_organisation ON registration (referring_organisation)"
        )

    async def run_backwards():
        from piccolo_conf import DB

        await DB.run_ddl("DROP INDEX IF EXISTS participant_organisation_search_name")
        await DB.run_ddl("DROP INDEX IF EXISTS registration_referring_organisation")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
