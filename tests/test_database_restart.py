"""PostgreSQL restarting while people use Tremplin: meanwhile every request answers at once with a 503 and a
clear message (a French page, or `{"code": "unavailable"}` in the API), nothing hangs, and once the database is
back the server answers as before by itself, without a restart.

The server process reaches PostgreSQL through a proxy the test cuts (tests/fault_support.py): the real
PostgreSQL, which other test workers use, is never stopped. On the SQLite run the test uses a database of its
own on the machine's PostgreSQL (TREMPLIN_TESTS_POSTGRES_URL); it fails, never skips, when none answers."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest

from tests.fault_support import DatabaseProxy
from tests.scan_support import ServerProcess

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("TREMPLIN_TESTS_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


async def _admin(*statements: str) -> None:
    try:
        connection = await asyncpg.connect(ADMIN_URL, timeout=5)
    except OSError as exc:
        pytest.fail(f"this test needs PostgreSQL at {ADMIN_URL} (TREMPLIN_TESTS_POSTGRES_URL): {exc}")
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
async def postgres_url() -> Iterator[str]:
    """The test database when the suite runs on PostgreSQL, else one of this test's own, migrated."""
    given = os.environ["DATABASE_URL"]
    if given.startswith("postgres"):
        yield given
        return
    name = f"tremplin_restart_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    url = urlsplit(ADMIN_URL)._replace(path=f"/{name}").geturl()
    migrate = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app.cli", "migrate", cwd=ROOT, env={**os.environ, "DATABASE_URL": url}
    )
    assert await migrate.wait() == 0
    yield url
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def through(proxy: DatabaseProxy, url: str) -> str:
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    return parts._replace(netloc=f"{user}127.0.0.1:{proxy.port}").geturl()


async def test_postgresql_restarting_gives_clear_503s_then_the_server_recovers_by_itself(postgres_url):
    proxy = DatabaseProxy(urlsplit(postgres_url).port or 5432)
    proxy.start()
    server = ServerProcess(env={"DATABASE_URL": through(proxy, postgres_url)})
    server.start()
    page, api = "/e/pas-un-evenement", "/api/events"
    html, json = {"accept": "text/html"}, {"accept": "application/json", "authorization": "Bearer trp_" + "x" * 43}
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            assert (await client.get("/healthz")).status_code == 200
            assert (await client.get(page, headers=html)).status_code == 404

            proxy.cut()  # PostgreSQL goes down: open connections dropped, new ones refused
            started = time.monotonic()
            health = await client.get("/healthz")
            down_page = await client.get(page, headers=html)
            down_api = await client.get(api, headers=json)
            assert time.monotonic() - started < 10  # answered at once, not held until a timeout
            assert health.status_code == 503 and health.json()["database"] == "unreachable"
            assert down_page.status_code == 503 and down_page.headers["retry-after"] == "30"
            assert "Le service est momentanément indisponible" in down_page.text
            assert down_api.status_code == 503 and down_api.json()["code"] == "unavailable"

            proxy.start()  # back
            deadline = time.monotonic() + 10
            while (await client.get("/healthz")).status_code != 200:
                assert time.monotonic() < deadline, "the server did not reconnect by itself"
                await asyncio.sleep(0.2)
            assert (await client.get(page, headers=html)).status_code == 404
            assert (await client.get(api, headers=json)).status_code == 401
    finally:
        server.stop()
        proxy.cut()
