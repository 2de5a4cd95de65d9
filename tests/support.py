"""Helpers shared by the tests: database reset, a real SMTP server, HTTP calls, logging in. Data: tests/factories."""

from __future__ import annotations

import asyncio
import re
import socket
from email import message_from_bytes, policy
from email.message import Message

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


class SmtpServer:
    """A real SMTP server on a free local port that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    async def wait_for(self, count: int = 1, seconds: float = 5.0) -> list[Message]:
        for _ in range(int(seconds / 0.05)):
            if len(self.messages) >= count:
                return self.messages
            await asyncio.sleep(0.05)
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
