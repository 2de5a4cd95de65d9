"""Each event carries the number of its confirmed registrations, kept by the database itself.

The public registration path on PostgreSQL decides "place or waiting list" in one statement
without an explicit transaction: it locks the event row only while places remain, and a count
of registration rows would be read from the statement's snapshot, which may be stale once the
lock is granted. A counter on the locked row is re-read after the lock (PostgreSQL re-checks a
locked row's latest version), so it cannot go stale. Triggers keep it right on every write path,
so no Python code maintains it; it is deliberately not a Piccolo column, so saving an Event
object never writes back an old value.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-26T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "confirmed registrations counted on the event row by triggers"

POSTGRES = [
    "ALTER TABLE event ADD COLUMN confirmed_count INTEGER NOT NULL DEFAULT 0",
    """CREATE FUNCTION registration_confirmed_count() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status IS NOT DISTINCT FROM NEW.status AND OLD.event = NEW.event THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'confirmed' THEN
        UPDATE event SET confirmed_count = confirmed_count - 1 WHERE id = OLD.event;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 'confirmed' THEN
        UPDATE event SET confirmed_count = confirmed_count + 1 WHERE id = NEW.event;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql""",
    "CREATE TRIGGER registration_confirmed_count AFTER INSERT OR DELETE OR UPDATE OF status, event "
    "ON registration FOR EACH ROW EXECUTE FUNCTION registration_confirmed_count()",
]
SQLITE = [
    "ALTER TABLE event ADD COLUMN confirmed_count INTEGER NOT NULL DEFAULT 0",
    "CREATE TRIGGER registration_confirmed_insert AFTER INSERT ON registration WHEN NEW.status = 'confirmed' "
    "BEGIN UPDATE event SET confirmed_count = confirmed_count + 1 WHERE id = NEW.event; END",
    "CREATE TRIGGER registration_confirmed_delete AFTER DELETE ON registration WHEN OLD.status = 'confirmed' "
    "BEGIN UPDATE event SET confirmed_count = confirmed_count - 1 WHERE id = OLD.event; END",
    "CREATE TRIGGER registration_confirmed_update AFTER UPDATE OF status, event ON registration "
    "WHEN OLD.status IS NOT NEW.status OR OLD.event IS NOT NEW.event BEGIN "
    "UPDATE event SET confirmed_count = confirmed_count - 1 WHERE id = OLD.event AND OLD.status = 'confirmed'; "
    "UPDATE event SET confirmed_count = confirmed_count + 1 WHERE id = NEW.event AND NEW.status = 'confirmed'; "
    "END",
]
BACKFILL = (
    "UPDATE event SET confirmed_count = (SELECT count(*) FROM registration r "
    "WHERE r.event = event.id AND r.status = 'confirmed')"
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registration", description=DESCRIPTION)

    async def run():
        from piccolo.engine.sqlite import SQLiteEngine

        from piccolo_conf import DB

        for statement in SQLITE if isinstance(DB, SQLiteEngine) else POSTGRES:
            await DB.run_ddl(statement)
        await DB.run_ddl(BACKFILL)

    async def run_backwards():
        from piccolo.engine.sqlite import SQLiteEngine

        from piccolo_conf import DB

        if isinstance(DB, SQLiteEngine):
            for name in ("insert", "delete", "update"):
                await DB.run_ddl(f"DROP TRIGGER IF EXISTS registration_confirmed_{name}")
        else:
            await DB.run_ddl("DROP TRIGGER IF EXISTS registration_confirmed_count ON registration")
            await DB.run_ddl("DROP FUNCTION IF EXISTS registration_confirmed_count()")
        await DB.run_ddl("ALTER TABLE event DROP COLUMN confirmed_count")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
