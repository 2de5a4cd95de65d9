"""Per-IP limits on public form posts, counted in the app's store (Redis when configured,
so every worker shares the count)."""

from __future__ import annotations

import time

from litestar import Request
from litestar.exceptions import TooManyRequestsException


async def limit(request: Request, action: str, per_window: int, window_s: int = 600) -> None:
    ip = request.client.host if request.client else "unknown"
    bucket = int(time.time() // window_s)
    key = f"rl:{action}:{ip}:{bucket}"
    store = request.app.stores.get("throttle")
    count = int(await store.get(key) or 0) + 1
    await store.set(key, str(count), expires_in=window_s)
    if count > per_window:
        raise TooManyRequestsException(headers={"retry-after": str(window_s)})
