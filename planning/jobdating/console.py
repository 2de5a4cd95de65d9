"""Console pages of a job dating's interviews: the grid companies × time slots, the planner run, hand edits
and publication. The work is done by `store`; this module reads forms and lays out the page."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from accounts.services import CurrentUser, require_role
from accounts.tables import Role
from core.errors import NotFound, Refusal
from core.i18n import gettext as _
from core.i18n import lazy, ngettext
from core.web import errors_of, flash, form_data, page
from events.services import get_event
from planning import runs
from planning.jobdating import job_dating_metrics, load_job_dating, load_job_dating_plan, validate_job_dating
from planning.jobdating import store as jd
from planning.store import PlanningDataMissing, host_sites
from planning.tables import PlanningRun
from registration.messages import reach_text
from registration.tables import Registration

User = Request[CurrentUser, Any, Any]
KIND = "job_dating"
SECONDS = (5, 10, 30, 60)
REASONS = {
    "no_matching_company": lazy("no company of the job dating matches their interests"),
    "not_available": lazy("not available when the matching companies receive"),
    "no_capacity_left": lazy("the matching companies are full"),
    "max_interviews_zero": lazy("no interview allowed for this youth"),
    "not_planned": lazy("not planned yet"),
}


async def latest_run(event_id: int) -> dict | None:
    return (
        await PlanningRun.select()
        .where((PlanningRun.event == event_id) & (PlanningRun.kind == KIND))
        .order_by(PlanningRun.id, ascending=False)
        .output(load_json=True)
        .first()
    )


def _reason(code: str | None) -> str:
    """Why a youth has no interview, in words; before any planning, simply that it has not been done."""
    key = code or "not_planned"
    return _(REASONS[key])


def _sees_name(user: CurrentUser, event: dict, row: dict) -> bool:
    """Like the registration lists: the organiser's team sees everyone, a partner only the youths it referred."""
    return (
        user.at_least(event["organisation"], Role.staff)
        or row.get("referred_by") == user.id
        or row.get("referring_organisation") in user.organisation_ids
    )


async def board(user: CurrentUser, event_id: int) -> dict[str, Any]:
    """Everything the interviews page shows, computed once per request."""
    event = await get_event(user, event_id)
    context: dict[str, Any] = {
        "event": event,
        "can_edit": user.at_least(event["organisation"], Role.organiser),
        "manages": user.at_least(event["organisation"], Role.staff),
        **_run_context(await latest_run(event_id)),
        "seconds_options": [(s, _("%(seconds)s seconds", seconds=s)) for s in SECONDS],
    }
    try:
        day = await jd.day_of(event)
        document = await jd.instance_document(event, day)
    except PlanningDataMissing as error:
        return {**context, "missing": error.text()}
    instance = load_job_dating(document)
    rows = await jd.interview_rows(event_id)
    plan = load_job_dating_plan(jd.plan_of_rows(rows, day, instance))
    outside_interests = {(i.youth_id, i.company_id) for i in plan.interviews if i.outside_interests}
    found = validate_job_dating(instance, plan)
    metrics = job_dating_metrics(instance, plan)
    flagged: dict[tuple[str, str, int | None], list[str]] = defaultdict(list)
    for v in found:
        flagged[(v.youth or "", v.site or "", v.slot)].append(v.code)
    cells: dict[tuple[int, int], list[dict]] = defaultdict(list)
    outside: list[dict] = []
    companies = {c.id for c in instance.companies}
    for row in rows:
        slot = day.slot_of(row["starts_at"])
        row["time"] = day.clock(slot)
        row["name"] = f"{row['first_name']} {row['last_name']}" if _sees_name(user, event, row) else None
        row["codes"] = flagged.get((f"R{row['registration']}", f"S{row['site']}", slot), [])
        row["outside_interests"] = (f"R{row['registration']}", f"S{row['site']}") in outside_interests
        if 0 <= slot < day.n_slots and f"S{row['site']}" in companies:
            cells[(row["site"], slot)].append(row)
        else:  # off the grid (times or companies changed since): listed apart so it can be moved or deleted
            outside.append(row)
    counts = defaultdict(int)
    for row in rows:
        counts[row["registration"]] += 1
    reasons = {y["youth_id"]: y["reason"] for y in metrics["youths_without_interview"]}
    youths = [
        {
            "id": int(y.id[1:]),
            "name": y.name,
            "count": counts[int(y.id[1:])],
            "reason": _reason(reasons.get(y.id) if rows else None),
        }
        for y in instance.youths
    ]
    if not context["manages"]:
        mine = {r["registration"] for r in rows if r["name"]}
        youths = [y for y in youths if y["id"] in mine]
    sites = await host_sites(event_id)
    emails = await _youths_with_email([r["registration"] for r in rows])
    return {
        **context,
        "missing": None,
        "day": day,
        "slots": [(s, day.clock(s)) for s in range(day.n_slots)],
        "companies": _grid_companies(sites, instance, metrics, cells),
        "unmatched": [y for y in youths if not y["count"]],
        "second_round": instance.params.second_round,
        "cells": cells,
        "outside": outside,
        "youths": sorted(youths, key=lambda y: (y["count"], y["name"])),
        "metrics": metrics,
        "violations": found if context["manages"] else [],
        "violation_count": len(found),
        "interview_count": len(rows),
        "to_tell": len(counts),
        "with_email": emails,
        "unpublished": sum(1 for r in rows if r["published_at"] is None),
        "site_options": [(s["id"], s["name"]) for s in sites],
        "time_options": [(day.clock(s), day.clock(s)) for s in range(day.n_slots)],
        "youth_options": [(y["id"], y["name"]) for y in sorted(youths, key=lambda y: y["name"])],
    }


