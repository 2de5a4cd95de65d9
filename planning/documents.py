"""Printable rally documents: a road sheet per team and a schedule per company site, as pages and PDFs.

They read the event's saved plan (teams, visits). Travel minutes are the planner's own estimate from the
coordinates, with the organiser's overrides, so a sheet never disagrees with the plan it prints. The page and
the PDF render the same template; WeasyPrint is synchronous and CPU-bound, so it runs in a worker thread.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from core.errors import NotFound
from events.tables import Site
from planning.model import Travel
from planning.store import depot_of, event_row, host_sites
from planning.tables import Companion, Team, TeamMember, TravelTime, Visit
from planning.travel import KM_PER_DEGREE_LAT, Point, build_travel
from registration.people import display_phone

OSM_DIRECTIONS = "https://www.openstreetmap.org/directions?engine={engine}&route={route}"
MAP_WIDTH, MAP_HEIGHT, MAP_PADDING = 320, 200, 20
SCALE_STEPS_KM = (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)


def _tel(phone: str) -> str:
    return "tel:" + re.sub(r"[^\d+]", "", phone) if phone else ""


def _place(site: dict) -> dict[str, Any]:
    phone = site.get("contact_phone") or ""
    return {
        "id": site["id"],
        "name": site["name"],
        "host": site.get("host"),
        "address": ", ".join(p for p in (site["address"], f"{site['postcode']} {site['city']}".strip()) if p),
        "lat": site["latitude"],
        "lon": site["longitude"],
        "accessible": site["accessible"],
        "access_notes": site["access_notes"],
        "contact_name": site["contact_name"],
        "contact_phone": display_phone(phone) if phone else "",
        "contact_tel": _tel(phone),
    }


def directions_url(origin: dict, destination: dict, by_car: bool) -> str | None:
    """OpenStreetMap directions between two places; on foot for teams without a car (OSM has no transit)."""
    if None in (origin["lat"], origin["lon"], destination["lat"], destination["lon"]):
        return None
    route = quote(f"{origin['lat']:.5f},{origin['lon']:.5f};{destination['lat']:.5f},{destination['lon']:.5f}", "")
    return OSM_DIRECTIONS.format(engine="fossgis_osrm_car" if by_car else "fossgis_osrm_foot", route=route)


def sketch(places: list[dict]) -> dict[str, Any] | None:
    """An offline map: the meeting point (first) and the day's sites on an equirectangular projection.

    Coordinates become SVG units in a fixed box, keeping the aspect ratio, with the route drawn in visit order
    and back to the meeting point. None when the meeting point or every site lacks coordinates.
    """
    known = [p for p in places if p["lat"] is not None and p["lon"] is not None]
    if len(known) < 2 or known[0] is not places[0]:
        return None
    shrink = math.cos(math.radians(sum(p["lat"] for p in known) / len(known)))
    xs, ys = [p["lon"] * shrink for p in known], [-p["lat"] for p in known]
    # A span of 0.002° (about 200 m) at least, so a day at one address still draws without dividing by zero.
    span_x, span_y = max(max(xs) - min(xs), 0.002), max(max(ys) - min(ys), 0.002)
    scale = min((MAP_WIDTH - 2 * MAP_PADDING) / span_x, (MAP_HEIGHT - 2 * MAP_PADDING) / span_y)
    mid_x, mid_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def at(x: float, y: float) -> tuple[float, float]:
        return round(MAP_WIDTH / 2 + (x - mid_x) * scale, 1), round(MAP_HEIGHT / 2 + (y - mid_y) * scale, 1)

    points = [at(x, y) for x, y in zip(xs, ys, strict=True)]
    markers = [
        {"x": x, "y": y, "label": str(places.index(p)), "depot": i == 0, "name": p["name"]}
        for i, (p, (x, y)) in enumerate(zip(known, points, strict=True))
    ]
    _keep_apart(markers)
    px_per_km = scale / KM_PER_DEGREE_LAT
    km = max((k for k in SCALE_STEPS_KM if k * px_per_km <= MAP_WIDTH / 4), default=SCALE_STEPS_KM[0])
    return {
        "width": MAP_WIDTH,
        "height": MAP_HEIGHT,
        "route": " ".join(f"{x},{y}" for x, y in [*points, points[0]]),
        "markers": markers,
        "scale_px": round(km * px_per_km, 1),
        "scale_label": f"{int(km * 1000)} m" if km < 1 else f"{km:g} km",
    }


MARKER_GAP = 24  # px between marker centres, so a visit never hides the meeting point or another visit


def _keep_apart(markers: list[dict[str, Any]]) -> None:
    """Move a visit's marker off the markers drawn before it (the meeting point first), keeping its true place
    as `at` so the sketch ties it back with a short line: a company next door no longer covers the meeting point."""
    placed: list[tuple[float, float]] = []
    for marker in markers:
        marker["at"] = None
        x, y = marker["x"], marker["y"]
        turn = 0
        while any(math.dist((x, y), other) < MARKER_GAP for other in placed) and turn < 16:
            angle = math.radians(-45 + 45 * turn)
            x = round(min(max(marker["x"] + MARKER_GAP * math.cos(angle), 12), MAP_WIDTH - 12), 1)
            y = round(min(max(marker["y"] + MARKER_GAP * math.sin(angle), 12), MAP_HEIGHT - 12), 1)
            turn += 1
        if (x, y) != (marker["x"], marker["y"]):
            marker["at"] = (marker["x"], marker["y"])
            marker["x"], marker["y"] = x, y
        placed.append((x, y))


@dataclass
class Rally:
    """Everything the documents of one event need, read in a handful of queries."""

    event: dict
    tz: ZoneInfo
    depot: dict
    sites: dict[int, dict]
    teams: list[dict]
    members: dict[int, list[dict]]
    companions: dict[int, dict]
    visits: dict[int, list[dict]]
    travel: Travel

    def node(self, site_id: int) -> str:
        return "depot" if site_id == self.depot["id"] else f"S{site_id}"

    def minutes(self, origin: dict, destination: dict, by_car: bool) -> int | None:
        a, b = self.node(origin["id"]), self.node(destination["id"])
        if a not in self.travel.index or b not in self.travel.index:
            return None  # a place without coordinates
        return int(self.travel.minutes(a, b, by_car=by_car))

    def clock(self, moment: datetime) -> str:
        return moment.astimezone(self.tz).strftime("%H:%M")


async def load_rally(event_id: int) -> Rally:
    event = await event_row(event_id)
    if event is None:
        raise NotFound()
    depot = _place(await depot_of(event))
    teams = await Team.select().where(Team.event == event_id).order_by(Team.number)
    team_ids = [t["id"] for t in teams] or [-1]
    member_rows = (
        await TeamMember.select(
            TeamMember.team,
            TeamMember.registration.participant.first_name.as_alias("first_name"),
            TeamMember.registration.participant.last_name.as_alias("last_name"),
            TeamMember.registration.participant.reduced_mobility.as_alias("reduced_mobility"),
        )
        .where(TeamMember.team.is_in(team_ids))
        .order_by(TeamMember.id)
    )
    visit_rows = await Visit.select().where(Visit.team.is_in(team_ids)).order_by(Visit.starts_at)
    site_ids = {v["site"] for v in visit_rows} - {depot["id"]}
    sites = {s["id"]: _place(s) for s in await Site.select().where(Site.id.is_in([*site_ids, -1]))}
    companions = {c["id"]: c for c in await Companion.select().where(Companion.event == event_id)}
    members: dict[int, list[dict]] = defaultdict(list)
    for m in member_rows:
        members[m["team"]].append(m)
    visits: dict[int, list[dict]] = defaultdict(list)
    for v in visit_rows:
        visits[v["team"]].append(v)
    return Rally(
        event=event,
        tz=ZoneInfo(event["timezone"]),
        depot=depot,
        sites=sites,
        teams=teams,
        members=members,
        companions=companions,
        visits=visits,
        travel=await _travel(event, depot, list(sites.values())),
    )


async def _travel(event: dict, depot: dict, sites: list[dict]) -> Travel:
    located = [s for s in sites if s["lat"] is not None and s["lon"] is not None]
    if depot["lat"] is None or depot["lon"] is None:
        located = []  # every leg starts or ends at the meeting point: nothing to estimate
    node = {depot["id"]: "depot", **{s["id"]: f"S{s['id']}" for s in located}}
    car: dict[tuple[str, str], float] = {}
    transit: dict[tuple[str, str], float] = {}
    for o in await TravelTime.select().where(TravelTime.organisation == event["organisation"]):
        if o["origin"] in node and o["destination"] in node:
            pair = (node[o["origin"]], node[o["destination"]])
            if o["car_minutes"] is not None:
                car[pair] = o["car_minutes"]
            if o["transit_minutes"] is not None:
                transit[pair] = o["transit_minutes"]
    if not located:
        return Travel(nodes=(), car=(), transit=(), index={})
    return build_travel(
        Point("depot", depot["lat"], depot["lon"]),
        [Point(f"S{s['id']}", s["lat"], s["lon"]) for s in located],
        car_overrides=car,
        transit_overrides=transit,
    )


def _event_summary(rally: Rally) -> dict[str, Any]:
    e = rally.event
    phone = e["contact_phone"] or ""
    return {
        "id": e["id"],
        "title": e["title"],
        "starts_on": e["starts_on"],
        "ends_on": e["ends_on"],
        "contact_phone": display_phone(phone) if phone else "",
        "contact_tel": _tel(phone),
        "meeting_point": rally.depot,
    }


def _companion(rally: Rally, team: dict) -> dict[str, Any] | None:
    c = rally.companions.get(team["companion"])
    if c is None:
        return None
    phone = c["phone"] or ""
    return {
        "name": c["full_name"],
        "phone": display_phone(phone) if phone else "",
        "tel": _tel(phone),
        "has_car": c["has_car"],
        "user": c["user"],
    }


def _team_day(rally: Rally, visits: list[dict], by_car: bool, step_free: bool) -> dict[str, Any]:
    depot, previous = rally.depot, rally.depot
    stops = []
    for number, visit in enumerate(visits, start=1):
        site = rally.sites.get(visit["site"], depot)
        stops.append(
            {
                "number": number,
                "starts": rally.clock(visit["starts_at"]),
                "ends": rally.clock(visit["ends_at"]),
                "site": site,
                "minutes": rally.minutes(previous, site, by_car),
                "directions": directions_url(previous, site, by_car),
                "from_depot": previous is depot,
                "step_free_unconfirmed": step_free and not site["accessible"],
            }
        )
        previous = site
    first_leg, back = stops[0]["minutes"], rally.minutes(previous, depot, by_car)
    leave = visits[0]["starts_at"] - timedelta(minutes=first_leg) if first_leg is not None else None
    home = visits[-1]["ends_at"] + timedelta(minutes=back) if back is not None else None
    return {
        "date": visits[0]["starts_at"].astimezone(rally.tz).date(),
        "leave_at": rally.clock(leave) if leave else None,
        "stops": stops,
        "back_minutes": back,
        "back_at": rally.clock(home) if home else None,
        "back_directions": directions_url(previous, depot, by_car),
        "map": sketch([depot, *(s["site"] for s in stops)]),
    }


def team_sheet(rally: Rally, team: dict) -> dict[str, Any]:
    companion = _companion(rally, team)
    by_car = bool(companion and companion["has_car"])
    members = rally.members.get(team["id"], [])
    step_free = any(m["reduced_mobility"] for m in members)
    by_day: dict[Any, list[dict]] = defaultdict(list)
    for visit in rally.visits.get(team["id"], []):
        by_day[visit["starts_at"].astimezone(rally.tz).date()].append(visit)
    return {
        "event": _event_summary(rally),
        "team": {"id": team["id"], "number": team["number"]},
        "members": [{"name": f"{m['first_name']} {m['last_name']}"} for m in members],
        "step_free": step_free,
        "companion": companion,
        "by_car": by_car,
        "depot": rally.depot,
        "days": [_team_day(rally, by_day[day], by_car, step_free) for day in sorted(by_day)],
    }


def site_sheet(rally: Rally, site: dict) -> dict[str, Any]:
    arrivals = []
    for team in rally.teams:
        members = rally.members.get(team["id"], [])
        for visit in rally.visits.get(team["id"], []):
            if visit["site"] == site["id"]:
                arrivals.append(
                    {
                        "at": visit["starts_at"],
                        "starts": rally.clock(visit["starts_at"]),
                        "ends": rally.clock(visit["ends_at"]),
                        "team": team["number"],
                        "youths": len(members),
                        "step_free": any(m["reduced_mobility"] for m in members),
                        "companion": _companion(rally, team),
                    }
                )
    days: dict[Any, list[dict]] = defaultdict(list)
    for arrival in sorted(arrivals, key=lambda a: (a["at"], a["team"])):
        days[arrival["at"].astimezone(rally.tz).date()].append(arrival)
    return {
        "event": _event_summary(rally),
        "site": site,
        "days": [{"date": day, "arrivals": rows} for day, rows in sorted(days.items())],
    }


async def road_sheet(event_id: int, team_id: int) -> dict[str, Any]:
    rally = await load_rally(event_id)
    team = next((t for t in rally.teams if t["id"] == team_id), None)
    if team is None:
        raise NotFound()
    return team_sheet(rally, team)


async def all_road_sheets(event_id: int) -> list[dict[str, Any]]:
    rally = await load_rally(event_id)
    return [team_sheet(rally, team) for team in rally.teams]


async def site_schedule(event_id: int, site_id: int) -> dict[str, Any]:
    """A visited site's schedule; a host site not visited (yet) gets an empty one, any other site a 404."""
    rally = await load_rally(event_id)
    site = rally.sites.get(site_id)
    if site is None:
        host = next((s for s in await host_sites(event_id) if s["id"] == site_id), None)
        if host is None:
            raise NotFound()
        site = _place(host)
    return site_sheet(rally, site)


async def all_site_schedules(event_id: int) -> list[dict[str, Any]]:
    rally = await load_rally(event_id)
    return [site_sheet(rally, site) for site in sorted(rally.sites.values(), key=lambda s: s["name"].casefold())]
