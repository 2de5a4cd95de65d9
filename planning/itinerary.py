"""Itineraries (docs/planning-model.md §6) for fixed teams and companions.

A team-day is an ordered list of visits; its times are *derived* by earliest-start propagation (leave the
depot at the companion's start, travel, wait for the first start slot inside an opening window with a free
place, visit, …, and be back before the companion leaves). For a fixed order that schedule is feasible
whenever any schedule is, so the search only manipulates orders. Everything is integers on the slot grid:
a trip of τ minutes costs ``ceil(τ / slot_minutes)`` slots, exactly the validator's ``gap ≥ τ`` test.

The search is a large neighbourhood search: remove the visits of a few teams or sites, re-insert greedily
(lazy greedy on an upper bound, with noise), and accept by simulated annealing on
``1000·covered + 10·(matched − unmatched) − travel`` minus a large penalty per missing minimum visit.
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass, field

from planning.model import Instance, Visit

__all__ = ["Network", "Plan", "TeamSpec"]

MISSING_VISIT_PENALTY = 100_000
COVER = 1000
MATCH = 10


class Network:
    """Numeric view of the instance: sites, slot grid, travel in minutes and in slots."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        p = instance.params
        self.sm = p.slot_minutes
        self.n_slots = p.n_slots
        self.days = sorted(d.day for d in instance.days)
        self.day_index = {d: i for i, d in enumerate(self.days)}
        self.sites = list(instance.sites)
        self.site_index = {s.id: i for i, s in enumerate(self.sites)}
        self.n_sites = len(self.sites)
        self.dur = [s.duration_slots for s in self.sites]
        self.cap = [s.capacity for s in self.sites]
        self.max_teams = [s.max_teams if s.max_teams is not None else 1 << 30 for s in self.sites]
        travel = instance.travel
        order = [instance.depot.id] + [s.id for s in self.sites]
        idx = [travel.index[x] for x in order]
        # mode 0: public transit, mode 1: car. Node 0 is the depot, node s+1 the site s.
        self.minutes = [
            [[float(m[idx[i]][idx[j]]) for j in range(len(order))] for i in range(len(order))]
            for m in (travel.transit, travel.car)
        ]
        self.slots = [[[self._slots(x) for x in row] for row in m] for m in self.minutes]
        # next_start[s][di][u]: first start >= u whose visit fits in one opening window (-1: none).
        self.next_start: list[list[list[int]]] = []
        for s, site in enumerate(self.sites):
            per_day = []
            for day in self.days:
                ok = [False] * (self.n_slots + 1)
                for a, b in site.open.get(day, ()):
                    for u in range(a, b - self.dur[s] + 1):
                        ok[u] = True
                nxt = [-1] * (self.n_slots + 2)
                for u in range(self.n_slots, -1, -1):
                    nxt[u] = u if ok[u] else nxt[u + 1]
                per_day.append(nxt)
            self.next_start.append(per_day)

    def _slots(self, minutes: float) -> int:
        k = math.ceil(minutes / self.sm)
        while k > 0 and (k - 1) * self.sm >= minutes:
            k -= 1
        while k * self.sm < minutes:
            k += 1
        return k

    def open_on(self, s: int, di: int) -> bool:
        return self.next_start[s][di][0] >= 0


@dataclass
class TeamSpec:
    """A team as Problem B sees it: when it can go out, how it travels, what it likes."""

    id: str
    members: tuple[str, ...]
    companion: str | None
    mode: int  # 1 car, 0 transit
    windows: dict[int, tuple[int, int]]  # day index -> companion window, only days everybody can come
    allowed: list[bool]
    weight: list[int]  # 10·(2μ − n) per site
    locked: bool = False
    locked_visits: set[tuple[int, int]] = field(default_factory=set)  # (site, day index)


def team_spec(
    net: Network, team_id: str, members: tuple[str, ...], companion: str | None, locked: bool = False
) -> TeamSpec:
    inst = net.instance
    youths = inst.youth_by_id
    comp = inst.companion_by_id.get(companion) if companion else None
    windows: dict[int, tuple[int, int]] = {}
    if comp is not None:
        for di, day in enumerate(net.days):
            window = comp.window(day)
            if window is None or window[1] <= window[0]:
                continue
            if all(day in youths[m].available_days for m in members):
                windows[di] = window
    pmr = any(youths[m].reduced_mobility for m in members)
    allowed = [(site.accessible or not pmr) for site in net.sites]
    weight = []
    for site in net.sites:
        matched = sum(1 for m in members if site.sector in youths[m].interests)
        weight.append(MATCH * (2 * matched - len(members)))
    return TeamSpec(
        team_id, members, companion, 1 if comp is None or comp.has_car else 0, windows, allowed, weight, locked
    )


