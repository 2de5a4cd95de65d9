"""`tremplin serve` with several processes (app.serving): connections opened together are shared between the
processes, a process that dies is replaced, and SIGTERM stops them all."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app.serving import spreads_connections
from tests.support import free_port

ROOT = Path(__file__).resolve().parent.parent
PHONES = 16

pytestmark = pytest.mark.skipif(not spreads_connections(2), reason="SO_REUSEPORT spreads connections on Linux only")


def start(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "app.serving", "tests.pid_app:app", "--port", str(port), "--workers", "2"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the server did not answer within 30 s")


async def served_by(port: int) -> list[int]:
    """16 phones open their connection together, each keeps it and asks twice: the process behind each."""

    async def phone() -> int:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            first, second = (await client.get("/")).text, (await client.get("/")).text
            assert first == second  # a kept-alive connection stays with its process
            return int(first)

    return await asyncio.gather(*(phone() for _ in range(PHONES)))


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def server():
    port = free_port()
    process = start(port)
    yield port, process
    if process.poll() is None:
        process.kill()
        process.wait()


async def test_phones_connecting_together_are_served_by_both_processes(server):
    port, _ = server
    assert len(set(await served_by(port))) == 2  # all 16 on one process: odds of 1 in 32,768


async def test_a_process_that_dies_is_replaced_and_the_server_keeps_answering(server):
    port, _ = server
    before = set(await served_by(port))
    os.kill(min(before), signal.SIGKILL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        after = set(await served_by(port))
        if len(after) == 2 and min(before) not in after:
            break
        await asyncio.sleep(0.2)
    assert len(after) == 2 and max(before) in after and min(before) not in after


async def test_sigterm_stops_the_server_and_every_process(server):
    port, process = server
    workers = set(await served_by(port))
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    assert not any(running(pid) for pid in workers)


def test_a_port_another_program_holds_stops_the_server_with_its_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = subprocess.run(
            [sys.executable, "-m", "app.serving", "tests.pid_app:app", "--port", str(port), "--workers", "2"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert process.returncode != 0 and "Address already in use" in process.stderr
