"""Shared by the benchmarks: start servers, and a small keep-alive HTTP/1.1 load generator.

The generator is deliberately minimal (asyncio streams, no client library) so that the client
costs little next to the server; every figure is reported beside a Litestar "hello" endpoint
served the same way in the same run, which absorbs the machine's noise.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
HELLO_APP = "bench._hello:app"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    target: str, env: dict[str, str], *, factory: bool = False, workers: int = 1
) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    if factory:
        cmd.append("--factory")
    process = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(url + "/", timeout=0.5)
            return process, url
        except httpx.HTTPError:
            if process.poll() is not None:
                raise RuntimeError(f"{target} exited at start-up") from None
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{target} did not start")


@dataclass
class Result:
    requests: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(p) - 1] * 1000


async def _worker(
    host: str, port: int, make: Callable[[], bytes], deadline: float, result: Result, ok: tuple[bytes, ...]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            request = make()
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            result.latencies.append(time.perf_counter() - started)
            result.requests += 1
            if not status_line.startswith(ok):
                result.errors += 1
    finally:
        writer.close()


async def hammer(url: str, path: str, *, seconds: float, concurrency: int = 16, cookie: str = "") -> Result:
    """GET the same path again and again from `concurrency` keep-alive connections."""
    host, port = url.removeprefix("http://").split(":")
    headers = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/html\r\n"
    if cookie:
        headers += f"Cookie: {cookie}\r\n"
    request = (headers + "\r\n").encode()
    return await run(url, lambda: request, seconds=seconds, concurrency=concurrency)


def form_post(url: str, path: str, body: bytes, cookie: str = "") -> bytes:
    host = url.removeprefix("http://")
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nAccept: text/html\r\n"
    )
    if cookie:
        head += f"Cookie: {cookie}\r\n"
    return (head + "\r\n").encode() + body


async def run(
    url: str,
    make: Callable[[], bytes],
    *,
    seconds: float,
    concurrency: int = 16,
    ok: tuple[bytes, ...] = (b"HTTP/1.1 2",),
) -> Result:
    """Send requests built by `make` from `concurrency` keep-alive connections for `seconds`."""
    host, port = url.removeprefix("http://").split(":")
    result = Result()
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(_worker(host, int(port), make, deadline, result, ok) for _ in range(concurrency)))
    result.seconds = time.perf_counter() - started
    return result
