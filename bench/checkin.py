"""Ticket scans arriving all at once from paired phones, beside a Litestar hello endpoint served the same way.

Starts Tremplin with two app processes (on SQLite by default, on PostgreSQL when DATABASE_URL says so, with
Redis when REDIS_URL is set) on a fresh database holding an event under way with BENCH_TICKETS confirmed youths,
then 16 clients post /api/checkin/redeem with distinct tickets (`Authorization: Device …`) for SECONDS; then
duplicate scans of tickets already checked in (the "already" answer); then, in a process of its own, the badge
PDF of 300 youths and the attendance sheet of a 40-person session. It reads the server's CPU time (app and
database processes) from /proc/<pid>/stat and the peak memory of each app process (and of the documents'
process) from /proc/<pid>/status. Under BENCH_QUICK the windows are shorter (bench/_loadgen.window).
Last line: one JSON object.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._loadgen import HELLO_APP, hammer, peak_rss, run, start_server, stop_server, window  # noqa: E402
from bench.registration_burst import _env, _python  # noqa: E402

SECONDS = window(20.0)
HELLO_SECONDS = window(10.0)
DUP_SECONDS = window(5.0)
BENCH_TICKETS = 60_000
CLK_TCK = os.sysconf("SC_CLK_TCK")
SETUP = """
import asyncio, datetime as dt, hashlib, json
from app.cli import migrate
from core.db import open_pool, close_pool, is_sqlite, get_engine
from accounts.tables import Organisation
from events.tables import Event, Session
from checkin.tables import Device
from registration.tokens import Purpose, protect

