"""Per-IP limits on public form posts, counted in the app's "throttle" store.

Each post is counted by one atomic increment before anything else is done, so concurrent posts cannot all
read the same count: Redis's INCR when Redis is configured (every server process shares the count), else
an increment in the process's memory (one count per process). When the configured Redis does not
answer, the count falls back to the process's memory (logged once a minute): a youth can still register while
Redis is down, each process then limiting on its own.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from litestar import Request
from litestar.exceptions import TooManyRequestsException
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore

log = logging.getLogger("tremplin")
MAX_COUNTS = 10_000


class CountingStore(MemoryStore):
    """The throttle store in the process's memory. Its counts are kept beside the store's own entries rather than
    through its get and set: read and written with no await in between, a count cannot be interleaved, and
    needs no lock."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, tuple[float, int]] = {}


_fallback = CountingStore()  # the counts while Redis does not answer
_warned_at = 0.0


async def increment(store: Store, key: str, expires_in: int) -> int:
    """Add one to the counter `key` and return its new value; a new counter lasts `expires_in` seconds."""
    if not isinstance(store, CountingStore):  # Redis: imported only where it is configured (8 MB a process)
        from litestar.stores.redis import RedisStore
        from redis.exceptions import RedisError

        if not isinstance(store, RedisStore):
            raise TypeError("public form limits are counted in Redis or a CountingStore")
        try:
            return await _redis_increment(store, key, expires_in)
        except (RedisError, OSError) as exc:
            _warn(exc)
            store = _fallback
    return _count_here(store, key, expires_in)


def _count_here(store: CountingStore, key: str, expires_in: int) -> int:
    counts = store.counts
    now = time.monotonic()
    expires, count = counts.get(key, (0.0, 0))
    if expires <= now:  # a new window
        expires, count = now + expires_in, 0
        if len(counts) >= MAX_COUNTS:
            for old in [k for k, (until, _) in counts.items() if until <= now]:
                del counts[old]
    counts[key] = (expires, count + 1)
    return count + 1


async def _redis_increment(store: Any, key: str, expires_in: int) -> int:
    """`store`: a litestar RedisStore."""
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
