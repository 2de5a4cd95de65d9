"""Why each team has the visits it has, day by day (the planning page's per-team summary).

For every team and visit day: the number of visits and, when it is below the day's maximum, the first true
reason among: no companion, the companion cannot come, a member cannot come, the team's maximum over the event
is reached, no other company can receive the team that day (opening hours, places taken, travel, within the
companion's hours), or other visits were possible but the planner judged them less useful. The last two are
decided by trying to insert every other site into the team's day with the itinerary code the solver uses.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from core.i18n import gettext as _
from planning.itinerary import Network, Plan, team_spec
from planning.model import Instance, Solution, Team

__all__ = ["TeamDay", "explain_days"]


@dataclass(frozen=True)
class TeamDay:
    """A team's visits on one day, and why not more (empty when the day is full)."""

    day: int
    date: str
    visits: int
    reason: str = ""


def explain_days(instance: Instance, solution: Solution) -> dict[str, list[TeamDay]]:
    """Team id → its days in order, each with its visit count and, below the maximum, the reason."""
    net = Network(instance)
    known = [t for t in solution.teams]
    specs = [
        team_spec(
            net,
            t.id,
            tuple(m for m in t.members if m in instance.youth_by_id),
            t.companion if t.companion in instance.companion_by_id else None,
        )
        for t in known
    ]
    plan = Plan(net, specs)
    for i, team in enumerate(known):
        _load(plan, i, team)
    out: dict[str, list[TeamDay]] = {}
    for i, team in enumerate(known):
        days = []
        for di, day in enumerate(net.days):
            count = sum(1 for v in team.visits if v.day == day)
            reason = "" if count >= plan.max_day else _reason(instance, plan, i, team, di)
            days.append(TeamDay(day, _date(instance, day), count, reason))
        out[team.id] = days
    return out


def _date(instance: Instance, day: int) -> str:
    return next((d.date for d in instance.days if d.day == day), "")


def _load(plan: Plan, t: int, team: Team) -> None:
    """Put the team's well-formed visits into the plan (others are left out: the validator reports them)."""
    net = plan.net
    for di, day in enumerate(net.days):
        route = []
        for v in sorted(team.visits, key=lambda v: v.slot_start):
            s = net.site_index.get(v.site_id)
            if v.day != day or s is None or v.slot_start < 0 or v.slot_start + net.dur[s] > net.n_slots:
                continue
            route.append((s, v.slot_start, True))
        if route:
            plan.set_day(t, di, route)


def _reason(instance: Instance, plan: Plan, t: int, team: Team, di: int) -> str:
    day = plan.net.days[di]
    companion = instance.companion_by_id.get(team.companion) if team.companion else None
    if companion is None:
        return _("no companion")
    window = companion.window(day)
    if window is None or window[1] <= window[0]:
        return _("the companion cannot come that day")
    absent = [
        instance.youth_by_id[m].name or m
        for m in team.members
        if m in instance.youth_by_id and day not in instance.youth_by_id[m].available_days
    ]
    if absent:
        return _("%(names)s cannot come that day", names=", ".join(absent))
    if plan.count[t] >= plan.max_visits:
        return _("the team has its most visits over the event (%(max)s)", max=plan.max_visits)
    spec = plan.teams[t]
    plan.teams[t] = replace(spec, windows={di: spec.windows[di]}) if di in spec.windows else spec
    try:
        fits = any(plan.best_insertion(t, s) is not None for s in range(plan.net.n_sites))
    finally:
        plan.teams[t] = spec
    if fits:
        return _("other visits would fit but the planner found them less useful (interests, travel)")
    if window != (0, plan.net.n_slots):
        return _(
            "no other company can receive the team within its companion's hours (%(start)s–%(end)s)",
            start=instance.clock(window[0]),
            end=instance.clock(window[1]),
        )
    return _("no other company can receive the team that day (opening hours, places taken, travel time)")