async def people(event, count, prefix, sessions=None):
    # Confirmed youths with tickets t<prefix>0000..., inserted in bulk (not the path under test), each token kept
    # as the app keeps it: its digest and sealed (registration.tokens).
    parts = [(event.organisation, f"J{i}", "Bench", f"+33{prefix}{i:08d}") for i in range(count)]
    engine = get_engine()
    columns = ["event", "participant", "status", "source", "manage_hash", "manage_sealed", "ticket_hash",
               "ticket_sealed", "session"]

    def rows(ids):
        out = []
        for i, p in enumerate(ids):
            link, ticket = protect(Purpose.manage, f"m{prefix}{i:020d}"), protect(Purpose.ticket, f"t{prefix}{i:019d}")
            out.append((event.id, p, "confirmed", "import", link.hash, link.sealed, ticket.hash, ticket.sealed,
                        sessions and sessions[i % len(sessions)]))
        return out

    if is_sqlite():
        import sqlite3
        with sqlite3.connect(engine.path) as db:
            db.executemany("INSERT INTO participant (organisation, first_name, last_name, phone) "
                           "VALUES (?, ?, ?, ?)", parts)
            ids = [r[0] for r in db.execute("SELECT id FROM participant WHERE phone LIKE ? ORDER BY id",
                                            (f"+33{prefix}%",))]
            db.executemany(f"INSERT INTO registration ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                           rows(ids))
        return
    async with engine.pool.acquire() as db:
        await db.copy_records_to_table("participant", records=parts,
                                       columns=["organisation", "first_name", "last_name", "phone"])
        found = await db.fetch("SELECT id FROM participant WHERE phone LIKE $1 ORDER BY id", f"+33{prefix}%")
        # A bulk load: the per-row counter trigger would rewrite the event row 60,000 times in one
        # transaction, so it is off for the copy and the count is set once after it.
        async with db.transaction():
            await db.execute("ALTER TABLE registration DISABLE TRIGGER registration_confirmed_count")
            await db.copy_records_to_table("registration", records=rows([r["id"] for r in found]), columns=columns)
            await db.execute("ALTER TABLE registration ENABLE TRIGGER registration_confirmed_count")
            await db.execute("UPDATE event SET confirmed_count = (SELECT count(*) FROM registration r "
                             "WHERE r.event = event.id AND r.status = 'confirmed')")

async def main():
    await migrate()
    await open_pool()
    org = Organisation(name="Bench ML", kind="mission_locale"); await org.save()
    today = dt.date.today()
    now = dt.datetime.now(dt.timezone.utc)
    big = Event(organisation=org.id, title="Rallye", format="rallye", status="published", starts_on=today,
                ends_on=today, public_token="bench-big")
    await big.save()
    session = Session(event=big.id, title="Jour 1 matin", kind="info", starts_at=now - dt.timedelta(minutes=5),
                      ends_at=now + dt.timedelta(hours=3))
    await session.save()
    await people(big, {tickets}, "6")
    small = Event(organisation=org.id, title="Info collective", format="info_collective", status="published",
                  starts_on=today, ends_on=today, public_token="bench-small")
    await small.save()
    slots = []
    for hour in range(8):  # 300 youths over 8 slots, 40 in the first
        s = Session(event=small.id, title=f"Créneau {hour}", kind="info", starts_at=now + dt.timedelta(hours=hour),
                    ends_at=now + dt.timedelta(hours=hour, minutes=50))
        await s.save(); slots.append(s.id)
    await people(small, 300, "7", slots[:1] * 40 + slots[1:] * 37 + slots[1:2])
    token = "dev_bench-device-token-000000000000"
    await Device(event=big.id, name="Banc", token_hash=hashlib.sha256(token.encode()).hexdigest(),
                 expires_at=now + dt.timedelta(days=1)).save()
    print(json.dumps({"list": f"session-{session.id}", "device": token, "small": small.id, "org": org.id,
                      "sheet_list": f"session-{slots[0]}"}))
    await close_pool()

asyncio.run(main())
"""
DOCUMENTS = """
import asyncio, json, resource, time
from accounts.services import CurrentUser
from accounts.tables import Role
from core.db import open_pool, close_pool
from core.pdf import render_pdf
from events.services import get_event
from checkin import attendance, corrections, tickets
from checkin.tables import AttendanceStatus
from checkin.services import load_list
from checkin.console import sheet

async def main():
    await open_pool()
    user = CurrentUser(id=0, email="", full_name="Bench", language="fr", roles={{{org}: Role.admin}})
    event = await get_event(user, {small})
    lst = await load_list("{sheet_list}")
    for n, (member) in enumerate((await attendance.members(lst))[:30]):
        await corrections.set_status(user, lst.id, member["id"], AttendanceStatus.present, f"bench-{{n}}")
    timings = {{}}
    for attempt in ("cold", "warm"):
        started = time.perf_counter()
        data = await sheet(lst, user)
        pdf = await render_pdf(tickets.render_html("checkin/sheet.html", event=event, sheet=data), "http://bench")
        timings["sheet_" + attempt] = time.perf_counter() - started
    assert len(data["rows"]) == 40 and pdf.startswith(b"%PDF")
    started = time.perf_counter()
    rows = await tickets.badge_rows({small})
    pdf = await render_pdf(tickets.badges_html(event["title"], rows), "http://bench")
    timings["badges"] = time.perf_counter() - started
    assert len(rows) == 300 and pdf.startswith(b"%PDF")
    timings["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # kB on Linux
    print(json.dumps(timings))
    await close_pool()

asyncio.run(main())
"""


def _stat(pid: int) -> tuple[int, int]:
    """(parent pid, CPU ticks user + system) of a process."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[1]), int(fields[11]) + int(fields[12])


def _processes() -> dict[int, tuple[int, int, str]]:
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent, ticks = _stat(int(entry.name))
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            out[int(entry.name)] = (parent, ticks, command)
    return out


def _tree(root: int, processes: dict[int, tuple[int, int, str]]) -> set[int]:
    found, grew = {root}, True
    while grew:
        grew = False
        for pid, (parent, _, _) in processes.items():
            if parent in found and pid not in found:
                found.add(pid)
                grew = True
    return found


def _cpu_ticks(app_pid: int) -> tuple[int, int]:
    """(ticks of the app's processes, ticks of PostgreSQL's processes on this machine)."""
    processes = _processes()
    app = sum(processes[p][1] for p in _tree(app_pid, processes) if p in processes)
    database = sum(t for _, t, command in processes.values() if command.startswith("postgres"))
    return app, database


def _redeem(url: str, device: str, list_id: str, tokens) -> bytes:
    host = url.removeprefix("http://")
    nonces = itertools.count()

    def make() -> bytes:
        body = json.dumps(
            {
                "token": next(tokens),
                "list": list_id,
                "nonce": f"n{next(nonces)}-{os.getpid()}",
                "scanned_at": datetime.now(UTC).isoformat(),
                "device": "bench",
            }
        ).encode()
        head = (
            f"POST /api/checkin/redeem HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Authorization: Device {device}\r\nContent-Length: {len(body)}\r\nAccept: application/json\r\n\r\n"
        )
        return head.encode() + body

    return make


async def main() -> dict:
    env = await _env()
    engine = "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite"
    workers = int(os.environ.get("BENCH_WORKERS", "2"))  # 2: as `tremplin serve` runs by default
    setup = json.loads(_python(SETUP.replace("{tickets}", str(BENCH_TICKETS)), env))
    hello, hello_url = start_server(HELLO_APP, {}, workers=workers)
    app, app_url = start_server("app.asgi:app_factory", env, factory=True, workers=workers)
    try:
        await hammer(app_url, "/healthz", seconds=1.0)  # warm-up
        hello_result = await hammer(hello_url, "/", seconds=HELLO_SECONDS)
        fresh = (f"t6{i:019d}" for i in itertools.count(2000))  # distinct tickets, never scanned before
        warm = (f"t6{i:019d}" for i in itertools.count())
        await run(app_url, _redeem(app_url, setup["device"], setup["list"], warm), seconds=1.0)  # 1st tickets
        app_before, db_before = _cpu_ticks(app.pid)
        redeem = await run(app_url, _redeem(app_url, setup["device"], setup["list"], fresh), seconds=SECONDS)
        app_after, db_after = _cpu_ticks(app.pid)
        again = itertools.cycle([f"t6{i:019d}" for i in range(500)])  # scanned during the warm-up
        duplicate = await run(app_url, _redeem(app_url, setup["device"], setup["list"], again), seconds=DUP_SECONDS)
        memory = peak_rss(app)
    finally:
        for process in (hello, app):
            stop_server(process)
    documents = json.loads(_python(DOCUMENTS.format(**setup), env))
    cpu_s = (app_after - app_before + db_after - db_before) / CLK_TCK
    return {
        "engine": engine,
        "workers": workers,
        "concurrency": 16,
        "tickets": BENCH_TICKETS,
        "redeem_requests": redeem.requests,
        "errors": redeem.errors + duplicate.errors,
        "redeem_rps": round(redeem.rps),
        "hello_rps": round(hello_result.rps),
        "redeem_ratio": round(redeem.rps / hello_result.rps, 4),
        "p50_ms": round(redeem.percentile(50), 1),
        "p95_ms": round(redeem.percentile(95), 1),
        "p99_ms": round(redeem.percentile(99), 1),
        "dup_rps": round(duplicate.rps),
        "dup_p95_ms": round(duplicate.percentile(95), 1),
        "badges_300_s": round(documents["badges"], 2),
        "sheet_40_s": round(documents["sheet_warm"], 3),
        "sheet_40_cold_s": round(documents["sheet_cold"], 3),
        **memory,
        "app_rss_total_mb": round(sum(memory["app_processes_rss_mb"]), 1),
        "documents_peak_rss_mb": documents["peak_rss_mb"],
        "server_cpu_s": round(cpu_s, 1),
        "app_cpu_s": round((app_after - app_before) / CLK_TCK, 1),
        "db_cpu_s": round((db_after - db_before) / CLK_TCK, 1),
        "redeem_per_cpu_s": round(redeem.requests / cpu_s) if cpu_s else None,
        "sheet_40_under_1s": documents["sheet_warm"] < 1.0,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
