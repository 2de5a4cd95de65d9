"""Team formation (docs/planning-model.md §6), then companion matching.

Youths tied by must_with are merged into *units* (connected components) that always move together. The
cost of a team is the model's ``Σ_a Σ_v 100·|c_{t,a,v} − n_t·p_{a,v}| − 200·top_t`` (balance L1 deviation
minus interest cohesion); teams are grown greedily and improved by simulated annealing on unit swaps.
Companions are then matched most-constrained-first, with an augmenting-path pass so a perfect matching is
found whenever one exists.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from planning.model import Companion, Instance

__all__ = ["Formation", "Unit", "build_units", "formation_cost", "match_companions", "team_sizes"]


@dataclass(frozen=True)
class Unit:
    """Youths that must be in the same team (a must_with component), with what they share."""

    members: tuple[str, ...]
    days: frozenset[int]
    cannot: frozenset[str]
    size: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", len(self.members))


def build_units(instance: Instance) -> list[Unit]:
    """Must-with components, in instance order of their first youth."""
    groups = _must_with_groups(instance)
    by_id = instance.youth_by_id
    units = []
    for members in groups:
        days = frozenset.intersection(*(by_id[m].available_days for m in members))
        cannot: set[str] = set()
        for m in members:
            cannot.update(by_id[m].cannot_with)
        for m in members:  # cannot_with is symmetric even when written on one side only
            for y in instance.youths:
                if m in y.cannot_with:
                    cannot.add(y.id)
        units.append(Unit(tuple(members), days, frozenset(cannot)))
    return units


def _must_with_groups(instance: Instance) -> list[list[str]]:
    """The youths tied by must_with, directly or through others (union-find), in instance order."""
    parent = {y.id: y.id for y in instance.youths}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for youth in instance.youths:
        for other in youth.must_with:
            a, b = find(youth.id), find(other)
            if a != b:
                parent[b] = a
    groups: dict[str, list[str]] = {}
    for youth in instance.youths:
        groups.setdefault(find(youth.id), []).append(youth.id)
    return list(groups.values())


def team_sizes(n_youths: int, n_teams: int) -> list[int]:
    """The model fixes sizes up front: floor(N/T) or ceil(N/T), the larger ones first."""
    if n_teams <= 0:
        return []
    base, extra = divmod(n_youths, n_teams)
    return [base + 1] * extra + [base] * (n_teams - extra)


class Formation:
    """Cost model of a team split (balance deviation and interest cohesion), memoised per team."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.youths = instance.youth_by_id
        self.attributes = tuple(instance.params.balance_attributes)
        n = max(1, len(instance.youths))
        self.shares: dict[tuple[int, str], float] = {}
        for a, attribute in enumerate(self.attributes):
            counts = Counter(getattr(y, attribute, "") for y in instance.youths)
            for value, count in counts.items():
                self.shares[(a, value)] = count / n
        self.keys = {
            y.id: tuple((a, getattr(y, attribute, "")) for a, attribute in enumerate(self.attributes))
            for y in instance.youths
        }
        self.interests = {y.id: frozenset(y.interests) for y in instance.youths}
        self._memo: dict[frozenset[str], float] = {}

    def deviation(self, members: Iterable[str]) -> float:
        """Σ_a Σ_v |c_{a,v} − n·p_{a,v}|: the team's L1 distance from proportional representation."""
        members = list(members)
        size = len(members)
        counts: Counter[tuple[int, str]] = Counter()
        for m in members:
            counts.update(self.keys[m])
        # Values absent from the team contribute n·p each, and the shares of an attribute sum to 1.
        total = float(size * len(self.attributes))
        for key, count in counts.items():
            expected = size * self.shares[key]
            total += abs(count - expected) - expected
        return total

    def top_interest(self, members: Iterable[str]) -> int:
        counts = Counter(sector for m in members for sector in self.interests[m])
        return max(counts.values(), default=0)

    def cost(self, members: Sequence[str]) -> float:
        key = frozenset(members)
        cached = self._memo.get(key)
        if cached is None:
            cached = round(100.0 * self.deviation(members) - 200.0 * self.top_interest(members), 6)
            if len(self._memo) > 200_000:
                self._memo.clear()
            self._memo[key] = cached
        return cached


def formation_cost(instance: Instance, teams: Iterable[Sequence[str]]) -> float:
    model = Formation(instance)
    return sum(model.cost(members) for members in teams)


START_TEMPERATURE = 150.0
END_TEMPERATURE = 2.0


class _Split:
    """A mutable split of units into teams with cached per-team costs (for the annealing)."""

    def __init__(self, model: Formation, units: list[Unit], sizes: list[int], fixed: list[list[Unit]]) -> None:
        self.model = model
        self.units = units
        self.sizes = sizes
        self.teams: list[list[Unit]] = [list(f) for f in fixed] + [[] for _ in sizes]
        self.capacity = [sum(u.size for u in f) for f in fixed] + list(sizes)
        self.locked = len(fixed)
        self.cost: list[float] = [0.0] * len(self.teams)

    def members(self, t: int) -> list[str]:
        return [m for u in self.teams[t] for m in u.members]

    def load(self, t: int) -> int:
        return sum(u.size for u in self.teams[t])

    def refresh(self, t: int) -> None:
        self.cost[t] = self.model.cost(self.members(t)) if self.teams[t] else 0.0


