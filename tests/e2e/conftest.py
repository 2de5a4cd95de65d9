"""A real server process on the test database, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(items):
    # The session's server and Chromium are heavy for a 2-core machine: the tests that share them run on one
    # xdist worker (make test distributes with --dist loadgroup), which starts them once. The walk, as long as
    # all the others together, is a group of its own: the two can go to different workers.
    for item in items:
        if "live_server" in getattr(item, "fixturenames", ()):
            group = "walk" if item.path.name == "test_walk.py" else "live_server"
            item.add_marker(pytest.mark.xdist_group(group))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(database):
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "app.asgi:app_factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        # No in-process outbox worker: it would race the tests that deliver messages themselves.
        env={**os.environ, "BASE_URL": f"http://127.0.0.1:{port}", "TREMPLIN_WORKER": "external"},
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(f"{url}/healthz", timeout=0.5).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise RuntimeError("the test server exited at start-up")
        time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("the test server did not answer /healthz")
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
async def browser():
    from playwright.async_api import async_playwright

    assert os.path.exists(CHROMIUM), "Debian's chromium is needed: apt-get install chromium"  # noqa: ASYNC240
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
