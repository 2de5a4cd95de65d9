"""Real services for the tests: the database named by DATABASE_URL (a fresh SQLite file
when unset), a local SMTP server, a Redis of their own, and the app called over ASGI in the test's loop.

Under pytest-xdist each worker is a test session of its own: its own SQLite file, or its own PostgreSQL
database (DATABASE_URL's name plus the worker id, e.g. tremplin_ci_gw0), its own servers. Subprocesses
the tests start (uvicorn, the outbox worker) inherit the worker's DATABASE_URL.

A service that cannot be reached makes the tests fail, never skip.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg


async def _run_sql(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(url)  # fails the run when PostgreSQL cannot be reached
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def _worker_database(url: str, worker: str) -> tuple[str, str] | None:
    """The database of this xdist worker, `<name>_<worker>` next to the one DATABASE_URL names, and its URL.

    Only for PostgreSQL under xdist: SQLite files are already one per test session.
    """
    parts = urlsplit(url)
    if not worker or not parts.scheme.startswith("postgres"):
        return None
    name = f"{parts.path.lstrip('/')}_{worker}"
    return name, parts._replace(path=f"/{name}").geturl()


# Configure before anything imports the settings or piccolo_conf. xdist workers inherit the environment of
# the process that starts them, DATABASE_URL as set below included: the caller's DATABASE_URL (or none) is
# kept aside for them.
os.environ.setdefault("TREMPLIN_TESTS_GIVEN_DATABASE_URL", os.environ.get("DATABASE_URL", ""))
_GIVEN_DATABASE_URL = os.environ["TREMPLIN_TESTS_GIVEN_DATABASE_URL"]
_VAR = Path(tempfile.mkdtemp(prefix="tremplin-test-"))
os.environ["TREMPLIN_VAR_DIR"] = str(_VAR)
os.environ["TREMPLIN_ENV"] = "test"
os.environ["WEBHOOKS_ALLOW_PRIVATE"] = "1"  # the webhooks' tests post to a server on 127.0.0.1 over plain HTTP
os.environ["DATABASE_URL"] = _GIVEN_DATABASE_URL or f"sqlite:///{_VAR / 'test.sqlite3'}"
os.environ.pop("REDIS_URL", None)
os.environ.pop("SMTP_HOST", None)
_WORKER_DATABASE = _worker_database(_GIVEN_DATABASE_URL, os.environ.get("PYTEST_XDIST_WORKER", ""))
if _WORKER_DATABASE:
    # Dropped first: a run that was killed leaves its databases behind.
    _name = _WORKER_DATABASE[0]
    asyncio.run(
        _run_sql(_GIVEN_DATABASE_URL, f'DROP DATABASE IF EXISTS "{_name}" WITH (FORCE)', f'CREATE DATABASE "{_name}"')
    )
    os.environ["DATABASE_URL"] = _WORKER_DATABASE[1]

import httpx  # noqa: E402
import pytest  # noqa: E402

import app.features  # noqa: E402, F401 - connects every feature's signal receivers, as the app does
from core.cache import forget_everything  # noqa: E402
from core.settings import get_settings  # noqa: E402
from tests import support  # noqa: E402


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_VAR, ignore_errors=True)
    if _WORKER_DATABASE:
        # FORCE: a server process a failed test left running may still hold a connection.
        asyncio.run(_run_sql(_GIVEN_DATABASE_URL, f'DROP DATABASE IF EXISTS "{_WORKER_DATABASE[0]}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def settings():
    return get_settings()


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes():
    """argon2id at its lowest cost in the test process. At the production cost a hash takes about half a
    second of CPU, and nearly every test makes users and logs in; no test is about the cost itself. Server
    processes the tests start verify these hashes (the cost is read from each hash) at full cost settings."""
    from argon2 import PasswordHasher

    from accounts import passwords

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", cheap)
        patch.setattr(passwords, "_DUMMY_HASH", cheap.hash("not-a-real-password-for-timing"))
        yield


@pytest.fixture(scope="session", autouse=True)
async def database(settings):
    """An empty database, migrated forward from nothing, with its pool in the test loop."""
    await support.reset_database(settings)
    from app.cli import migrate
    from core.db import close_pool, open_pool

    await migrate()
    await open_pool()
    yield
    await close_pool()


@pytest.fixture(autouse=True)
async def clean_tables(database, settings):
    yield
    await support.empty_tables()
    forget_everything()  # ids start again from 1: no cached row from this test may answer for the next one
    for store in ("sessions", "imports"):  # files; counters live in each app's memory
        shutil.rmtree(settings.var_dir / store, ignore_errors=True)


@pytest.fixture
def app(settings):
    from app.asgi import create_app

    return create_app(settings, manage_database=False, run_outbox_worker=False)


@pytest.fixture
async def client(app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A Redis of this test session's own on a free port, keeping nothing on disk; stopped at the end."""
    server = support.RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server.url
    server.stop()


@pytest.fixture
def smtp_server():
    server = support.SmtpServer()
    server.start()
    yield server
    server.stop()
