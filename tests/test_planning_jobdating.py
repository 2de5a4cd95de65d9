"""User stories for the job-dating planner: loading instances, the hard rules J01–J10, metrics and the solver.

Each rule test starts from one hand-checked valid plan for a small job dating, breaks it in exactly one way
and expects exactly that rule to be reported, so a cascade of unrelated codes is caught as a bug.
"""

from __future__ import annotations

import copy
import random
import time
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planning.jobdating import (
    Interview,
    JobDatingInfeasible,
    JobDatingInstance,
    JobDatingPlan,
    PlanningFormatError,
    job_dating_metrics,
    load_job_dating,
    load_job_dating_plan,
    plan_to_json,
    solve_job_dating,
    validate_job_dating,
)


def small_job_dating() -> dict[str, Any]:
    """Six 20-minute slots from 09:00; the carrier closes at 10:00 for a break, the clinic opens at 09:40."""
    return {
        "name": "Job dating Lens",
        "schema_version": 1,
        "kind": "job_dating",
        "params": {"day_start": "09:00", "slot_minutes": 20, "n_slots": 6, "max_interviews_per_youth": 2},
        "companies": [
            {
                "id": "E01",
                "name": "Transports Nord",
                "sectors": ["logistics"],
                "interviewers": 2,
                "open": [[0, 3], [4, 6]],
            },
            {"id": "E02", "name": "Boulangerie Paul", "sectors": ["retail"], "interviewers": 1, "open": [[0, 6]]},
            {"id": "E03", "name": "Clinique du Parc", "sectors": ["care"], "interviewers": 1, "open": [[2, 6]]},
        ],
        "youths": [
            {"id": "Y001", "name": "Inès", "interests": ["logistics", "care"], "available": [[0, 6]], "wants": ["E02"]},
            {"id": "Y002", "name": "Karim", "interests": ["retail"], "available": [[0, 3]]},
            {
                "id": "Y003",
                "name": "Léa",
                "interests": ["logistics", "care"],
                "available": [[0, 6]],
                "avoid": ["E01"],
                "max_interviews": 1,
            },
        ],
    }


VALID = [("Y001", "E01", 0), ("Y001", "E02", 2), ("Y002", "E02", 0), ("Y003", "E03", 3)]


def plan_of(rows: list[tuple[str, str, int]]) -> JobDatingPlan:
    return JobDatingPlan(interviews=tuple(Interview(y, c, s) for y, c, s in rows))


def codes(instance: JobDatingInstance, rows: list[tuple[str, str, int]]) -> list[str]:
    return [v.code for v in validate_job_dating(instance, plan_of(rows))]


def counts(plan: JobDatingPlan) -> Counter[str]:
    return Counter(i.youth_id for i in plan.interviews)


def instance_with(**changes: Any) -> JobDatingInstance:
    data = small_job_dating()
    data["params"].update(changes)
    return load_job_dating(data)


