"""The single implementation of the hard rules H01–H16 (docs/planning-model.md §5).

The solver, its command-line entry and the web app all call `validate`, so a plan is judged the same
way everywhere. Every rule is checked (no early exit) so an organiser sees all problems at once, and
messages name teams, youths, sites, days and clock times so they can be acted upon without the JSON.
Messages go through the translation catalogue (English msgids, the current language picks the text); teams
read as "team 3", youths, sites and companions by their name when the instance has one, days by their date.

Interpretations (documented because the original model left them open):

* A visit that fails H06 (unknown site, unknown day, wrong length, outside the day grid) is reported
  once under H06 and ignored by the positional rules H07–H14; it still counts for H15.
* H10 covers consecutive visits of a team on a day (overlap and travel between sites); the depot legs
  are the implicit departure/return of H11, checked against the companion window
  (docs/planning-model.md §5: ``30·st_j ≥ 30·α + τ_0j`` and ``30·(st_i + δ_i) + τ_i0 ≤ 30·β``), slot_minutes for 30.
* A team without a known companion (H03) is checked for travel with the car matrix (the fastest, so any
  H10 reported is certain whatever companion is chosen) and is not checked for H11.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from babel.lists import format_list

from core.i18n import current_language, ngettext
from core.i18n import gettext as _
from planning.model import Companion, Instance, Site, Solution, Team, Visit

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
        checker.h16_visits_every_day,
    ):
        found.extend(rule())
    return sorted(found, key=Violation.sort_key)


def _sentence(text: str) -> str:
    """Capitalise a message that starts with a label ("team 3 has…" → "Team 3 has…")."""
    return text[:1].upper() + text[1:]


def _minutes(value: float) -> str:
    return f"{value:g}"


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
        self.dates = {d.day: d.date for d in instance.days}
        self.team_of: dict[str, str] = {}
        for team in solution.teams:
            for member in team.members:
                self.team_of.setdefault(member, team.id)

    # ------------------------------------------------------------------ helpers

    def t(self, slot: int, extra: float = 0) -> str:
        return self.inst.clock(slot, extra)

    def team_label(self, team_id: str) -> str:
        """Label "T003" as "team 3"; an id without digits is kept whole ("team Bleue")."""
        digits = re.search(r"\d+", team_id)
        return _("team %(number)s", number=int(digits.group()) if digits else team_id)

    def teams_label(self, team_ids: Iterable[str]) -> str:
        return format_list([self.team_label(t) for t in team_ids], locale=current_language.get())

    def youth_label(self, youth_id: str) -> str:
        youth = self.youths.get(youth_id)
        return youth.name if youth is not None and youth.name else youth_id

    def youths_label(self, youth_ids: Iterable[str]) -> str:
        return format_list([self.youth_label(y) for y in youth_ids], locale=current_language.get())

    def site_label(self, site_id: str) -> str:
        site = self.sites.get(site_id)
        return site.name if site is not None and site.name else site_id

    def companion_label(self, companion_id: str) -> str:
        companion = self.companions.get(companion_id)
        return companion.name if companion is not None and companion.name else companion_id

    def day_label(self, day: int) -> str:
        """The day's date as people say it ("mardi 17 mars"), or "day N" when the instance gives none."""
        raw = self.dates.get(day, "")
        try:
            when = date.fromisoformat(raw)
        except ValueError:
            return _("day %(number)s", number=day)
        return format_date(when, "EEEE d MMMM", locale=current_language.get())

    def mode_label(self, by_car: bool) -> str:
        return _("by car") if by_car else _("by public transit")

    def shape_problems(self, visit: Visit) -> list[str]:
        """Why a visit is malformed (H06); empty when its site, day and slots make sense."""
        problems = []
        site = self.sites.get(visit.site_id)
        if site is None:
            problems.append(_("site %(site)s is unknown", site=visit.site_id))
        if visit.day not in self.day_ids:
            problems.append(_("day %(number)s is not an event day", number=visit.day))
        if visit.slot_start < 0:
            problems.append(
                _(
                    "it starts at %(time)s, before the day begins at %(start)s",
                    time=self.t(visit.slot_start),
                    start=self.t(0),
                )
            )
        if visit.slot_end > self.params.n_slots:
            problems.append(
                _(
                    "it ends at %(time)s, after the day ends at %(end)s",
                    time=self.t(visit.slot_end),
                    end=self.t(self.params.n_slots),
                )
            )
        if site is not None and visit.slot_end - visit.slot_start != site.duration_slots:
            problems.append(
                _(
                    "it lasts %(minutes)s min (%(start)s to %(end)s) instead of %(expected)s min",
                    minutes=(visit.slot_end - visit.slot_start) * self.params.slot_minutes,
                    start=self.t(visit.slot_start),
                    end=self.t(visit.slot_end),
                    expected=site.duration_slots * self.params.slot_minutes,
                )
            )
        return problems

    def valid_visits(self, team: Team) -> list[tuple[Visit, Site]]:
        """Well-formed visits, sorted by day and start, as docs/planning-model.md §3 reads them."""
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
                    message = _(
                        "%(team)s lists an unknown youth, %(youth)s.", team=self.team_label(team_id), youth=youth_id
                    )
                    yield Violation("H01", _sentence(message), team=team_id, youth=youth_id)
            elif len(team_ids) > 1:
                message = _(
                    "%(youth)s is listed %(count)s times (%(teams)s) but must be in exactly one team.",
                    youth=self.youth_label(youth_id),
                    count=len(team_ids),
                    teams=self.teams_label(team_ids),
                )
                yield Violation("H01", _sentence(message), team=team_ids[1], youth=youth_id)
        for youth in self.inst.youths:
            if youth.id not in teams_of:
                message = _("%(youth)s is in no team.", youth=self.youth_label(youth.id))
                yield Violation("H01", _sentence(message), youth=youth.id)

    def h02_team_size(self) -> Iterable[Violation]:
        low, high = self.params.team_size_min, self.params.team_size_max
        for team in self.sol.teams:
            size = len(team.members)
            if not low <= size <= high:
                message = ngettext(
                    "%(team)s has %(num)s member but a team must have %(low)s to %(high)s.",
                    "%(team)s has %(num)s members but a team must have %(low)s to %(high)s.",
                    size,
                    team=self.team_label(team.id),
                    low=low,
                    high=high,
                )
                yield Violation("H02", _sentence(message), team=team.id)

    def h03_companion(self) -> Iterable[Violation]:
        first_team: dict[str, str] = {}
        for team in self.sol.teams:
            label = self.team_label(team.id)
            if not team.companion:
                yield Violation("H03", _sentence(_("%(team)s has no companion.", team=label)), team=team.id)
            elif team.companion not in self.companions:
                message = _("%(team)s has an unknown companion, %(companion)s.", team=label, companion=team.companion)
                yield Violation("H03", _sentence(message), team=team.id)
            elif team.companion in first_team:
                message = _(
                    "%(team)s has the same companion as %(other)s: %(companion)s.",
                    team=label,
                    other=self.team_label(first_team[team.companion]),
                    companion=self.companion_label(team.companion),
                )
                yield Violation("H03", _sentence(message), team=team.id)
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
                message = _(
                    "%(youth)s (%(team)s) must be with %(other)s, who is in %(other_team)s.",
                    youth=self.youth_label(youth.id),
                    team=self.team_label(mine),
                    other=self.youth_label(other),
                    other_team=self.team_label(theirs),
                )
                yield Violation("H04", _sentence(message), team=mine, youth=youth.id)

    def h05_cannot_with(self) -> Iterable[Violation]:
        seen: set[frozenset[str]] = set()
        for team in self.sol.teams:
            members = set(team.members)
            for youth_id in self.known_members(team):
                for other in self.youths[youth_id].cannot_with:
                    pair = frozenset((youth_id, other))
                    if other in members and pair not in seen:
                        seen.add(pair)
                        message = _(
                            "%(team)s contains %(youth)s and %(other)s, who must not be together.",
                            team=self.team_label(team.id),
                            youth=self.youth_label(youth_id),
                            other=self.youth_label(other),
                        )
                        yield Violation("H05", _sentence(message), team=team.id, youth=youth_id)

    # ------------------------------------------------------------------ H06–H09: visits and sites

    def h06_visit_shape(self) -> Iterable[Violation]:
        for team in self.sol.teams:
            for visit in team.visits:
                problems = self.shape_problems(visit)
                if problems:
                    message = _(
                        "%(team)s has an invalid visit to %(site)s on %(day)s: %(problems)s.",
                        team=self.team_label(team.id),
                        site=self.site_label(visit.site_id),
                        day=self.day_label(visit.day),
                        problems="; ".join(problems),
                    )
                    yield Violation(
                        "H06",
                        _sentence(message),
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
                hours = ", ".join(f"{self.t(a)}–{self.t(b)}" for a, b in windows) or _("closed all day")
                message = _(
                    "%(team)s visits %(site)s on %(day)s at %(time)s (until %(end)s)"
                    " but the site is closed then (open: %(hours)s).",
                    team=self.team_label(team.id),
                    site=self.site_label(site.id),
                    day=self.day_label(visit.day),
                    time=self.t(visit.slot_start),
                    end=self.t(visit.slot_end),
                    hours=hours,
                )
                yield Violation(
                    "H07",
                    _sentence(message),
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
            message = _(
                "%(site)s hosts %(count)s teams (%(teams)s) on %(day)s from %(start)s to %(end)s"
                " but can only host %(capacity)s at a time.",
                site=self.site_label(site_id),
                count=len(teams),
                teams=self.teams_label(teams),
                day=self.day_label(day),
                start=self.t(start),
                end=self.t(end),
                capacity=self.sites[site_id].capacity,
            )
            yield Violation(
                "H08",
                _sentence(message),
                team=teams[-1],
                site=site_id,
                day=day,
                slot=start,
            )

    def h09_max_teams(self) -> Iterable[Violation]:
        teams_at: dict[str, list[str]] = defaultdict(list)
        for team in self.sol.teams:
            for _visit, site in self.valid_visits(team):
                if team.id not in teams_at[site.id]:
                    teams_at[site.id].append(team.id)
        for site in self.inst.sites:
            teams = teams_at.get(site.id, [])
            if site.max_teams is not None and len(teams) > site.max_teams:
                message = ngettext(
                    "%(site)s is visited by %(num)s team (%(teams)s) but accepts at most %(max)s over the event.",
                    "%(site)s is visited by %(num)s teams (%(teams)s) but accepts at most %(max)s over the event.",
                    len(teams),
                    site=self.site_label(site.id),
                    teams=self.teams_label(teams),
                    max=site.max_teams,
                )
                yield Violation("H09", _sentence(message), team=teams[site.max_teams], site=site.id)

    # ------------------------------------------------------------------ H10–H11: itineraries

    def h10_travel(self) -> Iterable[Violation]:
        for team in self.sol.teams:
            by_car = self.by_car(team)
            for day, visits in sorted(self.visits_by_day(team).items()):
                for (prev, prev_site), (nxt, nxt_site) in zip(visits, visits[1:], strict=False):
                    where = dict(team=team.id, site=nxt_site.id, day=day, slot=nxt.slot_start)
                    if nxt.slot_start < prev.slot_end:
                        message = _(
                            "%(team)s visits %(site)s on %(day)s at %(time)s"
                            " while still at %(previous)s until %(end)s.",
                            team=self.team_label(team.id),
                            site=self.site_label(nxt_site.id),
                            day=self.day_label(day),
                            time=self.t(nxt.slot_start),
                            previous=self.site_label(prev_site.id),
                            end=self.t(prev.slot_end),
                        )
                        yield Violation("H10", _sentence(message), **where)
                        continue
                    need = self.inst.travel.minutes(prev_site.id, nxt_site.id, by_car=by_car)
                    gap = (nxt.slot_start - prev.slot_end) * self.params.slot_minutes
                    if need > gap:
                        message = _(
                            "%(team)s leaves %(previous)s on %(day)s at %(leave)s and needs %(minutes)s min %(mode)s"
                            " to reach %(site)s, arriving at %(arrive)s after the visit starts at %(time)s.",
                            team=self.team_label(team.id),
                            previous=self.site_label(prev_site.id),
                            day=self.day_label(day),
                            leave=self.t(prev.slot_end),
                            minutes=_minutes(need),
                            mode=self.mode_label(by_car),
                            site=self.site_label(nxt_site.id),
                            arrive=self.t(prev.slot_end, need),
                            time=self.t(nxt.slot_start),
                        )
                        yield Violation("H10", _sentence(message), **where)

    def h11_companion_window(self) -> Iterable[Violation]:
        for team in self.sol.teams:
            companion = self.companion(team)
            if companion is None:
                continue  # reported by H03; no window to check against
            mode = self.mode_label(companion.has_car)
            who = self.companion_label(companion.id)
            for day, visits in sorted(self.visits_by_day(team).items()):
                window = companion.window(day)
                first, first_site = visits[0]
                if window is None:
                    message = _(
                        "%(team)s visits %(site)s on %(day)s at %(time)s but its companion, %(companion)s,"
                        " is not available that day.",
                        team=self.team_label(team.id),
                        site=self.site_label(first_site.id),
                        day=self.day_label(day),
                        time=self.t(first.slot_start),
                        companion=who,
                    )
                    yield Violation(
                        "H11",
                        _sentence(message),
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
                    message = _(
                        "%(team)s must leave the meeting point on %(day)s at %(leave)s (%(minutes)s min %(mode)s)"
                        " to reach %(site)s by %(time)s but its companion, %(companion)s, is only available"
                        " from %(start)s.",
                        team=self.team_label(team.id),
                        day=self.day_label(day),
                        leave=self.t(first.slot_start, -out),
                        minutes=_minutes(out),
                        mode=mode,
                        site=self.site_label(first_site.id),
                        time=self.t(first.slot_start),
                        companion=who,
                        start=self.t(alpha),
                    )
                    yield Violation(
                        "H11",
                        _sentence(message),
                        team=team.id,
                        site=first_site.id,
                        day=day,
                        slot=first.slot_start,
                    )
                last, last_site = visits[-1]
                back = travel.minutes(last_site.id, self.inst.depot.id, by_car=companion.has_car)
                if last.slot_end * self.params.slot_minutes + back > beta * self.params.slot_minutes:
                    message = _(
                        "%(team)s leaves %(site)s on %(day)s at %(leave)s and is back at the meeting point at"
                        " %(back)s (%(minutes)s min %(mode)s) but its companion, %(companion)s, is only available"
                        " until %(until)s.",
                        team=self.team_label(team.id),
                        site=self.site_label(last_site.id),
                        day=self.day_label(day),
                        leave=self.t(last.slot_end),
                        back=self.t(last.slot_end, back),
                        minutes=_minutes(back),
                        mode=mode,
                        companion=who,
                        until=self.t(beta),
                    )
                    yield Violation(
                        "H11",
                        _sentence(message),
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
                        message = _(
                            "%(team)s visits %(site)s on %(day)s at %(time)s but %(youth)s is not available that day.",
                            team=self.team_label(team.id),
                            site=self.site_label(site.id),
                            day=self.day_label(day),
                            time=self.t(first.slot_start),
                            youth=self.youth_label(youth_id),
                        )
                        yield Violation(
                            "H12",
                            _sentence(message),
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
                    message = ngettext(
                        "%(team)s visits %(site)s on %(day)s at %(time)s but the site is not accessible"
                        " to %(youths)s, who has reduced mobility.",
                        "%(team)s visits %(site)s on %(day)s at %(time)s but the site is not accessible"
                        " to %(youths)s, who have reduced mobility.",
                        len(pmr),
                        team=self.team_label(team.id),
                        site=self.site_label(site.id),
                        day=self.day_label(visit.day),
                        time=self.t(visit.slot_start),
                        youths=self.youths_label(pmr),
                    )
                    yield Violation(
                        "H13",
                        _sentence(message),
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
                    message = _(
                        "%(team)s visits %(site)s again on %(day)s at %(time)s"
                        " after visiting it on %(first_day)s at %(first_time)s.",
                        team=self.team_label(team.id),
                        site=self.site_label(site.id),
                        day=self.day_label(visit.day),
                        time=self.t(visit.slot_start),
                        first_day=self.day_label(before.day),
                        first_time=self.t(before.slot_start),
                    )
                    yield Violation(
                        "H14",
                        _sentence(message),
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
                message = ngettext(
                    "%(team)s has %(num)s visit but must have %(low)s to %(high)s.",
                    "%(team)s has %(num)s visits but must have %(low)s to %(high)s.",
                    total,
                    team=self.team_label(team.id),
                    low=low,
                    high=high,
                )
                yield Violation("H15", _sentence(message), team=team.id)
            counts: dict[int, int] = defaultdict(int)
            for visit in team.visits:
                counts[visit.day] += 1
            for day, count in sorted(counts.items()):
                if count > per_day:
                    message = ngettext(
                        "%(team)s has %(num)s visit on %(day)s but at most %(max)s are allowed per day.",
                        "%(team)s has %(num)s visits on %(day)s but at most %(max)s are allowed per day.",
                        count,
                        team=self.team_label(team.id),
                        day=self.day_label(day),
                        max=per_day,
                    )
                    yield Violation("H15", _sentence(message), team=team.id, day=day)

    def h16_visits_every_day(self) -> Iterable[Violation]:
        """On each day when every member and the companion can come, at least `min_visits_per_day` visits."""
        low = self.params.min_visits_per_day
        if low <= 0:
            return
        for team in self.sol.teams:
            counts: dict[int, int] = defaultdict(int)
            for visit in team.visits:
                counts[visit.day] += 1
            for day in full_days(self.inst, team.members, team.companion):
                if counts[day] < low:
                    message = ngettext(
                        "%(team)s has %(num)s visit on %(day)s but must have at least %(min)s on each day"
                        " when its whole team and companion can come.",
                        "%(team)s has %(num)s visits on %(day)s but must have at least %(min)s on each day"
                        " when its whole team and companion can come.",
                        counts[day],
                        team=self.team_label(team.id),
                        day=self.day_label(day),
                        min=low,
                    )
                    yield Violation("H16", _sentence(message), team=team.id, day=day)


def full_days(instance: Instance, members: Iterable[str], companion_id: str | None) -> list[int]:
    """The event days when every (known) member and the companion are available (H16's days)."""
    companion = instance.companion_by_id.get(companion_id) if companion_id else None
    if companion is None:
        return []
    youths = [instance.youth_by_id[m] for m in members if m in instance.youth_by_id]
    days = []
    for day in sorted(instance.day_ids):
        window = companion.window(day)
        if window is None or window[1] <= window[0]:
            continue
        if all(day in youth.available_days for youth in youths):
            days.append(day)
    return days