def compatible(units: Sequence[Unit], extra: Unit | None = None) -> bool:
    """No cannot_with pair inside and at least one day everybody can come."""
    group = list(units) + ([extra] if extra is not None else [])
    ids = {m for u in group for m in u.members}
    days: frozenset[int] | None = None
    for u in group:
        if u.cannot & ids:
            return False
        days = u.days if days is None else days & u.days
    return days is None or bool(days)


def form_teams(
    instance: Instance,
    units: list[Unit],
    sizes: list[int],
    rng: random.Random,
    *,
    fixed: Sequence[Sequence[Unit]] = (),
    iterations: int = 10000,
    restarts: int = 8,
    deadline: float | None = None,
) -> list[list[str]] | None:
    """A good split of the free `units` into teams of the given `sizes` (after the `fixed` teams).

    Returns the member lists of the new teams only (fixed teams are context: they are never changed),
    or None when no split respecting sizes, cannot_with and common days was found.
    """
    model = Formation(instance)
    best: list[list[str]] | None = None
    best_cost = math.inf
    failures = 0
    attempt = 0
    while attempt < restarts and failures < 20:
        split = _greedy(model, units, sizes, [list(f) for f in fixed], rng, randomise=attempt + failures > 0)
        if split is None:
            failures += 1
            continue
        attempt += 1
        _anneal(split, rng, iterations)
        total = sum(split.cost[t] for t in range(split.locked, len(split.teams)))
        if total < best_cost - 1e-9:
            best_cost = total
            best = [split.members(t) for t in range(split.locked, len(split.teams))]
        if deadline is not None and time.perf_counter() > deadline:
            break
    return best


def _greedy(
    model: Formation, units: list[Unit], sizes: list[int], fixed: list[list[Unit]], rng: random.Random, randomise: bool
) -> _Split | None:
    split = _Split(model, units, sizes, fixed)
    order = list(units)
    if randomise:
        rng.shuffle(order)
    # Big units and youths with few days first: they are the hardest to place.
    order.sort(key=lambda u: (-u.size, len(u.days), len(u.cannot) * -1))
    free = range(split.locked, len(split.teams))
    for unit in order:
        best, best_cost = -1, math.inf
        for t in free:
            if split.load(t) + unit.size > split.capacity[t] or not compatible(split.teams[t], unit):
                continue
            members = split.members(t) + list(unit.members)
            # Fill teams evenly first so late units still find room, then balance.
            cost = model.cost(members) - (0 if split.teams[t] else 0) + 1000.0 * (split.load(t) > 0)
            if randomise:
                cost += rng.random() * 150.0
            if cost < best_cost:
                best, best_cost = t, cost
        if best < 0:
            return None
        split.teams[best].append(unit)
    for t in range(len(split.teams)):
        split.refresh(t)
    return split


def _anneal(split: _Split, rng: random.Random, iterations: int) -> None:
    """Simulated annealing on unit swaps (and size-exchanging moves), then a swap descent to polish."""
    free = list(range(split.locked, len(split.teams)))
    n_free = len(free)
    if n_free < 2:
        return
    teams, costs, cost = split.teams, split.cost, split.model.cost
    loads = [split.load(t) for t in range(len(teams))]
    temperature = START_TEMPERATURE
    cooling = (END_TEMPERATURE / temperature) ** (1.0 / max(1, iterations))
    random_ = rng.random
    for _ in range(iterations):
        temperature *= cooling
        a = free[int(random_() * n_free)]
        b = free[int(random_() * n_free)]
        if a == b:
            continue
        team_a, team_b = teams[a], teams[b]
        if not team_a or not team_b:
            continue
        proposal = _move_or_swap(team_a, team_b, loads[a], loads[b], rng)
        if proposal is None:
            continue
        new_a, new_b = proposal
        cost_a = cost([m for u in new_a for m in u.members])
        cost_b = cost([m for u in new_b for m in u.members])
        delta = cost_a + cost_b - costs[a] - costs[b]
        if delta > 0 and random_() >= math.exp(-delta / temperature):
            continue
        if not compatible(new_a) or not compatible(new_b):
            continue
        teams[a], teams[b] = new_a, new_b
        costs[a], costs[b] = cost_a, cost_b
        loads[a], loads[b] = sum(u.size for u in new_a), sum(u.size for u in new_b)
    if n_free <= 20:
        _descent(split, free)


