"""An existing database upgrades in place: when tables moved to the package of their feature (planning,
checkin, calendars), a database built by the earlier migrations and filled with the demo keeps every row
and every link once the new migrations have run, on SQLite and on PostgreSQL; the youths' personal links and
tickets, kept in clear then, keep working and are no longer in clear.

The upgrade runs in its own process, on its own database, so the test session's engine is left alone:
`python -m tests.test_upgrade OUT.json` migrates up to the release before the move, loads the demo,
takes a snapshot, runs every migration, and takes another.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from core.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
MOVED_ON = "2026-12-06"  # the migrations from this day on hand the moved tables to their new packages


async def _fresh_postgres_database(url: str) -> str:
    """A new empty database beside the test one; its URL."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_upgrade"
    admin = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return urlunsplit(parts._replace(path=f"/{name}"))


async def test_an_existing_database_keeps_every_row_and_link_through_the_package_move(tmp_path):
    settings = get_settings()
    url = (
        f"sqlite:///{tmp_path / 'old.sqlite3'}"
        if settings.is_sqlite
        else await _fresh_postgres_database(settings.database_url)
    )
    out = tmp_path / "snapshots.json"
    env = {**os.environ, "DATABASE_URL": url, "TREMPLIN_VAR_DIR": str(tmp_path / "var")}
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "tests.test_upgrade", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    snapshots = json.loads(out.read_text())
    before, after = snapshots["before"], snapshots["after"]

    # The packages the move created, and those added since (outcomes, outreach, parcours, privacy, webhooks), had no
    # migration then.
    assert snapshots["not_yet_run_before"] == [
        "calendars",
        "checkin",
        "outcomes",
        "outreach",
        "parcours",
        "planning",
        "privacy",
        "webhooks",
    ]
    kept = {table: after["rows"][table] for table in before["rows"]}  # later migrations may add tables
    assert kept == before["rows"]
    assert all(n == 0 for n in after["dangling_links"].values()), after["dangling_links"]
    for config in ("planning", "checkin", "calendars"):  # every moved table had rows to keep
        for table in snapshots["tables_of"][config]:
            assert table not in before["rows"] or before["rows"][table], table
    assert before["rows"]["registration"] and before["rows"]["participant"]
    # The personal links and tickets the demo's youths were given, in clear then, still open the same pages and
    # scan, are the ones the app gives again, and are no longer in the database (registration.tokens).
    tokens = snapshots["tokens"]
    assert tokens["registrations"] == len(before["rows"]["registration"]) and tokens["tickets"]
    assert tokens["problems"] == [], tokens["problems"][:10]


# ----------------------------------------------------------------------------- the upgrade, in its own process


async def _migrate_to_the_release_before_the_move() -> list[str]:
    """Run every app's migrations older than MOVED_ON; the apps that had none then."""
    from piccolo.apps.migrations.commands.base import BaseMigrationManager
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from piccolo_conf import APP_REGISTRY

    untouched = []
    for app_name, config in APP_REGISTRY.app_configs.items():  # listed in dependency order
        manager = BaseMigrationManager()
        ids = manager.get_migration_ids(manager.get_migration_modules(config.migrations_folder_path))
        older = [i for i in ids if i < MOVED_ON]
        if not older:
            untouched.append(app_name)
            continue
        result = await run_forwards(app_name, older[-1])
        assert result.success, result.message
    return sorted(untouched)


async def _write_as_that_release() -> None:
    """Today's table classes, cut down to the columns the old schema has: the demo is written as that release
    would have written it (a column added by a later migration arrives with that migration)."""
    from core.db import is_sqlite
    from piccolo_conf import APP_REGISTRY

    for config in APP_REGISTRY.app_configs.values():
        for table in config.table_classes:
            name = table._meta.tablename
            if is_sqlite():
                rows = await table.raw(f'PRAGMA table_info("{name}")')
                present = {r["name"] for r in rows}
            else:
                rows = await table.raw("SELECT column_name FROM information_schema.columns WHERE table_name = {}", name)
                present = {r["column_name"] for r in rows}
            if not present:  # a table of a later release: nothing to write there
                continue
            meta = table._meta
            later = {c._meta.name for c in meta.columns if c._meta.db_column_name not in present}
            if later:  # today's code may still name them: they are dropped, as that release never had them
                table.__init__ = _without(table.__init__, later)
            for attribute in (
                "columns",
                "default_columns",
                "non_default_columns",
                "foreign_key_columns",
                "json_columns",
                "secret_columns",
                "auto_update_columns",
            ):
                kept = [c for c in getattr(meta, attribute) if c._meta.db_column_name in present]
                setattr(meta, attribute, kept)


