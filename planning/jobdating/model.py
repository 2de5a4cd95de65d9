"""Typed, immutable view of the job-dating planning JSON (instance ``kind: "job_dating"``, schema_version 1).

A job dating is one day cut into equal slots. Companies hold short interviews at their stand, as many at a
time as they bring recruiters; youths meet the companies that match their interests. Parsing happens once,
here, so the validator and the solver can trust types and references; every malformed document is rejected
with a `PlanningFormatError` naming the exact JSON path of the offending value, and unknown fields are
ignored so newer writers stay readable.

Instance::

    {"name": "Job dating Lens", "schema_version": 1, "kind": "job_dating",
     "params": {"day_start": "09:00", "slot_minutes": 20, "n_slots": 12,
                "max_interviews_per_youth": 3, "gap_slots": 0, "second_round": true},
     "companies": [{"id": "E01", "name": "Transports Nord", "sectors": ["logistics"], "interviewers": 2,
                    "open": [[0, 6], [7, 12]]}],
     "youths": [{"id": "Y001", "name": "Inès", "interests": ["logistics", "retail"], "available": [[0, 12]],
                 "max_interviews": 3, "wants": ["E01"], "avoid": []}]}

* Slot ``s`` starts at ``day_start + s × slot_minutes`` and the day has slots ``0 … n_slots - 1``.
* ``open`` and ``available`` are half-open ``[from, to)`` slot ranges (they may overlap or be empty).
* A company sees up to ``interviewers`` youths per slot (one per recruiter); ``sectors`` may be empty.
* ``max_interviews`` (optional, ``null`` = ``params.max_interviews_per_youth``) caps a youth's interviews;
  ``gap_slots`` (optional, default 0) free slots must separate two interviews of a youth (walking time).
* ``second_round`` (optional, default true): a youth left without any interview within their interests may
  get one interview with a company outside them, marked ``"outside_interests": true`` in the plan.
* ``wants`` / ``avoid`` (optional) list company ids the youth asked for / refused; a wanted company is a
  match even outside the youth's interests, an avoided one never is. A company cannot be in both.
* Required keys: params (all but gap_slots and second_round), companies[].id/sectors/interviewers/open,
  youths[].id/interests/available. Optional: name, kind (must be "job_dating" when given), names.

Plan (solution)::

    {"instance": "Job dating Lens", "solver": "jobdating-greedy+repair", "seconds": 0.4,
     "interviews": [{"youth_id": "Y001", "company_id": "E01", "slot": 3},
                    {"youth_id": "Y002", "company_id": "E01", "slot": 4, "outside_interests": true}],
     "stats": {}}

The plan loader checks shapes and types only; unknown ids and out-of-grid slots are rule violations (J01)
reported by the validator with the other problems, so a hand-edited plan is judged rather than refused.

Hard rules, all checked by `rules.validate_job_dating` (no early exit; messages name youths, companies
and times):

* J01 the interview names a known youth, a known company and a slot of the grid (0 ≤ slot < n_slots);
  an interview failing J01 is reported once and ignored by J02–J10;
* J02 the company is open at that slot;
* J03 a company holds at most ``interviewers`` interviews in a slot;
* J04 a youth never has two interviews in the same slot;
* J05 at least ``gap_slots`` free slots between two interviews of a youth;
* J06 the youth is available at that slot;
* J07 at most ``max_interviews`` interviews per youth (the youth's own, else the params');
* J08 a youth meets a company at most once;
* J09 match: the company's sectors meet the youth's interests, or the youth wants that company, or (with
  ``params.second_round``) it is the youth's only interview and is marked ``outside_interests``;
* J10 never a company the youth avoids (reported instead of J09).

`job_dating_metrics` gives the console its figures: totals, youths without an interview and why
(``no_matching_company``, ``not_available``, ``no_capacity_left``, ``max_interviews_zero``), mean/min/max
interviews per youth, second-round interviews, wishes honoured, idle slots and each company's fill.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from planning.model import (
    PlanningFormatError,
    _bool,
    _get,
    _int,
    _list,
    _num,
    _obj,
    _slot_range,
    _str,
    _str_list,
    _unique,
)
from planning.validator import Violation

__all__ = [
    "Company",
    "Interview",
    "JobDatingInstance",
    "JobDatingParams",
    "JobDatingPlan",
    "JobYouth",
    "PlanningFormatError",
    "Violation",
    "load_job_dating",
    "load_job_dating_plan",
    "plan_to_json",
]

KIND = "job_dating"


# --------------------------------------------------------------------------- instance


@dataclass(frozen=True)
class JobDatingParams:
    """The slot grid of the day and the default cap of interviews per youth."""

    day_start: str
    slot_minutes: int
    n_slots: int
    max_interviews_per_youth: int
    gap_slots: int = 0
    second_round: bool = True

    @property
    def day_start_minutes(self) -> int:
        hours, minutes = self.day_start.split(":")
        return int(hours) * 60 + int(minutes)


def _slots_of(ranges: Iterable[tuple[int, int]]) -> frozenset[int]:
    return frozenset(s for a, b in ranges for s in range(a, b))


@dataclass(frozen=True)
class Company:
    """A recruiting company; it interviews up to `interviewers` youths in each slot of `open`."""

    id: str
    sectors: tuple[str, ...]
    interviewers: int
    open: tuple[tuple[int, int], ...]
    name: str = ""
    open_slots: frozenset[int] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "open_slots", _slots_of(self.open))

    @property
    def label(self) -> str:
        """How people read it: "Transports Nord (E01)", or the bare id when unnamed."""
        return f"{self.name} ({self.id})" if self.name else self.id


@dataclass(frozen=True)
class JobYouth:
    """A youth looking for interviews; `max_interviews` None means the instance default."""

    id: str
    interests: tuple[str, ...]
    available: tuple[tuple[int, int], ...]
    max_interviews: int | None = None
    wants: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()
    name: str = ""
    available_slots: frozenset[int] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "available_slots", _slots_of(self.available))

    @property
    def label(self) -> str:
        return f"{self.name} ({self.id})" if self.name else self.id


@dataclass(frozen=True)
class JobDatingInstance:
    """Everything needed to judge or build a plan, with id lookups built once."""

    name: str
    params: JobDatingParams
    companies: tuple[Company, ...]
    youths: tuple[JobYouth, ...]
    schema_version: int = 1
    company_by_id: Mapping[str, Company] = field(init=False, compare=False, repr=False)
    youth_by_id: Mapping[str, JobYouth] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "company_by_id", MappingProxyType({c.id: c for c in self.companies}))
        object.__setattr__(self, "youth_by_id", MappingProxyType({y.id: y for y in self.youths}))

    def clock(self, slot: int) -> str:
        """HH:MM at which `slot` starts (slot n_slots is the end of the day)."""
        total = self.params.day_start_minutes + slot * self.params.slot_minutes
        sign = "-" if total < 0 else ""
        total = abs(total)
        return f"{sign}{total // 60:02d}:{total % 60:02d}"

    def max_interviews(self, youth: JobYouth) -> int:
        return self.params.max_interviews_per_youth if youth.max_interviews is None else youth.max_interviews

    def matches(self, youth: JobYouth, company: Company) -> bool:
        """May this youth meet this company? Sectors meet interests or it was asked for, and it is not refused."""
        if company.id in youth.avoid:
            return False
        return company.id in youth.wants or not set(company.sectors).isdisjoint(youth.interests)


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class Interview:
    """One youth at one company's stand during one slot; `outside_interests` marks a second-round interview."""

    youth_id: str
    company_id: str
    slot: int
    outside_interests: bool = False


