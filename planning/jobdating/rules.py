"""The job dating's hard rules J01–J10 (`validate_job_dating`) and the console's figures
(`job_dating_metrics`); the rules themselves are described with the format in `model`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from core.i18n import gettext as _
from core.i18n import ngettext
from planning.jobdating.model import Company, Interview, JobDatingInstance, JobDatingPlan, JobYouth
from planning.validator import Violation

# --------------------------------------------------------------------------- validator J01–J10


def validate_job_dating(instance: JobDatingInstance, plan: JobDatingPlan) -> list[Violation]:
    """All hard-rule violations of `plan`, ordered by code, slot, company and youth."""
    checker = _Checker(instance, plan)
    found: list[Violation] = []
    for rule in (
        checker.j01_references,
        checker.j02_opening,
        checker.j03_capacity,
        checker.j04_overlap,
        checker.j05_gap,
        checker.j06_availability,
        checker.j07_max_interviews,
        checker.j08_repeat,
        checker.j09_match,
        checker.j10_avoid,
    ):
        found.extend(rule())
    return sorted(found, key=Violation.sort_key)


def _hours(instance: JobDatingInstance, slots: Iterable[int]) -> str:
    """Sorted slots as clock ranges ("09:00–10:00, 10:20–13:00"), or "none"."""
    runs: list[list[int]] = []
    for s in sorted(set(slots)):
        if runs and runs[-1][1] == s:
            runs[-1][1] = s + 1
        else:
            runs.append([s, s + 1])
    return ", ".join(f"{instance.clock(a)}–{instance.clock(b)}" for a, b in runs) or _("none")


class _Checker:
    """Shared lookups for the rule functions; one instance per `validate_job_dating` call."""

    def __init__(self, instance: JobDatingInstance, plan: JobDatingPlan) -> None:
        self.inst = instance
        self.plan = plan
        self.gap = instance.params.gap_slots
        # Well-formed interviews (J01 passed), in plan order, with their youth and company.
        self.valid: list[tuple[Interview, JobYouth, Company]] = []
        for interview in plan.interviews:
            youth = instance.youth_by_id.get(interview.youth_id)
            company = instance.company_by_id.get(interview.company_id)
            if youth and company and 0 <= interview.slot < instance.params.n_slots:
                self.valid.append((interview, youth, company))

    def t(self, slot: int) -> str:
        return self.inst.clock(slot)

    def where(self, interview: Interview) -> dict[str, Any]:
        return {"youth": interview.youth_id, "site": interview.company_id, "slot": interview.slot}

    def by_youth(self) -> dict[str, list[tuple[Interview, JobYouth, Company]]]:
        grouped: dict[str, list[tuple[Interview, JobYouth, Company]]] = defaultdict(list)
        for item in sorted(self.valid, key=lambda v: (v[0].slot, v[0].company_id)):
            grouped[item[1].id].append(item)
        return grouped

    def j01_references(self) -> Iterable[Violation]:
        n_slots = self.inst.params.n_slots
        for number, interview in enumerate(self.plan.interviews, start=1):
            youth = self.inst.youth_by_id.get(interview.youth_id)
            company = self.inst.company_by_id.get(interview.company_id)
            names = {
                "youth": youth.label if youth else interview.youth_id,
                "company": company.label if company else interview.company_id,
                "number": number,
            }
            if youth is None:
                message = _("Interview %(number)s is for an unknown youth %(youth)s.", **names)
                yield Violation("J01", message, **self.where(interview))
            if company is None:
                message = _("Interview %(number)s is with an unknown company %(company)s.", **names)
                yield Violation("J01", message, **self.where(interview))
            if not 0 <= interview.slot < n_slots:
                yield Violation(
                    "J01",
                    _(
                        "%(youth)s has an interview with %(company)s at slot %(slot)s (%(time)s),"
                        " outside the day's slots (%(start)s to %(end)s).",
                        slot=interview.slot,
                        time=self.t(interview.slot),
                        start=self.t(0),
                        end=self.t(n_slots),
                        **names,
                    ),
                    **self.where(interview),
                )

    def j02_opening(self) -> Iterable[Violation]:
        for interview, youth, company in self.valid:
            if interview.slot not in company.open_slots:
                yield Violation(
                    "J02",
                    _(
                        "%(youth)s has an interview with %(company)s at %(time)s but %(company)s is closed then"
                        " (open: %(hours)s).",
                        youth=youth.label,
                        company=company.label,
                        time=self.t(interview.slot),
                        hours=_hours(self.inst, company.open_slots),
                    ),
                    **self.where(interview),
                )

    def j03_capacity(self) -> Iterable[Violation]:
        seen: dict[tuple[str, int], list[JobYouth]] = defaultdict(list)
        for interview, youth, company in self.valid:
            seen[(company.id, interview.slot)].append(youth)
        for (company_id, slot), youths in seen.items():
            company = self.inst.company_by_id[company_id]
            if len(youths) > company.interviewers:
                yield Violation(
                    "J03",
                    ngettext(
                        "%(company)s has %(count)s interviews at %(time)s (%(youths)s) but only %(num)s recruiter"
                        " to hold them.",
                        "%(company)s has %(count)s interviews at %(time)s (%(youths)s) but only %(num)s recruiters"
                        " to hold them.",
                        company.interviewers,
                        company=company.label,
                        count=len(youths),
                        time=self.t(slot),
                        youths=", ".join(y.label for y in youths),
                    ),
                    youth=youths[company.interviewers].id,
                    site=company_id,
                    slot=slot,
                )

    def j04_overlap(self) -> Iterable[Violation]:
        for youth_id, items in self.by_youth().items():
            at: dict[int, list[Company]] = defaultdict(list)
            for interview, _youth, company in items:
                at[interview.slot].append(company)
            for slot, companies in at.items():
                if len(companies) > 1:
                    yield Violation(
                        "J04",
                        _(
                            "%(youth)s has %(count)s interviews at the same time, %(time)s: with %(companies)s.",
                            youth=items[0][1].label,
                            count=len(companies),
                            time=self.t(slot),
                            companies=", ".join(c.label for c in companies),
                        ),
                        youth=youth_id,
                        site=companies[1].id,
                        slot=slot,
                    )

    def j05_gap(self) -> Iterable[Violation]:
        if self.gap <= 0:
            return
        for items in self.by_youth().values():
            for (before, youth, first), (after, _youth, second) in zip(items, items[1:], strict=False):
                if 0 < after.slot - before.slot <= self.gap:
                    yield Violation(
                        "J05",
                        ngettext(
                            "%(youth)s has an interview with %(first)s at %(first_time)s and with %(second)s at"
                            " %(second_time)s, without the %(num)s free slot needed to walk between stands.",
                            "%(youth)s has an interview with %(first)s at %(first_time)s and with %(second)s at"
                            " %(second_time)s, without the %(num)s free slots needed to walk between stands.",
                            self.gap,
                            youth=youth.label,
                            first=first.label,
                            first_time=self.t(before.slot),
                            second=second.label,
                            second_time=self.t(after.slot),
                        ),
                        **self.where(after),
                    )

    def j06_availability(self) -> Iterable[Violation]:
        for interview, youth, company in self.valid:
            if interview.slot not in youth.available_slots:
                yield Violation(
                    "J06",
                    _(
                        "%(youth)s has an interview with %(company)s at %(time)s but is not available then"
                        " (available: %(hours)s).",
                        youth=youth.label,
                        company=company.label,
                        time=self.t(interview.slot),
                        hours=_hours(self.inst, youth.available_slots),
                    ),
                    **self.where(interview),
                )

    def j07_max_interviews(self) -> Iterable[Violation]:
        for items in self.by_youth().values():
            youth = items[0][1]
            limit = self.inst.max_interviews(youth)
            if len(items) > limit:
                yield Violation(
                    "J07",
                    ngettext(
                        "%(youth)s is booked at %(times)s but may have at most %(num)s interview.",
                        "%(youth)s is booked at %(times)s but may have at most %(num)s interviews.",
                        limit,
                        youth=youth.label,
                        times=", ".join(self.t(i.slot) for i, _y, _c in items),
                    ),
                    **self.where(items[limit][0]),
                )

    def j08_repeat(self) -> Iterable[Violation]:
        for items in self.by_youth().values():
            pairs: dict[str, list[Interview]] = defaultdict(list)
            for interview, _youth, _company in items:
                pairs[interview.company_id].append(interview)
            for company_id, interviews in pairs.items():
                if len(interviews) > 1:
                    yield Violation(
                        "J08",
                        _(
                            "%(youth)s meets %(company)s %(count)s times (at %(times)s) but may meet each company"
                            " only once.",
                            youth=items[0][1].label,
                            company=self.inst.company_by_id[company_id].label,
                            count=len(interviews),
                            times=", ".join(self.t(i.slot) for i in interviews),
                        ),
                        **self.where(interviews[1]),
                    )

    def second_round(self, interview: Interview, youth: JobYouth, counts: dict[str, int]) -> bool:
        """A second-round interview: the option is on, it is marked so and it is the youth's only interview."""
        return self.inst.params.second_round and interview.outside_interests and counts[youth.id] == 1

    def j09_match(self) -> Iterable[Violation]:
        counts = {youth_id: len(items) for youth_id, items in self.by_youth().items()}
        for interview, youth, company in self.valid:
            if company.id in youth.avoid or self.inst.matches(youth, company):
                continue
            if not self.second_round(interview, youth, counts):
                yield Violation(
                    "J09",
                    _(
                        "%(youth)s has an interview with %(company)s at %(time)s but the company's sectors"
                        " (%(sectors)s) match none of the youth's interests (%(interests)s) and the youth did not"
                        " ask for it.",
                        youth=youth.label,
                        company=company.label,
                        time=self.t(interview.slot),
                        sectors=", ".join(company.sectors) or _("none"),
                        interests=", ".join(youth.interests) or _("none"),
                    ),
                    **self.where(interview),
                )

    def j10_avoid(self) -> Iterable[Violation]:
        for interview, youth, company in self.valid:
            if company.id in youth.avoid:
                yield Violation(
                    "J10",
                    _(
                        "%(youth)s has an interview with %(company)s at %(time)s but asked not to meet this company.",
                        youth=youth.label,
                        company=company.label,
                        time=self.t(interview.slot),
                    ),
                    **self.where(interview),
                )


