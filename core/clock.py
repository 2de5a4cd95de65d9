"""One notion of "now" (aware UTC), so times are stored the same way everywhere."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