@dataclass(frozen=True)
class JobDatingPlan:
    """A full plan; references are checked by the validator, not here."""

    interviews: tuple[Interview, ...]
    instance: str | None = None
    solver: str | None = None
    seconds: float | None = None
    stats: Mapping[str, Any] = field(default_factory=dict, compare=False)


# --------------------------------------------------------------------------- loaders


def _load_params(data: Any) -> JobDatingParams:
    p = _obj(data, "params")

    def req_int(key: str, minimum: int) -> int:
        return _int(_get(p, "params", key), f"params.{key}", minimum=minimum)

    day_start = _str(_get(p, "params", "day_start"), "params.day_start")
    parts = day_start.split(":")
    if len(parts) != 2 or not all(x.isdigit() for x in parts) or int(parts[0]) > 23 or int(parts[1]) > 59:
        raise PlanningFormatError("params.day_start", f"expected HH:MM, got {day_start!r}")
    return JobDatingParams(
        day_start=day_start,
        slot_minutes=req_int("slot_minutes", 1),
        n_slots=req_int("n_slots", 1),
        max_interviews_per_youth=req_int("max_interviews_per_youth", 0),
        gap_slots=_int(p.get("gap_slots", 0), "params.gap_slots", minimum=0),
        second_round=_bool(p.get("second_round", True), "params.second_round"),
    )


def _ranges(value: Any, path: str, n_slots: int) -> tuple[tuple[int, int], ...]:
    return tuple(_slot_range(r, f"{path}[{j}]", n_slots) for j, r in enumerate(_list(value, path)))


def _load_company(raw: Any, path: str, params: JobDatingParams) -> Company:
    c = _obj(raw, path)
    return Company(
        id=_str(_get(c, path, "id"), f"{path}.id"),
        sectors=_str_list(_get(c, path, "sectors"), f"{path}.sectors"),
        interviewers=_int(_get(c, path, "interviewers"), f"{path}.interviewers", minimum=1),
        open=_ranges(_get(c, path, "open"), f"{path}.open", params.n_slots),
        name=_str(c.get("name", ""), f"{path}.name", allow_empty=True),
    )