def _move_or_swap(
    team_a: list[Unit], team_b: list[Unit], load_a: int, load_b: int, rng: random.Random
) -> tuple[list[Unit], list[Unit]] | None:
    """Teams a and b after a random unit of a moves to b, or is swapped for units of b of the same total size.

    None when the drawn unit has no counterpart in b, or when moving it would leave team a empty.
    """
    random_ = rng.random
    ua = int(random_() * len(team_a))
    unit_a = team_a[ua]
    if load_a - unit_a.size == load_b and random_() < 0.3:
        # Move: the two teams exchange their sizes, so the multiset of sizes is unchanged.
        new_a = team_a[:ua] + team_a[ua + 1 :]
        new_b = team_b + [unit_a]
        if not new_a:
            return None
    else:
        # Swap with a unit of the same size, or with several singles adding up to it.
        same = [i for i, u in enumerate(team_b) if u.size == unit_a.size]
        if same:
            picks = [same[int(random_() * len(same))]]
        else:
            singles = [i for i, u in enumerate(team_b) if u.size == 1]
            if len(singles) < unit_a.size:
                return None
            picks = rng.sample(singles, unit_a.size)
        new_a = team_a[:ua] + team_a[ua + 1 :] + [team_b[i] for i in picks]
        new_b = [u for i, u in enumerate(team_b) if i not in picks] + [unit_a]
    return new_a, new_b


def _descent(split: _Split, free: list[int]) -> None:
    """Best-improvement swaps of same-size units between every pair of teams until none improves."""
    while _improving_swap(split, free):
        pass


def _improving_swap(split: _Split, free: list[int]) -> bool:
    """Make the first swap of same-size units (in team order) that lowers the cost; False when none does."""
    teams, costs, cost = split.teams, split.cost, split.model.cost
    for ia, a in enumerate(free):
        for b in free[ia + 1 :]:
            for i, unit_a in enumerate(teams[a]):
                for j, unit_b in enumerate(teams[b]):
                    if unit_a.size != unit_b.size:
                        continue
                    new_a = teams[a][:i] + teams[a][i + 1 :] + [unit_b]
                    new_b = teams[b][:j] + teams[b][j + 1 :] + [unit_a]
                    cost_a = cost([m for u in new_a for m in u.members])
                    cost_b = cost([m for u in new_b for m in u.members])
                    if cost_a + cost_b < costs[a] + costs[b] - 1e-6 and compatible(new_a) and compatible(new_b):
                        teams[a], teams[b] = new_a, new_b
                        costs[a], costs[b] = cost_a, cost_b
                        return True
    return False


# --------------------------------------------------------------------------- companions


def team_days(instance: Instance, members: Iterable[str]) -> frozenset[int]:
    youths = instance.youth_by_id
    days = instance.day_ids
    for m in members:
        days = days & youths[m].available_days
    return days


def companion_capacity(instance: Instance, days: frozenset[int], companion: Companion) -> int:
    """Slots the companion offers on the team's days (0 when incompatible)."""
    total = 0
    for day in days:
        window = companion.window(day)
        if window is not None:
            total += window[1] - window[0]
    return total


def match_companions(
    instance: Instance, teams: Sequence[Sequence[str]], taken: Iterable[str] = (), fixed: dict[int, str] | None = None
) -> list[str | None]:
    """One distinct companion per team, most-constrained team first, cars to one-day teams.

    `fixed` maps team positions to companions that must be kept; `taken` companions are unavailable.
    Teams that cannot get a compatible companion get None.
    """
    fixed = dict(fixed or {})
    used = set(taken) | set(fixed.values())
    companions = [c for c in instance.companions if c.id not in used]
    days = [team_days(instance, members) for members in teams]
    options: dict[int, list[Companion]] = {}
    for t, team_day_set in enumerate(days):
        if t in fixed:
            continue
        options[t] = [c for c in companions if companion_capacity(instance, team_day_set, c) > 0]

    def preference(t: int, c: Companion) -> tuple:
        one_day = len(days[t]) <= 1
        # Cars matter most to teams that must squeeze every visit into a single day.
        return (-(c.has_car * (2 if one_day else 1)), -companion_capacity(instance, days[t], c), c.id)

    for t in options:
        options[t].sort(key=lambda c, t=t: preference(t, c))
    assigned: dict[int, str] = {}
    owner: dict[str, int] = {}
    order = sorted(options, key=lambda t: (len(options[t]), len(days[t]), t))
    for t in order:
        choice = next((c for c in options[t] if c.id not in owner), None)
        if choice is None:
            # Augmenting path: let an earlier team take another companion to free one for t.
            if not _augment(t, options, assigned, owner, set()):
                continue
            continue
        assigned[t] = choice.id
        owner[choice.id] = t
    result: list[str | None] = []
    for t in range(len(teams)):
        result.append(fixed.get(t, assigned.get(t)))
    return result


def _augment(t: int, options: dict[int, list[Companion]], assigned: dict[int, str], owner: dict[str, int], seen: set):
    for c in options[t]:
        if c.id in seen:
            continue
        seen.add(c.id)
        holder = owner.get(c.id)
        if holder is None or _augment(holder, options, assigned, owner, seen):
            assigned[t] = c.id
            owner[c.id] = t
            return True
    return False
