"""Registrations arriving all at once, beside a Litestar hello endpoint served the same way.

Starts Tremplin with two app processes (on SQLite by default, on PostgreSQL when DATABASE_URL says
so, with Redis when REDIS_URL is set) on a fresh database holding one published event of 100 places
with a waiting list, then 16 clients post registrations with distinct phones for a while, and read
the public page (the event's page, as a youth opens it). Checks that exactly 100 registrations got
a place; reports each app process's peak memory. Last line: one JSON object.

The per-IP limit on public posts is raised for the run: it protects real forms, and every
benchmark client shares one IP.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._loadgen import HELLO_APP, form_post, hammer, peak_rss, run, start_server, stop_server, window  # noqa: E402

SECONDS = window(10.0)
CAPACITY = 100
SETUP = """
import asyncio, secrets, datetime as dt
from app.cli import migrate
from core.db import open_pool, close_pool
from accounts.tables import Organisation
from events.tables import Event, Session

async def main():
    await migrate()
    await open_pool()
    org = Organisation(name="Bench ML", kind="mission_locale"); await org.save()
    day = dt.date.today() + dt.timedelta(days=20)
    event = Event(organisation=org.id, title="Information collective", format="info_collective",
                  status="published", starts_on=day, ends_on=day, capacity={capacity}, waiting_list=True,
                  public_token="bench-" + secrets.token_urlsafe(8))
    await event.save()
    start = dt.datetime.combine(day, dt.time(8), dt.timezone.utc)
    await Session(event=event.id, title="Info", kind="info", starts_at=start,
                  ends_at=start + dt.timedelta(hours=2)).save()
    print(event.public_token)
    await close_pool()

asyncio.run(main())
"""
COUNT = """
import asyncio
from core.db import open_pool, close_pool
from registration.tables import Registration

async def main():
    await open_pool()
    rows = await Registration.select(Registration.status).where(Registration.event.public_token == "{token}")
    print(sum(r["status"] == "confirmed" for r in rows), sum(r["status"] == "waiting" for r in rows), len(rows))
    await close_pool()

asyncio.run(main())
"""


async def _env() -> dict[str, str]:
    var_dir = tempfile.mkdtemp(prefix="tremplin-bench-")
    url = os.environ.get("DATABASE_URL", "") or f"sqlite:///{var_dir}/bench.sqlite3"
    if url.startswith("postgres"):  # a fresh schema for a fair count
        import asyncpg

        connection = await asyncpg.connect(url)
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        await connection.close()
    return {
        "TREMPLIN_VAR_DIR": var_dir,
        "DATABASE_URL": url,
        "PUBLIC_POSTS_PER_10_MIN": "100000000",
        "TREMPLIN_WORKER": "external",
    }


def _python(code: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**os.environ, **env}, check=True, capture_output=True, text=True
    )
    return result.stdout.strip().splitlines()[-1]


async def main() -> dict:
    env = await _env()
    engine = "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite"
    workers = int(os.environ.get("BENCH_WORKERS", "2"))  # 2: as `tremplin serve` runs by default
    token = _python(SETUP.replace("{capacity}", str(CAPACITY)), env)
    hello, hello_url = start_server(HELLO_APP, {}, workers=workers)
    app, app_url = start_server("app.asgi:app_factory", env, factory=True, workers=workers)
    try:
        async with httpx.AsyncClient(base_url=app_url) as client:
            await client.get(f"/e/{token}")
            csrf = client.cookies.get("tremplin_csrf")
        cookie = f"tremplin_csrf={csrf}"
        numbers = itertools.count(1)

        def registration() -> bytes:
            n = next(numbers)
            body = urlencode(
                {
                    "_csrf_token": csrf,
                    "first_name": f"Jeune{n}",
                    "last_name": "Bench",
                    "phone": f"+3361{n:07d}",
                    "postcode": "26000",
                }
            ).encode()
            return form_post(app_url, f"/e/{token}", body, cookie)

        await hammer(app_url, "/healthz", seconds=1.0)  # warm-up
        hello_result = await hammer(hello_url, "/", seconds=SECONDS)
        register = await run(app_url, registration, seconds=SECONDS, ok=(b"HTTP/1.1 302",))
        page = await hammer(app_url, f"/e/{token}", seconds=SECONDS)
        memory = peak_rss(app)
    finally:
        for process in (hello, app):
            stop_server(process)
    confirmed, waiting, total = (int(x) for x in _python(COUNT.replace("{token}", token), env).split())
    return {
        "engine": engine,
        "workers": workers,
        "concurrency": 16,
        "capacity": CAPACITY,
        "requests": register.requests,
        "recorded": total,
        "confirmed": confirmed,
        "waiting": waiting,
        "errors": register.errors + page.errors + (register.requests - total),
        "register_rps": round(register.rps),
        "page_rps": round(page.rps),
        "hello_rps": round(hello_result.rps),
        "register_ratio": round(register.rps / hello_result.rps, 4),
        "page_ratio": round(page.rps / hello_result.rps, 4),
        "p50_ms": round(register.percentile(50), 1),
        "p95_ms": round(register.percentile(95), 1),
        "p99_ms": round(register.percentile(99), 1),
        "page_p95_ms": round(page.percentile(95), 1),
        **memory,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
