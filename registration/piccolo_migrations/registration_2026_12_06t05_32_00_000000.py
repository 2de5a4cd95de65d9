"""The folded name of the youths already recorded, for the youths' search. Written by hand: the folding
(accents removed, lower case) is Python's, the same on both engines (SQLite has no unaccent)."""

import unicodedata

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T05:32:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "fill participant.search_name"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registration", description=DESCRIPTION)

    async def run():
        from piccolo_conf import DB
        rows = await DB.run_querystring(_select())
        for row in rows:
            await DB.run_querystring(_update(row["id"], fold_name(row["first_name"], row["last_name"])))

    manager.add_raw(run)
    return manager


def fold_name(first_name: str, last_name: str) -> str:
    """registration.tables.fold_name as it was written with this migration (a migration never changes)."""
    text = f"{first_name} {last_name}".casefold()
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(folded.split())


def _select():
    from piccolo.querystring import QueryString

    return QueryString("SELECT id, first_name, last_name FROM participant")


def _update(participant_id: int, folded: str):
    from piccolo.querystring import QueryString

    return QueryString("UPDATE participant SET search_name = {} WHERE id = {}", folded, participant_id)
