"""Typed, immutable view of the rally planning JSON (docs/planning-model.md §2–3).

Parsing happens once, here, so the validator can trust types and references and every malformed
document is rejected with the exact JSON path of the offending value instead of a KeyError later on.
Unknown fields are ignored so newer writers (extra stats, names, coordinates) stay readable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = [
    "Companion",
    "Day",
    "Depot",
    "Instance",
    "Params",
    "PlanningFormatError",
    "Site",
    "Solution",
    "Team",
    "Travel",
    "Visit",
    "Youth",
    "load_instance",
    "load_solution",
    "solution_to_json",
]


class PlanningFormatError(ValueError):
    """Malformed planning JSON; `path` points at the offending value (e.g. ``sites[3].open.1[0]``)."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path or '<root>'}: {message}")


# --------------------------------------------------------------------------- instance


@dataclass(frozen=True)
class Params:
    """Global knobs: team sizes, visit counts and the slot grid of each day."""

    team_size: int
    team_size_min: int
    team_size_max: int
    n_teams: int
    min_visits: int
    max_visits: int
    max_visits_per_day: int
    slot_minutes: int
    day_start: str
    n_slots: int
    balance_attributes: tuple[str, ...] = ()
    min_visits_per_day: int = 0  # H16, optional: absent means 0

    @property
    def day_start_minutes(self) -> int:
        """Minutes after midnight of slot 0, so times can be printed as HH:MM."""
        hours, minutes = self.day_start.split(":")
        return int(hours) * 60 + int(minutes)


@dataclass(frozen=True)
class Day:
    """One event day; `day` is the index used everywhere else, `date` is informative."""

    day: int
    date: str = ""


@dataclass(frozen=True)
class Depot:
    """Meeting point where every team starts and ends its day (travel node 0)."""

    id: str
    name: str = ""
    address: str = ""
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Site:
    """A company hosting visits; `open` maps a day to its half-open [from, to) slot ranges."""

    id: str
    sector: str
    capacity: int
    max_teams: int | None
    duration_slots: int
    accessible: bool
    requires_licence: bool
    open: Mapping[int, tuple[tuple[int, int], ...]]
    name: str = ""
    address: str = ""
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Youth:
    """A participant; availability, mobility and pairing wishes drive hard rules H01–H05, H12, H13."""

    id: str
    available_days: frozenset[int]
    reduced_mobility: bool
    has_licence: bool = False
    interests: tuple[str, ...] = ()
    must_with: tuple[str, ...] = ()
    cannot_with: tuple[str, ...] = ()
    name: str = ""
    gender: str = ""
    age_band: str = ""
    agency: str = ""
    experience: str = ""


@dataclass(frozen=True)
class Companion:
    """Adult accompanying one team; `availability[d]` is a [from, to) slot window or None (unavailable)."""

    id: str
    has_car: bool
    availability: Mapping[int, tuple[int, int] | None]
    name: str = ""

    def window(self, day: int) -> tuple[int, int] | None:
        """Availability window on `day`; a day absent from the JSON means unavailable."""
        return self.availability.get(day)


@dataclass(frozen=True)
class Travel:
    """Travel minutes between nodes (depot and sites) by car and by public transit."""

    nodes: tuple[str, ...]
    car: tuple[tuple[float, ...], ...]
    transit: tuple[tuple[float, ...], ...]
    index: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def minutes(self, origin: str, destination: str, *, by_car: bool) -> float:
        """Minutes from `origin` to `destination` with the matrix the team actually uses."""
        matrix = self.car if by_car else self.transit
        return matrix[self.index[origin]][self.index[destination]]


@dataclass(frozen=True)
class Instance:
    """Everything the validator needs to judge a plan, with id lookups built once."""

    name: str
    params: Params
    days: tuple[Day, ...]
    sectors: tuple[str, ...]
    depot: Depot
    sites: tuple[Site, ...]
    youths: tuple[Youth, ...]
    companions: tuple[Companion, ...]
    travel: Travel
    seed: int | None = None
    schema_version: int = 1

    @property
    def day_ids(self) -> frozenset[int]:
        return frozenset(d.day for d in self.days)

    @property
    def site_by_id(self) -> dict[str, Site]:
        return {s.id: s for s in self.sites}

    @property
    def youth_by_id(self) -> dict[str, Youth]:
        return {y.id: y for y in self.youths}

    @property
    def companion_by_id(self) -> dict[str, Companion]:
        return {c.id: c for c in self.companions}

    def clock(self, slot: int, extra_minutes: float = 0) -> str:
        """HH:MM of a slot boundary (plus minutes), as people read the schedule."""
        total = round(self.params.day_start_minutes + slot * self.params.slot_minutes + extra_minutes)
        sign = "-" if total < 0 else ""
        total = abs(total)
        return f"{sign}{total // 60:02d}:{total % 60:02d}"


