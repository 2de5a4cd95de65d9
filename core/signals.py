"""Signals: how a lower feature makes a higher one act without importing it.

A feature declares its signals in its own `signals.py` (events announce a cancelled event, registration asks
for a youth's invitation…); the features above it connect receivers in their `receivers.py`, and the
composition root (`app.features`) imports every `receivers.py` once at start-up. This keeps each import
pointing down the layers (see docs/architecture.md) while a change still reaches everyone concerned.

Receivers are async functions taking keyword arguments. They run in turn, in the caller's task and so in its
transaction: a message a receiver queues commits or rolls back with the change that caused it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from blinker import Namespace, Signal

_signals = Namespace()

Receiver = Callable[..., Awaitable[Any]]


def signal(name: str, doc: str) -> Signal:
    return _signals.signal(name, doc)


def receiver(sig: Signal) -> Callable[[Receiver], Receiver]:
    """Connect an async function to `sig` for the life of the process (strongly held)."""

    def connect(function: Receiver) -> Receiver:
        async def call(_sender: Any, **data: Any) -> Any:  # Tremplin's signals have no sender
            return await function(**data)

        sig.connect(call, weak=False)
        return function

    return connect


async def send(sig: Signal, **data: Any) -> list[Any]:
    """Run every receiver of `sig` in turn and return their answers (in no set order: each answers for itself)."""
    return [answer for _receiver, answer in await sig.send_async(None, **data)]


async def merged(sig: Signal, **data: Any) -> dict:
    """The receivers' answers (dicts) merged into one: each higher feature adds its own keys."""
    result: dict = {}
    for answer in await send(sig, **data):
        result.update(answer or {})
    return result


async def first(sig: Signal, **data: Any) -> Any:
    """The first answer that is not None, or None when no receiver answered."""
    return next((answer for answer in await send(sig, **data) if answer is not None), None)