def _grid_companies(sites: list[dict], instance: Any, metrics: dict, cells: dict) -> list[dict]:
    """The grid's columns: companies that receive at some time (a recruiter and an open slot), or that hold an
    interview all the same; a company with no recruiter or closed all the session only adds empty columns."""
    booked = {site for site, _slot in cells}
    columns = []
    for site in sites:
        company = instance.company_by_id[f"S{site['id']}"]
        if not company.open_slots and site["id"] not in booked:  # no recruiter (see store) or closed all day
            continue
        columns.append({**site, "open": company.open_slots, **metrics["company_fill"][company.id]})
    return columns


async def _youths_with_email(registration_ids: list[int]) -> int:
    if not registration_ids:
        return 0
    rows = await Registration.select(Registration.id).where(
        Registration.id.is_in(list(set(registration_ids))) & (Registration.participant.email != "")
    )
    return len(rows)


def _run_context(run: dict | None) -> dict[str, Any]:
    active = run is not None and run["status"] in runs.ACTIVE
    return {"run": run, "active": active}


def _after_edit(request: User, found: list, done: str) -> None:
    """Tell the organiser at once whether the plan still follows every rule."""
    if found:
        message = ngettext(
            "%(done)s The plan now breaks %(num)s rule: see below.",
            "%(done)s The plan now breaks %(num)s rules: see below.",
            len(found),
            done=done,
        )
        flash(request, message, "error")
    else:
        flash(request, _("%(done)s The plan follows every rule.", done=done))