# --------------------------------------------------------------------------- solution


@dataclass(frozen=True)
class Visit:
    """A team at a site on a day during slots [slot_start, slot_end)."""

    site_id: str
    day: int
    slot_start: int
    slot_end: int


@dataclass(frozen=True)
class Team:
    """A team as written by the solver; references are checked by the validator, not here."""

    id: str
    members: tuple[str, ...]
    companion: str | None
    visits: tuple[Visit, ...]


@dataclass(frozen=True)
class Solution:
    """A full plan: teams, their companion and their visits."""

    teams: tuple[Team, ...]
    instance: str | None = None
    solver: str | None = None
    seconds: float | None = None
    stats: Mapping[str, Any] = field(default_factory=dict, compare=False)


# --------------------------------------------------------------------------- parsing helpers

_MISSING = object()


def _key(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _get(obj: Mapping[str, Any], path: str, key: str, default: Any = _MISSING) -> Any:
    if key not in obj:
        if default is _MISSING:
            raise PlanningFormatError(_key(path, key), "missing required key")
        return default
    return obj[key]


def _obj(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PlanningFormatError(path, f"expected an object, got {type(value).__name__}")
    return value


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise PlanningFormatError(path, f"expected an array, got {type(value).__name__}")
    return list(value)


def _int(value: Any, path: str, *, minimum: int | None = None) -> int:
    # bool is an int subclass in Python but `true` is never a valid count or slot.
    if isinstance(value, bool) or not isinstance(value, int):
        raise PlanningFormatError(path, f"expected an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise PlanningFormatError(path, f"expected an integer >= {minimum}, got {value}")
    return value


def _num(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PlanningFormatError(path, f"expected a number, got {value!r}")
    return value


def _opt_num(value: Any, path: str) -> float | None:
    return None if value is None else _num(value, path)


def _str(value: Any, path: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise PlanningFormatError(path, f"expected a string, got {value!r}")
    if not allow_empty and not value:
        raise PlanningFormatError(path, "expected a non-empty string")
    return value


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise PlanningFormatError(path, f"expected true or false, got {value!r}")
    return value


def _str_list(value: Any, path: str) -> tuple[str, ...]:
    return tuple(_str(item, f"{path}[{i}]") for i, item in enumerate(_list(value, path)))


def _day_key(key: Any, path: str, days: frozenset[int]) -> int:
    """Per-day maps are keyed by the day index as a string ("0", "1")."""
    try:
        day = int(key)
    except (TypeError, ValueError):
        raise PlanningFormatError(path, f"day key {key!r} is not an integer") from None
    if day not in days:
        raise PlanningFormatError(path, f"unknown day {day}")
    return day


def _slot_range(value: Any, path: str, n_slots: int) -> tuple[int, int]:
    items = _list(value, path)
    if len(items) != 2:
        raise PlanningFormatError(path, f"expected [from, to], got {len(items)} values")
    start = _int(items[0], f"{path}[0]", minimum=0)
    end = _int(items[1], f"{path}[1]", minimum=0)
    if end > n_slots:
        raise PlanningFormatError(f"{path}[1]", f"slot {end} is beyond the day's {n_slots} slots")
    if end < start:
        raise PlanningFormatError(path, f"range ends ({end}) before it starts ({start})")
    return start, end


def _unique(ids: list[str], path: str, what: str) -> None:
    seen: set[str] = set()
    for i, ident in enumerate(ids):
        if ident in seen:
            raise PlanningFormatError(f"{path}[{i}].id", f"duplicate {what} id {ident!r}")
        seen.add(ident)


# --------------------------------------------------------------------------- loaders


def _load_params(data: Any) -> Params:
    p = _obj(data, "params")
    path = "params"

    def req_int(key: str, minimum: int = 0) -> int:
        return _int(_get(p, path, key), _key(path, key), minimum=minimum)

    day_start = _str(_get(p, path, "day_start"), "params.day_start")
    parts = day_start.split(":")
    if len(parts) != 2 or not all(x.isdigit() for x in parts) or int(parts[0]) > 23 or int(parts[1]) > 59:
        raise PlanningFormatError("params.day_start", f"expected HH:MM, got {day_start!r}")
    params = Params(
        team_size=req_int("team_size", 1),
        team_size_min=req_int("team_size_min", 1),
        team_size_max=req_int("team_size_max", 1),
        n_teams=req_int("n_teams", 0),
        min_visits=req_int("min_visits", 0),
        max_visits=req_int("max_visits", 0),
        max_visits_per_day=req_int("max_visits_per_day", 0),
        slot_minutes=req_int("slot_minutes", 1),
        day_start=day_start,
        n_slots=req_int("n_slots", 1),
        balance_attributes=_str_list(p.get("balance_attributes", []), "params.balance_attributes"),
        min_visits_per_day=_int(p.get("min_visits_per_day", 0), "params.min_visits_per_day", minimum=0),
    )
    if params.team_size_min > params.team_size_max:
        raise PlanningFormatError("params.team_size_min", "team_size_min exceeds team_size_max")
    if params.min_visits > params.max_visits:
        raise PlanningFormatError("params.min_visits", "min_visits exceeds max_visits")
    return params


def _load_days(data: Any) -> tuple[Day, ...]:
    days = []
    seen: set[int] = set()
    for i, raw in enumerate(_list(data, "days")):
        path = f"days[{i}]"
        d = _obj(raw, path)
        day = _int(_get(d, path, "day"), f"{path}.day", minimum=0)
        if day in seen:
            raise PlanningFormatError(f"{path}.day", f"duplicate day {day}")
        seen.add(day)
        days.append(Day(day=day, date=_str(d.get("date", ""), f"{path}.date", allow_empty=True)))
    return tuple(days)


def _load_depot(data: Any) -> Depot:
    d = _obj(data, "depot")
    return Depot(
        id=_str(_get(d, "depot", "id"), "depot.id"),
        name=_str(d.get("name", ""), "depot.name", allow_empty=True),
        address=_str(d.get("address", ""), "depot.address", allow_empty=True),
        lat=_opt_num(d.get("lat"), "depot.lat"),
        lon=_opt_num(d.get("lon"), "depot.lon"),
    )


def _load_site(raw: Any, path: str, params: Params, days: frozenset[int]) -> Site:
    s = _obj(raw, path)
    open_raw = _obj(_get(s, path, "open"), f"{path}.open")
    opening: dict[int, tuple[tuple[int, int], ...]] = {}
    for key, ranges in open_raw.items():
        day_path = f"{path}.open.{key}"
        day = _day_key(key, day_path, days)
        opening[day] = tuple(
            _slot_range(r, f"{day_path}[{j}]", params.n_slots) for j, r in enumerate(_list(ranges, day_path))
        )
    max_teams = s.get("max_teams")
    return Site(
        id=_str(_get(s, path, "id"), f"{path}.id"),
        sector=_str(_get(s, path, "sector"), f"{path}.sector"),
        capacity=_int(_get(s, path, "capacity"), f"{path}.capacity", minimum=1),
        max_teams=None if max_teams is None else _int(max_teams, f"{path}.max_teams", minimum=0),
        duration_slots=_int(_get(s, path, "duration_slots"), f"{path}.duration_slots", minimum=1),
        accessible=_bool(_get(s, path, "accessible"), f"{path}.accessible"),
        requires_licence=_bool(s.get("requires_licence", False), f"{path}.requires_licence"),
        open=MappingProxyType(opening),
        name=_str(s.get("name", ""), f"{path}.name", allow_empty=True),
        address=_str(s.get("address", ""), f"{path}.address", allow_empty=True),
        lat=_opt_num(s.get("lat"), f"{path}.lat"),
        lon=_opt_num(s.get("lon"), f"{path}.lon"),
    )


def _load_youth(raw: Any, path: str, days: frozenset[int]) -> Youth:
    y = _obj(raw, path)
    avail_path = f"{path}.available_days"
    available = set()
    for j, d in enumerate(_list(_get(y, path, "available_days"), avail_path)):
        day = _int(d, f"{avail_path}[{j}]")
        if day not in days:
            raise PlanningFormatError(f"{avail_path}[{j}]", f"unknown day {day}")
        available.add(day)

    def text(key: str) -> str:
        return _str(y.get(key, ""), f"{path}.{key}", allow_empty=True)

    return Youth(
        id=_str(_get(y, path, "id"), f"{path}.id"),
        available_days=frozenset(available),
        reduced_mobility=_bool(_get(y, path, "reduced_mobility"), f"{path}.reduced_mobility"),
        has_licence=_bool(y.get("has_licence", False), f"{path}.has_licence"),
        interests=_str_list(y.get("interests", []), f"{path}.interests"),
        must_with=_str_list(y.get("must_with", []), f"{path}.must_with"),
        cannot_with=_str_list(y.get("cannot_with", []), f"{path}.cannot_with"),
        name=text("name"),
        gender=text("gender"),
        age_band=text("age_band"),
        agency=text("agency"),
        experience=text("experience"),
    )


def _load_companion(raw: Any, path: str, params: Params, days: frozenset[int]) -> Companion:
    c = _obj(raw, path)
    avail_raw = _obj(_get(c, path, "availability"), f"{path}.availability")
    availability: dict[int, tuple[int, int] | None] = {}
    for key, window in avail_raw.items():
        day_path = f"{path}.availability.{key}"
        day = _day_key(key, day_path, days)
        # `[]` (or null) means the companion is not available that day.
        empty = window is None or (isinstance(window, list | tuple) and len(window) == 0)
        availability[day] = None if empty else _slot_range(window, day_path, params.n_slots)
    return Companion(
        id=_str(_get(c, path, "id"), f"{path}.id"),
        has_car=_bool(_get(c, path, "has_car"), f"{path}.has_car"),
        availability=MappingProxyType(availability),
        name=_str(c.get("name", ""), f"{path}.name", allow_empty=True),
    )


def _load_matrix(raw: Any, path: str, size: int) -> tuple[tuple[float, ...], ...]:
    rows = _list(raw, path)
    if len(rows) != size:
        raise PlanningFormatError(path, f"expected {size} rows (one per travel node), got {len(rows)}")
    matrix = []
    for i, row in enumerate(rows):
        cells = _list(row, f"{path}[{i}]")
        if len(cells) != size:
            raise PlanningFormatError(f"{path}[{i}]", f"expected {size} values, got {len(cells)}")
        values = []
        for j, cell in enumerate(cells):
            value = _num(cell, f"{path}[{i}][{j}]")
            if value < 0:
                raise PlanningFormatError(f"{path}[{i}][{j}]", f"negative travel time {value}")
            values.append(value)
        matrix.append(tuple(values))
    return tuple(matrix)


def _load_travel(raw: Any, depot: Depot, sites: tuple[Site, ...]) -> Travel:
    t = _obj(raw, "travel")
    nodes = _str_list(_get(t, "travel", "nodes"), "travel.nodes")
    known = {depot.id} | {s.id for s in sites}
    index: dict[str, int] = {}
    for i, node in enumerate(nodes):
        if node not in known:
            raise PlanningFormatError(f"travel.nodes[{i}]", f"unknown node {node!r} (neither the depot nor a site)")
        if node in index:
            raise PlanningFormatError(f"travel.nodes[{i}]", f"duplicate node {node!r}")
        index[node] = i
    missing = sorted(known - index.keys())
    if missing:
        raise PlanningFormatError("travel.nodes", f"missing nodes: {', '.join(missing)}")
    return Travel(
        nodes=nodes,
        car=_load_matrix(_get(t, "travel", "car"), "travel.car", len(nodes)),
        transit=_load_matrix(_get(t, "travel", "transit"), "travel.transit", len(nodes)),
        index=MappingProxyType(index),
    )


def load_instance(data: dict[str, Any]) -> Instance:
    """Parse an instance document (schema_version 1); raise PlanningFormatError with a JSON path."""
    root = _obj(data, "")
    version = _int(root.get("schema_version", 1), "schema_version")
    if version != 1:
        raise PlanningFormatError("schema_version", f"unsupported schema_version {version}")
    params = _load_params(_get(root, "", "params"))
    days = _load_days(_get(root, "", "days"))
    day_ids = frozenset(d.day for d in days)
    depot = _load_depot(_get(root, "", "depot"))
    sites = tuple(
        _load_site(raw, f"sites[{i}]", params, day_ids) for i, raw in enumerate(_list(_get(root, "", "sites"), "sites"))
    )
    _unique([s.id for s in sites], "sites", "site")
    if depot.id in {s.id for s in sites}:
        raise PlanningFormatError("depot.id", f"depot id {depot.id!r} is also a site id")
    youths = tuple(
        _load_youth(raw, f"youths[{i}]", day_ids) for i, raw in enumerate(_list(_get(root, "", "youths"), "youths"))
    )
    _unique([y.id for y in youths], "youths", "youth")
    youth_ids = {y.id for y in youths}
    for i, youth in enumerate(youths):
        for key, refs in (("must_with", youth.must_with), ("cannot_with", youth.cannot_with)):
            for j, ref in enumerate(refs):
                if ref not in youth_ids:
                    raise PlanningFormatError(f"youths[{i}].{key}[{j}]", f"unknown youth {ref!r}")
                if ref == youth.id:
                    raise PlanningFormatError(f"youths[{i}].{key}[{j}]", "a youth cannot be paired with itself")
    companions = tuple(
        _load_companion(raw, f"companions[{i}]", params, day_ids)
        for i, raw in enumerate(_list(_get(root, "", "companions"), "companions"))
    )
    _unique([c.id for c in companions], "companions", "companion")
    return Instance(
        name=_str(root.get("name", ""), "name", allow_empty=True),
        params=params,
        days=days,
        sectors=_str_list(root.get("sectors", []), "sectors"),
        depot=depot,
        sites=sites,
        youths=youths,
        companions=companions,
        travel=_load_travel(_get(root, "", "travel"), depot, sites),
        seed=None if root.get("seed") is None else _int(root["seed"], "seed"),
        schema_version=version,
    )


def _load_visit(raw: Any, path: str) -> Visit:
    v = _obj(raw, path)
    return Visit(
        site_id=_str(_get(v, path, "site_id"), f"{path}.site_id"),
        day=_int(_get(v, path, "day"), f"{path}.day"),
        slot_start=_int(_get(v, path, "slot_start"), f"{path}.slot_start"),
        slot_end=_int(_get(v, path, "slot_end"), f"{path}.slot_end"),
    )


def _load_team(raw: Any, path: str) -> Team:
    t = _obj(raw, path)
    companion = t.get("companion")
    visits_path = f"{path}.visits"
    return Team(
        id=_str(_get(t, path, "id"), f"{path}.id"),
        members=_str_list(_get(t, path, "members"), f"{path}.members"),
        # A missing companion is a rule violation (H03), not a format error: report it with the rest.
        companion=None if companion is None else _str(companion, f"{path}.companion", allow_empty=True) or None,
        visits=tuple(
            _load_visit(v, f"{visits_path}[{j}]") for j, v in enumerate(_list(t.get("visits", []), visits_path))
        ),
    )


def load_solution(data: dict[str, Any]) -> Solution:
    """Parse a solution document; only shapes and types are checked here, references are the validator's job."""
    root = _obj(data, "")
    teams = tuple(_load_team(raw, f"teams[{i}]") for i, raw in enumerate(_list(_get(root, "", "teams"), "teams")))
    _unique([t.id for t in teams], "teams", "team")
    instance = root.get("instance")
    solver = root.get("solver")
    seconds = root.get("seconds")
    return Solution(
        teams=teams,
        instance=None if instance is None else _str(instance, "instance", allow_empty=True),
        solver=None if solver is None else _str(solver, "solver", allow_empty=True),
        seconds=_opt_num(seconds, "seconds"),
        stats=MappingProxyType(dict(_obj(root.get("stats") or {}, "stats"))),
    )


def solution_to_json(
    solution: Solution,
    *,
    stats: Mapping[str, Any] | None = None,
    locked_teams: frozenset[str] | None = None,
    locked_visits: frozenset[tuple[str, str, int]] | None = None,
) -> dict[str, Any]:
    """A solution document (docs/planning-model.md §3); with lock sets, each team and visit says if it is locked."""

    def visit(team: Team, v: Visit) -> dict[str, Any]:
        out: dict[str, Any] = {"site_id": v.site_id, "day": v.day, "slot_start": v.slot_start, "slot_end": v.slot_end}
        if locked_visits is not None:
            out["locked"] = (team.id, v.site_id, v.day) in locked_visits
        return out

    def team(t: Team) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": t.id,
            "members": list(t.members),
            "companion": t.companion,
            "visits": [visit(t, v) for v in sorted(t.visits, key=lambda v: (v.day, v.slot_start))],
        }
        if locked_teams is not None:
            out["locked"] = t.id in locked_teams
        return out

    return {
        "instance": solution.instance,
        "solver": solution.solver,
        "seconds": solution.seconds,
        "teams": [team(t) for t in solution.teams],
        "stats": dict(solution.stats if stats is None else stats),
    }
