"""User stories for the rally plan validator (hard rules H01–H16 of docs/planning-model.md §5) and the JSON loaders.

Each rule test starts from one hand-checked valid plan for `tiny.json`, breaks it in exactly one way,
and expects exactly that rule to be reported, so a cascade of unrelated codes is caught as a bug.

Messages are checked in English (the msgids; the French catalogue is filled separately) for the way organisers
read them: "team 3", youths, sites and companions by name, days by date and clock times. A few checks run in
French to show the dates follow the language whatever the catalogue holds.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from core.i18n import language
from planning import Instance, PlanningFormatError, Solution, Violation, load_instance, load_solution, validate

# The two example instances of the planning model, kept in the repository (the benchmark uses them too).
SHARED = Path(__file__).resolve().parents[1] / "planning" / "examples"


def read_json(name: str) -> dict[str, Any]:
    return json.loads((SHARED / name).read_text(encoding="utf-8"))


def valid_tiny_plan() -> dict[str, Any]:
    """A plan for tiny.json checked by hand against every hard rule.

    Y004/Y005 must be together, Y001/Y009 must not, Y007 only comes on day 0 (so team T3 goes out on day 0).
    All companions drive; every pair of consecutive visits leaves one free slot (30 min) for the ≤ 30 min
    car trips, and S03 (max_teams 3) is visited by exactly the three teams.
    """
    return {
        "instance": "tiny",
        "solver": "hand",
        "teams": [
            {
                "id": "T1",
                "members": ["Y001", "Y002", "Y003"],
                "companion": "C01",
                "visits": [
                    {"site_id": "S01", "day": 1, "slot_start": 1, "slot_end": 3},
                    {"site_id": "S04", "day": 1, "slot_start": 10, "slot_end": 12},
                    {"site_id": "S03", "day": 1, "slot_start": 13, "slot_end": 15},
                ],
            },
            {
                "id": "T2",
                "members": ["Y004", "Y005", "Y006"],
                "companion": "C02",
                "visits": [
                    {"site_id": "S01", "day": 0, "slot_start": 1, "slot_end": 3},
                    {"site_id": "S02", "day": 0, "slot_start": 4, "slot_end": 6},
                    {"site_id": "S03", "day": 0, "slot_start": 10, "slot_end": 12},
                ],
            },
            {
                "id": "T3",
                "members": ["Y007", "Y008", "Y009"],
                "companion": "C03",
                "visits": [
                    {"site_id": "S03", "day": 0, "slot_start": 1, "slot_end": 3},
                    {"site_id": "S01", "day": 0, "slot_start": 4, "slot_end": 6},
                    {"site_id": "S04", "day": 0, "slot_start": 10, "slot_end": 12},
                ],
            },
        ],
    }


@pytest.fixture
def tiny_data() -> dict[str, Any]:
    return read_json("tiny.json")


@pytest.fixture
def plan() -> dict[str, Any]:
    return valid_tiny_plan()


def check(instance_data: dict[str, Any], plan_data: dict[str, Any], lang: str = "en") -> list[Violation]:
    """Validate with messages in `lang` (English by default, the language of the msgids)."""
    with language(lang):
        return validate(load_instance(instance_data), load_solution(plan_data))


# Names and dates of tiny.json, as the messages should show them.
LEA_PETIT, NOAH_FAURE, RAYAN_GUERIN = "Léa Petit", "Noah Faure", "Rayan Guerin"  # Y001, Y003, Y007
METALLURGIE, CLINIQUE, HOTEL, JARDINERIE = "Métallurgie Lefèvre", "Clinique Garcia", "Hôtel Moreau", "Jardinerie Dubois"
DAY0, DAY1 = "Tuesday 17 March", "Wednesday 18 March"


def team(plan_data: dict[str, Any], team_id: str) -> dict[str, Any]:
    return next(t for t in plan_data["teams"] if t["id"] == team_id)


def only(violations: list[Violation], code: str) -> list[Violation]:
    """Assert every violation carries `code` (and there is at least one); return them."""
    assert violations, f"expected {code}, got no violation"
    assert {v.code for v in violations} == {code}, [f"{v.code}: {v.message}" for v in violations]
    return violations


# --------------------------------------------------------------------------- loading the shared instances


def test_organiser_loads_the_tiny_example_instance(tiny_data):
    instance = load_instance(tiny_data)
    assert isinstance(instance, Instance)
    assert len(instance.youths) == 9 and len(instance.sites) == 4 and instance.params.n_teams == 3
    assert instance.site_by_id["S02"].open[0] == ((3, 7), (10, 18))
    assert instance.travel.minutes("depot", "S03", by_car=True) == 14
    assert instance.travel.minutes("S04", "depot", by_car=False) == 48
    assert instance.clock(4) == "10:30"


def test_organiser_loads_the_rally_example_instance():
    instance = load_instance(read_json("rally.json"))
    assert len(instance.youths) == 20 and len(instance.sites) == 10
    assert instance.site_by_id["S05"].open[0] == ()
    assert instance.companion_by_id["C07"].has_car is False


def test_unknown_fields_are_ignored(tiny_data, plan):
    tiny_data["future_field"] = {"x": 1}
    tiny_data["sites"][0]["parking"] = True
    plan["teams"][0]["colour"] = "red"
    plan["stats"] = {"objective": 3729}
    assert check(tiny_data, plan) == []


# --------------------------------------------------------------------------- the valid plan


def test_hand_checked_plan_for_tiny_is_valid(tiny_data, plan):
    solution = load_solution(plan)
    assert isinstance(solution, Solution)
    assert validate(load_instance(tiny_data), solution) == []


def test_visit_order_in_the_json_does_not_matter(tiny_data, plan):
    for t in plan["teams"]:
        t["visits"].reverse()
    plan["teams"].reverse()
    assert check(tiny_data, plan) == []


# --------------------------------------------------------------------------- H01–H05: teams


def test_h01_youth_left_out_of_every_team_is_reported(tiny_data, plan):
    team(plan, "T1")["members"].remove("Y003")
    [v] = only(check(tiny_data, plan), "H01")
    assert v.youth == "Y003" and v.message == f"{NOAH_FAURE} is in no team."


def test_h01_youth_in_two_teams_is_reported(tiny_data, plan):
    team(plan, "T2")["members"].append("Y003")
    [v] = only(check(tiny_data, plan), "H01")
    assert v.youth == "Y003"
    assert v.message == f"{NOAH_FAURE} is listed 2 times (team 1 and team 2) but must be in exactly one team."


def test_h01_unknown_youth_id_is_reported(tiny_data, plan):
    team(plan, "T1")["members"].append("Y999")
    [v] = only(check(tiny_data, plan), "H01")
    assert (v.team, v.youth) == ("T1", "Y999")
    assert v.message == "Team 1 lists an unknown youth, Y999."


def test_h02_team_too_small_and_team_too_large_are_reported(tiny_data, plan):
    team(plan, "T1")["members"] = ["Y001"]
    team(plan, "T2")["members"] += ["Y002", "Y003"]
    violations = only(check(tiny_data, plan), "H02")
    assert [v.team for v in violations] == ["T1", "T2"]
    assert violations[0].message == "Team 1 has 1 member but a team must have 2 to 4."
    assert violations[1].message == "Team 2 has 5 members but a team must have 2 to 4."


def test_h03_team_without_companion_is_reported(tiny_data, plan):
    team(plan, "T3")["companion"] = None
    [v] = only(check(tiny_data, plan), "H03")
    assert v.team == "T3" and v.message == "Team 3 has no companion."


def test_h03_unknown_companion_is_reported(tiny_data, plan):
    team(plan, "T3")["companion"] = "C99"
    [v] = only(check(tiny_data, plan), "H03")
    assert v.team == "T3" and v.message == "Team 3 has an unknown companion, C99."


def test_h03_companion_shared_by_two_teams_is_reported(tiny_data, plan):
    team(plan, "T2")["companion"] = "C01"
    [v] = only(check(tiny_data, plan), "H03")
    assert v.team == "T2" and v.message == "Team 2 has the same companion as team 1: Inès Fournier."


def test_h04_must_with_partners_split_is_reported_once(tiny_data, plan):
    # Swap Y005 (must be with Y004) and Y003.
    team(plan, "T1")["members"] = ["Y001", "Y002", "Y005"]
    team(plan, "T2")["members"] = ["Y004", "Y003", "Y006"]
    [v] = only(check(tiny_data, plan), "H04")
    assert v.message == "Léa Blanc (team 2) must be with Rayan Moreau, who is in team 1."


def test_h05_cannot_with_partners_together_is_reported_once(tiny_data, plan):
    # Swap Y009 (cannot be with Y001) and Y002; Y002 is free on day 0 like the rest of T3.
    team(plan, "T1")["members"] = ["Y001", "Y009", "Y003"]
    team(plan, "T3")["members"] = ["Y007", "Y008", "Y002"]
    [v] = only(check(tiny_data, plan), "H05")
    assert v.team == "T1"
    assert v.message == f"Team 1 contains {LEA_PETIT} and Nathan Blanc, who must not be together."


# --------------------------------------------------------------------------- H06–H09: visits and sites


def test_h06_visit_of_wrong_length_is_reported(tiny_data, plan):
    team(plan, "T3")["visits"][2]["slot_end"] = 13
    [v] = only(check(tiny_data, plan), "H06")
    assert (v.team, v.site, v.day, v.slot) == ("T3", "S04", 0, 10)
    assert v.message == (
        f"Team 3 has an invalid visit to {JARDINERIE} on {DAY0}: it lasts 90 min (13:30 to 15:00) instead of 60 min."
    )


def test_h06_unknown_site_is_reported(tiny_data, plan):
    team(plan, "T3")["visits"][2]["site_id"] = "S99"
    [v] = only(check(tiny_data, plan), "H06")
    assert v.team == "T3" and v.site == "S99"
    assert v.message == f"Team 3 has an invalid visit to S99 on {DAY0}: site S99 is unknown."


def test_h06_unknown_day_is_reported(tiny_data, plan):
    team(plan, "T1")["visits"][2]["day"] = 2
    [v] = only(check(tiny_data, plan), "H06")
    assert v.team == "T1" and v.site == "S03"
    assert v.message == f"Team 1 has an invalid visit to {HOTEL} on day 2: day 2 is not an event day."


def test_h06_visit_past_the_end_of_the_day_is_reported(tiny_data, plan):
    team(plan, "T1")["visits"][2].update(slot_start=18, slot_end=20)
    [v] = only(check(tiny_data, plan), "H06")
    assert v.team == "T1" and "it ends at 18:30, after the day ends at 18:00" in v.message


def test_h07_visit_before_opening_is_reported_with_clock_times(tiny_data, plan):
    # S04 opens at slot 10 (13:30); 12:30 is slot 8.
    team(plan, "T3")["visits"][2].update(slot_start=8, slot_end=10)
    [v] = only(check(tiny_data, plan), "H07")
    assert (v.team, v.site, v.day, v.slot) == ("T3", "S04", 0, 8)
    assert v.message == (
        f"Team 3 visits {JARDINERIE} on {DAY0} at 12:30 (until 13:30) but the site is closed then (open: 13:30–17:00)."
    )


def test_h07_visit_across_the_lunch_closure_is_reported(tiny_data, plan):
    # T2 at S03 from 13:00 to 14:00 starts before it reopens at 13:30 ([1, 7) then [10, 17)).
    team(plan, "T2")["visits"][2].update(slot_start=9, slot_end=11)
    [v] = only(check(tiny_data, plan), "H07")
    assert (v.team, v.site) == ("T2", "S03") and "at 13:00" in v.message and "09:00–12:00, 13:30–17:00" in v.message


def test_h08_two_teams_at_a_capacity_one_site_are_reported(tiny_data, plan):
    # T1 goes to S01 on day 0 at the same time as T2.
    team(plan, "T1")["visits"][0]["day"] = 0
    [v] = only(check(tiny_data, plan), "H08")
    assert (v.site, v.day, v.slot) == ("S01", 0, 1)
    assert v.message == (
        f"{METALLURGIE} hosts 2 teams (team 1 and team 2) on {DAY0} from 09:00 to 10:00 but can only host 1 at a time."
    )


def test_h09_site_visited_by_more_teams_than_its_max_is_reported(tiny_data, plan):
    tiny_data["sites"][2]["max_teams"] = 2  # S03 is visited by T1, T2 and T3
    [v] = only(check(tiny_data, plan), "H09")
    assert v.site == "S03"
    assert (
        v.message == f"{HOTEL} is visited by 3 teams (team 1, team 2, and team 3) but accepts at most 2 over the event."
    )


# --------------------------------------------------------------------------- H10–H11: itineraries


def test_h10_no_time_to_travel_between_visits_is_reported(tiny_data, plan):
    # T2 leaves S01 at 10:00 and should be at S02 (12 min away) at 10:00.
    team(plan, "T2")["visits"][1].update(slot_start=3, slot_end=5)
    [v] = only(check(tiny_data, plan), "H10")
    assert (v.team, v.site, v.day, v.slot) == ("T2", "S02", 0, 3)
    assert v.message == (
        f"Team 2 leaves {METALLURGIE} on {DAY0} at 10:00 and needs 12 min by car to reach {CLINIQUE},"
        " arriving at 10:12 after the visit starts at 10:00."
    )


def test_h10_overlapping_visits_are_reported(tiny_data, plan):
    # T1 is due at S03 at 14:00 while still at S04 until 14:30.
    team(plan, "T1")["visits"][2].update(slot_start=11, slot_end=13)
    [v] = only(check(tiny_data, plan), "H10")
    assert (v.team, v.site, v.day) == ("T1", "S03", 1)
    assert v.message == f"Team 1 visits {HOTEL} on {DAY1} at 14:00 while still at {JARDINERIE} until 14:30."


def test_h10_uses_transit_times_when_the_companion_has_no_car(tiny_data, plan):
    # S04 -> S03 is 23 min by car (fits the 30 min gap) but 53 min by transit.
    # Day 1 trips from and to the depot stay within the window: S01 at 09:00 is 41 min away, from 08:30 is too short,
    # so T1's first visit moves to 10:00.
    tiny_data["companions"][0]["has_car"] = False
    team(plan, "T1")["visits"][0].update(slot_start=3, slot_end=5)
    [v] = only(check(tiny_data, plan), "H10")
    assert (v.team, v.site) == ("T1", "S03") and "53 min by public transit" in v.message


def test_h11_departure_before_the_companion_is_available_is_reported(tiny_data, plan):
    # S01 at 08:30 needs leaving the depot at 08:14 (16 min) but the companion starts at 08:30.
    team(plan, "T2")["visits"][0].update(slot_start=0, slot_end=2)
    [v] = only(check(tiny_data, plan), "H11")
    assert (v.team, v.site, v.day) == ("T2", "S01", 0)
    assert v.message == (
        f"Team 2 must leave the meeting point on {DAY0} at 08:14 (16 min by car) to reach {METALLURGIE} by 08:30"
        " but its companion, Enzo Bernard, is only available from 08:30."
    )


def test_h11_return_after_the_companion_leaves_is_reported(tiny_data, plan):
    tiny_data["companions"][0]["availability"]["1"] = [0, 15]  # C01 leaves at 16:00
    # T1 ends at S03 at 16:00 and needs 14 min back.
    [v] = only(check(tiny_data, plan), "H11")
    assert (v.team, v.site, v.day) == ("T1", "S03", 1)
    assert v.message == (
        f"Team 1 leaves {HOTEL} on {DAY1} at 16:00 and is back at the meeting point at 16:14 (14 min by car)"
        " but its companion, Inès Fournier, is only available until 16:00."
    )


def test_h11_visit_on_a_day_the_companion_is_unavailable_is_reported(tiny_data, plan):
    tiny_data["companions"][0]["availability"]["1"] = []
    [v] = only(check(tiny_data, plan), "H11")
    assert (v.team, v.day) == ("T1", 1)
    assert v.message == (
        f"Team 1 visits {METALLURGIE} on {DAY1} at 09:00 but its companion, Inès Fournier, is not available that day."
    )


# --------------------------------------------------------------------------- H12–H15: members and counts


def test_h12_visit_on_a_day_a_member_is_unavailable_is_reported(tiny_data, plan):
    # Y007 only comes on day 0; move T3's S04 visit to day 1 (S04 is free then).
    team(plan, "T3")["visits"][2].update(day=1, slot_start=14, slot_end=16)
    [v] = only(check(tiny_data, plan), "H12")
    assert (v.team, v.youth, v.site, v.day) == ("T3", "Y007", "S04", 1)
    assert v.message == f"Team 3 visits {JARDINERIE} on {DAY1} at 15:30 but {RAYAN_GUERIN} is not available that day."


def test_h13_reduced_mobility_member_at_an_inaccessible_site_is_reported(tiny_data, plan):
    tiny_data["youths"][0]["reduced_mobility"] = True  # Y001, in T1, which visits S04 and S03 (not accessible)
    violations = only(check(tiny_data, plan), "H13")
    assert [(v.team, v.youth, v.site) for v in violations] == [("T1", "Y001", "S04"), ("T1", "Y001", "S03")]
    assert violations[0].message == (
        f"Team 1 visits {JARDINERIE} on {DAY1} at 13:30 but the site is not accessible"
        f" to {LEA_PETIT}, who has reduced mobility."
    )


def test_h14_same_site_twice_is_reported(tiny_data, plan):
    team(plan, "T1")["visits"].append({"site_id": "S01", "day": 1, "slot_start": 4, "slot_end": 6})
    [v] = only(check(tiny_data, plan), "H14")
    assert (v.team, v.site, v.day, v.slot) == ("T1", "S01", 1, 4)
    assert v.message == f"Team 1 visits {METALLURGIE} again on {DAY1} at 10:30 after visiting it on {DAY1} at 09:00."


def test_h15_too_few_visits_is_reported(tiny_data, plan):
    team(plan, "T3")["visits"].pop()
    [v] = only(check(tiny_data, plan), "H15")
    assert v.team == "T3" and v.message == "Team 3 has 2 visits but must have 3 to 4."


def test_h15_too_many_visits_in_one_day_is_reported(tiny_data, plan):
    tiny_data["params"]["max_visits_per_day"] = 2
    violations = only(check(tiny_data, plan), "H15")
    assert [(v.team, v.day) for v in violations] == [("T1", 1), ("T2", 0), ("T3", 0)]
    assert violations[0].message == f"Team 1 has 3 visits on {DAY1} but at most 2 are allowed per day."


def test_h16_a_team_idle_on_a_day_everyone_can_come_is_reported(tiny_data, plan):
    # Team 1 and team 2 could go out on both days but each visits on one only; team 3's Rayan comes on day 0 only.
    tiny_data["params"]["min_visits_per_day"] = 1
    violations = only(check(tiny_data, plan), "H16")
    assert [(v.team, v.day) for v in violations] == [("T1", 0), ("T2", 1)]
    assert violations[0].message == (
        f"Team 1 has 0 visits on {DAY0} but must have at least 1 on each day when its whole team and companion can"
        " come."
    )


def test_h16_a_day_the_companion_cannot_come_needs_no_visit(tiny_data, plan):
    tiny_data["params"]["min_visits_per_day"] = 1
    tiny_data["companions"][0]["availability"]["0"] = []  # C01, team 1's companion, only comes on day 1
    tiny_data["companions"][1]["availability"].pop("1")  # C02, team 2's, only on day 0
    assert check(tiny_data, plan) == []


def test_h16_is_off_when_the_instance_does_not_ask_for_it(tiny_data, plan):
    assert "min_visits_per_day" not in tiny_data["params"]
    assert check(tiny_data, plan) == []


# --------------------------------------------------------------------------- how messages name things


def test_team_labels_use_the_number_in_the_id(tiny_data, plan):
    team(plan, "T1")["id"] = "T003"
    team(plan, "T2")["id"] = "Bleue"
    team(plan, "T003")["companion"] = None
    team(plan, "Bleue")["companion"] = None
    assert [v.message for v in check(tiny_data, plan)] == ["Team Bleue has no companion.", "Team 3 has no companion."]


def test_ids_are_shown_when_the_instance_has_no_names_or_dates(tiny_data, plan):
    for record in (*tiny_data["youths"], *tiny_data["sites"], *tiny_data["companions"]):
        record.pop("name")
    for day in tiny_data["days"]:
        day.pop("date")
    tiny_data["companions"][0]["availability"]["1"] = []
    tiny_data["youths"][0]["reduced_mobility"] = True
    violations = check(tiny_data, plan)
    assert [v.message for v in violations] == [
        "Team 1 visits S01 on day 1 at 09:00 but its companion, C01, is not available that day.",
        "Team 1 visits S04 on day 1 at 13:30 but the site is not accessible to Y001, who has reduced mobility.",
        "Team 1 visits S03 on day 1 at 15:00 but the site is not accessible to Y001, who has reduced mobility.",
    ]


def test_messages_in_french_give_the_date_in_french_with_names_and_times(tiny_data, plan):
    # The wording comes from the French catalogue once translated; names, French dates and times are there anyway.
    team(plan, "T3")["visits"][2].update(day=1, slot_start=14, slot_end=16)  # H12
    team(plan, "T2")["visits"][1].update(slot_start=3, slot_end=5)  # H10
    tiny_data["sites"][2]["max_teams"] = 2  # H09
    h09, h10, h12 = check(tiny_data, plan, lang="fr")
    assert (h09.code, h10.code, h12.code) == ("H09", "H10", "H12")
    assert HOTEL in h09.message and " 2 et " in h09.message  # "équipe 1, équipe 2 et équipe 3": a French list
    assert "mardi 17 mars" in h10.message and METALLURGIE in h10.message and CLINIQUE in h10.message
    assert "10:00" in h10.message and "10:12" in h10.message
    assert "mercredi 18 mars" in h12.message and RAYAN_GUERIN in h12.message and JARDINERIE in h12.message
    assert "15:30" in h12.message
    english = check(tiny_data, plan)
    assert DAY1 in english[2].message and "mercredi" not in english[2].message


# --------------------------------------------------------------------------- reporting


def test_all_problems_are_reported_in_a_stable_order(tiny_data, plan):
    team(plan, "T3")["visits"].pop()  # H15
    team(plan, "T2")["companion"] = "C01"  # H03
    team(plan, "T1")["members"].append("Y999")  # H01
    violations = check(tiny_data, plan)
    assert [v.code for v in violations] == ["H01", "H03", "H15"]
    assert violations == check(tiny_data, copy.deepcopy(plan))


# --------------------------------------------------------------------------- malformed documents


@pytest.mark.parametrize(
    ("breakage", "path"),
    [
        (lambda d: d["params"].pop("n_slots"), "params.n_slots"),
        (lambda d: d["params"].update(day_start="8h30"), "params.day_start"),
        (lambda d: d["sites"][3]["open"]["1"].__setitem__(0, [10]), "sites[3].open.1[0]"),
        (lambda d: d["sites"][2]["open"]["0"][1].__setitem__(1, "17"), "sites[2].open.0[1][1]"),
        (lambda d: d["sites"][0]["open"].update({"5": []}), "sites[0].open.5"),
        (lambda d: d["sites"][1].update(capacity=True), "sites[1].capacity"),
        (lambda d: d["youths"][4].pop("reduced_mobility"), "youths[4].reduced_mobility"),
        (lambda d: d["youths"][0]["cannot_with"].append("Y404"), "youths[0].cannot_with[1]"),
        (lambda d: d["companions"][1]["availability"].update({"0": [0, 25]}), "companions[1].availability.0[1]"),
        (lambda d: d["travel"]["nodes"].__setitem__(2, "S99"), "travel.nodes[2]"),
        (lambda d: d["travel"]["car"][3].pop(), "travel.car[3]"),
        (lambda d: d["travel"]["transit"].pop(), "travel.transit"),
        (lambda d: d["sites"].append(dict(d["sites"][0])), "sites[4].id"),
    ],
)
def test_malformed_instance_is_rejected_with_the_json_path(tiny_data, breakage, path):
    breakage(tiny_data)
    with pytest.raises(PlanningFormatError) as caught:
        load_instance(tiny_data)
    assert caught.value.path == path
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).startswith(f"{path}: ")


@pytest.mark.parametrize(
    ("breakage", "path"),
    [
        (lambda d: d.pop("teams"), "teams"),
        (lambda d: d["teams"][1].pop("members"), "teams[1].members"),
        (lambda d: d["teams"][0]["visits"][1].update(slot_start="10"), "teams[0].visits[1].slot_start"),
        (lambda d: d["teams"][2]["visits"][0].pop("site_id"), "teams[2].visits[0].site_id"),
        (lambda d: d["teams"][2].update(id="T1"), "teams[2].id"),
        (lambda d: d["teams"][0]["members"].__setitem__(1, 7), "teams[0].members[1]"),
    ],
)
def test_malformed_solution_is_rejected_with_the_json_path(plan, breakage, path):
    breakage(plan)
    with pytest.raises(PlanningFormatError) as caught:
        load_solution(plan)
    assert caught.value.path == path
