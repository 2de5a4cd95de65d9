"""One history of a youth's parcours for every professional allowed to see it: the parcours, the events they
registered for and came to (proposed by their adviser or not), the touchpoints, the skills sheets and the
situations, in one timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from accounts.services import CurrentUser
from core import signals
from core.i18n import gettext as _
from core.settings import get_settings
from outcomes.services import situations_of
from outcomes.situations import SITUATION_LABELS
from outcomes.tables import SituationKind
from parcours import skills
from parcours.labels import END_REASON_LABELS, touchpoint_title
from parcours.services import is_overdue, seen_parcours
from parcours.tables import Touchpoint
from registration import proposals
from registration import signals as registration_signals
from registration.services import ACTIVE
from registration.tables import Proposal, Registration


@dataclass(slots=True)
class Entry:
    at: datetime
    kind: str  # parcours, touchpoint, sheet, proposal, registration, situation
    title: str
    detail: str = ""
    state: str = ""  # planned, done, dropped, overdue, proposed, registered, attended…


def _instant(day: date | datetime) -> datetime:
    if isinstance(day, datetime):
        return day
    return datetime.combine(day, time(12), ZoneInfo(get_settings().timezone)).astimezone(UTC)


async def proposals_of(parcours: dict) -> list[dict]:
    """The adviser's organisation's proposals to the youth, each with how far it went (registration.proposals)."""
    rows = (
        await Proposal.select(
            Proposal.id,
            Proposal.participant,
            Proposal.event,
            Proposal.event.title.as_alias("event_title"),
            Proposal.event.starts_on.as_alias("starts_on"),
            Proposal.sent_at,
            Proposal.registration,
            Proposal.proposed_by.full_name.as_alias("adviser_name"),
        )
        .where(
            (Proposal.participant == parcours["participant"])
            & (Proposal.referring_organisation == parcours["adviser_organisation"])
        )
        .order_by(Proposal.sent_at)
    )
    states = await proposals._states(rows)
    for row in rows:
        row["state"] = states[row["id"]]
    return rows


async def _registrations(parcours: dict) -> list[dict]:
    """The youth's registrations for the events of the two organisations, or referred by either."""
    both = [parcours["organisation"], parcours["adviser_organisation"]]
    rows = await Registration.select(
        Registration.id,
        Registration.status,
        Registration.event.title.as_alias("event_title"),
        Registration.event.starts_on.as_alias("starts_on"),
        Registration.event.organisation.name.as_alias("organiser"),
    ).where(
        (Registration.participant == parcours["participant"])
        & (Registration.event.organisation.is_in(both) | Registration.referring_organisation.is_in(both))
    )
    came = await signals.first(registration_signals.came_to)
    attended: set[int] = set()
    if came is not None and rows:
        attended = {
            r["id"]
            for r in await Registration.select(Registration.id).where(
                Registration.id.is_in([r["id"] for r in rows]) & Registration.id.is_in(came)
            )
        }
    for row in rows:
        row["state"] = (
            "attended" if row["id"] in attended else "registered" if row["status"] in ACTIVE else row["status"]
        )
    return rows


async def timeline(user: CurrentUser, parcours_id: int, *, now: datetime) -> list[Entry]:
    parcours = await seen_parcours(user, parcours_id)
    entries = [
        Entry(
            parcours["created_at"],
            "parcours",
            _("Parcours opened at %(organisation)s", organisation=parcours["organisation_name"]),
            _(
                "Contract from %(start)s to %(end)s",
                start=f"{parcours['contract_start']:%d/%m/%Y}",
                end=f"{parcours['contract_end']:%d/%m/%Y}",
            ),
        )
    ]
    touchpoints = await Touchpoint.select().where(Touchpoint.parcours == parcours_id)
    for row in touchpoints:
        state = "overdue" if is_overdue(row, now) else row["status"]
        entries.append(
            Entry(row["starts_at"], "touchpoint", touchpoint_title(row["step"], row["kind"]), row["result"], state)
        )
    for moment, sheet in (await skills._sheets(parcours_id)).items():
        entries.append(
            Entry(
                sheet["filled_at"],
                "sheet",
                _("Skills sheet: %(moment)s", moment=_(skills.MOMENT_LABELS[moment])),
                sheet["next_steps"],
            )
        )
    for row in await proposals_of(parcours):
        entries.append(
            Entry(
                row["sent_at"],
                "proposal",
                row["event_title"],
                row["adviser_name"],
                row["state"],
            )
        )
    for row in await _registrations(parcours):
        entries.append(
            Entry(_instant(row["starts_on"]), "registration", row["event_title"], row["organiser"], row["state"])
        )
    for row in await situations_of(parcours["participant"]):
        label = SITUATION_LABELS.get(SituationKind(row["kind"]))
        entries.append(Entry(_instant(row["since"]), "situation", _(label) if label else row["kind"], row["employer"]))
    if parcours["ended_at"]:
        entries.append(
            Entry(
                parcours["ended_at"],
                "parcours",
                _("Parcours ended"),
                _(END_REASON_LABELS[parcours["end_reason"]]) if parcours["end_reason"] in END_REASON_LABELS else "",
            )
        )
    entries.sort(key=lambda e: e.at)
    return entries
