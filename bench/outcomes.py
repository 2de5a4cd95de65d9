"""How fast the outcomes' pages answer at scale, beside a Litestar hello endpoint served the same way.

Starts Tremplin on a fresh database (SQLite by default, PostgreSQL when DATABASE_URL says so) with the demo,
then adds in bulk to the demo's ETTI: 10,000 youths, 500 past events with a session each, 50,000
registrations, 50,000 check-ins, their follow-ups (J+30, J+90, J+180: 150,000) and 5,000 situations; 1,000
of the registrations were referred by the demo's Mission Locale adviser. Then hammers at 16 clients: the
follow-up list (due this week, overdue) as the ETTI's admin, and the adviser's page ("my youths", with hours
attended and latest situations) as the adviser. Last line: one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._loadgen import HELLO_APP, ROOT, hammer, peak_rss, start_server, stop_server, window  # noqa: E402
from bench.console_pages import _env, _login  # noqa: E402

SECONDS = window(8.0)
YOUTHS, EVENTS, REGISTRATIONS_EACH, REFERRED, SITUATIONS = 10_000, 500, 5, 1_000, 5_000
ADMIN, ADVISER = "directrice.etti@tremplin.local", "conseillere.valence@tremplin.local"
PAGES = {
    "follow_ups_due": (ADMIN, "/follow-ups?state=due"),
    "follow_ups_overdue": (ADMIN, "/follow-ups?state=overdue"),
    "adviser_page": (ADVISER, "/youths?scope=mine"),
}

# Bulk rows (not the paths under test), skipped when they are there (PostgreSQL databases outlive a run).
SETUP = """
import asyncio, datetime as dt, random, sys
from core.db import open_pool, close_pool, is_sqlite, get_engine
from accounts.tables import Organisation, User
from registration.tables import fold_name

async def main():
    await open_pool()
    try:
        await fill(*(int(a) for a in sys.argv[1:6]))
    finally:  # the readers' threads would keep the process alive on an error
        await close_pool()

