"""Registration rules (the full flow arrives with the registration issue)."""

from __future__ import annotations

from piccolo.query.functions.aggregate import Count

from registration.tables import Registration


async def counts_by_event(event_ids: list[int]) -> dict[int, dict[str, int]]:
    """How many registrations each event has, by status."""
    if not event_ids:
        return {}
    rows = (
        await Registration.select(Registration.event, Registration.status, Count(Registration.id, alias="n"))
        .where(Registration.event.is_in(event_ids))
        .group_by(Registration.event, Registration.status)
    )
    counts: dict[int, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["event"], {})[row["status"]] = row["n"]
    return counts