def _without(init, names: set[str]):
    def __init__(self, *args, **kwargs):  # noqa: N807 - stands in for the table's own
        init(self, *args, **{k: v for k, v in kwargs.items() if k not in names})
        self.__dict__.update(dict.fromkeys(names))  # read as empty, never written

    return __init__


async def _fill_the_moved_tables() -> None:
    """The demo plans no rally and checks nobody in: one row in each moved table, linked to the demo's."""
    from datetime import timedelta

    from accounts.tables import User
    from calendars.tables import CalendarFeed, FeedKind
    from checkin.tables import CheckIn, Device
    from core.clock import utcnow
    from events.tables import Event, Format, Session, Site
    from planning.tables import Companion, Interview, PlanningRun, Team, TeamMember, TravelTime, Visit
    from registration.tables import Registration

    rally = await Event.objects().get(Event.format == Format.rallye)
    registration = await Registration.objects().where(Registration.event == rally.id).first()
    session = await Session.objects().where(Session.event == rally.id).first()
    sites = await Site.objects().where(Site.organisation == rally.organisation).limit(2)
    user = await User.objects().first()
    companion = await Companion.objects().where(Companion.event == rally.id).first()
    now = utcnow()
    team = Team(event=rally.id, number=1, companion=companion.id)
    await team.save()
    visit = Visit(team=team.id, site=sites[0].id, starts_at=now, ends_at=now + timedelta(hours=1))
    await visit.save()
    for row in (
        TeamMember(team=team.id, registration=registration.id),
        Interview(registration=registration.id, site=sites[0].id, starts_at=now, ends_at=now + timedelta(minutes=20)),
        TravelTime(organisation=rally.organisation, origin=sites[0].id, destination=sites[1].id, car_minutes=12),
        PlanningRun(event=rally.id, requested_by=user.id),
        CheckIn(registration=registration.id, session=session.id, visit=visit.id, nonce="upgrade-1", source="scan"),
        Device(event=rally.id, name="Téléphone", token_hash="0" * 64, expires_at=now + timedelta(days=1)),
        CalendarFeed(kind=FeedKind.team, subject=team.id, organisation=rally.organisation, token_hash="1" * 64),
    ):
        await row.save()


# Columns renamed by the personal tokens' migration (registration_2026_12_06t13_45_00): today's name, that
# release's name. Today's code writes the digests and seals; that release wrote the tokens in clear.
TOKEN_COLUMNS = {"manage_hash": "manage_token", "ticket_hash": "ticket_token"}
SEALED = {"manage_hash": ("manage_sealed", "manage"), "ticket_hash": ("ticket_sealed", "ticket")}


async def _tokens_as_today() -> None:
    """Today's code writes registrations with the columns of today: give that release's table those names for the
    demo (undone by `_tokens_as_that_release`)."""
    from piccolo_conf import DB

    for today, then in TOKEN_COLUMNS.items():
        await DB.run_ddl(f"ALTER TABLE registration RENAME COLUMN {then} TO {today}")
        await DB.run_ddl(f"ALTER TABLE registration ADD COLUMN {SEALED[today][0]} VARCHAR(100)")


