"""Deterministic synthetic rally instances in the schema of docs/planning-model.md §2 (for benchmarks and tests).

`generate(n_youths, n_sites, n_teams, seed=…)` returns the JSON document (a dict), ready for
`load_instance`. Everything derives from `random.Random(seed)`: same arguments, same document. The
instances are built to be feasible: sites open on both days with realistic hours (lunch closures,
morning- or afternoon-only companies, a few closed days), enough accessible sites for reduced-mobility
youths, must-with partners sharing their available days, a spare companion or two, most with a car and
a few only available part of a day.
"""

from __future__ import annotations

import math
import random
from typing import Any

from planning.travel import Point, build_travel, travel_json

__all__ = ["SIZES", "generate", "generate_named"]

SECTORS = ("logistics", "care", "construction", "retail", "industry", "hospitality")
DEPOT = (47.08, 2.40)  # Bourges area, like the example instances
FIRST_NAMES = ("Léa", "Noah", "Manon", "Enzo", "Inès", "Rayan", "Chloé", "Hugo", "Lina", "Louis", "Nathan", "Jade")
LAST_NAMES = ("Petit", "Moreau", "Faure", "Haddad", "Bernard", "Guerin", "Mercier", "Blanc", "Dubois", "Garcia")
COMPANY = {
    "logistics": "Transports",
    "care": "EHPAD",
    "construction": "BTP",
    "retail": "Magasin",
    "industry": "Usine",
    "hospitality": "Hôtel",
}
# Opening patterns in slots of 30 min from 08:30 (slot 7 = 12:00, slot 10 = 13:30, slot 17 = 17:00).
HOURS = (
    ((1, 7), (10, 17)),  # lunch closure
    ((1, 7), (10, 17)),
    ((0, 16),),  # continuous
    ((2, 8), (10, 18)),
    ((10, 17),),  # afternoons only
    ((1, 7),),  # mornings only
)

# name -> (youths, sites, teams, capacity, min_visits, max_visits)
SIZES: dict[str, tuple[int, int, int, int, int, int]] = {
    "large": (120, 30, 40, 1, 3, 6),
    "fair": (300, 60, 100, 2, 3, 6),
}


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def generate(
    n_youths: int,
    n_sites: int,
    n_teams: int,
    *,
    seed: int = 1,
    capacity: int = 1,
    min_visits: int = 3,
    max_visits: int = 6,
    max_visits_per_day: int = 4,
    name: str | None = None,
) -> dict[str, Any]:
    """A feasible synthetic instance document with the given sizes."""
    rng = random.Random(seed)
    days = [0, 1]
    sites, points = _sites(rng, n_sites, days, capacity)
    youths = _youths(rng, n_youths, days)
    _pair_up(rng, youths)
    companions = _companions(rng, n_teams, days)
    depot = Point("depot", *DEPOT)
    travel = build_travel(depot, points)
    return {
        "name": name or f"synthetic-{n_youths}-{n_sites}-{n_teams}",
        "seed": seed,
        "schema_version": 1,
        "params": {
            "team_size": 3,
            "team_size_min": 2,
            "team_size_max": 4,
            "n_teams": n_teams,
            "min_visits": min_visits,
            "max_visits": max_visits,
            "max_visits_per_day": max_visits_per_day,
            "slot_minutes": 30,
            "day_start": "08:30",
            "n_slots": 19,
            "balance_attributes": ["gender", "age_band", "agency", "experience"],
        },
        "days": [{"day": 0, "date": "2026-03-17"}, {"day": 1, "date": "2026-03-18"}],
        "sectors": list(SECTORS),
        "depot": {
            "id": "depot",
            "name": "Mission Locale",
            "address": "2 place de la Mairie",
            "lat": DEPOT[0],
            "lon": DEPOT[1],
        },
        "sites": sites,
        "youths": youths,
        "companions": companions,
        "travel": travel_json(travel),
    }


