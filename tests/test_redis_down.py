"""Redis unavailable (REDIS_URL set, nothing answering), as README's "Scale-out" says per feature: youths still
register (the public form's limit is counted per process meanwhile), the console answers 503 with a clear
message (its sessions live in Redis) instead of hanging or a 500, and comes back by itself."""

import dataclasses

import httpx

from app.asgi import create_app
from registration.tables import Registration
from tests.factories.checkin import scan_event
from tests.factories.registration import published_event, register_online
from tests.support import free_port, login


def app_with_redis_down(settings):
    down = f"redis://127.0.0.1:{free_port()}/0"  # a port nobody listens on
    return create_app(dataclasses.replace(settings, redis_url=down), manage_database=False, run_outbox_worker=False)


async def test_youths_still_register_when_redis_is_down(settings):
    event = await published_event(capacity=5)
    app = app_with_redis_down(settings)
    async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        answer = await register_online(c, event)
        personal = await c.get(answer.headers["location"])
    assert answer.status_code == 302 and personal.status_code == 200
    assert await Registration.count() == 1


async def test_the_console_says_the_service_is_unavailable_when_redis_is_down(settings):
    data = await scan_event(youths=1)
    app = app_with_redis_down(settings)
    async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        logged_in = await login(c, data["user"].email)  # the session could not be saved: the next page says so
        page = await c.get(logged_in.headers["location"])
        api = await c.get("/api/events", headers={"accept": "application/json"})
    assert page.status_code == 503 and page.headers["retry-after"] == "30"
    assert "Le service est momentanément indisponible" in page.text and "Rien de ce que vous" in page.text
    assert api.status_code == 503 and api.json()["code"] == "unavailable"
