"""One record per person and list on PostgreSQL: two phones scanning a ticket at the same moment cannot both
check the person in.

A scan decides in one statement, from that statement's snapshot; two at once do not see each other. The
constraint, checked as each statement commits (deferred, so that a scan may replace the record it
supersedes within its statement), refuses the second, which `registration.checkin.redeem` then runs again
and answers "already". Records doubled before it are flagged for review, the earliest staying the record.
SQLite needs none of this: its writes take turns.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-26T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one unflagged check-in per person and list (PostgreSQL)"

FLAG_DOUBLES = """
UPDATE check_in SET flagged = true WHERE NOT flagged AND id NOT IN (
    SELECT DISTINCT ON (registration, COALESCE(session, 0), COALESCE(visit, 0)) id FROM check_in WHERE NOT flagged
    ORDER BY registration, COALESCE(session, 0), COALESCE(visit, 0), scanned_at, id
)
"""
CONSTRAINT = (
    "ALTER TABLE check_in ADD CONSTRAINT check_in_one_record EXCLUDE USING btree "
    "(registration WITH =, (COALESCE(session, 0)) WITH =, (COALESCE(visit, 0)) WITH =) WHERE (NOT flagged) "
    "DEFERRABLE INITIALLY DEFERRED"
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registration", description=DESCRIPTION)

    async def run():
        from piccolo.engine.sqlite import SQLiteEngine

        from piccolo_conf import DB

        if not isinstance(DB, SQLiteEngine):
            await DB.run_ddl(FLAG_DOUBLES)
            await DB.run_ddl(CONSTRAINT)

    async def run_backwards():
        from piccolo.engine.sqlite import SQLiteEngine

        from piccolo_conf import DB

        if not isinstance(DB, SQLiteEngine):
            await DB.run_ddl("ALTER TABLE check_in DROP CONSTRAINT IF EXISTS check_in_one_record")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
