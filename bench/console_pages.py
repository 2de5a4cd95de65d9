"""How fast the console shell answers, beside a Litestar hello endpoint served the same way.

Starts Tremplin on a fresh database (SQLite by default, PostgreSQL when DATABASE_URL says so)
with the demo loaded, logs in, and hammers /healthz, /login and the home page at 16 clients.
Last line: one JSON object.
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
from bench._loadgen import HELLO_APP, hammer, start_server  # noqa: E402

SECONDS = 8.0


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


def _login(url: str) -> str:
    with httpx.Client(base_url=url) as client:
        client.get("/login")
        token = client.cookies.get("tremplin_csrf")
        response = client.post(
            "/login", data={"_csrf_token": token, "email": "demo@tremplin.local", "password": "tremplin-demo-2026"}
        )
        assert response.status_code == 302, response.text
        return f"tremplin_session={client.cookies.get('tremplin_session')}"


async def main() -> dict:
    var_dir = tempfile.mkdtemp(prefix="tremplin-bench-")
    env = _env(var_dir)
    _prepare(env)
    engine = "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite"
    workers = 1 if engine == "sqlite" else 2
    hello, hello_url = start_server(HELLO_APP, {}, workers=workers)
    app, app_url = start_server("app.asgi:app_factory", env, factory=True, workers=workers)
    try:
        cookie = _login(app_url)
        await hammer(app_url, "/healthz", seconds=1.0)  # warm-up
        hello_result = await hammer(hello_url, "/", seconds=SECONDS)
        health = await hammer(app_url, "/healthz", seconds=SECONDS)
        login_page = await hammer(app_url, "/login", seconds=SECONDS)
        home = await hammer(app_url, "/", seconds=SECONDS, cookie=cookie)
    finally:
        for process in (hello, app):
            process.terminate()
            process.wait(timeout=10)
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
        "errors": health.errors + login_page.errors + home.errors,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
