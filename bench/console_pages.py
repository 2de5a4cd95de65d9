"""How fast the console shell answers, beside a Litestar hello endpoint served the same way.

Starts Tremplin on a fresh database (SQLite by default, PostgreSQL when DATABASE_URL says so)
with the demo loaded, logs in, and hammers /healthz, /login and the home page at 16 clients; then the youths'
list of an organisation with 10,000 youths (added in bulk to the demo's collective): the first page, a search
by name and a search by the last digits of a phone. Last line: one JSON object.
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

SECONDS = window(8.0)
YOUTHS = 10_000
# The youths' searches measured: a last name shared by about 1 youth in 40 (a full first page of 50), and the
# last four digits of a phone (a handful of youths).
YOUTH_PAGES = {"youths_list": "/youths", "youths_name": "/youths?q=benali", "youths_phone": "/youths?q=4321"}

# Adds YOUTHS youths to the demo's collective, with one registration each to one of its events, in bulk (not
# the path under test); their folded names as the app writes them. Skipped when they are there (PostgreSQL
# databases outlive a run).
YOUTHS_SETUP = """
import asyncio, datetime as dt, json, random, sys
from app.cli import migrate
from core.db import open_pool, close_pool, is_sqlite, get_engine
from accounts.tables import Organisation
from events.tables import Event
from registration.tables import fold_name

FIRST = ["Inès", "Yanis", "Léa", "Sofiane", "Chloé", "Mehdi", "Anaïs", "Killian", "Maëlys", "Noé", "Aïcha",
         "Théo", "Zoé", "Rayan", "Jade", "Lucas", "Emma", "Nassim", "Océane", "Dylan"]
LAST = ["Benali", "Martin", "Durand", "Roux", "Petit", "Lefèvre", "Moreau", "Girard", "Bonnet", "Faure",
        "Mercier", "Blanc", "Guérin", "Muller", "Henry", "Rousseau", "Nicolas", "Perrin", "Morin", "Mathieu",
        "Clément", "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Masson", "Sanchez", "Gérard",
        "Nguyen", "Boyer", "Denis", "Lemaire", "Duval", "Joly", "Gautier", "Roger", "Roche", "Roy"]
POSTCODES = ["26000", "26100", "26200", "26300", "07500", "26400", "26500", "07300"]