def _first_free_start(u: int, dur: int, nxt: list[int], row: list[int], cap: int, n_slots: int) -> int:
    """The first start from slot `u` on for a visit of `dur` slots at one site on one day, or -1 if there is none.

    `nxt[v]` is the first start from slot v on whose visit fits in an opening window, `row[v]` the places taken
    in slot v (out of `cap`): the team-day being scheduled must be released from `row` first.
    """
    while True:
        if u > n_slots - dur:
            return -1
        u = nxt[u]
        if u < 0:
            return -1
        for v in range(u, u + dur):
            if row[v] >= cap:
                u = v + 1
                break
        else:
            return u


class Plan:
    """Mutable itineraries with occupancy, counters and the objective kept up to date."""

    def __init__(self, net: Network, teams: list[TeamSpec]) -> None:
        self.net = net
        self.teams = teams
        p = net.instance.params
        self.min_visits, self.max_visits, self.max_day = p.min_visits, p.max_visits, p.max_visits_per_day
        self.min_day = p.min_visits_per_day
        nd = len(net.days)
        self.routes: list[list[list[tuple[int, int, bool]]]] = [[[] for _ in range(nd)] for _ in teams]
        self.occ = [[[0] * net.n_slots for _ in range(nd)] for _ in range(net.n_sites)]
        self.site_visits = [0] * net.n_sites
        self.visited: list[set[int]] = [set() for _ in teams]
        self.count = [0] * len(teams)
        self.covered = 0
        self.interest = 0
        self.travel = 0.0
        self.deficit = sum(self.team_deficit(t) for t in range(len(teams)))
        self.journal: list[tuple] | None = None  # undo log of the current move (None: not recording)

    # ------------------------------------------------------------------ objective

    def team_deficit(self, t: int) -> int:
        """Visits team t lacks: to reach `min_visits` (H15) and `min_visits_per_day` on each of its days (H16)."""
        short = max(0, self.min_visits - self.count[t])
        if self.min_day:
            short += sum(max(0, self.min_day - len(self.routes[t][di])) for di in self.teams[t].windows)
        return short

    def short_day(self, t: int, di: int) -> bool:
        """Whether team t still needs a visit on day di to reach `min_visits_per_day` (H16)."""
        return di in self.teams[t].windows and len(self.routes[t][di]) < self.min_day

    def needs(self, t: int) -> bool:
        """Whether team t still misses a visit required by H15 or H16."""
        return self.count[t] < self.min_visits or any(self.short_day(t, di) for di in self.teams[t].windows)

    @property
    def objective(self) -> float:
        """The model's itinerary objective (without the penalty)."""
        return COVER * self.covered + self.interest - self.travel

    @property
    def score(self) -> float:
        return self.objective - MISSING_VISIT_PENALTY * self.deficit

    def day_travel(self, t: int, route: list[tuple[int, int, bool]]) -> float:
        if not route:
            return 0.0
        m = self.net.minutes[self.teams[t].mode]
        prev, total = 0, 0.0
        for s, _, _ in route:
            total += m[prev][s + 1]
            prev = s + 1
        return total + m[prev][0]

    # ------------------------------------------------------------------ low-level edits

    def _occupy(self, s: int, di: int, start: int, delta: int) -> None:
        row = self.occ[s][di]
        for u in range(start, start + self.net.dur[s]):
            row[u] += delta

    def set_day(self, t: int, di: int, route: list[tuple[int, int, bool]]) -> None:
        """Replace a team-day's visits (with their start slots), updating every counter."""
        old = self.routes[t][di]
        if self.journal is not None:
            self.journal.append(("day", t, di, old))
        team = self.teams[t]
        deficit_before = self.team_deficit(t)
        for s, start, _ in old:
            self._occupy(s, di, start, -1)
            self.site_visits[s] -= 1
            if self.site_visits[s] == 0:
                self.covered -= 1
            self.visited[t].discard(s)
            self.interest -= team.weight[s]
        self.travel -= self.day_travel(t, old)
        self.count[t] += len(route) - len(old)
        for s, start, _ in route:
            self._occupy(s, di, start, 1)
            if self.site_visits[s] == 0:
                self.covered += 1
            self.site_visits[s] += 1
            self.visited[t].add(s)
            self.interest += team.weight[s]
        self.travel += self.day_travel(t, route)
        self.routes[t][di] = route
        self.deficit += self.team_deficit(t) - deficit_before

    def schedule(self, t: int, di: int, order: list[tuple[int, int]]) -> list[int] | None:
        """Earliest start of each (site, fixed start or -1) in order, or None if the day does not fit.

        The team-day's own occupancy must already be released by the caller.
        """
        net = self.net
        team = self.teams[t]
        window = team.windows.get(di)
        if window is None:
            return None
        alpha, beta = window
        ts = net.slots[team.mode]
        n_slots = net.n_slots
        prev, ready = 0, alpha
        starts = []
        for s, fixed in order:
            u = ready + ts[prev][s + 1]
            dur = net.dur[s]
            if fixed >= 0:
                if fixed < u:
                    return None
                u = fixed
            else:
                u = _first_free_start(u, dur, net.next_start[s][di], self.occ[s][di], net.cap[s], n_slots)
                if u < 0:
                    return None
            starts.append(u)
            ready = u + dur
            prev = s + 1
        if ready + ts[prev][0] > beta:
            return None
        return starts

    def _release(self, t: int, di: int) -> None:
        for s, start, _ in self.routes[t][di]:
            self._occupy(s, di, start, -1)

    def _restore(self, t: int, di: int) -> None:
        for s, start, _ in self.routes[t][di]:
            self._occupy(s, di, start, 1)

    # ------------------------------------------------------------------ insertion

    def can_visit(self, t: int, s: int) -> bool:
        team = self.teams[t]
        return (
            team.allowed[s]
            and s not in self.visited[t]
            and self.count[t] < self.max_visits
            and self.site_visits[s] < self.net.max_teams[s]
        )

    def best_insertion(self, t: int, s: int) -> tuple[float, int, list[tuple[int, int, bool]]] | None:
        """Cheapest way to add site s to team t: (extra travel, day index, new route) or None."""
        if not self.can_visit(t, s):
            return None
        team = self.teams[t]
        m = self.net.minutes[team.mode]
        node = s + 1
        best: tuple[float, int, list[tuple[int, int, bool]]] | None = None
        for di in team.windows:
            if not self.net.open_on(s, di):
                continue
            route = self.routes[t][di]
            if len(route) >= self.max_day:
                continue
            nodes = [0] + [x + 1 for x, _, _ in route] + [0]
            # A day still short of its H16 minimum is preferred by the size of the missing-visit penalty.
            bonus = MISSING_VISIT_PENALTY if self.short_day(t, di) else 0
            deltas = sorted(
                (m[nodes[p]][node] + m[node][nodes[p + 1]] - m[nodes[p]][nodes[p + 1]] - bonus, p)
                for p in range(len(route) + 1)
            )
            if best is not None and deltas[0][0] >= best[0]:
                continue
            self._release(t, di)
            try:
                for delta, p in deltas:
                    if best is not None and delta >= best[0]:
                        break
                    order = [(x, st if lk else -1) for x, st, lk in route]
                    order.insert(p, (s, -1))
                    starts = self.schedule(t, di, order)
                    if starts is not None:
                        locks = [lk for _, _, lk in route]
                        locks.insert(p, False)
                        new_route = [(x, u, lk) for (x, _), u, lk in zip(order, starts, locks, strict=True)]
                        best = (delta, di, new_route)
                        break
            finally:
                self._restore(t, di)
        return best

    def value(self, t: int, s: int, delta_travel: float) -> float:
        gain = self.teams[t].weight[s] - delta_travel
        if self.site_visits[s] == 0:
            gain += COVER
        if self.count[t] < self.min_visits:
            gain += MISSING_VISIT_PENALTY
        return gain

    def upper_bound(self, t: int, s: int) -> float:
        gain = self.teams[t].weight[s]
        if self.site_visits[s] == 0:
            gain += COVER
        if self.count[t] < self.min_visits:
            gain += MISSING_VISIT_PENALTY
        if any(self.short_day(t, di) for di in self.teams[t].windows):
            gain += MISSING_VISIT_PENALTY
        return gain

    def repair(self, teams: set[int], sites: set[int], rng: random.Random, noise: float = 0.0) -> None:
        """Greedy re-insertion: pairs (team in `teams`, any site) and (any team, site in `sites` or uncovered)."""
        pairs = self._repair_pairs(teams, sites)
        jitter = {}
        heap = []
        for t, s in pairs:
            if not self.can_visit(t, s):
                continue
            j = rng.uniform(-noise, noise) if noise else 0.0
            jitter[(t, s)] = j
            heap.append((-(self.upper_bound(t, s) + j), t, s, -1))
        heapq.heapify(heap)
        stamp = 0  # exact values computed at `stamp` are current until the next insertion
        while heap:
            key, t, s, when = heapq.heappop(heap)
            if not self.can_visit(t, s):
                continue
            if when == stamp:
                value = -key
                if value - jitter[(t, s)] <= 0 and not self.needs(t):
                    break
                found = self.best_insertion(t, s)
                if found is None:  # cannot happen (just evaluated), but keep the loop honest
                    continue
                _, di, route = found
                self.set_day(t, di, route)
                stamp += 1
                continue
            found = self.best_insertion(t, s)
            if found is None:
                continue
            value = self.value(t, s, found[0]) + jitter[(t, s)]
            heapq.heappush(heap, (-value, t, s, stamp))

    def _repair_pairs(self, teams: set[int], sites: set[int]) -> set[tuple[int, int]]:
        """The (team, site) pairs `repair` tries: any site for `teams`, `sites` and uncovered ones for any team."""
        net = self.net
        uncovered = {s for s in range(net.n_sites) if self.site_visits[s] == 0}
        focus = sites | uncovered
        pairs: set[tuple[int, int]] = set()
        all_sites = range(net.n_sites)
        for t in teams:
            if self.teams[t].windows:
                pairs.update((t, s) for s in all_sites)
        if focus:
            for t, team in enumerate(self.teams):
                if team.windows and not team.locked or t in teams:
                    pairs.update((t, s) for s in focus)
        return pairs

    # ------------------------------------------------------------------ exact re-plan of one team

    def exact_team(self, t: int, candidates: list[int], beam: int = 200) -> bool:
        """Best itinerary of an (emptied) team over `candidates`, every other team fixed.

        Enumerates every feasible visit order per day (depth-first, earliest starts) keeping the best order
        per set of sites, then combines the days with disjoint site sets (a beam over days) subject to the
        visit counts. Returns False (and changes nothing) when no combination reaches the minimum.
        """
        team = self.teams[t]
        net = self.net
        if any(self.routes[t]) or not team.windows:
            return False
        gain = {
            s: team.weight[s] + (COVER if self.site_visits[s] == 0 else 0)
            for s in candidates
            if team.allowed[s] and self.site_visits[s] < net.max_teams[s]
        }
        per_day: list[tuple[int, list[tuple[float, int, int, list[tuple[int, int, bool]]]]]] = []
        for di, (alpha, beta) in team.windows.items():
            ranked = self._day_orders(t, di, alpha, beta, gain)
            per_day.append((di, ranked[: beam * 4]))
        states = self._combine_days(per_day, beam)
        feasible = [
            st
            for st in states
            if st[2] >= self.min_visits and all(len(st[3].get(di, ())) >= self.min_day for di in team.windows)
        ]
        if not feasible:
            return False
        _, _, _, routes = feasible[0]
        for di, route in routes.items():
            self.set_day(t, di, route)
        return True

    def _day_orders(
        self, t: int, di: int, alpha: int, beta: int, gain: dict[int, float]
    ) -> list[tuple[float, int, int, list[tuple[int, int, bool]]]]:
        """Every feasible visit order of team t on day di (depth-first, earliest starts), keeping the best order per
        set of sites: (value, site mask, visits, route), best first."""
        team = self.teams[t]
        net = self.net
        m = net.minutes[team.mode]
        ts = net.slots[team.mode]
        n_slots = net.n_slots
        options = [s for s in gain if net.open_on(s, di)]
        best: dict[int, tuple[float, list[tuple[int, int, bool]]]] = {0: (0.0, [])}

        def dfs(prev: int, ready: int, mask: int, value: float, route: list):
            if len(route) >= self.max_day:
                return
            for s in options:
                bit = 1 << s
                if mask & bit:
                    continue
                dur = net.dur[s]
                u = _first_free_start(
                    ready + ts[prev][s + 1], dur, net.next_start[s][di], self.occ[s][di], net.cap[s], n_slots
                )
                if u < 0:
                    continue
                end = u + dur
                if end + ts[s + 1][0] > beta:
                    continue
                new_value = value + gain[s] - m[prev][s + 1]
                new_route = route + [(s, u, False)]
                closed = new_value - m[s + 1][0]
                key = mask | bit
                known = best.get(key)
                if known is None or closed > known[0]:
                    best[key] = (closed, new_route)
                dfs(s + 1, end, key, new_value, new_route)

        dfs(0, alpha, 0, 0.0, [])
        return sorted(((value, mask, len(route), route) for mask, (value, route) in best.items()), key=lambda x: -x[0])

    def _combine_days(
        self, per_day: list[tuple[int, list[tuple[float, int, int, list[tuple[int, int, bool]]]]]], beam: int
    ) -> list[tuple[float, int, int, dict]]:
        """The days' orders combined with disjoint site sets within the visit cap (a beam over days), best first:
        (value, site mask, visits, {day index: route})."""
        states: list[tuple[float, int, int, dict]] = [(0.0, 0, 0, {})]
        for di, ranked in per_day:
            merged: dict[int, tuple[float, int, int, dict]] = {}
            for value, mask, count, routes in states:
                for v2, m2, c2, route in ranked:
                    if mask & m2 or count + c2 > self.max_visits:
                        continue
                    key = mask | m2
                    total = value + v2
                    known = merged.get(key)
                    if known is None or total > known[0]:
                        merged[key] = (total, key, count + c2, {**routes, di: route} if route else routes)
            states = sorted(merged.values(), key=lambda x: -x[0])[:beam]
        return states

    # ------------------------------------------------------------------ removal

    def remove_visits(self, t: int, di: int, sites: set[int]) -> None:
        """Drop unlocked visits at `sites` from a team-day and re-time the rest (earliest start)."""
        route = [v for v in self.routes[t][di] if not (v[0] in sites and not v[2])]
        self.set_day(t, di, self._retimed(t, di, route))

    def _retimed(self, t: int, di: int, route: list[tuple[int, int, bool]]) -> list[tuple[int, int, bool]]:
        while True:
            self._release(t, di)
            # Release what the kept visits hold too (they are part of `old`), then schedule them afresh.
            starts = self.schedule(t, di, [(s, st if lk else -1) for s, st, lk in route])
            self._restore(t, di)
            if starts is not None or not route:
                if starts is None:
                    return route
                return [(s, u, lk) for (s, _, lk), u in zip(route, starts, strict=True)]
            # Travel times that break the triangle inequality: drop one more unlocked visit and retry.
            drop = next((i for i in range(len(route) - 1, -1, -1) if not route[i][2]), None)
            if drop is None:
                return route
            route = route[:drop] + route[drop + 1 :]

    def clear_team(self, t: int) -> None:
        for di in range(len(self.net.days)):
            if self.routes[t][di]:
                kept = [v for v in self.routes[t][di] if v[2]]
                if len(kept) != len(self.routes[t][di]):
                    self.set_day(t, di, self._retimed(t, di, kept))

    def begin(self) -> None:
        """Start recording changes so `undo` can put everything back."""
        self.journal = []

    def commit(self) -> None:
        self.journal = None

    def set_spec(self, t: int, spec: TeamSpec) -> None:
        """Replace a team's members/companion; its days must be empty (counters use the spec's weights)."""
        assert not any(self.routes[t]), "clear a team before changing its members or companion"
        if self.journal is not None:
            self.journal.append(("spec", t, self.teams[t]))
        self._put_spec(t, spec)

    def _put_spec(self, t: int, spec: TeamSpec) -> None:
        """Swap a team's spec, keeping the deficit right (its days, hence H16's, may change)."""
        before = self.team_deficit(t)
        self.teams[t] = spec
        self.deficit += self.team_deficit(t) - before

    def undo(self) -> None:
        journal, self.journal = self.journal or [], None
        for entry in reversed(journal):
            if entry[0] == "day":
                _, t, di, route = entry
                self.set_day(t, di, route)
            else:
                _, t, spec = entry
                self._put_spec(t, spec)

    # ------------------------------------------------------------------ export

    def visits(self, t: int) -> tuple[Visit, ...]:
        out = []
        for di, route in enumerate(self.routes[t]):
            for s, start, _ in route:
                out.append(Visit(self.net.sites[s].id, self.net.days[di], start, start + self.net.dur[s]))
        return tuple(out)

    def copy_routes(self) -> list[list[list[tuple[int, int, bool]]]]:
        return [[list(r) for r in days] for days in self.routes]

    def load_routes(self, routes: list[list[list[tuple[int, int, bool]]]]) -> None:
        for t in range(len(self.teams)):
            for di in range(len(self.net.days)):
                self.set_day(t, di, [])
        for t in range(len(self.teams)):
            for di in range(len(self.net.days)):
                if routes[t][di]:
                    self.set_day(t, di, list(routes[t][di]))
