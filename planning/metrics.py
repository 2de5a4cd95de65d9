"""Soft objectives of a plan (docs/planning-model.md §6), the figures an organiser compares plans by.

`itinerary_objective = 1000·covered + 10·(matched − unmatched) − travel`, where a member-visit is
*matched* when the member is interested in the site's sector, and travel counts depot → visits → depot
per team and day with the matrix the team uses (car iff its companion has one).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from planning.model import Instance, Solution
from planning.validator import validate

__all__ = ["metrics"]


def metrics(instance: Instance, solution: Solution) -> dict[str, Any]:
    """Every soft figure of `solution`, plus the number of hard violations."""
    sites = instance.site_by_id
    youths = instance.youth_by_id
    companions = instance.companion_by_id
    params = instance.params

    covered: set[str] = set()
    matched = unmatched = 0
    total_travel = 0.0
    max_day_travel = 0.0
    team_match: list[float] = []
    visits_per_team: list[int] = []
    licence_mismatch = 0
    for team in solution.teams:
        members = [m for m in team.members if m in youths]
        companion = companions.get(team.companion or "")
        by_car = True if companion is None else companion.has_car
        team_matched = team_total = 0
        by_day: dict[int, list] = defaultdict(list)
        for visit in team.visits:
            site = sites.get(visit.site_id)
            if site is None:
                continue
            covered.add(site.id)
            by_day[visit.day].append(visit)
            hits = sum(1 for m in members if site.sector in youths[m].interests)
            matched += hits
            unmatched += len(members) - hits
            team_matched += hits
            team_total += len(members)
            if site.requires_licence:
                licence_mismatch += sum(1 for m in members if not youths[m].has_licence)
        visits_per_team.append(len(team.visits))
        team_match.append(100.0 * team_matched / team_total if team_total else 0.0)
        for visits in by_day.values():
            day_travel = _day_travel(instance, visits, by_car)
            total_travel += day_travel
            max_day_travel = max(max_day_travel, day_travel)

    balance = _balance(instance, [[m for m in t.members if m in youths] for t in solution.teams])
    cohesion = [
        max(Counter(s for m in t.members if m in youths for s in set(youths[m].interests)).values(), default=0)
        for t in solution.teams
    ]
    member_visits = matched + unmatched
    return {
        "hard_violations": len(validate(instance, solution)),
        "itinerary_objective": round(1000 * len(covered) + 10 * (matched - unmatched) - total_travel, 3),
        "covered_sites": len(covered),
        "uncovered_sites": len(instance.sites) - len(covered),
        "interest_match_pct": round(100.0 * matched / member_visits, 2) if member_visits else 0.0,
        "min_team_match_pct": round(min(team_match), 2) if team_match else 0.0,
        "matched_member_visits": matched,
        "unmatched_member_visits": unmatched,
        "total_travel_minutes": round(total_travel, 3),
        "max_team_day_travel": round(max_day_travel, 3),
        "visits": sum(visits_per_team),
        "visits_min": min(visits_per_team, default=0),
        "visits_max": max(visits_per_team, default=0),
        "teams": len(solution.teams),
        "teams_not_of_size_k": sum(1 for t in solution.teams if len(t.members) != params.team_size),
        "balance_deviation": balance["mean_deviation"],
        "balance_deviation_by_attribute": balance["by_attribute"],
        "balance_spread": balance["spread"],
        "interest_cohesion_mean": round(sum(cohesion) / len(cohesion), 3) if cohesion else 0.0,
        "licence_mismatch_member_visits": licence_mismatch,
    }


def _day_travel(instance: Instance, visits: list, by_car: bool) -> float:
    """Minutes of a team-day's round: from the depot through its visits in time order, and back."""
    travel = instance.travel
    depot = instance.depot.id
    visits.sort(key=lambda v: v.slot_start)
    path = [depot, *(v.site_id for v in visits), depot]
    return sum(travel.minutes(a, b, by_car=by_car) for a, b in zip(path, path[1:], strict=False))


def _balance(instance: Instance, teams: list[list[str]]) -> dict[str, Any]:
    """Mean |c_{t,a,v} − n_t·p_{a,v}| per attribute (over teams and values) and the max−min spread."""
    youths = instance.youth_by_id
    n = len(instance.youths) or 1
    by_attribute: dict[str, float] = {}
    spread: dict[str, int] = {}
    for attribute in instance.params.balance_attributes:
        population = Counter(getattr(y, attribute, "") for y in instance.youths)
        deviations = []
        worst = 0
        for value, count in population.items():
            share = count / n
            per_team = [sum(1 for m in members if getattr(youths[m], attribute, "") == value) for members in teams]
            deviations.extend(abs(c - len(members) * share) for c, members in zip(per_team, teams, strict=True))
            if per_team:
                worst = max(worst, max(per_team) - min(per_team))
        by_attribute[attribute] = round(sum(deviations) / len(deviations), 4) if deviations else 0.0
        spread[attribute] = worst
    mean = round(sum(by_attribute.values()) / len(by_attribute), 4) if by_attribute else 0.0
    return {"mean_deviation": mean, "by_attribute": by_attribute, "spread": spread}
