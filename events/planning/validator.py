"""The single implementation of the hard rules H01–H15 (MODEL.md §1.4).

The solver, its command-line entry and the web app all call `validate`, so a plan is judged the same
way everywhere. Every rule is checked (no early exit) so an organiser sees all problems at once, and
messages name teams, youths, sites, days and clock times so they can be acted upon without the JSON.

Interpretations (documented because MODEL.md leaves them open):

* A visit that fails H06 (unknown site, unknown day, wrong length, outside the day grid) is reported
  once under H06 and ignored by the positional rules H07–H14; it still counts for H15.
* H10 covers consecutive visits of a team on a day (overlap and travel between sites); the depot legs
  are the implicit departure/return of H11, checked against the companion window
  (MODEL.md §1.3: ``30·st_j ≥ 30·α + τ_0j`` and ``30·(st_i + δ_i) + τ_i0 ≤ 30·β``), with slot_minutes for 30.
* A team without a known companion (H03) is checked for travel with the car matrix (the fastest, so any
  H10 reported is certain whatever companion is chosen) and is not checked for H11.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from events.planning.model import Companion, Instance, Site, Solution, Team, Visit

__all__ = ["Violation", "validate"]


@dataclass(frozen=True)
class Violation:
    """One broken hard rule, with the ids needed to point at it in a UI."""

    code: str
    message: str
    team: str | None = None
    youth: str | None = None
    site: str | None = None
    day: int | None = None
    slot: int | None = None

    def sort_key(self) -> tuple[str, str, int, int, str, str, str]:
        return (
            self.code,
            self.team or "",
            -1 if self.day is None else self.day,
            -1 if self.slot is None else self.slot,
            self.site or "",
            self.youth or "",
            self.message,
        )


def validate(instance: Instance, solution: Solution) -> list[Violation]:
    """All hard-rule violations of `solution`, ordered by code, team, day and slot."""
    checker = _Checker(instance, solution)
    found: list[Violation] = []
    for rule in (
        checker.h01_coverage,
        checker.h02_team_size,
        checker.h03_companion,
        checker.h04_must_with,
        checker.h05_cannot_with,
        checker.h06_visit_shape,
        checker.h07_opening,
        checker.h08_capacity,
        checker.h09_max_teams,
        checker.h10_travel,
        checker.h11_companion_window,
        checker.h12_youth_availability,
        checker.h13_accessibility,
        checker.h14_no_repeat,
        checker.h15_visit_counts,
    ):
        found.extend(rule())
    return sorted(found, key=Violation.sort_key)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class _Checker:
    """Shared lookups for the rule functions; one instance per `validate` call."""

    def __init__(self, instance: Instance, solution: Solution) -> None:
        self.inst = instance
        self.sol = solution
        self.params = instance.params
        self.sites = instance.site_by_id
        self.youths = instance.youth_by_id
        self.companions = instance.companion_by_id
        self.day_ids = instance.day_ids
        self.team_of: dict[str, str] = {}
        for team in solution.teams:
            for member in team.members:
                self.team_of.setdefault(member, team.id)

    # ------------------------------------------------------------------ helpers

    def t(self, slot: int, extra: float = 0) -> str:
        return self.inst.clock(slot, extra)

    def shape_problems(self, visit: Visit) -> list[str]:
        """Why a visit is malformed (H06); empty when its site, day and slots make sense."""
        problems = []
        site = self.sites.get(visit.site_id)
        if site is None:
            problems.append(f"site {visit.site_id} is unknown")
        if visit.day not in self.day_ids:
            problems.append(f"day {visit.day} is not an event day")
        if visit.slot_start < 0:
            problems.append(f"slot_start {visit.slot_start} is negative")
        if visit.slot_end > self.params.n_slots:
            problems.append(f"slot_end {visit.slot_end} is beyond the last slot ({self.params.n_slots})")
        if site is not None and visit.slot_end - visit.slot_start != site.duration_slots:
            problems.append(
                f"it lasts {visit.slot_end - visit.slot_start} slots instead of {site.duration_slots}"
                f" (slot {visit.slot_start} to {visit.slot_end})"
            )
        return problems

    def valid_visits(self, team: Team) -> list[tuple[Visit, Site]]:
        """Well-formed visits, sorted by day and start, as MODEL.md §5 reads them."""
        good = [(v, self.sites[v.site_id]) for v in team.visits if not self.shape_problems(v)]
        return sorted(good, key=lambda vs: (vs[0].day, vs[0].slot_start, vs[0].slot_end, vs[0].site_id))

    def visits_by_day(self, team: Team) -> dict[int, list[tuple[Visit, Site]]]:
        by_day: dict[int, list[tuple[Visit, Site]]] = defaultdict(list)
        for visit, site in self.valid_visits(team):
            by_day[visit.day].append((visit, site))
        return dict(by_day)

    def companion(self, team: Team) -> Companion | None:
        return self.companions.get(team.companion) if team.companion else None

    def by_car(self, team: Team) -> bool:
        companion = self.companion(team)
        return True if companion is None else companion.has_car

    def known_members(self, team: Team) -> list[str]:
        return [m for m in dict.fromkeys(team.members) if m in self.youths]

    # ------------------------------------------------------------------ H01–H05: teams

    def h01_coverage(self) -> Iterable[Violation]:
        teams_of: dict[str, list[str]] = defaultdict(list)
        for team in self.sol.teams:
            for member in team.members:
                teams_of[member].append(team.id)
        for youth_id, team_ids in teams_of.items():
            if youth_id not in self.youths:
                for team_id in dict.fromkeys(team_ids):
                    yield Violation(
                        "H01", f"Team {team_id} lists unknown youth {youth_id}", team=team_id, youth=youth_id
                    )
            elif len(team_ids) > 1:
                yield Violation(
                    "H01",
                    f"Youth {youth_id} is listed {len(team_ids)} times (teams {', '.join(team_ids)})"
                    " but must be in exactly one team",
                    team=team_ids[1],
                    youth=youth_id,
                )
        for youth in self.inst.youths:
            if youth.id not in teams_of:
                yield Violation("H01", f"Youth {youth.id} is in no team", youth=youth.id)

    def h02_team_size(self) -> Iterable[Violation]:
        low, high = self.params.team_size_min, self.params.team_size_max
        for team in self.sol.teams:
            size = len(team.members)
            if not low <= size <= high:
                yield Violation(
                    "H02",
                    f"Team {team.id} has {_plural(size, 'member')} but a team must have {low} to {high}",
                    team=team.id,
                )

    def h03_companion(self) -> Iterable[Violation]:
        first_team: dict[str, str] = {}
        for team in self.sol.teams:
            if not team.companion:
                yield Violation("H03", f"Team {team.id} has no companion", team=team.id)
            elif team.companion not in self.companions:
                yield Violation("H03", f"Team {team.id} has unknown companion {team.companion}", team=team.id)
            elif team.companion in first_team:
                yield Violation(
                    "H03",
                    f"Team {team.id} shares companion {team.companion} with team {first_team[team.companion]}",
                    team=team.id,
                )
            else:
                first_team[team.companion] = team.id

    def h04_must_with(self) -> Iterable[Violation]:
        seen: set[frozenset[str]] = set()
        for youth in self.inst.youths:
            for other in youth.must_with:
                pair = frozenset((youth.id, other))
                mine, theirs = self.team_of.get(youth.id), self.team_of.get(other)
                if pair in seen or mine is None or theirs is None or mine == theirs:
                    continue  # unassigned youths are already an H01 violation
                seen.add(pair)
                yield Violation(
                    "H04",
                    f"Youth {youth.id} (team {mine}) must be with youth {other} but {other} is in team {theirs}",
                    team=mine,
                    youth=youth.id,
                )

    def h05_cannot_with(self) -> Iterable[Violation]:
        seen: set[frozenset[str]] = set()
        for team in self.sol.teams:
            members = set(team.members)
            for youth_id in self.known_members(team):
                for other in self.youths[youth_id].cannot_with:
                    pair = frozenset((youth_id, other))
                    if other in members and pair not in seen:
                        seen.add(pair)
                        yield Violation(
                            "H05",
                            f"Team {team.id} contains youths {youth_id} and {other} who must not be together",
                            team=team.id,
                            youth=youth_id,
                        )

    # ------------------------------------------------------------------ H06–H09: visits and sites

    def h06_visit_shape(self) -> Iterable[Violation]:
        for team in self.sol.teams:
            for visit in team.visits:
                problems = self.shape_problems(visit)
                if problems:
                    yield Violation(
                        "H06",
                        f"Team {team.id} has an invalid visit to {visit.site_id} on day {visit.day}: "
                        + "; ".join(problems),
                        team=team.id,
                        site=visit.site_id,
                        day=visit.day,
                        slot=visit.slot_start,
                    )

    def h07_opening(self) -> Iterable[Violation]:
        for team in self.sol.teams:
            for visit, site in self.valid_visits(team):
                windows = site.open.get(visit.day, ())
                if any(a <= visit.slot_start and visit.slot_end <= b for a, b in windows):
                    continue
                hours = ", ".join(f"{self.t(a)}-{self.t(b)}" for a, b in windows) or "closed all day"
                yield Violation(
                    "H07",
                    f"Team {team.id} visits {site.id} on day {visit.day} at {self.t(visit.slot_start)}"
                    f" (until {self.t(visit.slot_end)}) but {site.id} is closed then (open: {hours})",
                    team=team.id,
                    site=site.id,
                    day=visit.day,
                    slot=visit.slot_start,
                )

    def h08_capacity(self) -> Iterable[Violation]:
        present: dict[tuple[str, int, int], list[str]] = defaultdict(list)
        for team in self.sol.teams:
            for visit, site in self.valid_visits(team):
                for slot in range(visit.slot_start, visit.slot_end):
                    if team.id not in present[(site.id, visit.day, slot)]:
                        present[(site.id, visit.day, slot)].append(team.id)
        # Merge consecutive over-capacity slots with the same teams into one violation.
        runs: list[tuple[str, int, int, int, tuple[str, ...]]] = []
        for (site_id, day, slot), teams in sorted(present.items()):
            if len(teams) <= self.sites[site_id].capacity:
                continue
            key = tuple(sorted(teams))
            if runs and runs[-1][:2] == (site_id, day) and runs[-1][3] == slot and runs[-1][4] == key:
                runs[-1] = (site_id, day, runs[-1][2], slot + 1, key)
            else:
                runs.append((site_id, day, slot, slot + 1, key))
        for site_id, day, start, end, teams in runs:
            yield Violation(
                "H08",
                f"Site {site_id} hosts {len(teams)} teams ({', '.join(teams)}) on day {day} from {self.t(start)}"
                f" to {self.t(end)} but its capacity is {self.sites[site_id].capacity}",
                team=teams[-1],
                site=site_id,
                day=day,
                slot=start,
            )

    def h09_max_teams(self) -> Iterable[Violation]:
        teams_at: dict[str, list[str]] = defaultdict(list)
        for team in self.sol.teams:
            for _, site in self.valid_visits(team):
                if team.id not in teams_at[site.id]:
                    teams_at[site.id].append(team.id)
        for site in self.inst.sites:
            teams = teams_at.get(site.id, [])
            if site.max_teams is not None and len(teams) > site.max_teams:
                yield Violation(
                    "H09",
                    f"Site {site.id} is visited by {len(teams)} teams ({', '.join(teams)})"
                    f" but accepts at most {site.max_teams} over the event",
                    team=teams[site.max_teams],
                    site=site.id,
                )

    # ------------------------------------------------------------------ H10–H11: itineraries

    def h10_travel(self) -> Iterable[Violation]:
        for team in self.sol.teams:
            by_car = self.by_car(team)
            mode = "by car" if by_car else "by public transit"
            for day, visits in sorted(self.visits_by_day(team).items()):
                for (prev, prev_site), (nxt, nxt_site) in zip(visits, visits[1:], strict=False):
                    where = dict(team=team.id, site=nxt_site.id, day=day, slot=nxt.slot_start)
                    if nxt.slot_start < prev.slot_end:
                        yield Violation(
                            "H10",
                            f"Team {team.id} visits {nxt_site.id} on day {day} at {self.t(nxt.slot_start)}"
                            f" while still at {prev_site.id} until {self.t(prev.slot_end)}",
                            **where,
                        )
                        continue
                    need = self.inst.travel.minutes(prev_site.id, nxt_site.id, by_car=by_car)
                    gap = (nxt.slot_start - prev.slot_end) * self.params.slot_minutes
                    if need > gap:
                        yield Violation(
                            "H10",
                            f"Team {team.id} leaves {prev_site.id} on day {day} at {self.t(prev.slot_end)}"
                            f" and needs {need:g} min {mode} to reach {nxt_site.id}, arriving at"
                            f" {self.t(prev.slot_end, need)} after the visit starts at {self.t(nxt.slot_start)}",
                            **where,
                        )

    def h11_companion_window(self) -> Iterable[Violation]:
        for team in self.sol.teams:
            companion = self.companion(team)
            if companion is None:
                continue  # reported by H03; no window to check against
            mode = "by car" if companion.has_car else "by public transit"
            for day, visits in sorted(self.visits_by_day(team).items()):
                window = companion.window(day)
                first, first_site = visits[0]
                if window is None:
                    yield Violation(
                        "H11",
                        f"Team {team.id} visits {first_site.id} on day {day} at {self.t(first.slot_start)}"
                        f" but companion {companion.id} is unavailable that day",
                        team=team.id,
                        site=first_site.id,
                        day=day,
                        slot=first.slot_start,
                    )
                    continue
                alpha, beta = window
                travel = self.inst.travel
                out = travel.minutes(self.inst.depot.id, first_site.id, by_car=companion.has_car)
                if first.slot_start * self.params.slot_minutes - out < alpha * self.params.slot_minutes:
                    yield Violation(
                        "H11",
                        f"Team {team.id} must leave the depot on day {day} at {self.t(first.slot_start, -out)}"
                        f" ({out:g} min {mode}) to reach {first_site.id} by {self.t(first.slot_start)}"
                        f" but companion {companion.id} is only available from {self.t(alpha)}",
                        team=team.id,
                        site=first_site.id,
                        day=day,
                        slot=first.slot_start,
                    )
                last, last_site = visits[-1]
                back = travel.minutes(last_site.id, self.inst.depot.id, by_car=companion.has_car)
                if last.slot_end * self.params.slot_minutes + back > beta * self.params.slot_minutes:
                    yield Violation(
                        "H11",
                        f"Team {team.id} leaves {last_site.id} on day {day} at {self.t(last.slot_end)} and is back"
                        f" at the depot at {self.t(last.slot_end, back)} ({back:g} min {mode})"
                        f" but companion {companion.id} is only available until {self.t(beta)}",
                        team=team.id,
                        site=last_site.id,
                        day=day,
                        slot=last.slot_start,
                    )

    # ------------------------------------------------------------------ H12–H15: members and counts

    def h12_youth_availability(self) -> Iterable[Violation]:
        for team in self.sol.teams:
            for day, visits in sorted(self.visits_by_day(team).items()):
                first, site = visits[0]
                for youth_id in self.known_members(team):
                    if day not in self.youths[youth_id].available_days:
                        yield Violation(
                            "H12",
                            f"Team {team.id} visits {site.id} on day {day} at {self.t(first.slot_start)}"
                            f" but member {youth_id} is unavailable that day",
                            team=team.id,
                            youth=youth_id,
                            site=site.id,
                            day=day,
                            slot=first.slot_start,
                        )

    def h13_accessibility(self) -> Iterable[Violation]:
        for team in self.sol.teams:
            pmr = [y for y in self.known_members(team) if self.youths[y].reduced_mobility]
            if not pmr:
                continue
            for visit, site in self.valid_visits(team):
                if not site.accessible:
                    yield Violation(
                        "H13",
                        f"Team {team.id} visits {site.id} on day {visit.day} at {self.t(visit.slot_start)}"
                        f" but {site.id} is not accessible to reduced-mobility member {', '.join(pmr)}",
                        team=team.id,
                        youth=pmr[0],
                        site=site.id,
                        day=visit.day,
                        slot=visit.slot_start,
                    )

    def h14_no_repeat(self) -> Iterable[Violation]:
        for team in self.sol.teams:
            seen: dict[str, Visit] = {}
            for visit, site in self.valid_visits(team):
                if site.id in seen:
                    before = seen[site.id]
                    yield Violation(
                        "H14",
                        f"Team {team.id} visits {site.id} again on day {visit.day} at {self.t(visit.slot_start)}"
                        f" after visiting it on day {before.day} at {self.t(before.slot_start)}",
                        team=team.id,
                        site=site.id,
                        day=visit.day,
                        slot=visit.slot_start,
                    )
                else:
                    seen[site.id] = visit

    def h15_visit_counts(self) -> Iterable[Violation]:
        low, high, per_day = self.params.min_visits, self.params.max_visits, self.params.max_visits_per_day
        for team in self.sol.teams:
            total = len(team.visits)
            if not low <= total <= high:
                yield Violation(
                    "H15",
                    f"Team {team.id} has {_plural(total, 'visit')} but must have {low} to {high}",
                    team=team.id,
                )
            counts: dict[int, int] = defaultdict(int)
            for visit in team.visits:
                counts[visit.day] += 1
            for day, count in sorted(counts.items()):
                if count > per_day:
                    yield Violation(
                        "H15",
                        f"Team {team.id} has {count} visits on day {day} but at most {per_day} are allowed per day",
                        team=team.id,
                        day=day,
                    )