async def fill(youths, events, each, referred, situations):
    named = lambda name: Organisation.select(Organisation.id).where(Organisation.name == name).first()
    etti = (await named("Intérim Solidaire Drôme"))["id"]
    ml = (await named("Mission Locale Valence Agglo"))["id"]
    adviser = (await User.select(User.id).where(User.email == "conseillere.valence@tremplin.local").first())["id"]
    rng = random.Random(15)
    today = dt.date.today()
    now = dt.datetime.now(dt.timezone.utc)
    people = [(etti, f"Jeune{i}", rng.choice(["Benali", "Martin", "Roux", "Nguyen", "Durand"]), f"+336{i:08d}",
               fold_name(f"Jeune{i}", "x"), now, now) for i in range(youths)]
    days = [today - dt.timedelta(days=1 + (i * 365) // events) for i in range(events)]  # a year, one a day or so
    engine = get_engine()
    db = None
    if is_sqlite():
        import sqlite3
        db = sqlite3.connect(engine.path)
        run = lambda sql, rows=None: db.executemany(sql, rows) if rows is not None else db.execute(sql)
        fetch = lambda sql: db.execute(sql).fetchall()
        mark = "?"
    else:
        conn = await engine.pool.acquire()
    async def q(sql, rows=None):
        if db is not None:
            return run(sql, rows)
        sql = sql.replace("?", "${}")
        n = sql.count("${}")
        sql = sql.format(*range(1, n + 1))
        if rows is not None:
            await conn.executemany(sql, rows)
        else:
            await conn.execute(sql)
    async def rows_of(sql):
        return fetch(sql) if db is not None else [tuple(r) for r in await conn.fetch(sql)]

    known = await rows_of("SELECT count(*) FROM participant WHERE phone LIKE '+336%' AND first_name LIKE 'Jeune%'")
    if known[0][0] >= youths:
        if db is None:  # an acquired connection left out would keep close_pool() waiting for ever
            await engine.pool.release(conn)
        return
    await q("INSERT INTO participant (organisation, first_name, last_name, phone, search_name, created_at, "
            "last_contact_at) VALUES (?, ?, ?, ?, ?, ?, ?)", people)
    ids = [r[0] for r in await rows_of("SELECT id FROM participant WHERE first_name LIKE 'Jeune%' ORDER BY id")]
    await q("INSERT INTO event (organisation, title, format, status, starts_on, ends_on, public_token, timezone) "
            "VALUES (?, ?, 'info_collective', 'done', ?, ?, ?, 'Europe/Paris')",
            [(etti, f"Information collective n°{i}", d, d, f"bench-{i:06d}") for i, d in enumerate(days)])
    event_rows = await rows_of("SELECT id, starts_on FROM event WHERE public_token LIKE 'bench-%' ORDER BY id")
    def day(v):
        return v if isinstance(v, dt.date) else dt.date.fromisoformat(v)
    at = lambda d, hour: dt.datetime.combine(day(d), dt.time(hour), dt.timezone.utc)
    await q("INSERT INTO event_session (event, title, kind, starts_at, ends_at) "
            "VALUES (?, 'Information collective', 'info', ?, ?)", [(e, at(d, 9), at(d, 11)) for e, d in event_rows])
    sessions = dict(await rows_of("SELECT event, id FROM event_session WHERE event IN "
                                  "(SELECT id FROM event WHERE public_token LIKE 'bench-%')"))
    registrations = []
    for n, person in enumerate(ids):
        for k in range(each):
            event_id = event_rows[(n * each + k * 97) % len(event_rows)][0]
            by_adviser = n < referred and k == 0
            registrations.append((event_id, person, "confirmed", "adviser" if by_adviser else "public",
                                  adviser if by_adviser else None, ml if by_adviser else None, f"b{n:07d}{k}", now))
    await q("INSERT INTO registration (event, participant, status, source, referred_by, referring_organisation, "
            "manage_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", registrations)
    reg_rows = await rows_of("SELECT r.id, r.event, r.participant, e.ends_on FROM registration r "
                             "JOIN event e ON e.id = r.event "
                             "WHERE r.manage_hash LIKE 'b%' AND e.public_token LIKE 'bench-%' ORDER BY r.id")
    await q("INSERT INTO check_in (registration, session, status, scanned_at, recorded_at, nonce, source) "
            "VALUES (?, ?, 'present', ?, ?, ?, 'scan')",
            [(r, sessions[e], now, now, f"bench-scan-{r}") for r, e, _p, _d in reg_rows])
    follow_ups = [(r, after, day(d) + dt.timedelta(days=after)) for r, _e, _p, d in reg_rows for after in (30, 90, 180)]
    await q("INSERT INTO follow_up (registration, days, due_on, created_at) "
            "VALUES (?, ?, ?, CURRENT_TIMESTAMP)", follow_ups)
    # Follow-ups that fell due lately had their text sent then (the app's worker would send them now).
    await q("UPDATE follow_up SET token_hash = 'bench-' || id WHERE due_on <= CURRENT_DATE")
    kinds = ["cdi", "short_contract", "training", "job_seeking", "no_news"]
    await q("INSERT INTO situation (participant, kind, since, source, recorded_at) VALUES (?, ?, ?, 'adviser', ?)",
            [(ids[(i * 2) % len(ids)], kinds[i % 5], today - dt.timedelta(days=i % 200), now)
             for i in range(situations)])
    if db is not None:
        db.commit()
        db.execute("ANALYZE")
        db.close()
    else:
        for table in ("participant", "registration", "check_in", "follow_up", "situation", "event", "event_session"):
            await conn.execute(f"VACUUM ANALYZE {table}")
        await engine.pool.release(conn)

asyncio.run(main())
"""


def _prepare(env: dict[str, str]) -> None:
    run_env = {**os.environ, **env}
    cli = [sys.executable, "-m", "app.cli"]
    subprocess.run([*cli, "migrate"], env=run_env, check=True, capture_output=True)
    subprocess.run([*cli, "demo", "--if-empty"], env=run_env, check=True, capture_output=True)
    counts = [str(n) for n in (YOUTHS, EVENTS, REGISTRATIONS_EACH, REFERRED, SITUATIONS)]
    subprocess.run([sys.executable, "-c", SETUP, *counts], env=run_env, check=True, cwd=ROOT)


async def main() -> dict:
    var_dir = tempfile.mkdtemp(prefix="tremplin-bench-")
    env = _env(var_dir)
    _prepare(env)
    engine = "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite"
    workers = 2  # as `tremplin serve` runs by default, on either engine
    hello, hello_url = start_server(HELLO_APP, {}, workers=workers)
    app, app_url = start_server("app.asgi:app_factory", env, factory=True, workers=workers)
    try:
        cookies = {email: _login(app_url, email) for email in (ADMIN, ADVISER)}
        await hammer(app_url, "/healthz", seconds=1.0)  # warm-up
        hello_result = await hammer(hello_url, "/", seconds=SECONDS)
        results = {}
        for name, (email, path) in PAGES.items():
            async with httpx.AsyncClient() as client:
                check = await client.get(app_url + path, headers={"cookie": cookies[email]})
            assert check.status_code == 200, (path, check.status_code)
            results[name] = await hammer(app_url, path, seconds=SECONDS, cookie=cookies[email])
        memory = peak_rss(app)
    finally:
        for process in (hello, app):
            stop_server(process)
    return {
        "engine": engine,
        "workers": workers,
        "concurrency": 16,
        "youths": YOUTHS,
        "events": EVENTS,
        "check_ins": YOUTHS * REGISTRATIONS_EACH,
        "hello_rps": round(hello_result.rps),
        **{f"{name}_rps": round(r.rps) for name, r in results.items()},
        **{f"{name}_p50_ms": round(r.percentile(50), 1) for name, r in results.items()},
        **{f"{name}_p95_ms": round(r.percentile(95), 1) for name, r in results.items()},
        "errors": sum(r.errors for r in results.values()),
        **memory,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
