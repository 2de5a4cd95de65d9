"""An event's job dating as the planner's JSON (model.py), its background run and the console's edits.

Ids in the documents are database ids with a letter: ``R12`` a registration, ``S4`` a company's site. The
day grid comes from the event's sessions of kind ``interviews``: when they span several days, only the
first day that has some is planned (a job dating is a one-day format; a second day is a second event).
Slot length and the cap of interviews per youth are the event's options ``slot_minutes`` (default 20) and
``interviews_per_youth`` (default 3); ``second_round`` (default on) lets youths left without an interview get
one outside their interests.
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from accounts.services import CurrentUser, require_role
from accounts.tables import Role
from core.clock import utcnow
from core.db import write_transaction
from core.errors import InvalidInput, NotFound, Refusal
from core.i18n import language, lazy
from events.services import get_event
from events.tables import Event, Session, SessionKind
from messaging.tables import Channel
from planning import runs
from planning.jobdating import (
    JobDatingInfeasible,
    JobDatingInstance,
    Violation,
    load_job_dating,
    load_job_dating_plan,
    plan_to_json,
    solve_job_dating,
    validate_job_dating,
)
from planning.store import PlanningDataMissing, _clock, _intersect, host_sites, members_of
from planning.tables import Interview, PlanningStatus
from registration.messages import contexts_of, reach, tell
from registration.tables import Registration, RegistrationStatus

DEFAULT_SLOT_MINUTES = 20
DEFAULT_INTERVIEWS_PER_YOUTH = 3
# What a finished run keeps beside the plan, for the console.
SUMMARY_METRICS = ("interviews_total", "youths_total", "youths_with_interview", "interviews_per_youth_min")


class PlanBreaksRules(Refusal):
    code = "plan_breaks_rules"
    status_code = 409
    message = lazy("The plan breaks %(count)s rule(s); fix them before publishing: %(rules)s")


class NothingToPublish(Refusal):
    code = "nothing_to_publish"
    status_code = 409
    message = lazy("There is no interview to publish yet.")


@dataclass(frozen=True)
class Day:
    """The job-dating day cut into equal slots, in the event's time zone."""

    date: date
    tz: ZoneInfo
    start: int  # minutes after midnight
    slot_minutes: int
    n_slots: int
    windows: tuple[tuple[int, int], ...]  # the interview sessions, as [from, to) slot ranges

    def moment(self, slot: int) -> datetime:
        first = datetime.combine(self.date, time(self.start // 60, self.start % 60), self.tz)
        return first + timedelta(minutes=slot * self.slot_minutes)

    def slot_of(self, moment: datetime) -> int:
        """The slot a moment falls in; out of the grid (so a J01 violation) when it is on another day."""
        return math.floor((moment - self.moment(0)).total_seconds() / 60 / self.slot_minutes)

    def clock(self, slot: int) -> str:
        minutes = self.start + slot * self.slot_minutes
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    def slot_at(self, hhmm: str) -> int | None:
        """The slot starting at HH:MM, None when no slot of the day starts then."""
        try:
            offset = _clock(hhmm) - self.start
        except ValueError:
            return None
        slot, rest = divmod(offset, self.slot_minutes)
        return slot if rest == 0 and 0 <= slot < self.n_slots else None

    def slots(self, minutes: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Clock windows (minutes after midnight) as the slot ranges they fully cover."""
        ranges = []
        for a, b in sorted(minutes):
            low = max(0, math.ceil((a - self.start) / self.slot_minutes))
            high = min(self.n_slots, (b - self.start) // self.slot_minutes)
            if high > low:
                ranges.append((low, high))
        return ranges


def _options(event: dict) -> dict:
    return event.get("options") or {}


async def day_of(event: dict) -> Day:
    sessions = (
        await Session.select(Session.starts_at, Session.ends_at)
        .where((Session.event == event["id"]) & (Session.kind == SessionKind.interviews))
        .order_by(Session.starts_at)
    )
    if not sessions:
        raise PlanningDataMissing(
            lazy("Add a session of interviews to the event's programme: its hours give the job dating's slots.")
        )
    tz = ZoneInfo(event["timezone"])
    first = sessions[0]["starts_at"].astimezone(tz).date()
    windows = []
    for session in sessions:
        start, end = session["starts_at"].astimezone(tz), session["ends_at"].astimezone(tz)
        if start.date() == first:
            last = 24 * 60 if end.date() > first else end.hour * 60 + end.minute
            windows.append((start.hour * 60 + start.minute, last))
    slot_minutes = max(1, int(_options(event).get("slot_minutes") or DEFAULT_SLOT_MINUTES))
    begin = min(a for a, _ in windows)
    n_slots = max(1, (max(b for _, b in windows) - begin) // slot_minutes)
    day = Day(first, tz, begin, slot_minutes, n_slots, ())
    return Day(first, tz, begin, slot_minutes, n_slots, tuple(day.slots(windows)))


def _address(site: dict) -> str:
    town = f"{site['postcode']} {site['city']}".strip()
    return ", ".join(p for p in (site["address"], town) if p)


async def instance_document(event: dict, day: Day | None = None) -> dict[str, Any]:
    """The event's job dating as an instance document; PlanningDataMissing says what to add first."""
    day = day or await day_of(event)
    sites = await host_sites(event["id"])
    if not sites:
        raise PlanningDataMissing(
            lazy(
                "Add the recruiting companies to the event's partners (role: host company), each with a site:"
                " the interviews are held at their stands."
            )
        )
    weekday = day.date.weekday()

    def company(site: dict) -> dict:
        hours = [(_clock(w["start"]), _clock(w["end"])) for w in site["opening_hours"] or [] if w["weekday"] == weekday]
        # A site without opening hours receives whenever the job dating runs.
        opened = list(day.windows) if not site["opening_hours"] else _intersect(list(day.windows), day.slots(hours))
        if site["capacity_per_slot"] == 0:  # no recruiter came: nobody can be received
            opened = []
        return {
            "id": f"S{site['id']}",
            "name": site["name"],
            "sectors": [site["sector"]] if site["sector"] else [],
            "interviewers": max(1, site["capacity_per_slot"] or 1),
            "open": [list(r) for r in opened],
        }

    youths = await members_of(event["id"])
    return {
        "name": event["title"],
        "schema_version": 1,
        "kind": "job_dating",
        "params": {
            "day_start": day.clock(0),
            "slot_minutes": day.slot_minutes,
            "n_slots": day.n_slots,
            "max_interviews_per_youth": int(
                _options(event).get("interviews_per_youth") or DEFAULT_INTERVIEWS_PER_YOUTH
            ),
            "second_round": second_round(event),
        },
        "companies": [company(s) for s in sites],
        "youths": [
            {
                "id": f"R{y['id']}",
                "name": f"{y['first_name']} {y['last_name']}",
                "interests": list(y["sectors"] or []),
                "available": [[0, day.n_slots]],
            }
            for y in youths
        ],
    }


async def interview_rows(event_id: int) -> list[dict]:
    """The event's interviews with the names the console shows."""
    return await (
        Interview.select(
            Interview.all_columns(),
            Interview.registration.participant.first_name.as_alias("first_name"),
            Interview.registration.participant.last_name.as_alias("last_name"),
            Interview.registration.referred_by.as_alias("referred_by"),
            Interview.registration.referring_organisation.as_alias("referring_organisation"),
            Interview.site.name.as_alias("site_name"),
        )
        .where(Interview.registration.event == event_id)
        .order_by(Interview.starts_at)
        .order_by(Interview.id)
    )


def plan_of_rows(rows: list[dict], day: Day, instance: JobDatingInstance | None = None) -> dict[str, Any]:
    """The interview rows as a plan document; with the instance, an interview outside the youth's interests is
    marked `outside_interests` (the rows keep no mark: the validator accepts it as a second-round interview
    only when the option is on and it is the youth's only interview)."""
    interviews = [
        {
            "youth_id": f"R{r['registration']}",
            "company_id": f"S{r['site']}",
            "slot": day.slot_of(r["starts_at"]),
            "locked": r["locked"],
            "id": r["id"],
        }
        for r in rows
    ]
    if instance is not None:
        for item in interviews:
            if _outside(instance, item):
                item["outside_interests"] = True
    return {"interviews": interviews}


def _outside(instance: JobDatingInstance, item: dict) -> bool:
    youth = instance.youth_by_id.get(item["youth_id"])
    company = instance.company_by_id.get(item["company_id"])
    return youth is not None and company is not None and not instance.matches(youth, company)


def second_round(event: dict) -> bool:
    """The event's option `second_round`: youths left without an interview may get one outside their interests."""
    return bool(_options(event).get("second_round", True))


async def set_second_round(user: CurrentUser, event_id: int, on: bool) -> None:
    """Turn the second round on or off (the organiser's choice, kept in the event's options)."""
    event = await _organiser_event(user, event_id)
    async with write_transaction():
        await Event.update({Event.options: {**_options(event), "second_round": on}}).where(Event.id == event_id)


async def plan_document(
    event: dict, day: Day | None = None, instance: JobDatingInstance | None = None
) -> dict[str, Any]:
    """The event's interviews as a plan document, with the lock marks (extra fields the loader ignores)."""
    day = day or await day_of(event)
    return {"instance": event["title"], **plan_of_rows(await interview_rows(event["id"]), day, instance)}


async def save_plan(event: dict, plan: dict[str, Any], day: Day | None = None) -> None:
    """Replace the event's interviews by those of a plan document, keeping its lock marks.

    An interview the youth was already told about (same youth, company and time) keeps its publication date,
    so the console can tell what changed since publishing.
    """
    day = day or await day_of(event)
    before = await interview_rows(event["id"])
    published = {(r["registration"], r["site"], r["starts_at"]): r["published_at"] for r in before}
    rows = []
    for item in plan["interviews"]:
        registration, site, starts_at = int(item["youth_id"][1:]), int(item["company_id"][1:]), day.moment(item["slot"])
        rows.append(
            Interview(
                registration=registration,
                site=site,
                starts_at=starts_at,
                ends_at=day.moment(item["slot"] + 1),
                locked=bool(item.get("locked")),
                published_at=published.get((registration, site, starts_at)),
            )
        )
    async with write_transaction():
        await Interview.delete().where(Interview.id.is_in([r["id"] for r in before] or [-1]))
        if rows:
            await Interview.insert(*rows)


# --------------------------------------------------------------------------- background run


def _problems(problems: Any) -> str:
    return "\n".join(f"{p.code} — {p.message}" for p in problems)


async def execute_job_dating_run(run_id: int, run: dict, event: dict) -> PlanningStatus:
    """Plan the interviews of a claimed run (see planning.runner); only a valid plan replaces the current one."""
    try:
        day = await day_of(event)
        with language("fr"):
            instance = load_job_dating(await instance_document(event, day))
        current = await plan_document(event, day, instance)
    except PlanningDataMissing as error:
        with language("fr"):
            await runs.finish(run_id, PlanningStatus.failed, error.text())
        return PlanningStatus.failed
    start = load_job_dating_plan(
        # Interviews that no longer fit the data (a cancelled youth, a company gone) are not worth keeping.
        {"interviews": [i for i in current["interviews"] if _known(instance, i) or i["locked"]]}
    )
    locked = frozenset((i["youth_id"], i["company_id"]) for i in current["interviews"] if i["locked"])
    stop = threading.Event()
    latest: dict[str, Any] = {"phase": "start", "elapsed": 0.0, "interviews": 0, "youths_with_interview": 0}

    def work():
        with language("fr"):
            return solve_job_dating(
                instance,
                seconds=run["seconds"],
                seed=run.get("seed") or 0,
                start=start,
                locked=locked,
                should_stop=stop.is_set,
                on_progress=latest.update,
            )

    job = asyncio.ensure_future(asyncio.to_thread(work))
    await runs.watch(run_id, job, stop, latest, clock=True)
    try:
        result = job.result()
    except JobDatingInfeasible as error:
        await runs.finish(run_id, PlanningStatus.failed, _problems(error.problems))
        return PlanningStatus.failed
    if stop.is_set():
        await runs.finish(run_id, PlanningStatus.cancelled, progress=dict(latest))
        return PlanningStatus.cancelled
    with language("fr"):
        problems = validate_job_dating(instance, result.plan)
    if problems:  # never replace a plan by a broken one
        await runs.finish(run_id, PlanningStatus.failed, _problems(problems))
        return PlanningStatus.failed
    document = plan_to_json(result.plan, instance)
    for item in document["interviews"]:
        item["locked"] = (item["youth_id"], item["company_id"]) in locked
    await save_plan(event, document, day)
    summary = {key: result.stats.get(key) for key in SUMMARY_METRICS}
    await runs.finish(run_id, PlanningStatus.done, progress=dict(latest, phase="done", **summary))
    return PlanningStatus.done


def _known(instance: JobDatingInstance, item: dict) -> bool:
    return (
        item["youth_id"] in instance.youth_by_id
        and item["company_id"] in instance.company_by_id
        and 0 <= item["slot"] < instance.params.n_slots
    )


# --------------------------------------------------------------------------- console operations


async def _organiser_event(user: CurrentUser, event_id: int) -> dict:
    event = await get_event(user, event_id)  # 404 when they cannot see it
    require_role(user, event["organisation"], Role.organiser)
    return event


async def _interview(event_id: int, interview_id: int) -> dict:
    row = await (
        Interview.select().where((Interview.id == interview_id) & (Interview.registration.event == event_id)).first()
    )
    if row is None:
        raise NotFound()
    return row


async def _place(event: dict, site_id: str | int, start: str) -> tuple[int, Day, int]:
    """The site and slot a form names, checked against the job dating's companies and grid."""
    day = await day_of(event)
    sites = {s["id"] for s in await host_sites(event["id"])}
    try:
        site = int(site_id)
    except (TypeError, ValueError):
        site = -1
    if site not in sites:
        raise InvalidInput(lazy("Choose one of the companies of the job dating."), field="site_id")
    slot = day.slot_at(start)
    if slot is None:
        raise InvalidInput(lazy("Choose one of the proposed times."), field="start")
    return site, day, slot


async def violations(event: dict) -> list[Violation]:
    """Every rule the event's current plan breaks (in the current language)."""
    day = await day_of(event)
    instance = load_job_dating(await instance_document(event, day))
    return validate_job_dating(instance, load_job_dating_plan(await plan_document(event, day, instance)))


async def move_interview(
    user: CurrentUser, event_id: int, interview_id: int, site_id: str | int, start: str
) -> list[Violation]:
    """Move an interview to another company or time, even against a rule: the rules broken come back."""
    event = await _organiser_event(user, event_id)
    await _interview(event_id, interview_id)
    site, day, slot = await _place(event, site_id, start)
    async with write_transaction():
        await Interview.update(
            {
                Interview.site: site,
                Interview.starts_at: day.moment(slot),
                Interview.ends_at: day.moment(slot + 1),
                Interview.published_at: None,  # the youth was told another time or place
                Interview.sequence: Interview.sequence + 1,  # calendars replace their copy
            }
        ).where(Interview.id == interview_id)
    return await violations(event)


async def set_locked(user: CurrentUser, event_id: int, interview_id: int, locked: bool) -> None:
    await _organiser_event(user, event_id)
    await _interview(event_id, interview_id)
    async with write_transaction():
        await Interview.update({Interview.locked: locked}).where(Interview.id == interview_id)


async def delete_interview(user: CurrentUser, event_id: int, interview_id: int) -> None:
    await _organiser_event(user, event_id)
    await _interview(event_id, interview_id)
    async with write_transaction():
        await Interview.delete().where(Interview.id == interview_id)


async def add_interview(
    user: CurrentUser, event_id: int, registration_id: str | int, site_id: str | int, start: str
) -> list[Violation]:
    """Book an interview by hand (locked: the organiser chose it); the rules it breaks come back."""
    event = await _organiser_event(user, event_id)
    try:
        registration = int(registration_id)
    except (TypeError, ValueError):
        registration = -1
    confirmed = await Registration.exists().where(
        (Registration.id == registration)
        & (Registration.event == event_id)
        & (Registration.status == RegistrationStatus.confirmed)
    )
    if not confirmed:
        raise InvalidInput(lazy("Choose one of the registered youths."), field="registration_id")
    site, day, slot = await _place(event, site_id, start)
    async with write_transaction():
        await Interview(
            registration=registration,
            site=site,
            starts_at=day.moment(slot),
            ends_at=day.moment(slot + 1),
            locked=True,
        ).save()
    return await violations(event)


def _line(day: Day, interview: dict, site: dict | None) -> str:
    """One interview in a youth's message: time, company and where to find it."""
    where = ", ".join(p for p in (interview["site_name"], _address(site) if site else "") if p)
    return f"- {day.clock(day.slot_of(interview['starts_at']))} : {where}"


async def publish(user: CurrentUser, event_id: int) -> dict[str, int]:
    """Mark the plan published and send each youth their interviews (text message, and e-mail when they gave
    one): what was queued, per channel (registration.messages.reach)."""
    event = await _organiser_event(user, event_id)
    broken = await violations(event)
    if broken:
        raise PlanBreaksRules(count=len(broken), rules=" ; ".join(f"{v.code} {v.message}" for v in broken))
    rows = await interview_rows(event_id)
    if not rows:
        raise NothingToPublish()
    day = await day_of(event)
    now = utcnow()
    sites = {s["id"]: s for s in await host_sites(event_id)}
    by_youth: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_youth[row["registration"]].append(row)
    sent: list[list[Channel]] = []
    async with write_transaction():
        await Interview.update({Interview.published_at: now}).where(Interview.id.is_in([r["id"] for r in rows]))
        contexts = await contexts_of(list(by_youth))
        for registration_id, interviews in by_youth.items():
            lines = "\n".join(_line(day, i, sites.get(i["site"])) for i in interviews)
            channels = await tell(
                registration_id,
                "interviews",
                occasion=now.isoformat(),
                extra={"details": lines},
                context=contexts.get(registration_id),
            )
            sent.append(channels)
    return reach(sent)
