"""Every registration gets a ticket token (what its QR code holds), unique through an index.

SQLite cannot add a UNIQUE column, hence the separate index; existing registrations get a fresh
random token so their tickets work at once."""

import secrets

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.querystring import QueryString

ID = "2026-11-26T01:28:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique ticket tokens for every registration"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="registration", description=DESCRIPTION)

    async def run():
        from piccolo_conf import DB

        rows = await DB.run_querystring(QueryString("SELECT id FROM registration WHERE ticket_token IS NULL"))
        for row in rows:
            await DB.run_querystring(
                QueryString(
                    "UPDATE registration SET ticket_token = {}, ticket_issued_at = created_at WHERE id = {}",
                    secrets.token_urlsafe(16),
                    row["id"],
                )
            )
        await DB.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS registration_ticket_token_unique ON registration (ticket_token)"
        )

    async def run_backwards():
        from piccolo_conf import DB

        await DB.run_ddl("DROP INDEX IF EXISTS registration_ticket_token_unique")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
