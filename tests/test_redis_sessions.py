"""With REDIS_URL set, sessions and the public forms' counters live in Redis (several workers share them)."""

import dataclasses

import httpx
import redis.asyncio as redis

from app.asgi import create_app
from tests.factories.accounts import make_organisation, make_user
from tests.support import login


async def test_sessions_are_kept_in_redis_when_configured(settings, redis_url):
    app = create_app(dataclasses.replace(settings, redis_url=redis_url), manage_database=False, run_outbox_worker=False)
    ml = await make_organisation("ML")
    await make_user("karima@ml.test", ml)
    transport = httpx.ASGITransport(app=app)
    # The lifespan closes the app's Redis connections at the end, as a server would.
    async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await login(client, "karima@ml.test")).status_code == 302
        session_id = client.cookies.get("tremplin_session")
        assert (await client.get("/")).status_code == 200

    connection = redis.Redis.from_url(redis_url)  # the session's own Redis (tests/conftest.py)
    try:
        keys = [k.decode() async for k in connection.scan_iter("tremplin*")]
        assert any(session_id in key for key in keys), keys
    finally:
        await connection.flushdb()
        await connection.aclose()
