"""No personal token left in clear: each becomes its digest, and is kept sealed with SECRET_KEY.

The tokens stay the same (registration/tokens.py `protect`), so the links already sent by text, the tickets
already downloaded or printed and the proposals' links keep working, and later messages carry the same links.
Run by `tremplin migrate`, which has the settings: the seal needs SECRET_KEY. Not reversible: the clear
tokens are gone (backwards only says so).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.querystring import QueryString

ID = "2026-12-06T13:45:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "personal tokens kept as digests and sealed (data)"
BATCH = 500
# (table, digest column, sealed column, purpose); the digest column holds the clear token until this runs.
COLUMNS = (
    ("registration", "manage_hash", "manage_sealed", "manage"),
    ("registration", "ticket_hash", "ticket_sealed", "ticket"),
    ("proposal", "token_hash", "token_sealed", "proposal"),
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registration", description=DESCRIPTION)

    async def run():
        from piccolo_conf import DB
        from registration.tokens import Purpose, protect

        for table, hashed, sealed, purpose in COLUMNS:
            last = 0
            while True:
                rows = await DB.run_querystring(
                    QueryString(
                        f"SELECT id, {hashed} AS token FROM {table} WHERE id > {{}} AND {hashed} IS NOT NULL "
                        f"AND ({sealed} IS NULL OR {sealed} = '') ORDER BY id LIMIT {BATCH}",
                        last,
                    )
                )
                if not rows:
                    break
                for row in rows:
                    kept = protect(Purpose(purpose), row["token"])
                    await DB.run_querystring(
                        QueryString(
                            f"UPDATE {table} SET {hashed} = {{}}, {sealed} = {{}} WHERE id = {{}}",
                            kept.hash,
                            kept.sealed,
                            row["id"],
                        )
                    )
                last = rows[-1]["id"]

    async def run_backwards():
        print("The personal tokens stay sealed: their clear values are not written back.")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
