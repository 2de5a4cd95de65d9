"""Serving the app on several processes that share the connections between them.

uvicorn's own workers listen on one shared socket: the process woken first accepts every connection waiting,
and a kept-alive connection stays where it was accepted. Sixteen phones or browsers opening their connections
together then mostly land on one process while the other idles (measured on 2 cores: all 16 on one worker in
most runs of `bench/console_pages.py`, which halved the throughput and doubled the p95). Here each worker
listens on a socket of its own on the same port (SO_REUSEPORT), and Linux spreads new connections across them.

The supervisor starts the workers, starts again one that dies, and on SIGTERM or SIGINT stops them all (each
ends its requests under way, as uvicorn does). With one worker, or where SO_REUSEPORT does not spread
connections (not Linux), uvicorn serves on its own.

Also runs as `python -m app.serving TARGET --host H --port P --workers N [--factory]`, so the benchmarks serve
their Litestar "hello" reference the same way as Tremplin.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import signal
import socket
import sys
import time
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

logger = logging.getLogger("uvicorn.error")

RESTART_PAUSE_S = 1.0  # a worker dying at once again is started again at most once a second
STOP_TIMEOUT_S = 30.0  # then a worker still running is killed


def spreads_connections(workers: int) -> bool:
    return workers > 1 and sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port beside the other workers' (uvicorn makes it listen)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _work(options: dict[str, Any]) -> None:
    """One worker process: its own socket, one uvicorn server."""
    sock = listening_socket(options["host"], options["port"])
    uvicorn.Server(uvicorn.Config(**options)).run(sockets=[sock])


def serve(target: str, *, host: str, port: int, workers: int, **options: Any) -> int:
    """Serve `target` (an ASGI app's import path; uvicorn's options as keywords) until stopped; the exit code."""
    if not spreads_connections(workers):
        uvicorn.run(target, host=host, port=port, workers=workers, **options)
        return 0
    options = {"app": target, "host": host, "port": port, **options}
    uvicorn.Config(**options)  # checks the options and sets up the logging, as each worker will
    listening_socket(host, port).close()  # a port another program holds stops here, with its error
    return _Supervisor(options, workers).run()


class _Supervisor:
    def __init__(self, options: dict[str, Any], workers: int) -> None:
        self.options = options
        self.context = multiprocessing.get_context("spawn")  # a fresh interpreter: nothing shared by fork
        self.processes: list[multiprocessing.process.BaseProcess] = []
        self.workers = workers
        self.stopping = False

    def _start(self) -> multiprocessing.process.BaseProcess:
        process = self.context.Process(target=_work, args=(self.options,), name="tremplin-worker")
        process.start()
        logger.info("Started worker process [%s]", process.pid)
        return process

    def _stop(self, signum: int, frame: object) -> None:
        self.stopping = True

    def run(self) -> int:
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, self._stop)
        self.processes = [self._start() for _ in range(self.workers)]
        logger.info(
            "Serving on http://%s:%s with %d processes sharing the connections",
            self.options["host"],
            self.options["port"],
            self.workers,
        )
        code = 0
        while not self.stopping:
            time.sleep(RESTART_PAUSE_S)
            for i, process in enumerate(self.processes):
                if process.is_alive() or self.stopping:
                    continue
                if process.exitcode == STARTUP_FAILURE:  # the app cannot start: starting it again would not help
                    logger.error("Worker [%s] could not start the app: stopping", process.pid)
                    self.stopping, code = True, STARTUP_FAILURE
                    break
                logger.warning("Worker [%s] ended (exit code %s): starting another", process.pid, process.exitcode)
                self.processes[i] = self._start()
        self._stop_workers()
        return code

    def _stop_workers(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn ends the requests under way, then the app's lifespan
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for process in self.processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                logger.warning("Worker [%s] did not stop in %.0f s: killed", process.pid, STOP_TIMEOUT_S)
                process.kill()
                process.join()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app.serving", description=__doc__.splitlines()[0])
    parser.add_argument("target", help="the ASGI app, as module:attribute")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--factory", action="store_true", help="the target is a function that makes the app")
    parser.add_argument("--log-level", default="warning")
    parser.add_argument("--access-log", action=argparse.BooleanOptionalAction, default=False)
    args = parser.parse_args(argv)
    sys.exit(
        serve(
            args.target,
            host=args.host,
            port=args.port,
            workers=args.workers,
            factory=args.factory,
            log_level=args.log_level,
            access_log=args.access_log,
        )
    )


if __name__ == "__main__":
    main()
