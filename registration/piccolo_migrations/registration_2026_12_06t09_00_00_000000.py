"""On SQLite, the youths' names in a full-text index (FTS5), kept by triggers: a name search and its count read
the few youths whose name has a word starting with what was typed, rather than every youth of the
organisation (PostgreSQL has its trigram index for the same, see 2026-12-06T08:00). The words are those of
`Participant.search_name` (folded: no accents, lower case). Written by hand: Piccolo has no virtual tables."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "full-text index of the youths' names (SQLite)"

STATEMENTS = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS participant_search USING fts5("
    "search_name, content='participant', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER IF NOT EXISTS participant_search_insert AFTER INSERT ON participant BEGIN "
    "INSERT INTO participant_search (rowid, search_name) VALUES (new.id, new.search_name); END",
    "CREATE TRIGGER IF NOT EXISTS participant_search_delete AFTER DELETE ON participant BEGIN "
    "INSERT INTO participant_search (participant_search, rowid, search_name) "
    "VALUES ('delete', old.id, old.search_name); END",
    "CREATE TRIGGER IF NOT EXISTS participant_search_update AFTER UPDATE OF search_name ON participant BEGIN "
    "INSERT INTO participant_search (participant_search, rowid, search_name) "
    "VALUES ('delete', old.id, old.search_name); "
    "INSERT INTO participant_search (rowid, search_name) VALUES (new.id, new.search_name); END",
    "INSERT INTO participant_search (participant_search) VALUES ('rebuild')",  # the youths already there
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registration", description=DESCRIPTION)

    async def run():
        from piccolo_conf import DB

        if DB.engine_type != "sqlite":
            return
        for statement in STATEMENTS:
            await DB.run_ddl(statement)

    async def run_backwards():
        from piccolo_conf import DB

        if DB.engine_type != "sqlite":
            return
        for name in ("insert", "delete", "update"):
            await DB.run_ddl(f"DROP TRIGGER IF EXISTS participant_search_{name}")
        await DB.run_ddl("DROP TABLE IF EXISTS participant_search")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
