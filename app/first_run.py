"""A new organisation's first steps, on the console's home: a short checklist that ticks itself as things get done
(it reads what exists: nothing to keep in step), from the first login to the first published event's link.
It goes away when everything is done or when an organiser puts it away."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.services import CurrentUser, require_role
from accounts.tables import Invitation, Membership, Organisation, Partnership, Role
from core.clock import utcnow
from core.db import write_transaction
from core.i18n import lazy
from events.tables import Event, EventStatus, Site


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
    organisation = await Organisation.select().where(Organisation.id == organisation_id).first()
    if organisation is None or organisation["checklist_dismissed_at"] is not None:
        return None
    events = Event.organisation == organisation_id
    steps = [
        Step(
            lazy("Add your details: address and phone"),
            f"/organisations/{organisation_id}",
            bool(organisation["address"] and organisation["phone"]),
        ),
        Step(
            lazy("Invite a colleague"),
            f"/organisations/{organisation_id}/members",
            await Membership.count().where(Membership.organisation == organisation_id) > 1
            or await Invitation.exists().where(Invitation.organisation == organisation_id),
        ),
        Step(lazy("Add a place"), "/sites/new", await Site.exists().where(Site.organisation == organisation_id)),
        Step(
            lazy("Add a partner or a company"),
            "/directory/",
            await Partnership.exists().where(Partnership.owner == organisation_id),
        ),
        Step(lazy("Create your first event from a format"), "/events/new", await Event.exists().where(events)),
        Step(
            lazy("Publish it and share its link"),
            "/events/",
            await Event.exists().where(events & (Event.status == EventStatus.published)),
        ),
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