# --------------------------------------------------------------------------- metrics


def zero_interview_reason(instance: JobDatingInstance, youth: JobYouth) -> str:
    """Why a youth may end the day without an interview, as a stable code for the console."""
    if instance.max_interviews(youth) == 0:
        return "max_interviews_zero"
    matching = [c for c in instance.companies if instance.matches(youth, c)]
    if not matching:
        return "no_matching_company"
    if all(c.open_slots.isdisjoint(youth.available_slots) for c in matching):
        return "not_available"
    return "no_capacity_left"


def idle_slots(slots: Iterable[int]) -> int:
    """Slots without an interview between a youth's first and last interview."""
    distinct = set(slots)
    return max(distinct) - min(distinct) + 1 - len(distinct) if distinct else 0


def job_dating_metrics(instance: JobDatingInstance, plan: JobDatingPlan) -> dict[str, Any]:
    """Figures for the console: coverage, fairness, wishes and company fill (unknown ids are ignored)."""
    per_youth: dict[str, list[Interview]] = {y.id: [] for y in instance.youths}
    per_company: dict[str, int] = {c.id: 0 for c in instance.companies}
    for interview in plan.interviews:
        if interview.youth_id in per_youth and interview.company_id in per_company:
            per_youth[interview.youth_id].append(interview)
            per_company[interview.company_id] += 1
    counts = [len(v) for v in per_youth.values()]
    wished = sum(len(y.wants) for y in instance.youths)
    honoured = sum(1 for y in instance.youths for w in y.wants if any(i.company_id == w for i in per_youth[y.id]))
    outside = sum(1 for v in per_youth.values() for i in v if i.outside_interests)
    fill = {}
    for company in instance.companies:
        capacity = company.interviewers * len(company.open_slots)
        fill[company.id] = {
            "interviews": per_company[company.id],
            "capacity": capacity,
            "fill_pct": round(100 * per_company[company.id] / capacity, 1) if capacity else 0.0,
        }
    return {
        "interviews_total": sum(counts),
        "youths_total": len(counts),
        "youths_with_interview": sum(1 for n in counts if n),
        "youths_without_interview": [
            {"youth_id": y.id, "reason": zero_interview_reason(instance, y)}
            for y in instance.youths
            if not per_youth[y.id]
        ],
        "interviews_per_youth_mean": round(sum(counts) / len(counts), 2) if counts else 0.0,
        "interviews_per_youth_min": min(counts, default=0),
        "interviews_per_youth_max": max(counts, default=0),
        "second_round_interviews": outside,
        "wishes_total": wished,
        "wishes_honoured": honoured,
        "wishes_honoured_pct": round(100 * honoured / wished, 1) if wished else 100.0,
        "idle_slots_total": sum(idle_slots(i.slot for i in v) for v in per_youth.values()),
        "company_fill": fill,
    }
