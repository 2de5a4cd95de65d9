"""Per-IP limits on public form posts, counted in the app's "throttle" store.

Each post is counted by one atomic increment before anything else is done, so concurrent posts cannot all
read the same count: Redis's INCR when Redis is configured (every server process shares the count), else
an increment under a lock in the process's memory (one count per process). When the configured Redis does not
answer, the count falls back to the process's memory (logged once a minute): a youth can still register while
Redis is down, each process then limiting on its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref

from litestar import Request
from litestar.exceptions import TooManyRequestsException
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from redis.exceptions import RedisError

log = logging.getLogger("tremplin")
_fallback = MemoryStore()  # the counts while Redis does not answer
_warned_at = 0.0

_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _memory_lock() -> asyncio.Lock:
    """One lock per event loop (a lock belongs to the loop it first waits in)."""
    loop = asyncio.get_running_loop()
    if loop not in _locks:
        _locks[loop] = asyncio.Lock()
    return _locks[loop]


async def increment(store: Store, key: str, expires_in: int) -> int:
    """Add one to the counter `key` and return its new value; a new counter lasts `expires_in` seconds."""
    if isinstance(store, RedisStore):
        try:
            return await _redis_increment(store, key, expires_in)
        except (RedisError, OSError) as exc:
            _warn(exc)
            store = _fallback
    async with _memory_lock():  # no other request reads the count between this get and set
        count = int(await store.get(key) or 0) + 1
        await store.set(key, str(count), expires_in=expires_in)
    return count


async def _redis_increment(store: RedisStore, key: str, expires_in: int) -> int:
    name = store._make_key(key)  # the store's namespace, as its own get() and set() use it
    async with store._redis.pipeline(transaction=True) as pipe:
        pipe.set(name, 0, ex=expires_in, nx=True)
        pipe.incr(name)
        _created, count = await pipe.execute()
    return int(count)


def _warn(exc: Exception) -> None:
    global _warned_at
    if time.monotonic() - _warned_at > 60:
        _warned_at = time.monotonic()
        log.warning("Redis does not answer (%s): public form limits are counted per process meanwhile", exc)


async def limit(request: Request, action: str, per_window: int, window_s: int = 600) -> None:
    ip = request.client.host if request.client else "unknown"
    bucket = int(time.time() // window_s)
    count = await increment(request.app.stores.get("throttle"), f"rl:{action}:{ip}:{bucket}", window_s)
    if count > per_window:
        raise TooManyRequestsException(headers={"retry-after": str(window_s)})
