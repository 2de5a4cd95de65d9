"""The one per-process cache, with the one expiry rule every cache of Tremplin follows.

There is no shared cache (docs/architecture.md, "Caches"): a process keeps for a few seconds what it read a
moment ago. An entry set at instant t (`time.monotonic()`) is served while the clock is before t + `seconds`,
then the caller reads it again and sets it anew. Setting a key when `max_items` are held drops the oldest
entry; every entry of a cache lives as long, so the oldest is also the first to expire.

A hit costs one dict lookup and one time comparison: the registration and check-in hot paths read through it.
Written here rather than taken from cachetools: its TTLCache keeps a linked list per entry and reorders it on
every read, work a hit here does not need, and a few lines keep the rule readable in one place.
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable
from enum import Enum
from time import monotonic
from typing import Generic, Literal, TypeVar, overload

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
D = TypeVar("D")


class _Missing(Enum):
    MISSING = "missing"


# What `get` answers on a miss when asked to, for caches that keep "not found" (None) as a value.
MISSING: Literal[_Missing.MISSING] = _Missing.MISSING


class TtlCache(Generic[K, V]):
    """Values by key, each kept `seconds` after it was set, at most `max_items` of them."""

    __slots__ = ("__weakref__", "_entries", "max_items", "seconds")

    def __init__(self, seconds: float, max_items: int) -> None:
        if seconds <= 0 or max_items < 1:
            raise ValueError("A cache keeps its entries a positive time, and at least one of them.")
        self.seconds = seconds
        self.max_items = max_items
        self._entries: dict[K, tuple[float, V]] = {}  # key: (expires at, value), oldest first
        _every_cache.add(self)

    @overload
    def get(self, key: K) -> V | None: ...

    @overload
    def get(self, key: K, default: D) -> V | D: ...

    def get(self, key: K, default: object = None) -> object:
        """The value while it lives, else `default` (pass MISSING when None is a value worth keeping)."""
        entry = self._entries.get(key)
        if entry is None or entry[0] <= monotonic():
            return default
        return entry[1]

    def set(self, key: K, value: V) -> V:
        """Keep `value` for `seconds` from now; returns it."""
        entries = self._entries
        if entries.pop(key, MISSING) is MISSING and len(entries) >= self.max_items:
            del entries[next(iter(entries))]  # the oldest: dicts keep the order keys were set in
        entries[key] = (monotonic() + self.seconds, value)
        return value

    def pop(self, key: K) -> None:
        """Forget the key, where this process changed what it holds."""
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


# Every cache of this process, for `forget_everything`.
_every_cache: weakref.WeakSet[TtlCache] = weakref.WeakSet()


def forget_everything() -> None:
    """Empty every cache of this process: for a database emptied under it (the tests do, between two tests,
    and PostgreSQL's sequences then hand out the same ids again, which a cached row would answer for)."""
    for cache in list(_every_cache):
        cache.clear()
