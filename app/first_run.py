"""A new organisation's first steps, on the console's home: a short checklist that ticks itself as things get done
(it reads what exists: nothing to keep in step), from the first login to the first published event's link.
It goes away when everything is done or when an organiser puts it away."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.services import CurrentUser, require_role
from accounts.tables import Invitation, Membership, Organisation, Partnership, Role
from core.clock import utcnow
from core.db import read, write_transaction
from core.i18n import lazy
from events.tables import Event, EventStatus, Site

# Everything the steps look at, in one read: the console's home asks on every visit.
_WHAT_EXISTS = (
    "SELECT o.checklist_dismissed_at, o.address, o.phone, "
    f"(SELECT count(*) FROM {Membership._meta.tablename} m WHERE m.organisation = o.id) AS members, "
    f"EXISTS (SELECT 1 FROM {Invitation._meta.tablename} i WHERE i.organisation = o.id) AS invited, "
    f"EXISTS (SELECT 1 FROM {Site._meta.tablename} s WHERE s.organisation = o.id) AS places, "
    f"EXISTS (SELECT 1 FROM {Partnership._meta.tablename} p WHERE p.owner = o.id) AS partners, "
    f"EXISTS (SELECT 1 FROM {Event._meta.tablename} e WHERE e.organisation = o.id) AS events, "
    f"EXISTS (SELECT 1 FROM {Event._meta.tablename} e WHERE e.organisation = o.id "
    f"AND e.status = '{EventStatus.published.value}') AS published "
    f"FROM {Organisation._meta.tablename} o WHERE o.id = {{}}"
)


@dataclass(frozen=True, slots=True)
class Step:
    label: str  # an English msgid, translated by the template
    href: str
    done: bool


async def checklist(user: CurrentUser) -> list[Step] | None:
    """The steps for the organisation the user works in, or None (done, put away, or not theirs to do)."""
    organisation_id = user.current_organisation
    if organisation_id is None or not user.at_least(organisation_id, Role.organiser):
        return None
    found = await read(_WHAT_EXISTS, organisation_id)
    if not found or found[0]["checklist_dismissed_at"] is not None:
        return None
    there = found[0]
    steps = [
        Step(
            lazy("Add your details: address and phone"),
            f"/organisations/{organisation_id}",
            bool(there["address"] and there["phone"]),
        ),
        Step(
            lazy("Invite a colleague"),
            f"/organisations/{organisation_id}/members",
            there["members"] > 1 or bool(there["invited"]),
        ),
        Step(lazy("Add a place"), "/sites/new", bool(there["places"])),
        Step(lazy("Add a partner or a company"), "/directory/", bool(there["partners"])),
        Step(lazy("Create your first event from a format"), "/events/new", bool(there["events"])),
        Step(lazy("Publish it and share its link"), "/events/", bool(there["published"])),
    ]
    return None if all(step.done for step in steps) else steps


async def put_away(user: CurrentUser) -> None:
    organisation_id = user.current_organisation
    if organisation_id is None:
        return
    require_role(user, organisation_id, Role.organiser)
    async with write_transaction():
        await Organisation.update({Organisation.checklist_dismissed_at: utcnow()}).where(
            Organisation.id == organisation_id
        )
