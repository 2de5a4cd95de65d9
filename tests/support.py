"""Helpers shared by the tests: database reset, a real SMTP server, HTTP calls, logging in. Data: tests/factories."""

from __future__ import annotations

import asyncio
import re
import socket
import subprocess
import threading
import time
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path

import httpx
from aiosmtpd.controller import Controller

from core.settings import Settings

PASSWORD = "un-mot-de-passe-solide"


async def reset_database(settings: Settings) -> None:
    from core.db import get_engine, is_sqlite

    if is_sqlite():
        settings.sqlite_path.unlink(missing_ok=True)
        return
    engine = get_engine()
    # Fails loudly (and so fails the run) when PostgreSQL cannot be reached.
    await engine.run_ddl("DROP SCHEMA IF EXISTS public CASCADE")
    await engine.run_ddl("CREATE SCHEMA public")


async def empty_tables() -> None:
    from piccolo.apps.migrations.tables import Migration

    from core.db import get_engine, is_sqlite
    from piccolo_conf import APP_REGISTRY

    tables = [t for app in APP_REGISTRY.app_configs.values() for t in app.table_classes]
    names = [t._meta.tablename for t in tables if t is not Migration]
    engine = get_engine()
    if is_sqlite():
        await engine.run_ddl("PRAGMA foreign_keys = OFF")
        for name in names:
            await engine.run_ddl(f'DELETE FROM "{name}"')
    else:
        await engine.run_ddl("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """redis-server on a free local port for one test session, keeping nothing on disk."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.process: subprocess.Popen | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = self.directory / "redis.log"
        for _ in range(5):  # another process may take the free port before Redis binds it: take another
            self.port = free_port()
            options = {"bind": "127.0.0.1", "port": self.port, "save": "", "appendonly": "no", "logfile": log}
            self.process = subprocess.Popen(
                ["redis-server", *(word for name, value in options.items() for word in (f"--{name}", str(value)))],
                cwd=self.directory,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 10
            while self.process.poll() is None and time.monotonic() < deadline:
                if self._answers():
                    return
                time.sleep(0.02)  # a poll while the server starts
            self.stop()
        raise RuntimeError(f"redis-server did not start:\n{log.read_text() if log.exists() else ''}")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


class SmtpServer:
    """A real SMTP server on a free local port that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self._arrived = threading.Condition()  # handle_DATA runs in the controller's thread
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self._arrived:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            self._arrived.notify_all()
        return "250 OK"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    async def wait_for(self, count: int = 1, seconds: float = 5.0) -> list[Message]:
        def arrived() -> bool:
            with self._arrived:
                return self._arrived.wait_for(lambda: len(self.messages) >= count, timeout=seconds)

        if await asyncio.to_thread(arrived):
            return self.messages
        raise AssertionError(f"expected {count} e-mails, got {len(self.messages)}")


def text_of(message: Message) -> str:
    part = message.get_body(preferencelist=("plain",)) if hasattr(message, "get_body") else None
    if part is None:
        for candidate in message.walk():
            if candidate.get_content_type() == "text/plain":
                part = candidate
                break
    payload = (part or message).get_payload(decode=True)
    return payload.decode("utf-8") if isinstance(payload, bytes) else str(payload)


def csrf_token(client: httpx.AsyncClient) -> str:
    return client.cookies.get("tremplin_csrf") or ""


async def get_form(client: httpx.AsyncClient, url: str) -> httpx.Response:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    return response


async def post_form(client: httpx.AsyncClient, url: str, data: dict[str, str]) -> httpx.Response:
    if not client.cookies.get("tremplin_csrf"):
        await client.get("/login")
    return await client.post(url, data={"_csrf_token": csrf_token(client), **data})


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    await client.get("/login")
    return await post_form(client, "/login", {"email": email, "password": password})


async def api(client: httpx.AsyncClient, method: str, path: str, json=None) -> httpx.Response:
    """JSON to the API with the console session's CSRF token."""
    return await client.request(method, path, json=json, headers={"x-csrftoken": csrf_token(client)})


async def post(client: httpx.AsyncClient, path: str, body: dict, headers: dict | None = None) -> httpx.Response:
    """JSON to the API: with a device token, or with the console session's CSRF token."""
    return await client.post(path, json=body, headers=headers or {"x-csrftoken": csrf_token(client)})


def device_headers(token: str) -> dict[str, str]:
    """What a paired phone sends with each call to the check-in API."""
    return {"authorization": f"Device {token}", "accept": "application/json"}


def first_link(text: str) -> str:
    match = re.search(r"https?://\S+", text)
    assert match, text
    return match.group(0)