def _sites(
    rng: random.Random, n_sites: int, days: list[int], capacity: int
) -> tuple[list[dict[str, Any]], list[Point]]:
    """The companies, every sector first, spread around the depot; with their points for the travel times."""
    sites = []
    points = []
    for i in range(n_sites):
        sector = SECTORS[i % len(SECTORS)] if i < len(SECTORS) else rng.choice(SECTORS)
        angle, radius = rng.uniform(0, 2 * math.pi), 12.0 * math.sqrt(rng.random()) + 1.0
        lat = round(DEPOT[0] + radius * math.sin(angle) / 111.0, 5)
        lon = round(DEPOT[1] + radius * math.cos(angle) / 76.0, 5)
        hours = rng.choice(HOURS)
        opening = {str(d): [list(w) for w in hours] for d in days}
        if rng.random() < 0.1:  # closed one of the two days
            opening[str(rng.choice(days))] = []
        site_id = f"S{i + 1:02d}"
        sites.append(
            {
                "id": site_id,
                "name": f"{COMPANY[sector]} {rng.choice(LAST_NAMES)}",
                "sector": sector,
                "address": f"{rng.randint(1, 120)} rue de la Gare",
                "lat": lat,
                "lon": lon,
                "capacity": capacity,
                "max_teams": rng.choice((None, None, None, 4, 6)),
                "duration_slots": rng.choice((2, 2, 2, 3)),
                # Every third site at least is accessible so reduced-mobility teams keep a choice.
                "accessible": i % 3 == 0 or rng.random() < 0.3,
                "requires_licence": rng.random() < 0.1,
                "open": opening,
            }
        )
        points.append(Point(site_id, lat, lon))
    return sites, points


def _youths(rng: random.Random, n_youths: int, days: list[int]) -> list[dict[str, Any]]:
    """The youths, most of them available on both days."""
    youths = []
    for i in range(n_youths):
        both = rng.random() < 0.85
        youths.append(
            {
                "id": f"Y{i + 1:03d}",
                "name": _name(rng),
                "gender": rng.choice(("F", "M")),
                "age_band": rng.choice(("16-17", "18-21", "18-21", "22-25")),
                "agency": rng.choice(("A1", "A2", "A3")),
                "experience": rng.choice(("none", "none", "internship", "job")),
                "interests": rng.sample(SECTORS, rng.choice((1, 2, 2, 3))),
                "has_licence": rng.random() < 0.3,
                "reduced_mobility": rng.random() < 0.03,
                "available_days": days if both else [rng.choice(days)],
                "must_with": [],
                "cannot_with": [],
            }
        )
    return youths


def _pair_up(rng: random.Random, youths: list[dict[str, Any]]) -> None:
    """A few must-with pairs (friends coming together: same days) and cannot-with pairs."""
    n_youths = len(youths)
    order = list(range(n_youths))
    rng.shuffle(order)
    n_pairs = min(max(1, n_youths // 20), n_youths // 4)
    for k in range(n_pairs):
        a, b = youths[order[2 * k]], youths[order[2 * k + 1]]
        a["must_with"].append(b["id"])
        b["must_with"].append(a["id"])
        b["available_days"] = list(a["available_days"])
    for k in range(n_pairs):
        a, b = youths[order[2 * n_pairs + 2 * k]], youths[order[2 * n_pairs + 2 * k + 1]]
        a["cannot_with"].append(b["id"])


def _companions(rng: random.Random, n_teams: int, days: list[int]) -> list[dict[str, Any]]:
    """A companion per team and spares (one per ten teams, at least one): most have a car, a few come part-time."""
    n_companions = n_teams + max(1, n_teams // 10)
    companions = []
    for i in range(n_companions):
        availability: dict[str, list[int]] = {str(d): [0, 19] for d in days}
        roll = rng.random()
        if roll < 0.08:
            availability[str(rng.choice(days))] = []  # only one day
        elif roll < 0.16:
            availability[str(rng.choice(days))] = [0, 12]  # leaves at 14:30 that day
        companions.append(
            {
                "id": f"C{i + 1:02d}",
                "name": _name(rng),
                "has_car": rng.random() < 0.8,
                "availability": availability,
            }
        )
    return companions


def generate_named(size: str, *, seed: int = 1) -> dict[str, Any]:
    """One of the product's reference sizes: "large" (120/30/40) or "fair" (300/60/100, capacity 2)."""
    n_youths, n_sites, n_teams, capacity, min_visits, max_visits = SIZES[size]
    return generate(
        n_youths,
        n_sites,
        n_teams,
        seed=seed,
        capacity=capacity,
        min_visits=min_visits,
        max_visits=max_visits,
        name=f"{size}-{n_youths}-{n_sites}-{n_teams}",
    )
