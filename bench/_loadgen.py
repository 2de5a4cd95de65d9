"""Shared by the benchmarks: start servers, and a small keep-alive HTTP/1.1 load generator.

The generator is deliberately minimal (asyncio streams, no client library) so that the client
costs little next to the server; every figure is reported beside a Litestar "hello" endpoint
served the same way in the same run, which absorbs the machine's noise.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
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
# BENCH_QUICK=1 shortens every measuring window (a tenth, at least a second) to check the whole chain end to
# end in a few minutes; its figures are not measurements. Without it, the windows are the real ones.
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")


def window(seconds: float) -> float:
    """A measuring window of `seconds`, or a tenth of it (at least 1 s) under BENCH_QUICK."""
    return max(1.0, seconds / 10) if QUICK else seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    target: str, env: dict[str, str], *, factory: bool = False, workers: int = 1
) -> tuple[subprocess.Popen, str]:
    port = free_port()
    # Served as `tremplin serve` serves (app.serving: with several workers, each on its own socket).
    cmd = [
        sys.executable,
        "-m",
        "app.serving",
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


def _processes() -> dict[int, tuple[int, str]]:
    """Every process on the machine: pid -> (parent pid, command line)."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                with open(entry / "stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            out[int(entry.name)] = (parent, command)
    return out


def process_tree(root: int) -> set[int]:
    """A process and all its descendants."""
    processes = _processes()
    found, grew = {root}, True
    while grew:
        grew = False
        for pid, (parent, _) in processes.items():
            if parent in found and pid not in found:
                found.add(pid)
                grew = True
    return found


def _vm_hwm_mb(pid: int) -> float | None:
    """The peak resident memory (VmHWM) of a live process, in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def peak_rss(process: subprocess.Popen | int) -> dict:
    """Peak memory (VmHWM, MB) of each app process of a server started by `start_server`, read while it runs.

    With several workers the first process only supervises (app.serving): the app processes are its workers
    (started by multiprocessing's spawn); with one, the first process is the app. Keys: `app_processes_rss_mb` (one
    per app process, by pid), `peak_rss_mb` (the largest of them) and `supervisor_rss_mb` (or None).
    """
    root = process if isinstance(process, int) else process.pid
    processes = _processes()
    workers = sorted(p for p in process_tree(root) if p != root and "spawn_main" in processes.get(p, (0, ""))[1])
    peaks = [m for m in (_vm_hwm_mb(p) for p in workers or [root]) if m is not None]
    return {
        "app_processes_rss_mb": peaks,
        "peak_rss_mb": max(peaks, default=None),
        "supervisor_rss_mb": _vm_hwm_mb(root) if workers else None,
    }


STOP_WARNING = "bench: a server did not stop"


def stop_server(process: subprocess.Popen, timeout: float = 30.0) -> bool:
    """SIGTERM, then SIGKILL to the server and its processes if it has not stopped within `timeout` seconds.

    A server that had to be killed is reported on stderr (bench/_run.py notes it under the table): a clean
    shutdown waits for its requests and database connections, and one that hangs is a fault in itself.
    """
    if process.poll() is not None:
        return True
    pids = process_tree(process.pid)
    process.terminate()
    try:
        process.wait(timeout=timeout)
        return True
    except subprocess.TimeoutExpired:
        print(f"{STOP_WARNING} within {timeout:g} s of SIGTERM and was killed: {process.args}", file=sys.stderr)
        for pid in pids | process_tree(process.pid):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        process.wait()
        return False


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
