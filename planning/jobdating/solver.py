"""Job-dating interview planner; the format is in `model`, the validator and metrics in `rules`.

What a caller needs is re-exported by the package (planning.jobdating).

`solve_job_dating` builds a plan in three steps, all deterministic for a given seed (as long as the time
box does not cut them short):

1. Locked interviews (organiser's choices) are placed first and never moved; they must obey every rule or
   `JobDatingInfeasible` lists their violations. The remaining interviews of `start` are then kept where
   they still fit, so re-planning disturbs the published plan as little as possible (a fresh plan is also
   built and kept only if it serves youths or wishes better; compactness alone never reshuffles a day).
2. Greedy round-robin: round k gives a k-th interview to every youth that can still have one, most
   constrained youth first (fewest free matching company slots), preferring wished companies, companies
   with spare capacity for their demand, and slots next to the youth's other interviews.
3. Improvement until nothing changes: for youths with the fewest interviews first, insert an interview
   by an ejection chain (move other youths' interviews to another slot or company: up to three moves for a
   youth without interview, two otherwise; dead ends are remembered until the plan changes),
   by moving one of the youth's own interviews, or by taking it from a youth with two more interviews;
   then swap interviews towards wished companies, then move or swap slots to compact each youth's day.
4. Second round (``params.second_round``, on by default): each youth still without any interview gets one
   with a company that has a free slot, even outside their interests (marked ``outside_interests``).

Objective, lexicographic: youths with ≥ 1 interview, ≥ 2, … (fairness; the total follows), total
interviews, wishes honoured, minus idle slots. `on_progress` receives a dict
``{"phase", "elapsed", "interviews", "youths_with_interview"}`` after each phase.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from planning.jobdating.model import (
    Interview,
    JobDatingInstance,
    JobDatingPlan,
    Violation,
)
from planning.jobdating.rules import idle_slots, job_dating_metrics, validate_job_dating

log = logging.getLogger(__name__)

SOLVER_NAME = "jobdating-greedy+repair"


class JobDatingInfeasible(Exception):
    """The locked interviews themselves break hard rules; `problems` lists the violations."""

    def __init__(self, problems: Iterable[Violation]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(p.message for p in self.problems))


@dataclass(frozen=True)
class JobDatingResult:
    """The best plan found (0 violations), how long it took and whether it was cut short."""

    plan: JobDatingPlan
    seconds: float
    stopped: bool = False
    stats: Mapping[str, Any] = field(default_factory=dict, compare=False)


class _Stop(Exception):
    """Raised inside the search when the time box is over or the caller cancelled."""


@dataclass
class _Memo:
    """What insertion attempts learnt about the current plan: free moves and dead ends (approximate:
    a dead end found while some youths were banned from moving is not retried for other youths)."""

    moves: dict[tuple[int, int], tuple[int, int] | None] = field(default_factory=dict)
    failed: set[tuple[int, int, int]] = field(default_factory=set)
    explored: set[tuple[int, int, int]] = field(default_factory=set)


class _Search:
    """Mutable plan over integer indices, kept valid (all hard rules) after every move."""

    def __init__(self, inst: JobDatingInstance, seed: int, deadline: float, should_stop: Callable[[], bool] | None):
        self.inst = inst
        self.rng = random.Random(seed)
        self.deadline = deadline
        self.should_stop = should_stop
        self.ticks = 0
        n = self.n_slots = inst.params.n_slots
        self.gap = inst.params.gap_slots
        self.cidx = {c.id: i for i, c in enumerate(inst.companies)}
        self.yidx = {y.id: i for i, y in enumerate(inst.youths)}
        self.cap = [[c.interviewers if s in c.open_slots else 0 for s in range(n)] for c in inst.companies]
        self.occ: list[list[list[int]]] = [[[] for _ in range(n)] for _ in inst.companies]
        self.remaining = [sum(row) for row in self.cap]
        # Slots where each company still has a free recruiter; iterated in slot order for determinism.
        self.spare: list[set[int]] = [{s for s in range(n) if row[s]} for row in self.cap]
        self.avail = [[s in y.available_slots for s in range(n)] for y in inst.youths]
        self.limit = [inst.max_interviews(y) for y in inst.youths]
        self.wants = [frozenset(self.cidx[w] for w in y.wants) for y in inst.youths]
        self.options = [
            [
                ci
                for ci, c in enumerate(inst.companies)
                if inst.matches(y, c) and any(self.avail[yi][s] and self.cap[ci][s] for s in range(n))
            ]
            for yi, y in enumerate(inst.youths)
        ]
        self.demand = [0] * len(inst.companies)
        for opts in self.options:
            for ci in opts:
                self.demand[ci] += 1
        self.at: list[dict[int, int]] = [{} for _ in inst.youths]  # youth -> {company: slot}
        self.locked: set[tuple[int, int]] = set()
        self.outside: set[tuple[int, int]] = set()  # second-round interviews (youth, company)
        self.was_outside: dict[int, tuple[int, int]] = {}  # youth -> (company, slot) of their previous one
        self.noise = [self.rng.random() for _ in inst.youths]
        self._memo: _Memo | None = None

    # ------------------------------------------------------------------ primitives

    def tick(self) -> None:
        self.ticks += 1
        if self.ticks % 32 == 0 and (
            time.perf_counter() > self.deadline or (self.should_stop is not None and self.should_stop())
        ):
            raise _Stop

    def free(self, c: int, s: int) -> bool:
        return s in self.spare[c]

    def spare_slots(self, c: int) -> list[int]:
        return sorted(self.spare[c])

    def youth_ok(self, y: int, s: int, skip: int = -1) -> bool:
        """Available, and far enough from the youth's other interviews (ignoring the one with `skip`)."""
        if not self.avail[y][s]:
            return False
        gap = self.gap
        return all(abs(t - s) > gap for c, t in self.at[y].items() if c != skip)

    @property
    def memo(self) -> _Memo:
        """Search knowledge that stays true until the plan changes (failed attempts change nothing)."""
        if self._memo is None:
            self._memo = _Memo()
        return self._memo

    def add(self, y: int, c: int, s: int) -> None:
        self._memo = None
        self.at[y][c] = s
        self.occ[c][s].append(y)
        self.remaining[c] -= 1
        if len(self.occ[c][s]) >= self.cap[c][s]:
            self.spare[c].discard(s)

    def remove(self, y: int, c: int) -> int:
        self._memo = None
        s = self.at[y].pop(c)
        self.occ[c][s].remove(y)
        self.remaining[c] += 1
        if len(self.occ[c][s]) < self.cap[c][s]:
            self.spare[c].add(s)
        return s

    def movable(self, y: int, c: int) -> bool:
        return (y, c) not in self.locked

    def idle_with(self, y: int, s: int, skip: int = -1) -> int:
        return idle_slots([t for c, t in self.at[y].items() if c != skip] + [s])

    def count(self, y: int) -> int:
        return len(self.at[y])

    def objective(self) -> tuple[Any, ...]:
        counts = [len(a) for a in self.at]
        levels = tuple(sum(1 for n in counts if n >= k) for k in range(1, max(self.limit, default=0) + 1))
        wishes = sum(1 for y, a in enumerate(self.at) for c in a if c in self.wants[y])
        idle = sum(idle_slots(a.values()) for a in self.at)
        return (*levels, sum(counts), wishes, -idle)

    def interviews(self) -> tuple[Interview, ...]:
        companies, youths = self.inst.companies, self.inst.youths
        found = [
            Interview(youths[y].id, companies[c].id, s, outside_interests=(y, c) in self.outside)
            for y, a in enumerate(self.at)
            for c, s in a.items()
        ]
        return tuple(sorted(found, key=lambda i: (i.slot, i.company_id, i.youth_id)))

    # ------------------------------------------------------------------ seeding and greedy

    def place_fixed(self, interviews: Iterable[Interview], *, lock: bool) -> None:
        """Keep interviews from a previous plan: locked ones as they are, the others where they still fit."""
        for i in interviews:
            y, c = self.yidx.get(i.youth_id), self.cidx.get(i.company_id)
            if y is None or c is None or not 0 <= i.slot < self.n_slots:
                continue
            if lock:
                self.add(y, c, i.slot)
                self.locked.add((y, c))
                if i.outside_interests and not self.inst.matches(self.inst.youths[y], self.inst.companies[c]):
                    # a second-round interview is the youth's only one
                    self.outside.add((y, c))
                    self.limit[y] = 1
            elif i.outside_interests and c not in self.options[y]:
                # A second-round interview: kept by the second round if the youth still has no other one.
                self.was_outside[y] = (c, i.slot)
            elif (
                c in self.options[y]
                and c not in self.at[y]
                and self.count(y) < self.limit[y]
                and self.free(c, i.slot)
                and self.youth_ok(y, i.slot)
            ):
                self.add(y, c, i.slot)

    def youth_slots(self, y: int) -> list[int]:
        """Slots where youth y could take one more interview (available, clear of their other interviews)."""
        return [s for s in range(self.n_slots) if self.youth_ok(y, s)]

    def best_free_spot(self, y: int) -> tuple[int, int] | None:
        """The free spot to give youth y: wished company, then low demand for the company's spare capacity,
        then the slot keeping the youth's day compact, then the emptier slot, then the earlier one."""
        ok = self.youth_slots(y)
        if not ok:
            return None
        taken = list(self.at[y].values())
        idle = {s: idle_slots([*taken, s]) for s in ok} if taken else dict.fromkeys(ok, 0)
        best, best_key = None, None
        for c in self.options[y]:
            if c in self.at[y]:
                continue
            spare, cap, occ = self.spare[c], self.cap[c], self.occ[c]
            head = (c not in self.wants[y], self.demand[c] / (self.remaining[c] + 1))
            if best_key is not None and head > best_key[:2]:
                continue
            for s in ok:
                if s in spare:
                    key = (*head, idle[s], len(occ[s]) - cap[s], s)
                    if best_key is None or key < best_key:
                        best, best_key = (c, s), key
        return best

    def flexibility(self, y: int) -> int:
        ok = self.youth_slots(y)
        return sum(1 for c in self.options[y] if c not in self.at[y] for s in ok if s in self.spare[c])

    def greedy(self) -> None:
        for k in range(1, max(self.limit, default=0) + 1):
            waiting = [y for y in range(len(self.at)) if self.count(y) < min(k, self.limit[y]) and self.options[y]]
            waiting.sort(key=lambda y: (self.count(y), self.flexibility(y), self.noise[y]))
            for y in waiting:
                self.tick()
                spot = self.best_free_spot(y)
                if spot is not None:
                    self.add(y, *spot)

    # ------------------------------------------------------------------ improvement: more interviews

    def free_move(self, y: int, c_from: int, cache: dict[tuple[int, int], tuple[int, int] | None]):
        """A free spot where youth y's interview with c_from could go instead (same company or another)."""
        key = (y, c_from)
        if key not in cache:
            cache[key] = None
            for c in [c_from, *self.options[y]]:
                if c != c_from and c in self.at[y]:
                    continue
                for s in self.spare_slots(c):
                    if (c, s) != (c_from, self.at[y][c_from]) and self.youth_ok(y, s, c_from):
                        cache[key] = (c, s)
                        break
                if cache[key] is not None:
                    break
        return cache[key]

    def move(self, y: int, c_from: int, to: tuple[int, int]) -> None:
        self.remove(y, c_from)
        self.add(y, *to)

    def vacate(self, c: int, s: int, banned: frozenset[int], depth: int, memo: _Memo) -> bool:
        """Free one place at (c, s) by moving an occupant elsewhere, with up to `depth` further moves."""
        if (c, s, depth) in memo.failed:
            return False
        if self.move_an_occupant(c, s, banned, memo):
            return True
        if depth > 0 and self.vacate_by_chain(c, s, banned, depth, memo):
            return True
        memo.failed.add((c, s, depth))
        return False

    def move_an_occupant(self, c: int, s: int, banned: frozenset[int], memo: _Memo) -> bool:
        """Free one place at (c, s) by moving one of its youths straight to a free spot."""
        for y2 in self.occ[c][s]:
            if y2 in banned or not self.movable(y2, c):
                continue
            to = self.free_move(y2, c, memo.moves)
            if to is not None:
                self.move(y2, c, to)
                return True
        return False

    def vacate_by_chain(self, c: int, s: int, banned: frozenset[int], depth: int, memo: _Memo) -> bool:
        """Free one place at (c, s) by moving one of its youths to a spot that `vacate` frees first (depth - 1)."""
        for y2 in list(self.occ[c][s]):
            if y2 in banned or not self.movable(y2, c) or (y2, c, depth) in memo.explored:
                continue
            memo.explored.add((y2, c, depth))
            for c2 in [c, *self.options[y2]]:
                if c2 != c and c2 in self.at[y2]:
                    continue
                for s2 in range(self.n_slots):
                    if (c2, s2) == (c, s) or self.cap[c2][s2] == 0 or not self.youth_ok(y2, s2, c):
                        continue
                    self.tick()
                    if self.vacate(c2, s2, banned | {y2}, depth - 1, memo):
                        self.move(y2, c, (c2, s2))
                        return True
        return False

    def try_insert(self, y: int, depth: int) -> bool:
        spot = self.best_free_spot(y)
        if spot is not None:
            self.add(y, *spot)
            return True
        full = [
            (c, s)
            for c in sorted(self.options[y], key=lambda c: c not in self.wants[y])
            if c not in self.at[y]
            for s in range(self.n_slots)
            if self.cap[c][s] and self.youth_ok(y, s)
        ]
        memo = self.memo
        for d in range(depth + 1):
            for c, s in full:
                self.tick()
                if self.vacate(c, s, frozenset({y}), d, memo):
                    self.add(y, c, s)
                    return True
        if self.make_room(y):
            return True
        # Take it from a youth who has two interviews more (fairness first).
        for c, s in full:
            for y2 in self.occ[c][s]:
                if self.count(y2) >= self.count(y) + 2 and self.movable(y2, c):
                    self.remove(y2, c)
                    self.add(y, c, s)
                    return True
        return False

    def make_room(self, y: int) -> bool:
        """Move one of the youth's own interviews so that a free matching slot becomes usable."""
        if self.count(y) == 0:
            return False
        for c in self.options[y]:
            if c in self.at[y]:
                continue
            for s in self.spare_slots(c):
                if not self.avail[y][s]:
                    continue
                blocking = [b for b, t in self.at[y].items() if abs(t - s) <= self.gap]
                if len(blocking) != 1 or not self.movable(y, blocking[0]):
                    continue
                b = blocking[0]
                for t2 in self.spare_slots(b):
                    if abs(t2 - s) > self.gap and t2 != self.at[y][b] and self.youth_ok(y, t2, b):
                        self.tick()
                        self.move(y, b, (b, t2))
                        self.add(y, c, s)
                        return True
        return False

    def fill(self) -> bool:
        """Insertion rounds, fewest interviews first; True if anything was added."""
        changed, progress = False, True
        while progress:
            progress = False
            order = sorted(range(len(self.at)), key=lambda y: (self.count(y), self.noise[y]))
            for y in order:
                if self.options[y] and self.count(y) < self.limit[y]:
                    self.tick()
                    if self.try_insert(y, depth=2 if self.count(y) == 0 else 1):
                        progress = changed = True
        return changed

    # ------------------------------------------------------------------ improvement: wishes and compactness

    def honour_wishes(self) -> bool:
        changed = False
        for y in range(len(self.at)):
            for w in sorted(self.wants[y] - self.at[y].keys()):
                if w not in self.options[y]:
                    continue
                self.tick()
                done = False
                for c_old in [c for c in self.at[y] if c not in self.wants[y] and self.movable(y, c)]:
                    for s in range(self.n_slots):
                        fits = self.cap[w][s] and self.youth_ok(y, s, c_old)
                        if fits and (self.free(w, s) or self.vacate_same_company(w, s, y)):
                            self.remove(y, c_old)
                            self.add(y, w, s)
                            done = changed = True
                            break
                    if done:
                        break
        return changed

    def vacate_same_company(self, c: int, s: int, y: int) -> bool:
        """Move another youth's interview with c from slot s to a free slot of c (keeps their wishes)."""
        for y2 in self.occ[c][s]:
            if y2 == y or not self.movable(y2, c):
                continue
            for s2 in self.spare_slots(c):
                if s2 != s and self.youth_ok(y2, s2, c):
                    self.move(y2, c, (c, s2))
                    return True
        return False

    def compact(self) -> bool:
        changed = False
        for y in range(len(self.at)):
            if self.count(y) < 2:
                continue
            self.tick()
            for c, t in list(self.at[y].items()):
                if not self.movable(y, c):
                    continue
                before = idle_slots(self.at[y].values())
                for s in range(self.n_slots):
                    if s == t or not self.cap[c][s] or not self.youth_ok(y, s, c):
                        continue
                    gain = before - self.idle_with(y, s, c)
                    if gain <= 0:
                        continue
                    if self.free(c, s):
                        self.move(y, c, (c, s))
                        changed = True
                        break
                    if self.swap_gain(y, c, t, s, gain):
                        changed = True
                        break
        return changed

    def swap_gain(self, y: int, c: int, t: int, s: int, gain: int) -> bool:
        """Swap slots t and s at company c with another youth if the total idle time drops."""
        for y2 in self.occ[c][s]:
            if y2 == y or not self.movable(y2, c) or not self.youth_ok(y2, t, c):
                continue
            if idle_slots(self.at[y2].values()) - self.idle_with(y2, t, c) + gain > 0:
                self.remove(y2, c)
                self.move(y, c, (c, s))
                self.add(y2, c, t)
                return True
        return False

    # ------------------------------------------------------------------ second round: outside interests

    def second_round(self) -> None:
        """Give each youth still without an interview one with a company that has a free slot, even outside
        their interests (never an avoided company); once the first round is over, so no one loses a match."""
        if not self.inst.params.second_round:
            return
        for y, youth in enumerate(self.inst.youths):
            if self.at[y] or self.limit[y] == 0:
                continue
            avoid = frozenset(self.cidx[a] for a in youth.avoid)
            spot = self.previous_outside(y, avoid) or self.outside_spot(y, avoid)
            if spot is not None:
                self.add(y, *spot)
                self.outside.add((y, spot[0]))

    def previous_outside(self, y: int, avoid: frozenset[int]) -> tuple[int, int] | None:
        """The youth's second-round interview of the starting plan, when it still fits (a published day
        changes as little as possible)."""
        spot = self.was_outside.get(y)
        if spot is None or spot[0] in avoid or not self.free(*spot) or not self.avail[y][spot[1]]:
            return None
        return spot

    def outside_spot(self, y: int, avoid: frozenset[int]) -> tuple[int, int] | None:
        """The free spot with the company that has the most room left, then the emptier, earlier slot."""
        best, best_key = None, None
        for c in range(len(self.inst.companies)):
            if c in avoid:
                continue
            for s in self.spare_slots(c):
                key = (-self.remaining[c], len(self.occ[c][s]), s, c)
                if self.avail[y][s] and (best_key is None or key < best_key):
                    best, best_key = (c, s), key
        return best

    def improve(self, report: Callable[[str], None]) -> None:
        self.greedy()
        report("greedy")
        while True:
            added = self.fill()
            report("fill")
            polished = False
            while self.honour_wishes() | self.compact():
                polished = True
            report("polish")
            if not added and not polished:
                return