def _load_youth(raw: Any, path: str, params: JobDatingParams, companies: Mapping[str, Company]) -> JobYouth:
    y = _obj(raw, path)
    max_raw = y.get("max_interviews")
    refs: dict[str, tuple[str, ...]] = {}
    for key in ("wants", "avoid"):
        refs[key] = _str_list(y.get(key, []), f"{path}.{key}")
        for j, ref in enumerate(refs[key]):
            if ref not in companies:
                raise PlanningFormatError(f"{path}.{key}[{j}]", f"unknown company {ref!r}")
    for j, ref in enumerate(refs["avoid"]):
        if ref in refs["wants"]:
            raise PlanningFormatError(f"{path}.avoid[{j}]", f"company {ref!r} is both wanted and avoided")
    return JobYouth(
        id=_str(_get(y, path, "id"), f"{path}.id"),
        interests=_str_list(_get(y, path, "interests"), f"{path}.interests"),
        available=_ranges(_get(y, path, "available"), f"{path}.available", params.n_slots),
        max_interviews=None if max_raw is None else _int(max_raw, f"{path}.max_interviews", minimum=0),
        wants=refs["wants"],
        avoid=refs["avoid"],
        name=_str(y.get("name", ""), f"{path}.name", allow_empty=True),
    )


def load_job_dating(data: Mapping[str, Any]) -> JobDatingInstance:
    """Parse a job-dating instance; raise PlanningFormatError with the JSON path of the first problem."""
    root = _obj(data, "")
    version = _int(root.get("schema_version", 1), "schema_version")
    if version != 1:
        raise PlanningFormatError("schema_version", f"unsupported schema_version {version}")
    kind = _str(root.get("kind", KIND), "kind")
    if kind != KIND:
        raise PlanningFormatError("kind", f"expected {KIND!r}, got {kind!r}")
    params = _load_params(_get(root, "", "params"))
    companies = tuple(
        _load_company(raw, f"companies[{i}]", params)
        for i, raw in enumerate(_list(_get(root, "", "companies"), "companies"))
    )
    _unique([c.id for c in companies], "companies", "company")
    by_id = {c.id: c for c in companies}
    youths = tuple(
        _load_youth(raw, f"youths[{i}]", params, by_id)
        for i, raw in enumerate(_list(_get(root, "", "youths"), "youths"))
    )
    _unique([y.id for y in youths], "youths", "youth")
    return JobDatingInstance(
        name=_str(root.get("name", ""), "name", allow_empty=True),
        params=params,
        companies=companies,
        youths=youths,
        schema_version=version,
    )


def _load_interview(raw: Any, path: str) -> Interview:
    v = _obj(raw, path)
    return Interview(
        youth_id=_str(_get(v, path, "youth_id"), f"{path}.youth_id"),
        company_id=_str(_get(v, path, "company_id"), f"{path}.company_id"),
        slot=_int(_get(v, path, "slot"), f"{path}.slot"),
        outside_interests=_bool(v.get("outside_interests", False), f"{path}.outside_interests"),
    )


def load_job_dating_plan(data: Mapping[str, Any], instance: JobDatingInstance | None = None) -> JobDatingPlan:
    """Parse a plan document; only shapes and types are checked, references are the validator's job (J01).

    `instance` is accepted for symmetry with the other entry points and to fill in the plan's instance name
    when the document has none.
    """
    root = _obj(data, "")
    interviews = tuple(
        _load_interview(raw, f"interviews[{i}]")
        for i, raw in enumerate(_list(_get(root, "", "interviews"), "interviews"))
    )
    name, solver, seconds = root.get("instance"), root.get("solver"), root.get("seconds")
    if name is None and instance is not None:
        name = instance.name
    return JobDatingPlan(
        interviews=interviews,
        instance=None if name is None else _str(name, "instance", allow_empty=True),
        solver=None if solver is None else _str(solver, "solver", allow_empty=True),
        seconds=None if seconds is None else _num(seconds, "seconds"),
        stats=MappingProxyType(dict(_obj(root.get("stats") or {}, "stats"))),
    )


def plan_to_json(
    plan: JobDatingPlan,
    instance: JobDatingInstance,
    *,
    solver: str | None = None,
    seconds: float | None = None,
    stats: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The plan as a JSON-ready dict, interviews ordered by slot, company and youth (stable diffs)."""
    ordered = sorted(plan.interviews, key=lambda i: (i.slot, i.company_id, i.youth_id))
    return {
        "instance": instance.name,
        "solver": solver if solver is not None else plan.solver,
        "seconds": round(seconds if seconds is not None else plan.seconds or 0.0, 3),
        "interviews": [_interview_json(i) for i in ordered],
        "stats": dict(stats if stats is not None else plan.stats),
    }


def _interview_json(interview: Interview) -> dict[str, Any]:
    """An interview of a plan document; `outside_interests` only when true, so first-round plans are unchanged."""
    item: dict[str, Any] = {"youth_id": interview.youth_id, "company_id": interview.company_id, "slot": interview.slot}
    if interview.outside_interests:
        item["outside_interests"] = True
    return item
