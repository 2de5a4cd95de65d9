"""Real services for the tests: the database named by DATABASE_URL (a fresh SQLite file
when unset), a local SMTP server, Redis, and the app called over ASGI in the test's loop.

A service that cannot be reached makes the tests fail, never skip.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

# Configure before anything imports the settings or piccolo_conf.
_VAR = Path(tempfile.mkdtemp(prefix="tremplin-test-"))
os.environ["TREMPLIN_VAR_DIR"] = str(_VAR)
os.environ["TREMPLIN_ENV"] = "test"
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_VAR / 'test.sqlite3'}")
os.environ.pop("REDIS_URL", None)
os.environ.pop("SMTP_HOST", None)

import httpx  # noqa: E402
import pytest  # noqa: E402

import app.features  # noqa: E402, F401 - connects every feature's signal receivers, as the app does
from core.settings import get_settings  # noqa: E402
from tests import support  # noqa: E402


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_VAR, ignore_errors=True)


@pytest.fixture(scope="session")
def settings():
    return get_settings()


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
    for store in ("sessions",):  # sessions are files; counters live in each app's memory
        shutil.rmtree(settings.var_dir / store, ignore_errors=True)


@pytest.fixture
def app(settings):
    from app.asgi import create_app

    return create_app(settings, manage_database=False, run_outbox_worker=False)


@pytest.fixture
async def client(app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


@pytest.fixture
def smtp_server():
    server = support.SmtpServer()
    server.start()
    yield server
    server.stop()
