"""Who sees an event, and who runs it: the rule, written once for every page, scan and API route.

A user sees an event when it belongs to one of their organisations, or when one of their organisations is
one of its partners (`EventPartner`, any role). To anyone else it does not exist: 404, nothing leaks.
Seeing is not running: a page may also want a minimum role on the event's organisation, or on one of its
co-organisers where the feature lets them share the work (check-in); short of it, 403.

The rule has two forms, kept side by side so they cannot drift apart:
- `visible_to(user)`, a query condition on `Event`, for reading one event (`events.services.get_event`,
  `editable_event`), and `visible_sql(user)`, the same in plain SQL for the event lists;
- `check(user, organisation_id, partners, ...)`, for an event already read, with `partners_of(event_id)`
  to read its partners: the check-in hot path keeps them in its cached list and asks without a query.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from accounts.services import CurrentUser
from accounts.tables import Role
from core.db import marks, read
from core.errors import Forbidden, NotFound
from events.tables import Event, EventPartner, PartnerRole


class Partners(NamedTuple):
    """An event's partner organisations: all of them, and the co-organisers among them."""

    all: tuple[int, ...]
    co_organisers: tuple[int, ...]


def visible_to(user: CurrentUser):
    """The events the user sees, as a condition on `Event`."""
    mine = user.organisation_ids or [-1]
    partnered = EventPartner.select(EventPartner.event).where(EventPartner.organisation.is_in(mine))
    return Event.organisation.is_in(mine) | Event.id.is_in(partnered)


def visible_sql(user: CurrentUser, alias: str = "e") -> tuple[str, list[int]]:
    """`visible_to` for plain SQL on the event table as `alias`: the condition, `{}` per parameter, and them."""
    mine = user.organisation_ids or [-1]
    partnered = f"SELECT event FROM {EventPartner._meta.tablename} WHERE organisation IN ({marks(mine)})"
    return f"({alias}.organisation IN ({marks(mine)}) OR {alias}.id IN ({partnered}))", [*mine, *mine]


def sees(user: CurrentUser, organisation_id: int, partners: Iterable[int]) -> bool:
    """The same rule on an event already read: its organisation and its partners."""
    return organisation_id in user.roles or any(o in user.roles for o in partners)


def runs(user: CurrentUser, organisation_id: int, co_organisers: Iterable[int], minimum: Role) -> bool:
    """At least `minimum` in the event's organisation, or in one of the co-organisers given."""
    return user.at_least(organisation_id, minimum) or any(user.at_least(o, minimum) for o in co_organisers)


def check(
    user: CurrentUser,
    organisation_id: int,
    partners: Iterable[int],
    co_organisers: Iterable[int] = (),
    *,
    minimum: Role | None = None,
) -> None:
    """404 unless the user sees the event; then 403 unless they hold `minimum` (when given) where it counts."""
    if not sees(user, organisation_id, partners):
        raise NotFound()
    if minimum is not None and not runs(user, organisation_id, co_organisers, minimum):
        raise Forbidden()


async def partners_of(event_id: int) -> Partners:
    # Plain SQL: asked on every scan and most event pages, where Piccolo's query building cost more than the read.
    rows = await read(f"SELECT organisation, role FROM {EventPartner._meta.tablename} WHERE event = {{}}", event_id)
    return Partners(
        tuple(p["organisation"] for p in rows),
        tuple(p["organisation"] for p in rows if p["role"] == PartnerRole.co_organiser),
    )
