"""An event's rally planning as the exchange format of docs/planning-model.md, and back.

`instance_of` reads the event (visit days, host companies' sites, confirmed youths, companions,
pair rules, travel times) into an instance document; `plan_of` reads its teams and visits into
a solution document; `save_plan` writes a solution back. Ids in the documents are the database
ids with a letter (R12 a registration, S4 a site, C3 a companion, T2 team number 2), so an
exported plan can be edited elsewhere and imported again.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from core.db import write_transaction
from core.errors import InvalidInput
from core.i18n import lazy
from core.settings import get_settings
from events.formats import BUILTIN
from events.tables import Event, EventPartner, Format, PartnerRole, Session, SessionKind, Site
from planning.model import Instance, load_instance
from planning.tables import Companion, PairRule, Team, TeamMember, TravelTime
from planning.tables import Visit as VisitRow
from planning.travel import Point, build_travel, travel_json
from registration.tables import Registration, RegistrationStatus

SLOT_MINUTES = 30
# The figures a finished run keeps, to show beside the plan.
SUMMARY_METRICS = (
    "itinerary_objective",
    "covered_sites",
    "uncovered_sites",
    "interest_match_pct",
    "min_team_match_pct",
    "total_travel_minutes",
    "balance_deviation",
)
AGE_BANDS = ((16, "16-17"), (18, "18-21"), (22, "22-25"), (26, "26+"))


class PlanningDataMissing(InvalidInput):
    code = "planning_data_missing"
    message = lazy("The planning needs more information.")


def _clock(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def _age_band(birth: date | None, on: date) -> str:
    if birth is None:
        return ""
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    band = ""
    for low, name in AGE_BANDS:
        if age >= low:
            band = name
    return band or "<16"


class Grid:
    """The event's visit days on a 30-minute grid common to all days."""

    def __init__(self, event: dict, sessions: list[dict]) -> None:
        self.tz = ZoneInfo(event["timezone"])
        windows: dict[date, list[tuple[int, int]]] = defaultdict(list)
        for session in sessions:
            start, end = session["starts_at"].astimezone(self.tz), session["ends_at"].astimezone(self.tz)
            windows[start.date()].append((start.hour * 60 + start.minute, end.hour * 60 + end.minute))
        if not windows:
            raise PlanningDataMissing(lazy("Add at least one session of company visits to plan the rally."))
        self.dates = sorted(windows)
        self.start = min(a for day in windows.values() for a, _ in day)
        end = max(b for day in windows.values() for _, b in day)
        self.n_slots = math.ceil((end - self.start) / SLOT_MINUTES)
        self.windows = {self.dates.index(d): self.slots(w) for d, w in windows.items()}

    def slots(self, minutes: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Clock windows (minutes after midnight) as [from, to) slot ranges inside the grid."""
        ranges = []
        for a, b in sorted(minutes):
            low = max(0, math.ceil((a - self.start) / SLOT_MINUTES))
            high = min(self.n_slots, (b - self.start) // SLOT_MINUTES)
            if high > low:
                ranges.append((low, high))
        return ranges

    def day_of(self, moment: datetime) -> tuple[int, int]:
        """(day index, slot) of a moment; ValueError when it is not on a visit day."""
        local = moment.astimezone(self.tz)
        day = self.dates.index(local.date())
        return day, (local.hour * 60 + local.minute - self.start) // SLOT_MINUTES

    def span_of(self, starts_at: datetime, ends_at: datetime) -> tuple[int, int, int]:
        """(day index, first slot, end slot) of a visit, measured from its start: one that ends past midnight
        still belongs to the day it starts on."""
        day, start = self.day_of(starts_at)
        return day, start, start + math.ceil((ends_at - starts_at).total_seconds() / 60 / SLOT_MINUTES)

    def moment(self, day: int, slot: int) -> datetime:
        minutes = self.start + slot * SLOT_MINUTES
        return datetime.combine(self.dates[day], time(minutes // 60, minutes % 60), self.tz)


def _intersect(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for x1, x2 in a:
        for y1, y2 in b:
            low, high = max(x1, y1), min(x2, y2)
            if high > low:
                out.append((low, high))
    return sorted(out)


async def event_row(event_id: int) -> dict:
    return await Event.select().where(Event.id == event_id).output(load_json=True).first()


async def grid_of(event: dict) -> Grid:
    sessions = (
        await Session.select(Session.starts_at, Session.ends_at, Session.site)
        .where((Session.event == event["id"]) & (Session.kind == SessionKind.visits))
        .order_by(Session.starts_at)
    )
    return Grid(event, sessions)


async def host_sites(event_id: int) -> list[dict]:
    """The sites of the companies that open their doors for this event."""
    hosts = await EventPartner.select(EventPartner.organisation).where(
        (EventPartner.event == event_id) & (EventPartner.role == PartnerRole.host_company)
    )
    if not hosts:
        return []
    return (
        await Site.select()
        .where(Site.host.is_in([h["organisation"] for h in hosts]))
        .order_by(Site.name)
        .output(load_json=True)
    )


async def depot_of(event: dict) -> dict:
    """The meeting point: the site of the first visits session, else of the first session with a site."""
    rows = (
        await Session.select(Session.site, Session.kind)
        .where((Session.event == event["id"]) & Session.site.is_not_null())
        .order_by(Session.starts_at)
    )
    if not rows:
        raise PlanningDataMissing(lazy("Give the first session a site with coordinates: teams leave from there."))
    chosen = next((r for r in rows if r["kind"] == SessionKind.visits), rows[0])
    return await Site.select().where(Site.id == chosen["site"]).first()


async def members_of(event_id: int) -> list[dict]:
    """Confirmed youths with what the planner needs to know of them."""
    return (
        await Registration.select(
            Registration.id,
            Registration.referring_organisation,
            Registration.referring_organisation.name.as_alias("agency"),
            Registration.participant.first_name.as_alias("first_name"),
            Registration.participant.last_name.as_alias("last_name"),
            Registration.participant.birth_date.as_alias("birth_date"),
            Registration.participant.sectors.as_alias("sectors"),
            Registration.participant.driving_licence.as_alias("driving_licence"),
            Registration.participant.reduced_mobility.as_alias("reduced_mobility"),
            Registration.participant.available_days.as_alias("available_days"),
            Registration.participant.phone.as_alias("phone"),
        )
        .where((Registration.event == event_id) & (Registration.status == RegistrationStatus.confirmed))
        .order_by(Registration.id)
        .output(load_json=True)
    )


def _event_options(event: dict) -> dict[str, int]:
    options = event.get("options") or {}
    size = int(options.get("team_size") or 3)
    return {
        "team_size": size,
        "min_visits": int(options.get("min_visits_per_team") or 4),
        "max_visits": int(options.get("max_visits_per_team") or 6),
        "max_visits_per_day": int(options.get("max_visits_per_day") or 4),
        "min_visits_per_day": _min_visits_per_day(event, options),
    }


def _min_visits_per_day(event: dict, options: dict) -> int:
    """The event's H16 minimum; an event without the option takes its format's built-in default (Rallye: 2)."""
    value = options.get("min_visits_per_day")
    if value is None:
        value = BUILTIN.get(Format(event["format"]), {}).get("min_visits_per_day", 0) if event.get("format") else 0
    return int(value)


async def instance_document(event: dict) -> dict[str, Any]:
    """The event's planning data as an instance document (docs/planning-model.md §2)."""
    grid = await grid_of(event)
    sites = await host_sites(event["id"])
    depot = await depot_of(event)
    youths = await members_of(event["id"])
    companions = (
        await Companion.select().where(Companion.event == event["id"]).order_by(Companion.id).output(load_json=True)
    )
    pairs = await PairRule.select().where(PairRule.event == event["id"])
    if not sites:
        raise PlanningDataMissing(lazy("Add the host companies to the event's partners: their sites are visited."))
    lost = [s["name"] for s in [depot, *sites] if s["latitude"] is None or s["longitude"] is None]
    if lost:
        raise PlanningDataMissing(
            lazy("These places have no coordinates, so travel times cannot be estimated: %(names)s."),
            names=", ".join(lost),
        )
    options = _event_options(event)
    n_teams = max(1, math.ceil(len(youths) / options["team_size"]))
    weekday_of_day = [d.weekday() for d in grid.dates]
    all_days = list(range(len(grid.dates)))

    def site_document(site: dict) -> dict:
        opening: dict[str, list] = {}
        for day, windows in grid.windows.items():
            hours = [
                (_clock(w["start"]), _clock(w["end"]))
                for w in site["opening_hours"] or []
                if int(w["weekday"]) == weekday_of_day[day]
            ]
            allowed = windows if not site["opening_hours"] else _intersect(windows, grid.slots(hours))
            opening[str(day)] = [list(r) for r in allowed]
        return {
            "id": f"S{site['id']}",
            "name": site["name"],
            "sector": site["sector"],
            "address": ", ".join(p for p in (site["address"], f"{site['postcode']} {site['city']}".strip()) if p),
            "lat": site["latitude"],
            "lon": site["longitude"],
            "capacity": site["capacity_per_slot"],
            "max_teams": site["max_teams"],
            "duration_slots": max(1, math.ceil(site["visit_minutes"] / SLOT_MINUTES)),
            "accessible": site["accessible"],
            "requires_licence": False,
            "open": opening,
        }

    together, apart = _pair_rules_by_youth(pairs)

    def youth_document(y: dict) -> dict:
        days = [d for d in all_days if weekday_of_day[d] in set(y["available_days"] or [])] or all_days
        return {
            "id": f"R{y['id']}",
            "name": f"{y['first_name']} {y['last_name']}",
            "age_band": _age_band(y["birth_date"], grid.dates[0]),
            "agency": y["agency"] or "",
            "interests": list(y["sectors"] or []),
            "has_licence": y["driving_licence"],
            "reduced_mobility": y["reduced_mobility"],
            "available_days": days,
            "must_with": together.get(y["id"], []),
            "cannot_with": apart.get(y["id"], []),
        }

    def companion_document(c: dict) -> dict:
        availability: dict[str, list] = {}
        for day, when in enumerate(grid.dates):
            hours = (c["availability"] or {}).get(when.isoformat(), ["00:00", "23:59"])
            if hours is None:
                availability[str(day)] = []
                continue
            ranges = grid.slots([(_clock(hours[0]), _clock(hours[1]))])
            availability[str(day)] = list(ranges[0]) if ranges else []
        return {"id": f"C{c['id']}", "name": c["full_name"], "has_car": c["has_car"], "availability": availability}

    travel = await _travel_document(event, depot, sites)
    start = grid.start
    return {
        "name": event["title"],
        "schema_version": 1,
        "params": {
            "team_size": options["team_size"],
            "team_size_min": max(1, options["team_size"] - 1),
            "team_size_max": options["team_size"] + 1,
            "n_teams": n_teams,
            "min_visits": options["min_visits"],
            "max_visits": options["max_visits"],
            "max_visits_per_day": options["max_visits_per_day"],
            "min_visits_per_day": options["min_visits_per_day"],
            "slot_minutes": SLOT_MINUTES,
            "day_start": f"{start // 60:02d}:{start % 60:02d}",
            "n_slots": grid.n_slots,
            "balance_attributes": ["age_band", "agency"],
        },
        "days": [{"day": i, "date": d.isoformat()} for i, d in enumerate(grid.dates)],
        "sectors": sorted({s["sector"] for s in sites if s["sector"]}),
        "depot": {
            "id": "depot",
            "name": depot["name"],
            "address": depot["address"],
            "lat": depot["latitude"],
            "lon": depot["longitude"],
        },
        "sites": [site_document(s) for s in sites],
        "youths": [youth_document(y) for y in youths],
        "companions": [companion_document(c) for c in companions],
        "travel": travel,
    }


def _pair_rules_by_youth(pairs: list[dict]) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """Who each registration must be with, and must not be with, from the pair rules (both ways)."""
    together: dict[int, list[str]] = defaultdict(list)
    apart: dict[int, list[str]] = defaultdict(list)
    for pair in pairs:
        for a, b in ((pair["first"], pair["second"]), (pair["second"], pair["first"])):
            (together if pair["together"] else apart)[a].append(f"R{b}")
    return together, apart


async def _travel_document(event: dict, depot: dict, sites: list[dict]) -> dict[str, list]:
    """Travel times between the depot and the sites, with the organisation's own times where it gave some."""
    overrides = await TravelTime.select().where(TravelTime.organisation == event["organisation"])
    node = {depot["id"]: "depot", **{s["id"]: f"S{s['id']}" for s in sites}}
    car = {
        (node[o["origin"]], node[o["destination"]]): o["car_minutes"]
        for o in overrides
        if o["car_minutes"] is not None and o["origin"] in node and o["destination"] in node
    }
    transit = {
        (node[o["origin"]], node[o["destination"]]): o["transit_minutes"]
        for o in overrides
        if o["transit_minutes"] is not None and o["origin"] in node and o["destination"] in node
    }
    travel = build_travel(
        Point("depot", depot["latitude"], depot["longitude"]),
        [Point(f"S{s['id']}", s["latitude"], s["longitude"]) for s in sites],
        car_overrides=car,
        transit_overrides=transit,
        osrm_url=get_settings().osrm_url or None,
    )
    return travel_json(travel)


async def instance_of(event: dict) -> Instance:
    return load_instance(await instance_document(event))


async def plan_document(event: dict) -> dict[str, Any]:
    """The event's current teams and visits as a solution document, with what is locked."""
    grid = await grid_of(event)
    teams = await Team.select().where(Team.event == event["id"]).order_by(Team.number)
    members = await TeamMember.select(TeamMember.team, TeamMember.registration).where(
        TeamMember.team.is_in([t["id"] for t in teams] or [-1])
    )
    visits = (
        await VisitRow.select()
        .where(VisitRow.team.is_in([t["id"] for t in teams] or [-1]))
        .order_by(VisitRow.starts_at)
    )
    by_team: dict[int, list[str]] = defaultdict(list)
    for m in members:
        by_team[m["team"]].append(f"R{m['registration']}")
    visits_by_team: dict[int, list[dict]] = defaultdict(list)
    for v in visits:
        day, slot, end = grid.span_of(v["starts_at"], v["ends_at"])
        visits_by_team[v["team"]].append(
            {"site_id": f"S{v['site']}", "day": day, "slot_start": slot, "slot_end": end, "locked": v["locked"]}
        )
    return {
        "instance": event["title"],
        "teams": [
            {
                "id": f"T{t['number']:03d}",
                "members": by_team[t["id"]],
                "companion": f"C{t['companion']}" if t["companion"] else None,
                "visits": visits_by_team[t["id"]],
                "locked": t["locked"],
            }
            for t in teams
        ],
    }


def _number(team_id: str, fallback: int) -> int:
    digits = "".join(ch for ch in team_id if ch.isdigit())
    return int(digits) if digits else fallback


async def save_plan(event: dict, document: dict[str, Any]) -> None:
    """Replace the event's teams and visits by those of a solution document (already validated)."""
    grid = await grid_of(event)
    teams = await Team.select(Team.id).where(Team.event == event["id"])
    ids = [t["id"] for t in teams] or [-1]
    async with write_transaction():
        await TeamMember.delete().where(TeamMember.team.is_in(ids))
        await VisitRow.delete().where(VisitRow.team.is_in(ids))
        await Team.delete().where(Team.event == event["id"])
        used: set[int] = set()
        for index, team in enumerate(document["teams"], start=1):
            number = _number(team["id"], index)
            while number in used:
                number += 1
            used.add(number)
            companion = team.get("companion")
            row = Team(
                event=event["id"],
                number=number,
                companion=int(companion[1:]) if companion else None,
                locked=bool(team.get("locked")),
            )
            await row.save()
            for member in team["members"]:
                await TeamMember(team=row.id, registration=int(member[1:])).save()
            for visit in team["visits"]:
                await VisitRow(
                    team=row.id,
                    site=int(visit["site_id"][1:]),
                    starts_at=grid.moment(visit["day"], visit["slot_start"]),
                    ends_at=grid.moment(visit["day"], visit["slot_end"]),
                    locked=bool(visit.get("locked")),
                ).save()


def travel_minutes_between(a: tuple[float, float], b: tuple[float, float]) -> int:
    """Car minutes between two coordinates, the same estimate the planner uses (for road sheets)."""
    travel = build_travel(Point("a", *a), [Point("b", *b)])
    return int(travel.car[0][1])


__all__ = [
    "SUMMARY_METRICS",
    "Grid",
    "event_row",
    "PlanningDataMissing",
    "grid_of",
    "instance_document",
    "instance_of",
    "plan_document",
    "save_plan",
]
