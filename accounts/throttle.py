"""Login throttling: growing delays per account and IP together, and a looser limit per IP.

A try is taken *before* the slow password check, in one short write transaction that locks the counter's
row: fifty concurrent wrong passwords cannot all read "no failure yet" and all be checked. The counters are
rows of the database (`LoginThrottle`), so every server process shares them, with or without Redis.

After `PAIR_FREE_TRIES` tries for one account from one IP, the next must wait 1 s, then 2 s, 4 s… up to
15 minutes. Nobody can lock the real owner out from elsewhere: their own IP has its own counter. One IP
trying many accounts is slowed the same way after `IP_FREE_TRIES` tries.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from accounts.tables import LoginThrottle
from core.db import is_sqlite, write_transaction

PAIR_FREE_TRIES = 5
IP_FREE_TRIES = 30
MAX_DELAY = timedelta(minutes=15)
FORGET_AFTER = timedelta(minutes=15)  # after the last allowed try, a quiet quarter of an hour clears it


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _keys(email: str, ip: str) -> list[tuple[str, int]]:
    return [(_key("account+ip", email, ip), PAIR_FREE_TRIES), (_key("ip", ip), IP_FREE_TRIES)]


def delay(tries: int, free: int) -> timedelta:
    """How long to wait after `tries` tries: nothing for the free ones, then doubling from one second."""
    if tries < free:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(tries - free, 20)), MAX_DELAY)


async def _locked_row(key: str, now: datetime) -> LoginThrottle:
    # The row exists first, so the lock below always has a row to hold (two first tries would both insert).
    await LoginThrottle.insert(
        LoginThrottle(key=key, tries=0, next_try_at=now, expires_at=now + FORGET_AFTER)
    ).on_conflict(action="DO NOTHING")
    if not is_sqlite():  # SQLite: write_transaction already holds the one write lock
        await LoginThrottle.raw("SELECT id FROM login_throttle WHERE key = {} FOR UPDATE", key)
    return await LoginThrottle.objects().get(LoginThrottle.key == key)


async def take_try(email: str, ip: str, now: datetime) -> int:
    """Take one try for this account from this IP: 0 when it may go ahead, else the seconds to wait (and
    nothing is taken)."""
    async with write_transaction():
        rows = [(await _locked_row(key, now), free) for key, free in _keys(email, ip)]
        for row, _free in rows:
            if row.expires_at <= now:
                row.tries, row.next_try_at = 0, now
        waits = [(row.next_try_at - now).total_seconds() for row, _free in rows]
        if max(waits) > 0:
            return math.ceil(max(waits))
        for row, free in rows:
            row.tries += 1
            row.next_try_at = now + delay(row.tries, free)
            row.expires_at = row.next_try_at + FORGET_AFTER
            await row.save()
    return 0


async def logged_in(email: str, ip: str, now: datetime) -> None:
    """The password was right: the account's counter from this IP starts again, and the IP gets its try
    back (someone logging in to their own account between guesses does not clear the IP's count), and
    counters nobody touched for a while go."""
    pair, ip_only = (key for key, _free in _keys(email, ip))
    async with write_transaction():
        await LoginThrottle.delete().where((LoginThrottle.key == pair) | (LoginThrottle.expires_at <= now))
        await LoginThrottle.update({LoginThrottle.tries: LoginThrottle.tries - 1}).where(
            (LoginThrottle.key == ip_only) & (LoginThrottle.tries > 0)
        )
