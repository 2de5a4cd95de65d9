"""What organisers do with a rally's teams and itineraries, checked by the one validator.

Every change is saved at once and the page shows the rules it breaks (immediate feedback, and an
undo is just the opposite move); only publishing refuses a plan that breaks a rule.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from accounts.services import CurrentUser, require_role
from accounts.tables import Role
from core.clock import utcnow
from core.db import write_transaction
from core.errors import InvalidInput, NotFound, Refusal
from core.i18n import gettext as _
from core.i18n import language, lazy
from events.services import get_event
from events.tables import Site
from messaging import outbox
from messaging.tables import Channel
from planning import companions, store
from planning.explain import explain_days
from planning.metrics import metrics
from planning.model import Instance, PlanningFormatError, load_solution
from planning.tables import Companion, PairRule, PlanningRun, PublishedTeam, Team, TeamMember, TravelTime
from planning.tables import Visit as VisitRow
from planning.validator import Violation, validate
from registration.messages import contexts_of, invitation_for, reach, tell
from registration.tables import Registration


class PlanBreaksRules(Refusal):
    code = "plan_breaks_rules"
    status_code = 409
    message = lazy("The plan breaks %(count)s rules: fix them before publishing.")


class PlanNotImported(InvalidInput):
    code = "plan_not_imported"
    message = lazy("This file cannot be imported: %(reason)s")


async def _editable(user: CurrentUser, event_id: int) -> dict:
    event = await get_event(user, event_id)
    require_role(user, event["organisation"], Role.organiser)
    return event


async def _team_of_event(event_id: int, team_id: int) -> dict:
    team = await Team.select().where((Team.id == team_id) & (Team.event == event_id)).first()
    if team is None:
        raise NotFound()
    return team


async def _visit_of_event(event_id: int, visit_id: int) -> dict:
    visit = (
        await VisitRow.select(VisitRow.all_columns(), VisitRow.team.event.as_alias("event"))
        .where(VisitRow.id == visit_id)
        .first()
    )
    if visit is None or visit["event"] != event_id:
        raise NotFound()
    return visit


# --------------------------------------------------------------------------- reading


async def overview(user: CurrentUser, event_id: int) -> dict[str, Any]:
    """Everything the planning page shows: data problems, the plan, its violations and figures."""
    event = await get_event(user, event_id)
    view: dict[str, Any] = {
        "event": event,
        "missing": None,
        "violations": [],
        "metrics": {},
        "teams": [],
        "grid": None,
        "sites": [],
        "published": False,
        "not_yet_published": 0,
        "travel": [],
        "places_options": [],
    }
    view["companions"] = (
        await Companion.select(Companion.all_columns(), Companion.user.email.as_alias("account_email"))
        .where(Companion.event == event_id)
        .order_by(Companion.id)
        .output(load_json=True)
    )
    view["youths"] = await store.members_of(event_id)
    view["youths_options"] = [(y["id"], f"{y['first_name']} {y['last_name']}") for y in view["youths"]]
    view["pairs"] = await _pairs(event_id)
    view["run"] = await _latest_run(event_id)
    try:
        instance = await store.instance_of(event)
    except (store.PlanningDataMissing, PlanningFormatError) as error:
        view["missing"] = error.text() if isinstance(error, store.PlanningDataMissing) else str(error)
        return view
    view["instance"] = instance
    view["travel"] = await travel_times(event)
    depot = await store.depot_of(event)
    view["sites"] = await store.host_sites(event_id)
    view["places_options"] = [(depot["id"], depot["name"])] + [(s["id"], s["name"]) for s in view["sites"]]
    document = await store.plan_document(event)
    days_by_team: dict[str, list] = {}
    if document["teams"]:
        solution = load_solution(document)
        view["violations"] = validate(instance, solution)
        view["metrics"] = metrics(instance, solution)
        days_by_team = explain_days(instance, solution)
    view["teams"] = await _teams(event, instance)
    grid = view["grid"] = await store.grid_of(event)
    view["published"] = any(t["published_at"] for t in view["teams"])
    view["not_yet_published"] = await not_yet_published(
        event_id, {m["registration"] for team in view["teams"] for m in team["members"]}
    )
    view["clock"] = [instance.clock(slot) for slot in range(grid.n_slots + 1)]
    view["by_team"], view["by_site"] = _rows(grid, view["teams"], view["sites"])
    problems_by_team: dict[str, int] = Counter(v.team for v in view["violations"] if v.team)
    for team in view["teams"]:
        team["problems"] = problems_by_team.get(f"T{team['number']:03d}", 0)
        team["days"] = days_by_team.get(f"T{team['number']:03d}", [])
    return view


Cells = list[tuple[int, list[dict]]]  # (columns spanned, what is there: visits or nothing)


def _cells(grid: store.Grid, n: int, placed: list[tuple[int, int, dict]]) -> Cells:
    """A row of the time grid: free slots one by one, occupied ones merged while the same things are there."""
    cells: Cells = []
    slot = 0
    while slot < n:
        here = [item for start, end, item in placed if start <= slot < end]
        if not here:
            cells.append((1, []))
            slot += 1
            continue
        end = min(e for s, e, _ in placed if s <= slot < e)
        cells.append((end - slot, here))
        slot = end
    return cells


def _rows(grid: store.Grid, teams: list[dict], sites: list[dict]) -> tuple[list, list]:
    """Per day, the itinerary grid (a row per team) and the site view (a row per site)."""
    by_team, by_site = [], []
    for day in range(len(grid.dates)):
        team_rows, site_items = [], defaultdict(list)
        for team in teams:
            placed = []
            for visit in team["visits"]:
                visit_day, start, end = grid.span_of(visit["starts_at"], visit["ends_at"])
                if visit_day == day:
                    placed.append((start, end, visit))
                    site_items[visit["site"]].append((start, end, {"team": team["number"], **visit}))
            team_rows.append((team, _cells(grid, grid.n_slots, placed)))
        by_team.append((grid.dates[day], team_rows))
        by_site.append(
            (grid.dates[day], [(site, _cells(grid, grid.n_slots, site_items.get(site["id"], []))) for site in sites])
        )
    return by_team, by_site


async def _latest_run(event_id: int) -> dict | None:
    return (
        await PlanningRun.select()
        .where((PlanningRun.event == event_id) & (PlanningRun.kind == "rally"))
        .order_by(PlanningRun.id, ascending=False)
        .output(load_json=True)
        .first()
    )


async def _pairs(event_id: int) -> list[dict]:
    return await PairRule.select(
        PairRule.id,
        PairRule.together,
        PairRule.first.participant.first_name.as_alias("first_name"),
        PairRule.first.participant.last_name.as_alias("first_last"),
        PairRule.second.participant.first_name.as_alias("second_name"),
        PairRule.second.participant.last_name.as_alias("second_last"),
    ).where(PairRule.event == event_id)


async def _teams(event: dict, instance: Instance) -> list[dict]:
    """Teams with their members, companion, visits and balance figures, for the page."""
    teams = await Team.select().where(Team.event == event["id"]).order_by(Team.number)
    ids = [t["id"] for t in teams] or [-1]
    members = (
        await TeamMember.select(TeamMember.team, TeamMember.registration)
        .where(TeamMember.team.is_in(ids))
        .order_by(TeamMember.registration)
    )
    visits = (
        await VisitRow.select(
            VisitRow.all_columns(), VisitRow.site.name.as_alias("site_name"), VisitRow.site.sector.as_alias("sector")
        )
        .where(VisitRow.team.is_in(ids))
        .order_by(VisitRow.starts_at)
    )
    companions = {c["id"]: c for c in await Companion.select().where(Companion.event == event["id"])}
    youths = {y.id: y for y in instance.youths}
    by_team: dict[int, list[dict]] = defaultdict(list)
    for m in members:
        youth = youths.get(f"R{m['registration']}")
        if youth is not None:
            by_team[m["team"]].append({"registration": m["registration"], "youth": youth})
    visits_by_team: dict[int, list[dict]] = defaultdict(list)
    for v in visits:
        visits_by_team[v["team"]].append(v)
    out = []
    for team in teams:
        crew = by_team[team["id"]]
        interests = Counter(i for m in crew for i in m["youth"].interests)
        out.append(
            team
            | {
                "members": crew,
                "companion_row": companions.get(team["companion"]),
                "visits": visits_by_team[team["id"]],
                "ages": Counter(m["youth"].age_band or "?" for m in crew),
                "agencies": Counter(m["youth"].agency or _("no referrer") for m in crew),
                "shared_interest": interests.most_common(1)[0] if interests else None,
                "pmr": any(m["youth"].reduced_mobility for m in crew),
            }
        )
    return out


# --------------------------------------------------------------------------- changing the plan


async def move_member(user: CurrentUser, event_id: int, registration_id: int, team_id: int) -> None:
    await _editable(user, event_id)
    await _team_of_event(event_id, team_id)
    member = (
        await TeamMember.select(TeamMember.id, TeamMember.team.event.as_alias("event"))
        .where(TeamMember.registration == registration_id)
        .first()
    )
    if member is None or member["event"] != event_id:
        raise NotFound()
    await TeamMember.update({TeamMember.team: team_id}).where(TeamMember.id == member["id"])


async def set_companion(user: CurrentUser, event_id: int, team_id: int, companion_id: int | None) -> None:
    await _editable(user, event_id)
    await _team_of_event(event_id, team_id)
    if companion_id is not None and not await Companion.exists().where(
        (Companion.id == companion_id) & (Companion.event == event_id)
    ):
        raise NotFound()
    await Team.update({Team.companion: companion_id}).where(Team.id == team_id)


async def move_visit(user: CurrentUser, event_id: int, visit_id: int, day: int, start: str, site_id: int) -> None:
    """Put a visit at another time (and possibly another site); it keeps the site's visit length."""
    event = await _editable(user, event_id)
    visit = await _visit_of_event(event_id, visit_id)
    grid = await store.grid_of(event)
    site = await Site.select(Site.visit_minutes).where(Site.id == site_id).first()
    if site is None or site_id not in {s["id"] for s in await store.host_sites(event_id)}:
        raise NotFound()
    try:
        hours, minutes = (int(x) for x in start.split(":"))
        slot = (hours * 60 + minutes - grid.start) // store.SLOT_MINUTES
        starts_at = grid.moment(day, slot)
    except (ValueError, IndexError):
        raise InvalidInput(lazy("Choose a day of the rally and a time (HH:MM)."), field="start") from None
    length = -(-site["visit_minutes"] // store.SLOT_MINUTES) * store.SLOT_MINUTES
    if slot < 0 or slot + length // store.SLOT_MINUTES > grid.n_slots:
        # Past the rally's hours a visit has no place in the plan (nor in the day, past midnight).
        first, last = grid.moment(day, 0), grid.moment(day, grid.n_slots)
        raise InvalidInput(
            lazy("This visit must take place between %(first)s and %(last)s."),
            field="start",
            first=f"{first:%H:%M}",
            last=f"{last:%H:%M}",
        )
    async with write_transaction():
        await VisitRow.update(
            {
                VisitRow.site: site_id,
                VisitRow.starts_at: starts_at,
                VisitRow.ends_at: starts_at + timedelta(minutes=length),
                VisitRow.sequence: VisitRow.sequence + 1,  # calendars replace their copy
            }
        ).where(VisitRow.id == visit["id"])
    # The draft tells nobody: publishing again tells the team's youths, with their updated calendar.


async def set_team_lock(user: CurrentUser, event_id: int, team_id: int, locked: bool) -> None:
    await _editable(user, event_id)
    await _team_of_event(event_id, team_id)
    await Team.update({Team.locked: locked}).where(Team.id == team_id)


async def set_visit_lock(user: CurrentUser, event_id: int, visit_id: int, locked: bool) -> None:
    await _editable(user, event_id)
    await _visit_of_event(event_id, visit_id)
    await VisitRow.update({VisitRow.locked: locked}).where(VisitRow.id == visit_id)


async def publish(user: CurrentUser, event_id: int) -> dict[str, int]:
    """Publish a plan that breaks no rule: youths see it on their personal page from now on, and those whose
    team, companion or visits changed since the last publication (everyone the first time) are told (SMS, and
    e-mail when they gave one); what was queued, per channel (registration.messages.reach)."""
    event = await _editable(user, event_id)
    instance = await store.instance_of(event)
    document = await store.plan_document(event)
    problems: list[Violation] = validate(instance, load_solution(document)) if document["teams"] else []
    if not document["teams"]:
        raise PlanBreaksRules(lazy("There is no plan to publish yet."))
    if problems:
        raise PlanBreaksRules(count=len(problems))
    now = utcnow()
    sent: list[list[Channel]] = []
    teams = await _teams(event, instance)
    async with write_transaction():
        await Team.update({Team.published_at: now}).where(Team.event == event_id)
        changed = await publish_details(event_id, {m["registration"] for team in teams for m in team["members"]}, now)
        contexts = await contexts_of(sorted(changed))
        for team in teams:
            companion = team["companion_row"]
            with language("fr"):
                details = _(
                    "you are in team %(number)s with %(companion)s (%(phone)s).",
                    number=team["number"],
                    companion=companion["full_name"] if companion else "—",
                    phone=companion["phone"] if companion else "—",
                )
            for member in (m for m in team["members"] if m["registration"] in changed):
                context = contexts.get(member["registration"])
                # The e-mail brings the updated calendar (sessions and the team's visits): "team" is not an
                # INVITING key, so the invitation is asked for here.
                invitation = await invitation_for(context) if context and context["email"] else None
                channels = await tell(
                    member["registration"],
                    "team",
                    occasion=now.isoformat(),
                    extra={"details": details},
                    context=context,
                    invitation=invitation,
                )
                sent.append(channels)
    outbox.wake()
    return reach(sent)


# --------------------------------------------------------------------------- companions and pairs


async def add_companion(
    user: CurrentUser, event_id: int, name: str, phone: str, has_car: bool, email: str = ""
) -> None:
    """A companion; with the e-mail of their Tremplin account, their team shows on their home page and they
    record its results (planning.companions)."""
    await _editable(user, event_id)
    if not name.strip():
        raise InvalidInput(lazy("Enter a name."), field="full_name")
    account = await companions.account_for(event_id, email)
    await Companion(event=event_id, full_name=name.strip(), phone=phone.strip(), has_car=has_car, user=account).save()


async def set_companion_day(user: CurrentUser, event_id: int, companion_id: int, day: str, available: bool) -> None:
    """A companion who cannot come on a day of the rally (or can again)."""
    await _editable(user, event_id)
    row = await Companion.select().where((Companion.id == companion_id) & (Companion.event == event_id)).first()
    if row is None:
        raise NotFound()
    availability = row["availability"] if isinstance(row["availability"], dict) else json.loads(row["availability"])
    if available:
        availability.pop(day, None)
    else:
        availability[day] = None
    await Companion.update({Companion.availability: availability}).where(Companion.id == companion_id)


async def remove_companion(user: CurrentUser, event_id: int, companion_id: int) -> None:
    await _editable(user, event_id)
    if not await Companion.exists().where((Companion.id == companion_id) & (Companion.event == event_id)):
        raise NotFound()
    async with write_transaction():
        await Team.update({Team.companion: None}).where(Team.companion == companion_id)
        await Companion.delete().where(Companion.id == companion_id)


async def add_pair(user: CurrentUser, event_id: int, first: int, second: int, together: bool) -> None:
    await _editable(user, event_id)
    if first == second:
        raise InvalidInput(lazy("Choose two different youths."), field="second")
    found = await Registration.count().where((Registration.event == event_id) & Registration.id.is_in([first, second]))
    if found != 2:
        raise NotFound()
    await PairRule(event=event_id, first=first, second=second, together=together).save()


async def remove_pair(user: CurrentUser, event_id: int, pair_id: int) -> None:
    await _editable(user, event_id)
    await PairRule.delete().where((PairRule.id == pair_id) & (PairRule.event == event_id))


# --------------------------------------------------------------------------- exchange


async def export_instance(user: CurrentUser, event_id: int) -> dict:
    return await store.instance_document(await get_event(user, event_id))


async def export_plan(user: CurrentUser, event_id: int) -> dict:
    return await store.plan_document(await get_event(user, event_id))


async def import_plan(user: CurrentUser, event_id: int, raw: bytes) -> None:
    """Replace the plan by a solution document, only if it breaks no rule."""
    event = await _editable(user, event_id)
    try:
        document = json.loads(raw)
        solution = load_solution(document)
    except (ValueError, PlanningFormatError) as error:
        raise PlanNotImported(reason=str(error), field="file") from None
    instance = await store.instance_of(event)
    problems = validate(instance, solution)
    if problems:
        raise PlanNotImported(reason=f"{problems[0].code} — {problems[0].message}", field="file")
    await store.save_plan(event, document)


async def published_team(registration_id: int) -> dict | None:
    """A youth's team and visits as the organiser last published them (for their personal page and ticket):
    the draft the organiser is editing reaches them only when it is published again."""
    row = (
        await PublishedTeam.select(PublishedTeam.details, PublishedTeam.published_at)
        .where(PublishedTeam.registration == registration_id)
        .output(load_json=True)
        .first()
    )
    if row is None:
        return None
    details = row["details"]
    visits = [
        v | {"starts_at": datetime.fromisoformat(v["starts_at"]), "ends_at": datetime.fromisoformat(v["ends_at"])}
        for v in details.get("visits", [])
    ]
    return details | {"visits": visits, "published_at": row["published_at"]}


async def _draft_details(event_id: int) -> dict[int, dict]:
    """Registration → what publishing would tell them: team number, companion and visits (JSON-ready)."""
    members = await TeamMember.select(
        TeamMember.registration,
        TeamMember.team,
        TeamMember.team.number.as_alias("number"),
        TeamMember.team.companion.full_name.as_alias("companion"),
        TeamMember.team.companion.phone.as_alias("companion_phone"),
        TeamMember.team.companion.has_car.as_alias("has_car"),
    ).where(TeamMember.team.event == event_id)
    visits = await VisitRow.select(
        VisitRow.id,
        VisitRow.team,
        VisitRow.sequence,
        VisitRow.site,
        VisitRow.starts_at,
        VisitRow.ends_at,
        VisitRow.site.name.as_alias("name"),
        VisitRow.site.address.as_alias("address"),
        VisitRow.site.city.as_alias("city"),
    ).where(VisitRow.team.event == event_id)
    by_team: dict[int, list[dict]] = defaultdict(list)
    for v in sorted(visits, key=lambda v: (v["starts_at"], v["name"] or "")):
        start, end = v["starts_at"], v["ends_at"]
        # id and sequence keep the visit's entry in the youth's calendar one and the same (UID, SEQUENCE).
        by_team[v["team"]].append(
            {"starts_at": start.isoformat(), "ends_at": end.isoformat(), "name": v["name"] or ""}
            | {"address": v["address"] or "", "city": v["city"] or ""}
            | {"id": v["id"], "sequence": v["sequence"], "site": v["site"]}
        )
    return {
        m["registration"]: {
            "number": m["number"],
            "companion": m["companion"],
            "companion_phone": m["companion_phone"],
            "has_car": bool(m["has_car"]),
            "visits": by_team[m["team"]],
        }
        for m in members
    }


async def _drafts_and_published(event_id: int, registrations: set[int]) -> tuple[dict[int, dict], dict[int, dict]]:
    """The draft details of `registrations` and every published copy of the event, by registration."""
    # Each draft is compared with a copy read back from JSON, so it goes through JSON too.
    drafts = {r: json.loads(json.dumps(d)) for r, d in (await _draft_details(event_id)).items() if r in registrations}
    published = {
        row["registration"]: row["details"]
        for row in await PublishedTeam.select(PublishedTeam.registration, PublishedTeam.details)
        .where(PublishedTeam.event == event_id)
        .output(load_json=True)
    }
    return drafts, published


async def not_yet_published(event_id: int, registrations: set[int]) -> int:
    """How many youths would be told something new by publishing again (0 before the first publication)."""
    drafts, published = await _drafts_and_published(event_id, registrations)
    if not published:
        return 0
    return sum(1 for r, details in drafts.items() if published.get(r) != details)


async def publish_details(event_id: int, registrations: set[int], now: datetime) -> set[int]:
    """Copy the draft of `registrations` as their published team; the registrations whose copy changed."""
    drafts, published = await _drafts_and_published(event_id, registrations)
    gone = [r for r in published if r not in drafts]
    if gone:
        await PublishedTeam.delete().where(PublishedTeam.registration.is_in(gone))
    changed = {r for r, details in drafts.items() if published.get(r) != details}
    for registration in changed:
        details = drafts[registration]
        if registration in published:
            await PublishedTeam.update({PublishedTeam.details: details, PublishedTeam.published_at: now}).where(
                PublishedTeam.registration == registration
            )
        else:
            await PublishedTeam(registration=registration, event=event_id, details=details, published_at=now).save()
    return changed


# --------------------------------------------------------------------------- travel times


async def travel_times(event: dict) -> list[dict]:
    """The organiser's own travel times, used instead of the estimates from coordinates."""
    return await TravelTime.select(
        TravelTime.all_columns(),
        TravelTime.origin.name.as_alias("origin_name"),
        TravelTime.destination.name.as_alias("destination_name"),
    ).where(TravelTime.organisation == event["organisation"])


def _minutes(value: str, field: str) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit() or int(value) > 600:
        raise InvalidInput(lazy("Enter a number of minutes (0 to 600), or leave it empty."), field=field)
    return int(value)


async def set_travel_time(
    user: CurrentUser, event_id: int, origin: int, destination: int, car: str, transit: str
) -> None:
    """Say how long it really takes between two places of this event, by car and/or public transport."""
    event = await _editable(user, event_id)
    places = {s["id"] for s in await store.host_sites(event_id)} | {(await store.depot_of(event))["id"]}
    if origin not in places or destination not in places:
        raise NotFound()
    if origin == destination:
        raise InvalidInput(lazy("Choose two different places."), field="destination")
    car_minutes, transit_minutes = _minutes(car, "car_minutes"), _minutes(transit, "transit_minutes")
    if car_minutes is None and transit_minutes is None:
        raise InvalidInput(lazy("Enter at least one of the two times."), field="car_minutes")
    async with write_transaction():
        await TravelTime.delete().where(
            (TravelTime.organisation == event["organisation"])
            & (TravelTime.origin == origin)
            & (TravelTime.destination == destination)
        )
        await TravelTime(
            organisation=event["organisation"],
            origin=origin,
            destination=destination,
            car_minutes=car_minutes,
            transit_minutes=transit_minutes,
        ).save()


async def remove_travel_time(user: CurrentUser, event_id: int, travel_id: int) -> None:
    event = await _editable(user, event_id)
    await TravelTime.delete().where((TravelTime.id == travel_id) & (TravelTime.organisation == event["organisation"]))
