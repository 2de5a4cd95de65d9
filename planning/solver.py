"""The rally planning solver: teams, companions and itineraries (docs/planning-model.md §6).

Pipeline, anytime:

1. Up-front checks that prove an instance (or a set of locks) cannot have a valid plan → `InfeasibleInstance`.
2. Team formation (balance + interest cohesion, `teams.py`), companion matching (most-constrained first,
   cars to one-day teams).
3. Greedy insertion of visits (minimum visits first, then coverage, interest and travel), which normally
   gives a valid plan within a fraction of a second.
4. Large neighbourhood search until the time budget or `should_stop()`: clear a few teams' or sites'
   visits and re-insert them (with noise), swap youths between teams (re-planning both teams, with the
   balance of the split kept within a tolerance of the best split), swap companions; simulated annealing
   acceptance on the itinerary objective.

The best plan is checked with `validate` before it is returned; if it still breaks a rule, the broken rules
are raised as `InfeasibleInstance` (the rules that cannot be met), never an empty or invalid plan.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.i18n import gettext as _
from planning.itinerary import Network, Plan, TeamSpec, team_spec
from planning.model import Instance, Solution, Team, Visit
from planning.teams import Formation, Unit, build_units, compatible, form_teams, match_companions, team_sizes
from planning.validator import Violation, validate

__all__ = ["InfeasibleInstance", "Locks", "Progress", "SolveResult", "solve"]

SOLVER_NAME = "greedy+lns"
PROGRESS_INTERVAL = 0.25  # seconds between two progress callbacks
# Team formation comes first (the model's order): youth swaps may only move between equally good splits.
BALANCE_SLACK = 1e-6


@dataclass(frozen=True)
class Locks:
    """What must be kept from the `start` solution when re-planning."""

    teams: frozenset[str] = frozenset()  # team ids whose members AND companion are kept from `start`
    visits: frozenset[tuple[str, str, int]] = frozenset()  # (team_id, site_id, day) kept exactly (slots too)


@dataclass(frozen=True)
class Progress:
    """Where the search stands, for a progress bar."""

    objective: float | None  # best itinerary objective of a valid plan so far (None: no valid plan yet)
    violations: int  # hard violations of the best plan so far (missing minimum visits before validation)
    elapsed: float
    phase: str  # "teams", "construct", "improve", "done"


@dataclass
class SolveResult:
    solution: Solution
    metrics: dict[str, Any]
    history: list[tuple[float, float]] = field(default_factory=list)  # (elapsed seconds, best objective)


class InfeasibleInstance(Exception):
    """No valid plan exists (or none was found): `problems` name the hard rules that cannot be met."""

    def __init__(self, problems: list[Violation]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.code}: {p.message}" for p in problems) or "infeasible")


def solve(
    instance: Instance,
    *,
    seconds: float = 2.0,
    seed: int = 0,
    start: Solution | None = None,
    locks: Locks = Locks(),  # noqa: B008 - frozen, safe as a default
    on_progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    moves: int | None = None,
) -> SolveResult:
    """Plan teams, companions and itineraries for `instance` within about `seconds` of wall clock.

    `moves` budgets work instead of time: the search makes that many improvement moves (still within
    `seconds`), so a seed gives the same plan on a fast or a busy machine."""
    search = _Search(instance, seconds, seed, start, locks, on_progress, should_stop, moves)
    return search.run()


# --------------------------------------------------------------------------- up-front checks


def _check_instance(instance: Instance, n_teams: int, units: list[Unit]) -> list[Violation]:
    p = instance.params
    problems: list[Violation] = []
    n = len(instance.youths)
    if n and n_teams <= 0:
        problems.append(Violation("H02", _("The instance asks for no team but has %(n)d youths.", n=n)))
        return problems
    if len(instance.companions) < n_teams:
        problems.append(
            Violation(
                "H03",
                _(
                    "%(teams)d teams need %(teams)d companions but only %(companions)d are listed.",
                    teams=n_teams,
                    companions=len(instance.companions),
                ),
            )
        )
    if n_teams and not (n_teams * p.team_size_min <= n <= n_teams * p.team_size_max):
        problems.append(
            Violation(
                "H02",
                _(
                    "%(n)d youths cannot be split into %(teams)d teams of %(low)d to %(high)d members.",
                    n=n,
                    teams=n_teams,
                    low=p.team_size_min,
                    high=p.team_size_max,
                ),
            )
        )
    for unit in units:
        names = ", ".join(unit.members)
        if unit.size > p.team_size_max:
            problems.append(
                Violation(
                    "H04",
                    _(
                        "Youths %(names)s must all be in the same team but a team has at most %(high)d members.",
                        names=names,
                        high=p.team_size_max,
                    ),
                    youth=unit.members[0],
                )
            )
        inside = unit.cannot & set(unit.members)
        if inside:
            problems.append(
                Violation(
                    "H05",
                    _(
                        "Youths %(names)s must be together (must-with) but %(others)s must not be together.",
                        names=names,
                        others=", ".join(sorted(inside)),
                    ),
                    youth=unit.members[0],
                )
            )
        if not unit.days:
            problems.append(
                Violation(
                    "H12",
                    _("Youths %(names)s must be in the same team but have no available day in common.", names=names),
                    youth=unit.members[0],
                )
            )
    # Minimum visits: each youth needs enough sites open on its days (accessible if reduced mobility) and
    # enough room per day.
    for youth in instance.youths:
        days = youth.available_days
        per_day = p.max_visits_per_day * len(days)
        reachable = [
            s
            for s in instance.sites
            if (s.accessible or not youth.reduced_mobility) and any(s.open.get(d) for d in days) and s.max_teams != 0
        ]
        if p.min_visits > 0 and (len(reachable) < p.min_visits or per_day < p.min_visits):
            problems.append(
                Violation(
                    "H15",
                    _(
                        "Youth %(youth)s can reach only %(sites)d sites on %(days)d available days but every team"
                        " must make at least %(min)d visits.",
                        youth=youth.id,
                        sites=len(reachable),
                        days=len(days),
                        min=p.min_visits,
                    ),
                    youth=youth.id,
                )
            )
    return problems + _per_day_impossible(instance)


def _per_day_impossible(instance: Instance) -> list[Violation]:
    """H16 cannot hold when a day must have more visits than a day may have."""
    p = instance.params
    if p.min_visits_per_day <= p.max_visits_per_day or not instance.youths:
        return []
    message = _(
        "Every team must make at least %(min)d visits on each of its days but at most %(max)d are allowed per day.",
        min=p.min_visits_per_day,
        max=p.max_visits_per_day,
    )
    return [Violation("H16", message)]


# --------------------------------------------------------------------------- search


class _Search:
    def __init__(
        self,
        instance: Instance,
        seconds: float,
        seed: int,
        start: Solution | None,
        locks: Locks,
        on_progress: Callable[[Progress], None] | None,
        should_stop: Callable[[], bool] | None,
        moves: int | None = None,
    ) -> None:
        self.inst = instance
        self.began = time.perf_counter()
        self.deadline = self.began + max(0.0, seconds)
        self.seconds = seconds
        self.rng = random.Random(seed)
        self.start = start
        self.locks = locks
        self.on_progress = on_progress
        self.should_stop = should_stop
        self.last_progress = -math.inf
        self.history: list[tuple[float, float]] = []
        self.best_routes: list | None = None
        self.best_specs: list[TeamSpec] | None = None
        self.best_objective: float | None = None
        self.best_deficit = math.inf
        self.best_key: tuple[float, float, float] | None = None
        self.phase = "teams"
        self.stopped = False
        self.moves = moves

    # ------------------------------------------------------------------ helpers

    def elapsed(self) -> float:
        return time.perf_counter() - self.began

    def out_of_time(self) -> bool:
        if time.perf_counter() >= self.deadline:
            return True
        if not self.stopped and self.should_stop is not None and self.should_stop():
            self.stopped = True
        # A stop asks for the best valid plan so far: before the first one exists (a slow machine, an early
        # click), the search goes on until it has one, or until its time is up.
        return self.stopped and self.best_deficit == 0

    def report(self, force: bool = False) -> None:
        if self.on_progress is None:
            return
        now = self.elapsed()
        if not force and now - self.last_progress < PROGRESS_INTERVAL:
            return
        self.last_progress = now
        violations = 0 if self.best_deficit == 0 else int(min(self.best_deficit, 1 << 30))
        self.on_progress(Progress(self.best_objective, violations, now, self.phase))

    def split_cost(self, plan: Plan) -> float:
        return round(sum(self.formation.cost(spec.members) for spec in plan.teams if not spec.locked), 6)

    def remember(self, plan: Plan) -> None:
        """Keep the plan if it beats the best one: valid first, then the team split, then the itineraries."""
        split = self.split_cost(plan)
        key = (plan.deficit, split, -plan.objective)
        if self.best_key is not None and key >= self.best_key:
            return
        self.best_key = key
        self.best_deficit = plan.deficit
        self.best_routes = plan.copy_routes()
        self.best_specs = list(plan.teams)
        if plan.deficit == 0:
            self.best_objective = plan.objective
            self.history.append((round(self.elapsed(), 3), plan.objective))
        self.report(force=len(self.history) == 1)

    # ------------------------------------------------------------------ main

    def run(self) -> SolveResult:
        inst = self.inst
        p = inst.params
        n_teams = p.n_teams or math.ceil(len(inst.youths) / max(1, p.team_size))
        units = build_units(inst)
        problems = _check_instance(inst, n_teams, units)
        if problems:
            raise InfeasibleInstance(problems)
        self.net = Network(inst)
        locked_specs = self._locked_teams()
        specs = locked_specs + self._free_teams(units, n_teams, locked_specs)
        self.formation = Formation(inst)
        self.plan = Plan(self.net, specs)
        self._place_locked_visits()
        self.phase = "construct"
        self._warm_start()
        self.plan.repair(set(range(len(specs))), set(), self.rng)
        self.remember(self.plan)
        self.phase = "improve"
        self.report(force=True)
        self._improve()
        self.phase = "done"
        return self._finish()

    # ------------------------------------------------------------------ teams

    def _locked_teams(self) -> list[TeamSpec]:
        locked_ids = set(self.locks.teams) | {team_id for team_id, _, _ in self.locks.visits}
        if not locked_ids:
            return []
        teams = {t.id: t for t in self.start.teams} if self.start is not None else {}
        problems = self._locks_missing_from_start(locked_ids, teams)
        if problems:
            raise InfeasibleInstance(problems)
        # Judge the locked part on its own: the rules it breaks can never be repaired by the search.
        partial = Solution(
            teams=tuple(
                Team(
                    teams[tid].id,
                    teams[tid].members,
                    teams[tid].companion,
                    tuple(v for v in teams[tid].visits if (tid, v.site_id, v.day) in self.locks.visits),
                )
                for tid in sorted(locked_ids)
            )
        )
        problems = self._rules_broken_by_locks(partial) + self._must_with_left_out(partial)
        if problems:
            raise InfeasibleInstance(sorted(problems, key=Violation.sort_key))
        specs = []
        for tid in sorted(locked_ids):
            team = teams[tid]
            spec = team_spec(self.net, tid, tuple(team.members), team.companion, locked=True)
            specs.append(spec)
        self.locked_visits = {
            tid: [v for v in teams[tid].visits if (tid, v.site_id, v.day) in self.locks.visits] for tid in locked_ids
        }
        return specs

    def _locks_missing_from_start(self, locked_ids: set[str], teams: dict[str, Team]) -> list[Violation]:
        """Locked teams and locked visits that the starting plan does not have."""
        problems: list[Violation] = []
        for team_id in sorted(locked_ids):
            if team_id not in teams:
                problems.append(
                    Violation("H01", _("Locked team %(team)s is not in the starting plan.", team=team_id), team=team_id)
                )
        for team_id, site_id, day in sorted(self.locks.visits):
            team = teams.get(team_id)
            if team is not None and not any(v.site_id == site_id and v.day == day for v in team.visits):
                problems.append(
                    Violation(
                        "H06",
                        _(
                            "Locked visit of team %(team)s to %(site)s on day %(day)d is not in the starting plan.",
                            team=team_id,
                            site=site_id,
                            day=day,
                        ),
                        team=team_id,
                        site=site_id,
                        day=day,
                    )
                )
        return problems

    def _rules_broken_by_locks(self, partial: Solution) -> list[Violation]:
        """The rules the locked teams and visits break on their own, except what the search can still complete."""
        problems: list[Violation] = []
        locked_count = {t.id: t.visits for t in partial.teams}
        for v in validate(self.inst, partial):
            if v.code == "H01" and v.team is None:
                continue  # youths outside locked teams are planned by the search
            if v.code == "H15" and v.day is None and len(locked_count[v.team]) <= self.inst.params.max_visits:
                continue  # too few visits: the search adds unlocked ones
            if v.code == "H16":
                continue  # too few visits on a day: likewise
            problems.append(v)
        return problems

    def _must_with_left_out(self, partial: Solution) -> list[Violation]:
        """must_with partners of a locked youth outside every locked team: they can never join it."""
        problems: list[Violation] = []
        locked_members = {m for t in partial.teams for m in t.members}
        youths = self.inst.youth_by_id
        team_of = {m: t.id for t in partial.teams for m in t.members}
        for member, team_id in team_of.items():
            if member not in youths:
                continue
            for other in youths[member].must_with:
                if other not in locked_members:
                    problems.append(
                        Violation(
                            "H04",
                            _(
                                "Youth %(youth)s of locked team %(team)s must be with youth %(other)s,"
                                " who is not in that team.",
                                youth=member,
                                team=team_id,
                                other=other,
                            ),
                            team=team_id,
                            youth=member,
                        )
                    )
        return problems

    def _free_teams(self, units: list[Unit], n_teams: int, locked: list[TeamSpec]) -> list[TeamSpec]:
        inst = self.inst
        taken_youths = {m for spec in locked for m in spec.members}
        free_units = [u for u in units if not (set(u.members) & taken_youths)]
        n_free = n_teams - len(locked)
        n_youths = sum(u.size for u in free_units)
        if n_free <= 0:
            if n_youths:
                raise InfeasibleInstance(
                    [Violation("H01", _("Every team is locked but %(n)d youths have no team.", n=n_youths))]
                )
            return []
        sizes = team_sizes(n_youths, n_free)
        low, high = inst.params.team_size_min, inst.params.team_size_max
        if any(not low <= s <= high for s in sizes):
            raise InfeasibleInstance(
                [
                    Violation(
                        "H02",
                        _(
                            "%(n)d youths left for %(teams)d teams cannot make teams of %(low)d to %(high)d members.",
                            n=n_youths,
                            teams=n_free,
                            low=low,
                            high=high,
                        ),
                    )
                ]
            )
        memberships = self._warm_split(free_units, sizes)
        if memberships is None:
            n = len(free_units)
            memberships = form_teams(
                inst,
                free_units,
                sizes,
                self.rng,
                iterations=max(10000, 100 * n),
                restarts=8 if n <= 60 else 2,
                deadline=self.began + 0.25 * self.seconds,
            )
        if memberships is None:
            raise InfeasibleInstance(
                [
                    Violation(
                        "H05",
                        _(
                            "No split of the youths into %(teams)d teams keeps every must-with pair together, every"
                            " cannot-with pair apart and gives each team a day its members can all come.",
                            teams=n_free,
                        ),
                    )
                ]
            )
        taken = [spec.companion for spec in locked if spec.companion]
        companions = self._warm_companions(memberships, set(taken))
        if companions is None:
            companions = match_companions(inst, memberships, taken=taken)
        missing = [i for i, c in enumerate(companions) if c is None]
        if missing:
            raise InfeasibleInstance(
                [
                    Violation(
                        "H03",
                        _(
                            "No companion is available on a day when youths %(names)s can all come.",
                            names=", ".join(memberships[i]),
                        ),
                    )
                    for i in missing
                ]
            )
        used_ids = {spec.id for spec in locked}
        specs = []
        number = 0
        for members, companion in zip(memberships, companions, strict=True):
            number += 1
            while f"T{number:03d}" in used_ids:
                number += 1
            specs.append(team_spec(self.net, f"T{number:03d}", tuple(members), companion))
        return specs

    def _warm_companions(self, memberships: list[list[str]], taken: set[str]) -> list[str | None] | None:
        """The starting plan's companions for the same teams, when they are distinct and usable."""
        if self.start is None:
            return None
        by_members = {frozenset(t.members): t.companion for t in self.start.teams}
        known = self.inst.companion_by_id
        chosen = [by_members.get(frozenset(members)) for members in memberships]
        if any(c is None or c not in known or c in taken for c in chosen) or len(set(chosen)) != len(chosen):
            return None
        for members, companion in zip(memberships, chosen, strict=True):
            if not team_spec(self.net, "check", tuple(members), companion).windows:
                return None
        return chosen

    def _warm_split(self, free_units: list[Unit], sizes: list[int]) -> list[list[str]] | None:
        """The starting plan's unlocked teams, when they still partition the free youths validly."""
        if self.start is None:
            return None
        free = {m for u in free_units for m in u.members}
        locked = set(self.locks.teams) | {t for t, _, _ in self.locks.visits}
        teams = [list(t.members) for t in self.start.teams if t.id not in locked]
        flat = [m for t in teams for m in t]
        if (
            len(flat) != len(free)
            or set(flat) != free
            or sorted(map(len, teams), reverse=True) != sorted(sizes, reverse=True)
        ):
            return None
        unit_of = {m: u for u in free_units for m in u.members}
        for members in teams:
            units = list({id(unit_of[m]): unit_of[m] for m in members}.values())
            if sum(u.size for u in units) != len(members) or not compatible(units):
                return None
        return teams

    def _place_locked_visits(self) -> None:
        locked = getattr(self, "locked_visits", {})
        net = self.net
        for t, spec in enumerate(self.plan.teams):
            visits = locked.get(spec.id, [])
            by_day: dict[int, list[Visit]] = {}
            for v in visits:
                by_day.setdefault(net.day_index[v.day], []).append(v)
            for di, day_visits in by_day.items():
                day_visits.sort(key=lambda v: v.slot_start)
                route = [(net.site_index[v.site_id], v.slot_start, True) for v in day_visits]
                self.plan.set_day(t, di, route)
                spec.locked_visits.update((s, di) for s, _, _ in route)

    def _warm_start(self) -> None:
        """Re-use the starting plan's visits of unchanged teams (re-timed to their earliest starts)."""
        if self.start is None:
            return
        by_members = {frozenset(t.members): t for t in self.start.teams}
        plan, net = self.plan, self.net
        for t, spec in enumerate(plan.teams):
            old = by_members.get(frozenset(spec.members))
            if old is None or old.companion != spec.companion:
                continue
            for di in range(len(net.days)):
                day = net.days[di]
                wanted = sorted(
                    (v for v in old.visits if v.day == day and v.site_id in net.site_index),
                    key=lambda v: v.slot_start,
                )
                route = list(plan.routes[t][di])
                for v in wanted:
                    s = net.site_index[v.site_id]
                    if len(route) >= plan.max_day or not plan.can_visit(t, s) or any(x == s for x, _, _ in route):
                        continue
                    # Keep the visit at its own time when that time is still valid (opening, free place).
                    if net.next_start[s][di][v.slot_start] != v.slot_start or v.slot_end != v.slot_start + net.dur[s]:
                        continue
                    if any(plan.occ[s][di][u] >= net.cap[s] for u in range(v.slot_start, v.slot_end)):
                        continue
                    candidate = sorted(route + [(s, v.slot_start, False)], key=lambda x: x[1])
                    plan._release(t, di)
                    starts = plan.schedule(t, di, [(x, st) for x, st, _ in candidate])
                    plan._restore(t, di)
                    if starts is not None:
                        route = candidate
                        plan.set_day(t, di, route)

    # ------------------------------------------------------------------ improvement

    def _improve(self) -> None:
        plan, rng = self.plan, self.rng
        n_teams = len(plan.teams)
        free = [t for t, spec in enumerate(plan.teams) if not spec.locked]
        unlocked_or_partly = [t for t, spec in enumerate(plan.teams) if spec.windows]
        if not unlocked_or_partly:
            return
        self.best_formation = self.split_cost(plan)
        self.exact_sites = 10
        self.exact_share = 0.25 if self.net.n_sites <= 16 else 0.1
        temperature = 20.0
        current = plan.score
        iteration = 0
        while not self.out_of_time() and (self.moves is None or iteration < self.moves):
            iteration += 1
            self.report()
            temperature = self._temperature(iteration)
            move = rng.random()
            plan.begin()
            changed = self._make_move(move, free, n_teams)
            if not changed:
                plan.commit()
                continue
            score = plan.score
            split = self.split_cost(plan) if move < 0.15 else self.best_formation
            if split < self.best_formation - 1e-6 and plan.deficit <= self.best_deficit:
                self.best_formation = split  # a better-balanced split wins whatever its itineraries
                current = -math.inf
            if score >= current - 1e-9 or rng.random() < math.exp((score - current) / temperature):
                current = score
                plan.commit()
                self.remember(plan)
            else:
                plan.undo()

    def _temperature(self, iteration: int) -> float:
        """Cools from 31 to 1 as the time, or the budget of moves, runs out."""
        if self.moves is None:
            left = max(1e-6, self.deadline - time.perf_counter())
            frac = min(1.0, left / max(1e-6, self.seconds))
        else:
            frac = 1.0 - iteration / self.moves
        return 1.0 + 30.0 * frac * frac

    def _make_move(self, move: float, free: list[int], n_teams: int) -> bool:
        """Make the move the uniform draw `move` picks (swap youths or companions, re-plan teams exactly, or destroy
        and repair); True when the plan changed."""
        if move < 0.15 and len(free) >= 2:
            return self._swap_youths(free)
        if move < 0.22 and len(free) >= 1:
            return self._swap_companions(free)
        if move < 0.22 + self.exact_share:
            return self._exact(n_teams)
        return self._destroy_repair(n_teams)

    def _destroy_repair(self, n_teams: int) -> bool:
        plan, rng, net = self.plan, self.rng, self.net
        kind = rng.random()
        teams: set[int] = set()
        sites: set[int] = set()
        candidates = [t for t in range(n_teams) if plan.teams[t].windows]
        if kind < 0.45:
            k = min(len(candidates), rng.choice((1, 1, 2, 2, 3)))
            teams = set(rng.sample(candidates, k))
            if rng.random() < 0.5 and teams:
                # Related: teams sharing a visited site with the first one compete for the same slots.
                anchor = next(iter(teams))
                shared = [t for t in candidates if t not in teams and plan.visited[t] & plan.visited[anchor]]
                if shared:
                    teams.add(rng.choice(shared))
            for t in teams:
                sites |= plan.visited[t]
                plan.clear_team(t)
        else:
            visited = [s for s in range(net.n_sites) if plan.site_visits[s]]
            if not visited:
                return False
            k = min(len(visited), rng.choice((1, 2, 2, 3, 4)))
            sites = set(rng.sample(visited, k))
            teams = {t for t in range(n_teams) if plan.visited[t] & sites}
            for t in teams:
                for di in range(len(net.days)):
                    if any(s in sites for s, _, _ in plan.routes[t][di]):
                        plan.remove_visits(t, di, sites)
        plan.repair(teams, sites, rng, noise=rng.choice((0.0, 5.0, 20.0)))
        return True

    def _exact(self, n_teams: int) -> bool:
        """Empty one or two teams and give each its best itinerary, then re-insert what got uncovered."""
        plan, rng, net = self.plan, self.rng, self.net
        candidates = [t for t in range(n_teams) if plan.teams[t].windows and not plan.teams[t].locked_visits]
        if not candidates:
            return False
        teams = rng.sample(candidates, min(len(candidates), rng.choice((1, 1, 2))))
        sites: set[int] = set()
        for t in teams:
            sites |= plan.visited[t]
            for di in range(len(net.days)):
                plan.set_day(t, di, [])
        for t in teams:
            spec = plan.teams[t]
            pool = [s for s in range(net.n_sites) if spec.allowed[s]]
            if len(pool) > self.exact_sites:
                # Large instances: the sites worth most to this team (uncovered first), plus a few random ones.
                pool.sort(key=lambda s: -(spec.weight[s] + (1000 if plan.site_visits[s] == 0 else 0)))
                head = pool[: self.exact_sites - 3]
                pool = head + rng.sample(pool[len(head) :], min(3, len(pool) - len(head)))
            plan.exact_team(t, pool)
        plan.repair(set(t for t in teams if plan.needs(t)), sites, rng)
        return True

    def _swap_youths(self, free: list[int]) -> bool:
        plan, rng = self.plan, self.rng
        a, b = rng.sample(free, 2)
        spec_a, spec_b = plan.teams[a], plan.teams[b]
        ya, yb = rng.choice(spec_a.members), rng.choice(spec_b.members)
        youths = self.inst.youth_by_id
        if youths[ya].must_with or youths[yb].must_with:
            return False
        new_a = tuple(m for m in spec_a.members if m != ya) + (yb,)
        new_b = tuple(m for m in spec_b.members if m != yb) + (ya,)
        for members in (new_a, new_b):
            ids = set(members)
            if any(set(youths[m].cannot_with) & ids for m in members):
                return False
        f = self.formation
        delta = f.cost(new_a) + f.cost(new_b) - f.cost(spec_a.members) - f.cost(spec_b.members)
        if self.split_cost(plan) + delta > self.best_formation + BALANCE_SLACK:
            return False
        na = team_spec(self.net, spec_a.id, new_a, spec_a.companion)
        nb = team_spec(self.net, spec_b.id, new_b, spec_b.companion)
        if not na.windows or not nb.windows:
            return False
        return self._replan({a: na, b: nb})

    def _swap_companions(self, free: list[int]) -> bool:
        plan, rng = self.plan, self.rng
        a = rng.choice(free)
        used = {spec.companion for spec in plan.teams}
        spare = [c.id for c in self.inst.companions if c.id not in used]
        spec_a = plan.teams[a]
        if spare and (len(free) < 2 or rng.random() < 0.5):
            na = team_spec(self.net, spec_a.id, spec_a.members, rng.choice(spare))
            if not na.windows:
                return False
            return self._replan({a: na})
        if len(free) < 2:
            return False
        b = rng.choice([t for t in free if t != a])
        spec_b = plan.teams[b]
        na = team_spec(self.net, spec_a.id, spec_a.members, spec_b.companion)
        nb = team_spec(self.net, spec_b.id, spec_b.members, spec_a.companion)
        if not na.windows or not nb.windows:
            return False
        return self._replan({a: na, b: nb})

    def _replan(self, new_specs: dict[int, TeamSpec]) -> bool:
        plan = self.plan
        sites: set[int] = set()
        for t in new_specs:
            sites |= plan.visited[t]
            for di in range(len(self.net.days)):
                plan.set_day(t, di, [])
        for t, spec in new_specs.items():
            plan.set_spec(t, spec)
        plan.repair(set(new_specs), sites, self.rng, noise=self.rng.choice((0.0, 5.0)))
        return True

    # ------------------------------------------------------------------ result

    def _finish(self) -> SolveResult:
        plan = self.plan
        if self.best_routes is not None:
            # Restore the best specs and routes found.
            for t in range(len(plan.teams)):
                for di in range(len(self.net.days)):
                    plan.set_day(t, di, [])
            plan.teams[:] = self.best_specs
            plan.load_routes(self.best_routes)
        solution = self._solution(plan)
        problems = validate(self.inst, solution)
        self.report(force=True)
        if problems:
            raise InfeasibleInstance(problems)
        from planning.metrics import metrics

        return SolveResult(solution, metrics(self.inst, solution), list(self.history))

    def _solution(self, plan: Plan) -> Solution:
        teams = tuple(
            Team(spec.id, tuple(spec.members), spec.companion, plan.visits(t)) for t, spec in enumerate(plan.teams)
        )
        return Solution(
            teams=tuple(sorted(teams, key=lambda team: team.id)),
            instance=self.inst.name,
            solver=SOLVER_NAME,
            seconds=round(self.elapsed(), 3),
            stats={},
        )
