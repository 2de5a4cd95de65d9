"""The youths' list reads its page from one index, measured by bench/console_pages.py (10,000 youths in one
organisation): (organisation, last_name, first_name, id) gives the page in name order without sorting the
organisation's youths, and search_name, phone and postcode beside them let a search and its count run on the
index alone, without visiting the table's rows. It supersedes (organisation, search_name). PostgreSQL does
not read an index in order for a user of two organisations (organisation IN (1, 5)): it takes the names' order
from (last_name, first_name, id) instead, where its statistics say the organisations' youths are many.
On PostgreSQL, a trigram index (pg_trgm) answers the name search ("starts a word of the name": LIKE 'x%' OR
LIKE '% x%') and its count without reading every youth of the organisation; where the extension is not
installed on the server, the search still works, reading them all.
Written by hand: a many-column index is not a column option in Piccolo."""


from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T08:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one index for the youths' list and its searches"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registration", description=DESCRIPTION)

    async def run():
        from piccolo_conf import DB

        await DB.run_ddl(
            "CREATE INDEX IF NOT EXISTS participant_youth_list ON participant "
            "(organisation, last_name, first_name, id, search_name, phone, postcode)"
        )
        await DB.run_ddl("CREATE INDEX IF NOT EXISTS participant_name ON participant (last_name, first_name, id)")
        await DB.run_ddl("DROP INDEX IF EXISTS participant_organisation_search_name")
        if DB.engine_type == "postgres" and await DB.run_ddl(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"
        ):
            await DB.run_ddl("CREATE EXTENSION IF NOT EXISTS pg_trgm")  # a trusted extension since PostgreSQL 13
            await DB.run_ddl(
                "CREATE INDEX IF NOT EXISTS participant_search_name_trgm ON participant "
                "USING gin (search_name gin_trgm_ops)"
            )

    async def run_backwards():
        from piccolo_conf import DB

        await DB.run_ddl(
            "CREATE INDEX IF NOT EXISTS participant_organisation_search_name ON participant (organisation, search_name)"
        )
        await DB.run_ddl("DROP INDEX IF EXISTS participant_youth_list")
        await DB.run_ddl("DROP INDEX IF EXISTS participant_name")
        await DB.run_ddl("DROP INDEX IF EXISTS participant_search_name_trgm")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