def crowd(n_youths: int, n_companies: int, n_slots: int, seed: int) -> dict[str, Any]:
    """A realistic job dating: companies with a lunch break or short days, youths on a half or full day."""
    rng = random.Random(seed)
    sectors = ["logistics", "retail", "care", "building", "hospitality", "industry", "it", "cleaning"]
    companies = []
    for i in range(n_companies):
        lunch = rng.randint(n_slots // 3, n_slots // 2)
        hours = [[0, lunch], [lunch + 2, n_slots]] if rng.random() < 0.6 else [[rng.randint(0, 3), n_slots]]
        companies.append(
            {
                "id": f"E{i:02d}",
                "name": f"Company {i}",
                "sectors": rng.sample(sectors, rng.choice([1, 2])),
                "interviewers": rng.choice([1, 1, 2, 3]),
                "open": hours,
            }
        )
    youths = []
    for i in range(n_youths):
        wants = [c["id"] for c in rng.sample(companies, rng.choice([0, 0, 1, 2]))]
        avoid = [c["id"] for c in rng.sample(companies, rng.choice([0, 1])) if c["id"] not in wants]
        half = rng.choice([[[0, n_slots]], [[0, n_slots // 2]], [[n_slots // 2, n_slots]]])
        youths.append(
            {
                "id": f"Y{i:03d}",
                "name": f"Youth {i}",
                "interests": rng.sample(sectors, rng.choice([1, 2, 3])),
                "available": half,
                "max_interviews": rng.choice([None, None, 2, 4]),
                "wants": wants,
                "avoid": avoid,
            }
        )
    return {
        "name": f"crowd-{seed}",
        "kind": "job_dating",
        "params": {"day_start": "09:00", "slot_minutes": 15, "n_slots": n_slots, "max_interviews_per_youth": 3},
        "companies": companies,
        "youths": youths,
    }


# --------------------------------------------------------------------------- loading


def test_small_job_dating_loads_with_defaults_for_optional_fields():
    instance = load_job_dating(small_job_dating())
    assert instance.params.gap_slots == 0
    assert instance.company_by_id["E01"].open_slots == frozenset({0, 1, 2, 4, 5})
    karim = instance.youth_by_id["Y002"]
    assert karim.wants == () and karim.max_interviews is None and instance.max_interviews(karim) == 2
    assert instance.clock(4) == "10:20"


def test_unknown_fields_are_ignored():
    data = small_job_dating()
    data["generator"] = "console"
    data["companies"][0]["stand"] = "B12"
    data["youths"][0]["agency"] = "Lens"
    assert load_job_dating(data).youth_by_id["Y001"].name == "Inès"


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d.pop("params"), "params"),
        (lambda d: d.update(kind="rally"), "kind"),
        (lambda d: d.update(schema_version=2), "schema_version"),
        (lambda d: d["params"].update(day_start="9h"), "params.day_start"),
        (lambda d: d["params"].update(slot_minutes=0), "params.slot_minutes"),
        (lambda d: d["params"].update(gap_slots=-1), "params.gap_slots"),
        (lambda d: d["companies"][1].pop("interviewers"), "companies[1].interviewers"),
        (lambda d: d["companies"][1].update(interviewers=True), "companies[1].interviewers"),
        (lambda d: d["companies"][2]["open"][0].__setitem__(1, 7), "companies[2].open[0][1]"),
        (lambda d: d["companies"][2].update(open=[[4, 2]]), "companies[2].open[0]"),
        (lambda d: d["companies"][2].update(sectors="care"), "companies[2].sectors"),
        (lambda d: d["companies"][2].update(id="E01"), "companies[2].id"),
        (lambda d: d["youths"][1].update(interests=["retail", 3]), "youths[1].interests[1]"),
        (lambda d: d["youths"][1].update(available=[[0]]), "youths[1].available[0]"),
        (lambda d: d["youths"][1].update(max_interviews=-1), "youths[1].max_interviews"),
        (lambda d: d["youths"][1].update(wants=["E09"]), "youths[1].wants[0]"),
        (lambda d: d["youths"][0].update(avoid=["E03", "E02"]), "youths[0].avoid[1]"),
        (lambda d: d["youths"][2].update(id="Y001"), "youths[2].id"),
        (lambda d: d.update(youths={}), "youths"),
    ],
)
def test_malformed_instance_names_the_json_path(mutate, path):
    data = small_job_dating()
    mutate(data)
    with pytest.raises(PlanningFormatError) as caught:
        load_job_dating(data)
    assert caught.value.path == path


def test_malformed_plan_names_the_json_path():
    instance = load_job_dating(small_job_dating())
    with pytest.raises(PlanningFormatError) as caught:
        load_job_dating_plan({"interviews": [{"youth_id": "Y001", "company_id": "E01", "slot": "9:00"}]}, instance)
    assert caught.value.path == "interviews[0].slot"


def test_plan_round_trips_through_json():
    instance = load_job_dating(small_job_dating())
    plan = plan_of(VALID)
    data = plan_to_json(plan, instance, solver="by hand", seconds=0.5, stats={"note": 1})
    assert data["instance"] == "Job dating Lens" and data["solver"] == "by hand" and data["stats"] == {"note": 1}
    assert data["interviews"][0] == {"youth_id": "Y001", "company_id": "E01", "slot": 0}
    again = load_job_dating_plan(data, instance)
    assert set(again.interviews) == set(plan.interviews) and again.seconds == 0.5


# --------------------------------------------------------------------------- hard rules


def test_hand_checked_plan_has_no_violation():
    assert codes(load_job_dating(small_job_dating()), VALID) == []


@pytest.mark.parametrize(
    "broken",
    [("Y999", "E01", 1), ("Y001", "E99", 1), ("Y001", "E03", 6), ("Y001", "E03", -1)],
    ids=["unknown youth", "unknown company", "after the day", "before the day"],
)
def test_interview_with_unknown_people_or_outside_the_day_is_reported(broken):
    assert codes(load_job_dating(small_job_dating()), [*VALID, broken]) == ["J01"]


def test_interview_while_the_company_is_on_a_break_is_reported():
    instance = load_job_dating(small_job_dating())
    rows = [("Y001", "E01", 3), ("Y001", "E02", 1), *VALID[2:]]
    [violation] = validate_job_dating(instance, plan_of(rows))
    assert violation.code == "J02"
    assert (violation.youth, violation.site, violation.slot) == ("Y001", "E01", 3)
    assert "Inès (Y001)" in violation.message and "Transports Nord (E01)" in violation.message
    assert "10:00" in violation.message and "09:00–10:00, 10:20–11:00" in violation.message


def test_company_with_one_recruiter_cannot_see_two_youths_at_once():
    rows = [("Y001", "E01", 2), ("Y001", "E02", 0), ("Y002", "E02", 0), ("Y003", "E03", 3)]
    assert codes(load_job_dating(small_job_dating()), rows) == ["J03"]


def test_youth_with_two_interviews_in_the_same_slot_is_reported():
    rows = [("Y001", "E01", 2), ("Y001", "E02", 2), ("Y002", "E02", 0), ("Y003", "E03", 3)]
    assert codes(load_job_dating(small_job_dating()), rows) == ["J04"]


def test_youth_needs_time_to_walk_between_stands():
    instance = instance_with(gap_slots=1)
    rows = [("Y001", "E01", 1), ("Y001", "E02", 2), ("Y002", "E02", 0), ("Y003", "E03", 3)]
    assert codes(instance, rows) == ["J05"]
    assert codes(instance, [("Y001", "E01", 0), *VALID[1:]]) == []


def test_interview_when_the_youth_is_not_there_is_reported():
    rows = [*VALID[:2], ("Y002", "E02", 4), VALID[3]]
    [violation] = validate_job_dating(load_job_dating(small_job_dating()), plan_of(rows))
    assert violation.code == "J06" and "10:20" in violation.message and "09:00–10:00" in violation.message


def test_youth_over_their_interview_cap_is_reported():
    rows = [*VALID, ("Y001", "E03", 4)]
    assert codes(load_job_dating(small_job_dating()), rows) == ["J07"]


def test_youth_meeting_the_same_company_twice_is_reported():
    rows = [("Y001", "E01", 0), ("Y001", "E01", 2), ("Y002", "E02", 0), ("Y003", "E03", 3)]
    assert codes(load_job_dating(small_job_dating()), rows) == ["J08"]


def test_youth_sent_to_a_company_outside_their_interests_is_reported():
    rows = [*VALID[:2], ("Y002", "E03", 2), VALID[3]]
    assert codes(load_job_dating(small_job_dating()), rows) == ["J09"]


def test_wished_company_matches_even_outside_the_interests():
    # Inès asked for the bakery although retail is not among her interests: VALID relies on it.
    instance = load_job_dating(small_job_dating())
    assert instance.matches(instance.youth_by_id["Y001"], instance.company_by_id["E02"])


def test_youth_sent_to_a_company_they_avoid_is_reported():
    rows = [*VALID[:3], ("Y003", "E01", 4)]
    assert codes(load_job_dating(small_job_dating()), rows) == ["J10"]


def test_every_problem_is_reported_at_once():
    rows = [("Y001", "E01", 3), ("Y001", "E01", 5), ("Y002", "E03", 4), ("Y003", "E01", 5), ("Y404", "E01", 0)]
    assert set(codes(load_job_dating(small_job_dating()), rows)) == {"J01", "J02", "J06", "J08", "J09", "J10"}


# --------------------------------------------------------------------------- metrics


def test_metrics_explain_why_a_youth_has_no_interview():
    data = small_job_dating()
    data["youths"] += [
        {"id": "Y004", "name": "Noah", "interests": ["farming"], "available": [[0, 6]]},
        {"id": "Y005", "name": "Sarah", "interests": ["care"], "available": [[0, 2]]},
        {"id": "Y006", "name": "Tom", "interests": ["retail"], "available": [[0, 6]], "max_interviews": 0},
        {"id": "Y007", "name": "Zoé", "interests": ["care"], "available": [[0, 6]]},
    ]
    instance = load_job_dating(data)
    metrics = job_dating_metrics(instance, plan_of(VALID))
    reasons = {row["youth_id"]: row["reason"] for row in metrics["youths_without_interview"]}
    assert reasons == {
        "Y004": "no_matching_company",
        "Y005": "not_available",
        "Y006": "max_interviews_zero",
        "Y007": "no_capacity_left",
    }
    assert metrics["interviews_total"] == 4 and metrics["youths_with_interview"] == 3
    assert metrics["interviews_per_youth_min"] == 0 and metrics["wishes_honoured_pct"] == 100.0
    assert metrics["company_fill"]["E02"] == {"interviews": 2, "capacity": 6, "fill_pct": 33.3}
    assert metrics["idle_slots_total"] == 1  # Inès waits from 09:20 to 09:40


# --------------------------------------------------------------------------- solver


def scarce_job_dating(n_youths: int, n_slots: int, interviewers: int = 1) -> JobDatingInstance:
    return load_job_dating(
        {
            "kind": "job_dating",
            "params": {"day_start": "14:00", "slot_minutes": 15, "n_slots": n_slots, "max_interviews_per_youth": 3},
            "companies": [
                {"id": "E01", "sectors": ["retail"], "interviewers": interviewers, "open": [[0, n_slots]]},
                {"id": "E02", "sectors": ["retail"], "interviewers": 1, "open": [[0, n_slots // 2]]},
            ],
            "youths": [{"id": f"Y{i}", "interests": ["retail"], "available": [[0, n_slots]]} for i in range(n_youths)],
        }
    )


def test_every_youth_gets_an_interview_before_anyone_gets_a_second():
    instance = scarce_job_dating(n_youths=7, n_slots=6)  # 9 places for 7 youths
    result = solve_job_dating(instance, seconds=1)
    per_youth = counts(result.plan)
    assert len(per_youth) == 7 and min(per_youth.values()) == 1 and max(per_youth.values()) == 2
    assert sum(per_youth.values()) == 9


def test_company_with_two_recruiters_sees_two_youths_per_slot():
    instance = scarce_job_dating(n_youths=4, n_slots=2, interviewers=2)  # E01: 2×2 places, E02: 1
    result = solve_job_dating(instance, seconds=1)
    at_e01 = Counter(i.slot for i in result.plan.interviews if i.company_id == "E01")
    assert at_e01 == {0: 2, 1: 2}
    assert validate_job_dating(instance, result.plan) == []


def test_youth_never_has_two_interviews_at_once():
    data = small_job_dating()
    for company in data["companies"]:
        company.update(sectors=["logistics"], open=[[2, 3]])
    instance = load_job_dating(data)
    result = solve_job_dating(instance, seconds=1)
    slots = Counter((i.youth_id, i.slot) for i in result.plan.interviews)
    assert slots and max(slots.values()) == 1


def test_youth_gets_time_to_walk_between_stands():
    result = solve_job_dating(instance_with(gap_slots=1), seconds=1)
    for youth_id in counts(result.plan):
        slots = sorted(i.slot for i in result.plan.interviews if i.youth_id == youth_id)
        assert all(b - a >= 2 for a, b in zip(slots, slots[1:], strict=False))


def test_wished_company_is_planned_and_avoided_company_never_is():
    result = solve_job_dating(load_job_dating(small_job_dating()), seconds=1)
    pairs = {(i.youth_id, i.company_id) for i in result.plan.interviews}
    assert ("Y001", "E02") in pairs and ("Y003", "E01") not in pairs
    assert result.stats["wishes_honoured_pct"] == 100.0


def test_youths_days_are_kept_compact():
    instance = scarce_job_dating(n_youths=1, n_slots=8)
    result = solve_job_dating(instance, seconds=1)
    slots = sorted(i.slot for i in result.plan.interviews)
    assert len(slots) == 2 and slots[1] - slots[0] == 1


def test_organiser_locked_interview_stays_put_after_replanning():
    instance = load_job_dating(small_job_dating())
    first = solve_job_dating(instance, seconds=1).plan
    # The organiser drags Karim's bakery interview to 09:40 (freeing that place if someone held it) and locks it.
    karim = Interview("Y002", "E02", 2)
    others = [i for i in first.interviews if i.youth_id != "Y002" and (i.company_id, i.slot) != ("E02", 2)]
    start = JobDatingPlan(interviews=(*others, karim))
    result = solve_job_dating(instance, seconds=1, start=start, locked=frozenset({("Y002", "E02")}))
    assert karim in result.plan.interviews
    assert validate_job_dating(instance, result.plan) == []


def test_replanning_an_unchanged_day_keeps_every_interview():
    instance = load_job_dating(crowd(60, 8, 12, seed=3))
    first = solve_job_dating(instance, seconds=2).plan
    again = solve_job_dating(instance, seconds=2, seed=9, start=first).plan
    assert set(again.interviews) == set(first.interviews)


def test_locked_interview_breaking_a_rule_is_refused_with_the_violations():
    instance = load_job_dating(small_job_dating())
    start = plan_of([("Y003", "E01", 4), ("Y002", "E02", 5)])
    with pytest.raises(JobDatingInfeasible) as caught:
        solve_job_dating(instance, start=start, locked=frozenset({("Y003", "E01"), ("Y002", "E02")}))
    assert sorted(v.code for v in caught.value.problems) == ["J06", "J10"]
    assert "Léa (Y003)" in str(caught.value)


def test_locking_an_interview_missing_from_the_start_plan_is_a_programming_error():
    instance = load_job_dating(small_job_dating())
    with pytest.raises(ValueError, match="Y001"):
        solve_job_dating(instance, start=plan_of([]), locked=frozenset({("Y001", "E01")}))


def test_same_seed_gives_the_same_plan():
    instance = load_job_dating(crowd(80, 10, 12, seed=5))
    first = solve_job_dating(instance, seconds=2, seed=4)
    second = solve_job_dating(instance, seconds=2, seed=4)
    assert not first.stopped and first.plan.interviews == second.plan.interviews


def test_cancelled_planning_still_returns_a_valid_plan():
    instance = load_job_dating(crowd(100, 12, 16, seed=2))
    progress: list[dict[str, Any]] = []
    result = solve_job_dating(instance, should_stop=lambda: True, on_progress=progress.append)
    assert result.stopped and validate_job_dating(instance, result.plan) == []
    done = solve_job_dating(instance, seconds=2, on_progress=progress.append)
    assert not done.stopped and progress[-1]["phase"] == "polish"
    assert progress[-1]["interviews"] == done.stats["interviews_total"]


def test_three_hundred_youths_and_forty_companies_are_planned_within_two_seconds():
    instance = load_job_dating(crowd(300, 40, 24, seed=1))
    began = time.perf_counter()
    result = solve_job_dating(instance, seconds=2.0)
    assert time.perf_counter() - began < 3.0  # the time box plus final checks, with room for a loaded machine
    assert validate_job_dating(instance, result.plan) == []
    stats = result.stats
    assert all(row["reason"] != "no_capacity_left" for row in stats["youths_without_interview"])
    assert stats["interviews_per_youth_mean"] > 2.5 and stats["wishes_honoured_pct"] > 90


# --------------------------------------------------------------------------- property


@st.composite
def job_datings(draw: st.DrawFn) -> dict[str, Any]:
    n_slots = draw(st.integers(1, 8))
    sectors = ["a", "b", "c"]
    slot_range = st.tuples(st.integers(0, n_slots), st.integers(0, n_slots)).map(lambda r: sorted(r))
    companies = [
        {
            "id": f"E{i}",
            "sectors": draw(st.lists(st.sampled_from(sectors), max_size=2, unique=True)),
            "interviewers": draw(st.integers(1, 2)),
            "open": draw(st.lists(slot_range, max_size=2)),
        }
        for i in range(draw(st.integers(1, 4)))
    ]
    ids = [c["id"] for c in companies]
    youths = []
    for i in range(draw(st.integers(0, 8))):
        wants = draw(st.lists(st.sampled_from(ids), max_size=2, unique=True))
        avoid = draw(st.lists(st.sampled_from([c for c in ids if c not in wants] or ids), max_size=1, unique=True))
        youths.append(
            {
                "id": f"Y{i}",
                "interests": draw(st.lists(st.sampled_from(sectors), max_size=2, unique=True)),
                "available": draw(st.lists(slot_range, min_size=1, max_size=2)),
                "max_interviews": draw(st.one_of(st.none(), st.integers(0, 3))),
                "wants": wants,
                "avoid": [c for c in avoid if c not in wants],
            }
        )
    params = {
        "day_start": "08:30",
        "slot_minutes": 20,
        "n_slots": n_slots,
        "max_interviews_per_youth": draw(st.integers(0, 3)),
        "gap_slots": draw(st.integers(0, 2)),
    }
    return {"kind": "job_dating", "params": params, "companies": companies, "youths": youths}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=job_datings(), seed=st.integers(0, 3), lock_every=st.integers(1, 3))
def test_every_plan_the_solver_returns_passes_the_validator(data, seed, lock_every):
    instance = load_job_dating(copy.deepcopy(data))
    first = solve_job_dating(instance, seconds=1, seed=seed)
    assert validate_job_dating(instance, first.plan) == []
    # No youth below their cap could still take a free matching slot.
    per_youth = counts(first.plan)
    taken = Counter((i.company_id, i.slot) for i in first.plan.interviews)
    for youth in instance.youths:
        if per_youth[youth.id] >= instance.max_interviews(youth):
            continue
        mine = {i.company_id: i.slot for i in first.plan.interviews if i.youth_id == youth.id}
        for company in instance.companies:
            if company.id in mine or not instance.matches(youth, company):
                continue
            for slot in company.open_slots & youth.available_slots:
                clear = all(abs(slot - t) > instance.params.gap_slots for t in mine.values())
                assert not (clear and taken[(company.id, slot)] < company.interviewers), (youth.id, company.id, slot)
    # Re-planning with some interviews locked keeps them and stays valid.
    locked = frozenset((i.youth_id, i.company_id) for i in first.plan.interviews[::lock_every])
    again = solve_job_dating(instance, seconds=1, seed=seed + 1, start=first.plan, locked=locked)
    assert validate_job_dating(instance, again.plan) == []
    kept = {(i.youth_id, i.company_id): i.slot for i in again.plan.interviews}
    assert all(kept.get((i.youth_id, i.company_id)) == i.slot for i in first.plan.interviews[::lock_every])
    assert sum(counts(again.plan).values()) >= 1 or not first.plan.interviews


# --------------------------------------------------------------------------- second round (outside interests)


def with_a_farmer(**params: Any) -> JobDatingInstance:
    """The small job dating plus Noah, who wants farming: no company matches, yet slots stay free."""
    data = small_job_dating()
    data["params"].update(params)
    data["youths"].append({"id": "Y004", "name": "Noah", "interests": ["farming"], "available": [[0, 6]]})
    return load_job_dating(data)


def test_older_documents_have_the_second_round_on_and_a_bad_value_is_named():
    assert load_job_dating(small_job_dating()).params.second_round is True
    data = small_job_dating()
    data["params"]["second_round"] = "yes"
    with pytest.raises(PlanningFormatError) as error:
        load_job_dating(data)
    assert error.value.path == "params.second_round"


def test_youth_matching_no_company_gets_an_interview_outside_their_interests_while_slots_are_free():
    instance = with_a_farmer()

    result = solve_job_dating(instance, seconds=1)

    noah = [i for i in result.plan.interviews if i.youth_id == "Y004"]
    assert len(noah) == 1 and noah[0].outside_interests
    assert not any(i.outside_interests for i in result.plan.interviews if i.youth_id != "Y004")
    assert validate_job_dating(instance, result.plan) == []
    document = plan_to_json(result.plan, instance)
    assert [i for i in document["interviews"] if i.get("outside_interests")] == [
        {"youth_id": "Y004", "company_id": noah[0].company_id, "slot": noah[0].slot, "outside_interests": True}
    ]
    assert load_job_dating_plan(document).interviews == plan_of_outside(document)
    assert result.stats["second_round_interviews"] == 1 and result.stats["youths_without_interview"] == []


def plan_of_outside(document: dict[str, Any]) -> tuple[Interview, ...]:
    return tuple(
        Interview(i["youth_id"], i["company_id"], i["slot"], outside_interests=i.get("outside_interests", False))
        for i in document["interviews"]
    )


def test_without_the_second_round_a_youth_matching_no_company_has_no_interview():
    instance = with_a_farmer(second_round=False)

    result = solve_job_dating(instance, seconds=1)

    assert "Y004" not in counts(result.plan)
    assert result.stats["youths_without_interview"] == [{"youth_id": "Y004", "reason": "no_matching_company"}]
    assert not any(i.outside_interests for i in result.plan.interviews)


def test_the_second_round_never_sends_a_youth_to_a_company_they_avoid():
    data = small_job_dating()
    data["youths"].append(
        {"id": "Y004", "interests": ["farming"], "available": [[0, 6]], "avoid": ["E01", "E02", "E03"]}
    )
    result = solve_job_dating(load_job_dating(data), seconds=1)
    assert "Y004" not in counts(result.plan)


def outside(youth: str, company: str, slot: int) -> Interview:
    return Interview(youth, company, slot, outside_interests=True)


def test_validator_accepts_a_second_round_interview_only_when_the_option_is_on():
    valid = plan_of(VALID).interviews
    plan = JobDatingPlan(interviews=(*valid, outside("Y004", "E02", 4)))

    assert validate_job_dating(with_a_farmer(), plan) == []
    assert [v.code for v in validate_job_dating(with_a_farmer(second_round=False), plan)] == ["J09"]


def test_validator_refuses_an_unmarked_or_extra_interview_outside_the_interests():
    valid = plan_of(VALID).interviews
    unmarked = JobDatingPlan(interviews=(*valid, Interview("Y004", "E02", 4)))
    # Karim already meets the bakery within his interests: a second round is only for youths left without any.
    extra = JobDatingPlan(interviews=(*valid, outside("Y002", "E01", 1)))

    assert [v.code for v in validate_job_dating(with_a_farmer(), unmarked)] == ["J09"]
    assert [v.code for v in validate_job_dating(with_a_farmer(), extra)] == ["J09"]


def test_locked_second_round_interview_is_kept_when_replanning():
    instance = with_a_farmer()
    start = JobDatingPlan(interviews=(outside("Y004", "E03", 5),))

    result = solve_job_dating(instance, seconds=1, start=start, locked=frozenset({("Y004", "E03")}))

    assert [i for i in result.plan.interviews if i.youth_id == "Y004"] == [outside("Y004", "E03", 5)]
    assert validate_job_dating(instance, result.plan) == []


def test_replanning_keeps_a_second_round_interview_where_it_was():
    instance = with_a_farmer()
    first = solve_job_dating(instance, seconds=1).plan
    taken = Counter((i.company_id, i.slot) for i in first.interviews)
    noah = next(i for i in first.interviews if i.youth_id == "Y004")
    elsewhere = next(
        outside("Y004", c.id, s)
        for c in instance.companies
        for s in sorted(c.open_slots)
        if taken[(c.id, s)] < c.interviewers and c.id != noah.company_id
    )
    start = JobDatingPlan(interviews=(*(i for i in first.interviews if i != noah), elsewhere))
    assert validate_job_dating(instance, start) == []

    again = solve_job_dating(instance, seconds=1, seed=9, start=start).plan

    assert set(again.interviews) == set(start.interviews)
