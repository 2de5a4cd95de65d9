"""Results at a rally team's visits, recorded by the team's companion on their phone (or by who runs the
event): for each visit, which youth got what at that company, in a few taps.

Who: the companion of the team (their account, `Companion.user`) or staff of the organisation running the
event (or of a co-organiser). The company is the visit's host (its organisation from the directory) or, when
the site has none, the site's name. Recording the same result twice for a youth at a visit adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from accounts.services import CurrentUser
from accounts.tables import Role
from core.clock import utcnow
from core.errors import Forbidden, NotFound
from core.i18n import gettext
from events import access
from events.services import get_event
from outcomes import errors
from outcomes.services import ResultInput, add_result
from outcomes.situations import RESULT_LABELS
from outcomes.tables import Result, ResultKind
from planning.tables import Team, TeamMember, Visit


@dataclass
class VisitResults:
    id: int
    starts_at: datetime
    ends_at: datetime
    site: str
    company: int | None
    recorded: set[tuple[int, str]]  # (registration, kind) already recorded at this visit
    summary: list[str]  # "Inès: CV left", in the order recorded


async def _team(user: CurrentUser, event_id: int, team_id: int) -> tuple[dict, dict]:
    event = await get_event(user, event_id)  # 404 unless the user sees the event
    team = (
        await Team.select(Team.id, Team.number, Team.companion.user.as_alias("companion_user"))
        .where((Team.id == team_id) & (Team.event == event_id))
        .first()
    )
    if team is None:
        raise NotFound()
    if user.id != team["companion_user"] and not await _runs(user, event):
        raise Forbidden()
    return event, team


async def _runs(user: CurrentUser, event: dict) -> bool:
    co_organisers = (await access.partners_of(event["id"])).co_organisers
    return access.runs(user, event["organisation"], co_organisers, Role.staff)


async def _members(team_id: int) -> list[dict]:
    return await (
        TeamMember.select(
            TeamMember.registration,
            TeamMember.registration.participant.first_name.as_alias("first_name"),
            TeamMember.registration.participant.last_name.as_alias("last_name"),
        )
        .where(TeamMember.team == team_id)
        .order_by(TeamMember.registration.participant.first_name)
    )


async def team_view(user: CurrentUser, event_id: int, team_id: int) -> dict[str, Any]:
    """The team's youths and visits, with what was recorded at each."""
    event, team = await _team(user, event_id, team_id)
    members = await _members(team_id)
    names = {m["registration"]: m["first_name"] for m in members}
    visits = await (
        Visit.select(
            Visit.id,
            Visit.starts_at,
            Visit.ends_at,
            Visit.site.name.as_alias("site"),
            Visit.site.host.as_alias("company"),
        )
        .where(Visit.team == team_id)
        .order_by(Visit.starts_at)
    )
    results = await (
        Result.select(Result.visit, Result.registration, Result.kind)
        .where(Result.visit.is_in([v["id"] for v in visits] or [-1]) & Result.withdrawn_at.is_null())
        .order_by(Result.recorded_at)
    )
    by_visit: dict[int, list[dict]] = {}
    for result in results:
        by_visit.setdefault(result["visit"], []).append(result)
    tz = ZoneInfo(event["timezone"])
    return {
        "event": event,
        "team": team,
        "members": members,
        "kinds": [(k.value, gettext(RESULT_LABELS[k])) for k in ResultKind],
        "visits": [
            VisitResults(
                id=v["id"],
                starts_at=v["starts_at"].astimezone(tz),  # shown in the event's time, as on the road sheet
                ends_at=v["ends_at"].astimezone(tz),
                site=v["site"],
                company=v["company"],
                recorded={(r["registration"], r["kind"]) for r in by_visit.get(v["id"], [])},
                summary=[
                    f"{names.get(r['registration'], '?')} : {gettext(RESULT_LABELS[ResultKind(r['kind'])])}"
                    for r in by_visit.get(v["id"], [])
                ],
            )
            for v in visits
        ],
    }


async def record_visit(
    user: CurrentUser,
    event_id: int,
    team_id: int,
    visit_id: int,
    chosen: list[tuple[int, str]],
    *,
    now: datetime | None = None,
) -> int:
    """Record the (registration, kind) pairs ticked for a visit; how many were new."""
    now = now or utcnow()
    view = await team_view(user, event_id, team_id)
    visit = next((v for v in view["visits"] if v.id == visit_id), None)
    if visit is None:
        raise NotFound()
    if now < visit.starts_at:
        raise errors.ResultBeforeEvent()
    members = {m["registration"] for m in view["members"]}
    added = 0
    for registration_id, kind in chosen:
        if registration_id not in members or kind not in ResultKind.__members__.values():
            raise errors.UnknownChoice()
        if (registration_id, kind) in visit.recorded:
            continue
        data = ResultInput(kind=kind, company=visit.company, company_name="" if visit.company else visit.site)
        await add_result(user.id, registration_id, data, now, visit=visit_id)
        added += 1
    return added
