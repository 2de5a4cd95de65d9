"""Travel matrices between the depot and the sites (docs/planning-model.md §2).

The example instances were built from coordinates with a flat (equirectangular) projection: 111 km per
degree of latitude and ``round(111 · cos(depot latitude))`` km per degree of longitude (76 km around
Bourges), straight-line distance × 1.3 driven at 50 km/h plus 5 minutes by car, car × 1.7 + 15 minutes by
public transit, each rounded to the nearest minute, 0 on the diagonal. `build_travel` reproduces those
matrices exactly, applies per-pair overrides (a known ferry, a closed bridge) and can ask an
OSRM-compatible routing server for real driving times when, and only when, its URL is given.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from planning.model import Travel

__all__ = ["KM_PER_DEGREE_LAT", "Point", "RoutingError", "build_travel", "osrm_durations", "straight_km"]

KM_PER_DEGREE_LAT = 111.0
DETOUR = 1.3  # road distance / straight-line distance
CAR_KMH = 50.0
CAR_OVERHEAD_MIN = 5.0  # parking, walking to the door
TRANSIT_FACTOR = 1.7
TRANSIT_OVERHEAD_MIN = 15.0  # waiting for the bus

Overrides = Mapping[tuple[str, str], float]


@dataclass(frozen=True)
class Point:
    """A travel node: the depot or a site, with its coordinates in degrees."""

    id: str
    lat: float
    lon: float


class RoutingError(RuntimeError):
    """The routing server could not be reached or answered something unusable."""


def km_per_degree_lon(reference_lat: float) -> float:
    """Kilometres per degree of longitude at the meeting point, rounded as the example generator did."""
    return float(round(KM_PER_DEGREE_LAT * math.cos(math.radians(reference_lat))))


def straight_km(a: Point, b: Point, km_lon: float) -> float:
    """Straight-line distance in the flat projection around the meeting point."""
    return math.hypot((b.lat - a.lat) * KM_PER_DEGREE_LAT, (b.lon - a.lon) * km_lon)


def car_minutes_from_km(km: float) -> float:
    return km * DETOUR / CAR_KMH * 60.0 + CAR_OVERHEAD_MIN


def transit_minutes_from_car(car_minutes: float) -> float:
    return car_minutes * TRANSIT_FACTOR + TRANSIT_OVERHEAD_MIN


def osrm_durations(base_url: str, points: Sequence[Point], *, timeout: float = 10.0) -> list[list[float]]:
    """Driving minutes between all points from an OSRM-compatible ``/table`` service."""
    import httpx

    coordinates = ";".join(f"{p.lon:.6f},{p.lat:.6f}" for p in points)
    url = f"{base_url.rstrip('/')}/table/v1/driving/{coordinates}"
    try:
        response = httpx.get(url, params={"annotations": "duration"}, timeout=timeout)
        response.raise_for_status()
        payload = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise RoutingError(f"routing server {base_url} failed: {exc}") from exc
    durations = payload.get("durations") if isinstance(payload, dict) else None
    if payload.get("code", "Ok") != "Ok" or not isinstance(durations, list) or len(durations) != len(points):
        raise RoutingError(f"routing server {base_url} returned no usable duration table")
    matrix = []
    for row in durations:
        if not isinstance(row, list) or len(row) != len(points):
            raise RoutingError(f"routing server {base_url} returned a malformed duration row")
        if any(cell is None for cell in row):
            raise RoutingError(f"routing server {base_url} cannot route between some of the points")
        matrix.append([float(cell) / 60.0 for cell in row])  # OSRM answers seconds
    return matrix


def build_travel(
    depot: Point,
    sites: Sequence[Point],
    *,
    car_overrides: Overrides | None = None,
    transit_overrides: Overrides | None = None,
    osrm_url: str | None = None,
) -> Travel:
    """Car and transit minutes between the depot and every site, rounded to whole minutes.

    With `osrm_url` the car leg is the server's driving time plus the usual 5 minutes (transit still derives
    from it); overrides replace single directed pairs after everything else, for car and transit independently.
    """
    points = [depot, *sites]
    km_lon = km_per_degree_lon(depot.lat)
    routed = osrm_durations(osrm_url, points) if osrm_url else None
    n = len(points)
    car = [[0.0] * n for _ in range(n)]
    transit = [[0.0] * n for _ in range(n)]
    for i, a in enumerate(points):
        for j, b in enumerate(points):
            if i == j:
                continue
            if routed is not None:
                raw = routed[i][j] + CAR_OVERHEAD_MIN
            else:
                raw = car_minutes_from_km(straight_km(a, b, km_lon))
            car[i][j] = float(round(raw))
            transit[i][j] = float(round(transit_minutes_from_car(raw)))
    index = {p.id: i for i, p in enumerate(points)}
    for matrix, overrides in ((car, car_overrides), (transit, transit_overrides)):
        for (origin, destination), minutes in (overrides or {}).items():
            if origin not in index or destination not in index:
                raise KeyError(f"travel override {origin}->{destination} names an unknown node")
            if minutes < 0:
                raise ValueError(f"travel override {origin}->{destination} is negative ({minutes})")
            matrix[index[origin]][index[destination]] = float(minutes)
    return Travel(
        nodes=tuple(p.id for p in points),
        car=tuple(tuple(row) for row in car),
        transit=tuple(tuple(row) for row in transit),
        index=MappingProxyType(index),
    )


def travel_json(travel: Travel) -> dict[str, list]:
    """The ``travel`` object of an instance document (whole minutes written as integers)."""

    def cell(x: float) -> float | int:
        return int(x) if float(x).is_integer() else x

    return {
        "nodes": list(travel.nodes),
        "car": [[cell(x) for x in row] for row in travel.car],
        "transit": [[cell(x) for x in row] for row in travel.transit],
    }