def _locked_interviews(
    instance: JobDatingInstance, start: JobDatingPlan | None, locked: frozenset[tuple[str, str]]
) -> list[Interview]:
    if not locked:
        return []
    pairs = {(i.youth_id, i.company_id): i for i in start.interviews} if start is not None else {}
    missing = sorted(locked - pairs.keys())
    if missing:
        raise ValueError(f"locked interviews missing from the starting plan: {missing}")
    kept = [pairs[p] for p in sorted(locked)]
    problems = validate_job_dating(instance, JobDatingPlan(interviews=tuple(kept)))
    if problems:
        raise JobDatingInfeasible(problems)
    return kept


def solve_job_dating(
    instance: JobDatingInstance,
    *,
    seconds: float = 2.0,
    seed: int = 0,
    start: JobDatingPlan | None = None,
    locked: frozenset[tuple[str, str]] = frozenset(),
    should_stop: Callable[[], bool] | None = None,
    on_progress: Callable[[dict[str, Any]], None] | None = None,
) -> JobDatingResult:
    """Plan interviews within `seconds`; the returned plan always passes `validate_job_dating`.

    `locked` holds (youth_id, company_id) pairs whose interview in `start` is kept exactly; a locked pair
    missing from `start` raises ValueError, locked interviews breaking a rule raise JobDatingInfeasible.
    `should_stop` is polled often; when it returns True (or time is up) the best valid plan so far is returned.
    """
    began = time.perf_counter()
    fixed = _locked_interviews(instance, start, locked)
    hints = [i for i in start.interviews if (i.youth_id, i.company_id) not in locked] if start else None
    stopped = False

    def report(phase: str, search: _Search) -> None:
        if on_progress is not None:
            at = search.at
            on_progress(
                {
                    "phase": phase,
                    "elapsed": round(time.perf_counter() - began, 3),
                    "interviews": sum(len(a) for a in at),
                    "youths_with_interview": sum(1 for a in at if a),
                }
            )

    searches: list[_Search] = []
    runs = [hints, None] if hints else [None]
    for n, hint in enumerate(runs):
        share = (seconds - (time.perf_counter() - began)) / (len(runs) - n)
        search = _Search(instance, seed, time.perf_counter() + share, should_stop)
        search.place_fixed(fixed, lock=True)
        if hint:
            search.place_fixed(hint, lock=False)
        searches.append(search)
        try:
            search.improve(lambda phase, s=search: report(phase, s))
        except _Stop:
            stopped = True
            if should_stop is not None and should_stop():
                break
    # The plan kept close to `start` wins unless the fresh one serves youths better (idle time alone is not
    # worth reshuffling a published day).
    best = max(searches, key=lambda search: search.objective()[:-1])
    for search in searches:  # the fresh plan may win: it still keeps earlier second-round spots if it can
        best.was_outside.update(search.was_outside)
    best.second_round()
    plan = JobDatingPlan(interviews=best.interviews(), instance=instance.name, solver=SOLVER_NAME)
    problems = validate_job_dating(instance, plan)
    if problems:  # a solver bug: never hand out an invalid plan, fall back to the locked interviews
        log.error("job-dating solver produced %d violations, e.g. %s", len(problems), problems[0].message)
        plan = JobDatingPlan(interviews=tuple(fixed), instance=instance.name, solver=SOLVER_NAME)
    elapsed = time.perf_counter() - began
    stats = {**job_dating_metrics(instance, plan), "seed": seed, "stopped": stopped, "fallback": bool(problems)}
    plan = JobDatingPlan(
        interviews=plan.interviews, instance=instance.name, solver=SOLVER_NAME, seconds=elapsed, stats=stats
    )
    return JobDatingResult(plan=plan, seconds=elapsed, stopped=stopped, stats=MappingProxyType(stats))
