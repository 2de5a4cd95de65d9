"""How fast the reporting answers at scale: the dashboard under load, the year's bilan (PDF) and the year's
exports, beside a Litestar hello endpoint served the same way.

Starts Tremplin on a fresh database (SQLite by default, PostgreSQL when DATABASE_URL says so) with the demo,
then adds in bulk to the demo's ETTI (as bench/outcomes.py does): 10,000 youths, 500 past events over a year,
50,000 registrations and check-ins, 20,000 situations. Then, as the ETTI's admin: the dashboard of the last year
hammered at 16 clients (its figures are kept a minute per scope, as they are in use: the first request of each
process counts them), the bilan PDF of the year (the slowest of three) and each of the year's five exports as
XLSX, timed from request to last byte. Last line: one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._loadgen import HELLO_APP, ROOT, hammer, peak_rss, start_server, stop_server, window  # noqa: E402
from bench.console_pages import _env, _login  # noqa: E402
from bench.outcomes import EVENTS, REFERRED, REGISTRATIONS_EACH, SETUP, YOUTHS  # noqa: E402

SECONDS = window(8.0)
SITUATIONS = 20_000
ADMIN = "directrice.etti@tremplin.local"
# The documents timed one by one: (name, path without the period's query, times): the bilan, and the year's
# exports as XLSX (the console's download answers with a redirect to the file's address).
EXPORTS = ("registrations", "attendance", "outcomes", "fse", "mission-locale")
DOCUMENTS = [("bilan_pdf", "/dashboard/bilan.pdf?", 3)] + [
    (f"export_{kind.replace('-', '_')}_xlsx", f"/exports/download?kind={kind}&format=xlsx&", 1) for kind in EXPORTS
]


def _prepare(env: dict[str, str]) -> None:
    run_env = {**os.environ, **env}
    cli = [sys.executable, "-m", "app.cli"]
    subprocess.run([*cli, "migrate"], env=run_env, check=True, capture_output=True)
    subprocess.run([*cli, "demo", "--if-empty"], env=run_env, check=True, capture_output=True)
    counts = [str(n) for n in (YOUTHS, EVENTS, REGISTRATIONS_EACH, REFERRED, SITUATIONS)]
    subprocess.run([sys.executable, "-c", SETUP, *counts], env=run_env, check=True, cwd=ROOT)


def _slowest(url: str, path: str, cookie: str, times_asked: int) -> float:
    times = []
    name, _, value = cookie.partition("=")
    # In the client's jar, not a header: httpx drops a Cookie header on redirects.
    with httpx.Client(base_url=url, timeout=120, follow_redirects=True, cookies={name: value}) as client:
        for _ in range(times_asked):
            started = time.perf_counter()
            response = client.get(path)
            assert response.status_code == 200 and "html" not in response.headers["content-type"], (path, response.url)
            times.append(time.perf_counter() - started)
    return max(times)


async def main() -> dict:
    var_dir = tempfile.mkdtemp(prefix="tremplin-bench-")
    env = _env(var_dir)
    _prepare(env)
    engine = "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite"
    workers = 2
    hello, hello_url = start_server(HELLO_APP, {}, workers=workers)
    app, app_url = start_server("app.asgi:app_factory", env, factory=True, workers=workers)
    today = date.today()
    period = f"from={today - timedelta(days=366)}&to={today}"
    try:
        cookie = _login(app_url, ADMIN)
        await hammer(app_url, "/healthz", seconds=1.0)  # warm-up
        hello_result = await hammer(hello_url, "/", seconds=SECONDS)
        started = time.perf_counter()
        async with httpx.AsyncClient(timeout=120) as client:
            first = await client.get(f"{app_url}/dashboard/?{period}", headers={"cookie": cookie})
        assert first.status_code == 200, first.status_code
        first_seconds = time.perf_counter() - started
        board = await hammer(app_url, f"/dashboard/?{period}", seconds=SECONDS, cookie=cookie)
        documents = {name: _slowest(app_url, f"{path}{period}", cookie, n) for name, path, n in DOCUMENTS}
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
        "situations": SITUATIONS,
        "hello_rps": round(hello_result.rps),
        "dashboard_first_s": round(first_seconds, 2),
        "dashboard_rps": round(board.rps),
        "dashboard_p50_ms": round(board.percentile(50), 1),
        "dashboard_p95_ms": round(board.percentile(95), 1),
        **{f"{name}_s": round(seconds, 2) for name, seconds in documents.items()},
        "errors": board.errors,
        **memory,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
