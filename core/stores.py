"""The session store when sessions live in Redis: what happens while Redis does not answer.

Reading a session (every console request with a session cookie) raises ServiceUnavailableException: the
user gets core.errors' 503 page ("nothing you saved was lost; try again in a minute") at once, before the
handler runs, so nothing is half-done. Writing one happens as the response starts, when another answer
can no longer be given: the failure is logged and the next request, which must read it, says 503.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from litestar.exceptions import ServiceUnavailableException
from litestar.stores.base import Store
from redis.exceptions import RedisError

log = logging.getLogger("tremplin")
UNAVAILABLE = {"retry-after": "30"}


class SessionStore(Store):
    """Delegates to `inner` (a Redis store); Redis failures become a 503 on reads, a log line on writes."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        try:
            return await self.inner.get(key, renew_for)
        except (RedisError, OSError) as exc:
            raise ServiceUnavailableException(headers=UNAVAILABLE) from exc

    async def exists(self, key: str) -> bool:
        try:
            return await self.inner.exists(key)
        except (RedisError, OSError) as exc:
            raise ServiceUnavailableException(headers=UNAVAILABLE) from exc

    async def expires_in(self, key: str) -> int | None:
        try:
            return await self.inner.expires_in(key)
        except (RedisError, OSError) as exc:
            raise ServiceUnavailableException(headers=UNAVAILABLE) from exc

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        try:
            await self.inner.set(key, value, expires_in)
        except (RedisError, OSError) as exc:
            log.warning("A session could not be saved, Redis does not answer: %s", exc)

    async def delete(self, key: str) -> None:
        try:
            await self.inner.delete(key)
        except (RedisError, OSError) as exc:
            log.warning("A session could not be deleted, Redis does not answer: %s", exc)

    async def delete_all(self) -> None:
        await self.inner.delete_all()

    async def __aenter__(self) -> None:
        await self.inner.__aenter__()

    async def __aexit__(self, *args: object) -> None:
        await self.inner.__aexit__(*args)  # type: ignore[arg-type]