async def _tokens_as_that_release() -> dict[int, dict[str, str | None]]:
    """That release's registration table again, the tokens the demo made written in clear as it kept them;
    returns them by registration."""
    from piccolo.querystring import QueryString

    from piccolo_conf import DB
    from registration.tokens import Purpose, reveal

    clear: dict[int, dict[str, str | None]] = {}
    for row in await DB.run_querystring(QueryString("SELECT id, manage_sealed, ticket_sealed FROM registration")):
        clear[row["id"]] = {
            column: reveal(Purpose(purpose), row[sealed]) if row[sealed] else None
            for column, (sealed, purpose) in SEALED.items()
        }
        await DB.run_querystring(
            QueryString(
                "UPDATE registration SET manage_hash = {}, ticket_hash = {} WHERE id = {}",
                clear[row["id"]]["manage_hash"],
                clear[row["id"]]["ticket_hash"],
                row["id"],
            )
        )
    for today, then in TOKEN_COLUMNS.items():
        await DB.run_ddl(f"ALTER TABLE registration DROP COLUMN {SEALED[today][0]}")
        await DB.run_ddl(f"ALTER TABLE registration RENAME COLUMN {today} TO {then}")
    await _write_as_that_release()  # the snapshots leave the token columns out: `_tokens_after` checks them
    return clear


async def _tokens_after(clear: dict[int, dict[str, str | None]]) -> dict:
    """After the upgrade: each registration's link and ticket found by the app as before, unsealed to the same
    token, and no column of the row holding either in clear."""
    from piccolo.querystring import QueryString

    from piccolo_conf import DB
    from registration.tokens import Purpose, digest, reveal

    problems = []
    rows = {r["id"]: r for r in await DB.run_querystring(QueryString("SELECT * FROM registration"))}
    for registration_id, given in clear.items():
        row = rows[registration_id]
        for column, token in given.items():
            sealed, purpose = SEALED[column]
            if token is None:
                if row[column] is not None or row[sealed] is not None:
                    problems.append(f"{registration_id}: a {purpose} token appeared")
                continue
            if row[column] != digest(token) or reveal(Purpose(purpose), row[sealed]) != token:
                problems.append(f"{registration_id}: its {purpose} token is lost")
            if any(token in str(value) for value in row.values()):
                problems.append(f"{registration_id}: its {purpose} token is still in clear")
    tickets = sum(1 for given in clear.values() if given["ticket_hash"])
    return {"registrations": len(clear), "tickets": tickets, "problems": problems}


async def _snapshot() -> dict:
    """Every row of every table, and how many foreign keys point at nothing."""
    from piccolo_conf import APP_REGISTRY

    rows, dangling = {}, {}
    for config in APP_REGISTRY.app_configs.values():
        for table in config.table_classes:
            if not await table.table_exists():  # added by a migration after the move
                continue
            name = table._meta.tablename
            rows[name] = json.loads(json.dumps(await table.select().order_by(table._meta.primary_key), default=str))
            for column in table._meta.foreign_key_columns:
                target = column._foreign_key_meta.resolved_references
                orphans = await table.count().where(
                    column.is_not_null() & column.not_in(target.select(target._meta.primary_key))
                )
                dangling[f"{name}.{column._meta.db_column_name}"] = orphans
    return {"rows": rows, "dangling_links": dangling}


async def _upgrade() -> dict:
    import app.features  # noqa: F401 - the demo publishes plans: every feature's receivers
    from app.cli import migrate
    from app.demo import load_demo
    from core.db import close_pool, open_pool

    await open_pool()
    try:
        not_yet_run = await _migrate_to_the_release_before_the_move()
        await _tokens_as_today()
        await _write_as_that_release()
        await load_demo(exercise=False)
        await _fill_the_moved_tables()
        clear = await _tokens_as_that_release()
        before = await _snapshot()
        await migrate()
        after = await _snapshot()
        tokens = await _tokens_after(clear)
    finally:
        await close_pool()
    from piccolo_conf import APP_REGISTRY

    tables_of = {name: [t._meta.tablename for t in c.table_classes] for name, c in APP_REGISTRY.app_configs.items()}
    return {
        "not_yet_run_before": not_yet_run,
        "before": before,
        "after": after,
        "tables_of": tables_of,
        "tokens": tokens,
    }


if __name__ == "__main__":
    os.environ.setdefault("TREMPLIN_VAR_DIR", tempfile.mkdtemp(prefix="tremplin-upgrade-"))
    Path(sys.argv[1]).write_text(json.dumps(asyncio.run(_upgrade())))