async def main():
    count = int(sys.argv[1])
    await open_pool()
    collective = Organisation.name == "Collectif Insertion Drôme"
    org = (await Organisation.select(Organisation.id).where(collective).first())["id"]
    events = [e["id"] for e in await Event.select(Event.id).where(Event.organisation == org)]
    engine = get_engine()
    rng = random.Random(14)
    today = dt.date.today()
    now = dt.datetime.now(dt.timezone.utc)
    people = []
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        birth = today - dt.timedelta(days=rng.randint(16 * 365, 30 * 365))
        people.append((org, first, last, f"+337{i:08d}", birth, rng.choice(POSTCODES), rng.random() < 0.2,
                       fold_name(first, last), now, now))
    columns = ["organisation", "first_name", "last_name", "phone", "birth_date", "postcode", "qpv", "search_name",
               "created_at", "last_contact_at"]
    def registrations(ids):
        return [(events[i % len(events)], p, "waiting" if i % 3 else "cancelled", "import", f"y{i:030d}",
                 now - dt.timedelta(minutes=i)) for i, p in enumerate(ids)]
    registration_columns = ["event", "participant", "status", "source", "manage_hash", "created_at"]
    if is_sqlite():
        import sqlite3
        with sqlite3.connect(engine.path) as db:
            if db.execute("SELECT count(*) FROM participant WHERE phone LIKE '+337%'").fetchone()[0] >= count:
                return
            db.executemany(f"INSERT INTO participant ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                           [(*p[:4], p[4].isoformat(), *p[5:8], p[8].isoformat(), p[9].isoformat()) for p in people])
            ids = [r[0] for r in db.execute("SELECT id FROM participant WHERE phone LIKE '+337%' ORDER BY id")]
            db.executemany(f"INSERT INTO registration ({', '.join(registration_columns)}) VALUES (?, ?, ?, ?, ?, ?)",
                           [(*r[:5], r[5].isoformat()) for r in registrations(ids)])
    else:
        async with engine.pool.acquire() as db:
            if await db.fetchval("SELECT count(*) FROM participant WHERE phone LIKE '+337%'") >= count:
                return
            await db.copy_records_to_table("participant", records=people, columns=columns)
            found = await db.fetch("SELECT id FROM participant WHERE phone LIKE '+337%' ORDER BY id")
            # No confirmed registration among them: the event's confirmed_count trigger has nothing to do.
            await db.copy_records_to_table("registration", records=registrations([r["id"] for r in found]),
                                           columns=registration_columns)
            # As autovacuum leaves them soon after a bulk load (and not in the middle of the measure).
            for table in ("participant", "registration"):
                await db.execute(f"VACUUM ANALYZE {table}")
    await close_pool()

asyncio.run(main())
"""


def _env(var_dir: str) -> dict[str, str]:
    env = {"TREMPLIN_VAR_DIR": var_dir, "TREMPLIN_ENV": "development"}
    url = os.environ.get("DATABASE_URL", "")
    env["DATABASE_URL"] = url or f"sqlite:///{var_dir}/bench.sqlite3"
    return env


def _prepare(env: dict[str, str]) -> None:
    run_env = {**os.environ, **env}
    cli = [sys.executable, "-m", "app.cli"]
    subprocess.run([*cli, "migrate"], env=run_env, check=True, capture_output=True)
    subprocess.run([*cli, "demo", "--if-empty"], env=run_env, check=True, capture_output=True)
    subprocess.run([sys.executable, "-c", YOUTHS_SETUP, str(YOUTHS)], env=run_env, check=True, cwd=ROOT)


def _login(url: str, email: str = "demo@tremplin.local") -> str:
    """A demo user's session cookie, logged in through the form."""
    with httpx.Client(base_url=url) as client:
        client.get("/login")
        token = client.cookies.get("tremplin_csrf")
        response = client.post("/login", data={"_csrf_token": token, "email": email, "password": "tremplin-demo-2026"})
        assert response.status_code == 302, response.text
        return f"tremplin_session={client.cookies.get('tremplin_session')}"


async def main() -> dict:
    var_dir = tempfile.mkdtemp(prefix="tremplin-bench-")
    env = _env(var_dir)
    _prepare(env)
    engine = "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite"
    workers = int(os.environ.get("BENCH_WORKERS", "2"))  # 2: as `tremplin serve` runs by default
    hello, hello_url = start_server(HELLO_APP, {}, workers=workers)
    app, app_url = start_server("app.asgi:app_factory", env, factory=True, workers=workers)
    try:
        cookie = _login(app_url)
        await hammer(app_url, "/healthz", seconds=1.0)  # warm-up
        hello_result = await hammer(hello_url, "/", seconds=SECONDS)
        health = await hammer(app_url, "/healthz", seconds=SECONDS)
        login_page = await hammer(app_url, "/login", seconds=SECONDS)
        home = await hammer(app_url, "/", seconds=SECONDS, cookie=cookie)
        youths = {
            name: await hammer(app_url, path, seconds=SECONDS, cookie=cookie) for name, path in YOUTH_PAGES.items()
        }
        memory = peak_rss(app)
    finally:
        for process in (hello, app):
            stop_server(process)
    return {
        "engine": engine,
        "workers": workers,
        "concurrency": 16,
        "hello_rps": round(hello_result.rps),
        "healthz_rps": round(health.rps),
        "login_page_rps": round(login_page.rps),
        "home_rps": round(home.rps),
        "home_ratio": round(home.rps / hello_result.rps, 3),
        "home_p50_ms": round(home.percentile(50), 1),
        "home_p95_ms": round(home.percentile(95), 1),
        "youths": YOUTHS,
        **{f"{name}_rps": round(result.rps) for name, result in youths.items()},
        **{f"{name}_p50_ms": round(result.percentile(50), 1) for name, result in youths.items()},
        **{f"{name}_p95_ms": round(result.percentile(95), 1) for name, result in youths.items()},
        "errors": health.errors + login_page.errors + home.errors + sum(r.errors for r in youths.values()),
        **memory,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
