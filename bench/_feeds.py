"""How long an organisation's calendar feed takes to write: 1,000 sessions over the 12-month window.

`feed_generation()` runs in a child process (the engine is chosen from DATABASE_URL when Piccolo is first
imported, so the caller's own imports cannot interfere): on the database DATABASE_URL names (its public schema
dropped and re-created first) or a fresh SQLite file in a temporary directory. It creates one organisation with
100 events of 10 sessions each, some at sites with coordinates, 3 registrations per event, then times
`calendars.invitations.for_organisation` RUNS times. Returns the median and best seconds and the feed's size.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SESSIONS = 1000
EVENTS = 100
RUNS = 5

CHILD = """
import asyncio, json, secrets, statistics, time, datetime as dt


async def main():
    from app.cli import migrate
    from core.db import close_pool, open_pool
    from accounts.tables import Organisation
    from calendars import invitations as calendars
    from events.tables import Event, Session, Site
    from registration.tables import Participant, Registration
    from registration.tokens import Purpose, issue

    await migrate()
    await open_pool()
    org = Organisation(name="Bench ML", kind="mission_locale", email="contact@bench.test", phone="+33475000000")
    await org.save()
    sites = []
    for n in range(10):
        site = Site(organisation=org.id, name=f"Site {n}", address=f"{n} rue de la Gare", postcode="26000",
                    city="Valence", latitude=44.93 + n / 1000, longitude=4.89 + n / 1000)
        await site.save()
        sites.append(site.id)
    today = dt.date.today()
    per_event = {sessions} // {events}
    people = Participant.insert(*[
        Participant(organisation=org.id, first_name=f"Jeune{n}", last_name="Bench", phone=f"+336{n:08d}")
        for n in range(3 * {events})
    ])
    await people
    participant_ids = [r["id"] for r in await Participant.select(Participant.id).order_by(Participant.id)]
    for e in range({events}):
        day = today + dt.timedelta(days=e * 3 - 120)  # from four months back to eight months ahead
        event = Event(organisation=org.id, title=f"Information collective {e}", format="info_collective",
                      status="published", starts_on=day, ends_on=day, capacity=12,
                      description="Apportez votre CV et une piece d'identite.",
                      public_token=secrets.token_urlsafe(16))
        await event.save()
        start = dt.datetime.combine(day, dt.time(8), dt.timezone.utc)
        await Session.insert(*[
            Session(event=event.id, title=f"Atelier {s}", kind="info", site=sites[s % len(sites)] if s % 3 else None,
                    place="Mission Locale", starts_at=start + dt.timedelta(hours=s),
                    ends_at=start + dt.timedelta(hours=s, minutes=45))
            for s in range(per_event)
        ])
        await Registration.insert(*[
            Registration(event=event.id, participant=participant_ids[3 * e + k], status="confirmed",
                         manage_hash=(link := issue(Purpose.manage)).hash, manage_sealed=link.sealed)
            for k in range(3)
        ])
    await calendars.for_organisation(org.id)  # warm-up: imports, time-zone data, query plans
    times = []
    for _ in range({runs}):
        began = time.perf_counter()
        body = await calendars.for_organisation(org.id)
        times.append(time.perf_counter() - began)
    await close_pool()
    print(json.dumps({
        "sessions": body.count(b"BEGIN:VEVENT"),
        "runs": {runs},
        "median_s": round(statistics.median(times), 4),
        "best_s": round(min(times), 4),
        "bytes": len(body),
    }))


asyncio.run(main())
"""


async def _env() -> dict[str, str]:
    var_dir = tempfile.mkdtemp(prefix="tremplin-bench-feeds-")
    url = os.environ.get("DATABASE_URL", "") or f"sqlite:///{var_dir}/bench.sqlite3"
    if url.startswith("postgres"):  # a fresh schema: the counts are this run's alone
        import asyncpg

        connection = await asyncpg.connect(url)
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        await connection.close()
    return {"TREMPLIN_VAR_DIR": var_dir, "DATABASE_URL": url, "TREMPLIN_WORKER": "external"}


async def feed_generation() -> dict:
    """Median seconds to write an organisation's feed of 1,000 sessions, and its size in bytes."""
    env = await _env()
    code = CHILD.replace("{sessions}", str(SESSIONS)).replace("{events}", str(EVENTS)).replace("{runs}", str(RUNS))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"feed benchmark failed: {err.decode()[-2000:]}")
    result = json.loads(out.decode().strip().splitlines()[-1])
    engine = "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite"
    return {"engine": engine, **result}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(feed_generation())))