class JobDatingConsole(Controller):
    path = "/events/{event_id:int}/interviews"
    include_in_schema = False

    @get("/")
    async def index(self, request: User, event_id: FromPath[int]) -> Template:
        context = await board(request.user, event_id)
        return page("planning/jobdating/board.html", values={}, errors={}, **context)

    @get("/run")
    async def run_progress(self, request: User, event_id: FromPath[int], poll: FromQuery[bool] = False) -> Template:
        """The planner's progress, polled every second while it runs; reloads the page once it ends."""
        event = await get_event(request.user, event_id)
        context = _run_context(await latest_run(event_id))
        headers = {"HX-Refresh": "true"} if poll and not context["active"] else {}
        can_edit = request.user.at_least(event["organisation"], Role.organiser)
        return Template(
            "planning/jobdating/_run.html", context={"event": event, "can_edit": can_edit, **context}, headers=headers
        )

    @post("/plan")
    async def plan(self, request: User, event_id: FromPath[int]) -> Redirect:
        values = await form_data(request)
        seconds = int(values["seconds"]) if values.get("seconds", "").isdigit() else 10
        try:
            await runs.start_run(request.user, event_id, kind=KIND, seconds=seconds)
        except Refusal as error:
            flash(request, error.text(), "error")
        else:
            flash(request, _("The planner is working; you can leave this page, it goes on."))
        return Redirect(f"/events/{event_id}/interviews")

    @post("/cancel")
    async def cancel(self, request: User, event_id: FromPath[int]) -> Redirect:
        await runs.cancel_run(request.user, event_id)
        flash(request, _("The planner is stopping; the current plan is kept."))
        return Redirect(f"/events/{event_id}/interviews")

    @post("/add")
    async def add(self, request: User, event_id: FromPath[int]) -> Template | Redirect:
        values = await form_data(request)
        try:
            found = await jd.add_interview(
                request.user,
                event_id,
                values.get("registration_id", ""),
                values.get("site_id", ""),
                values.get("start", ""),
            )
        except Refusal as error:
            context = await board(request.user, event_id)
            return page(
                "planning/jobdating/board.html",
                status_code=error.status_code,
                values=values,
                errors=errors_of(error),
                first_error=error.field,
                **context,
            )
        _after_edit(request, found, _("Interview added and locked."))
        return Redirect(f"/events/{event_id}/interviews" + ("#rules" if found else ""))

    @post("/second-round")
    async def second_round(self, request: User, event_id: FromPath[int]) -> Redirect:
        on = (await form_data(request)).get("second_round") == "on"
        await jd.set_second_round(request.user, event_id, on)
        if on:
            flash(request, _("Second round on: plan again to offer an interview to the youths left without one."))
        else:
            flash(request, _("Second round off: youths only meet companies that match their interests."))
        return Redirect(f"/events/{event_id}/interviews")

    @post("/publish")
    async def publish(self, request: User, event_id: FromPath[int]) -> Redirect:
        try:
            told = await jd.publish(request.user, event_id)
        except Refusal as error:
            flash(request, error.text(), "error")
            return Redirect(f"/events/{event_id}/interviews#rules")
        flash(request, _("The plan is published: %(reach)s", reach=reach_text(told)))
        return Redirect(f"/events/{event_id}/interviews")

    @get("/{interview_id:int}")
    async def interview(self, request: User, event_id: FromPath[int], interview_id: FromPath[int]) -> Template:
        return await _interview_page(request.user, event_id, interview_id, values=None, errors={})

    @post("/{interview_id:int}/move")
    async def move(self, request: User, event_id: FromPath[int], interview_id: FromPath[int]) -> Template | Redirect:
        values = await form_data(request)
        try:
            found = await jd.move_interview(
                request.user, event_id, interview_id, values.get("site_id", ""), values.get("start", "")
            )
        except Refusal as error:
            return await _interview_page(
                request.user, event_id, interview_id, values=values, errors=errors_of(error), error=error
            )
        _after_edit(request, found, _("Interview moved."))
        return Redirect(f"/events/{event_id}/interviews" + ("#rules" if found else ""))

    @post("/{interview_id:int}/lock")
    async def lock(self, request: User, event_id: FromPath[int], interview_id: FromPath[int]) -> Redirect:
        locked = (await form_data(request)).get("locked", "1") != "0"
        await jd.set_locked(request.user, event_id, interview_id, locked)
        if locked:
            flash(request, _("Interview locked: the planner will keep it as it is."))
        else:
            flash(request, _("Interview unlocked: the planner may move it."))
        return Redirect(f"/events/{event_id}/interviews")

    @post("/{interview_id:int}/delete")
    async def delete(self, request: User, event_id: FromPath[int], interview_id: FromPath[int]) -> Redirect:
        await jd.delete_interview(request.user, event_id, interview_id)
        flash(request, _("Interview deleted."))
        return Redirect(f"/events/{event_id}/interviews")


async def _interview_page(
    user: CurrentUser,
    event_id: int,
    interview_id: int,
    values: dict | None,
    errors: dict,
    error: Refusal | None = None,
) -> Template:
    event = await get_event(user, event_id)
    require_role(user, event["organisation"], Role.organiser)  # only organisers change the plan
    context = await board(user, event_id)
    if context["missing"]:
        raise PlanningDataMissing(context["missing"])
    rows = [r for cell in context["cells"].values() for r in cell] + context["outside"]
    row = next((r for r in rows if r["id"] == interview_id), None)
    if row is None:
        raise NotFound()
    mine = [v for v in context["violations"] if v.youth == f"R{row['registration']}"]
    return page(
        "planning/jobdating/interview.html",
        status_code=error.status_code if error else 200,
        interview=row,
        values=values or {"site_id": row["site"], "start": row["time"]},
        errors=errors,
        first_error=error.field if error else None,
        youth_violations=mine,
        **{k: context[k] for k in ("event", "site_options", "time_options")},
    )


ROUTES = [JobDatingConsole]
