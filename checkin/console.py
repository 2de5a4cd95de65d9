"""The console's "Émargement" of an event: its lists, a live board, statuses by hand, duplicate scans to review,
attendance sheets (PDF and on screen), badges in batch, and the phones paired to scan.

For the people who run the event: staff of the organiser or of a co-organiser. Someone who sees the event
otherwise (a prescriber partner) gets a 403; anyone else a 404.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from accounts import organisation_settings
from accounts.services import CurrentUser
from checkin import attendance, corrections, presence, tickets, walkins
from checkin.services import CheckList, check_access, load_list
from checkin.tables import AttendanceStatus
from core.clock import utcnow
from core.errors import InvalidInput, NotFound, Refusal
from core.forms import check_day, from_form
from core.i18n import gettext as _
from core.i18n import lazy
from core.pdf import render_pdf
from core.web import errors_of, flash, form_data, page
from events import access
from events.services import get_event
from registration.inputs import WalkInInput
from registration.people import fields_to_correct, walk_in_errors
from registration.tables import Registration

User = Request[CurrentUser, Any, Any]
STATUS_LABELS = {
    AttendanceStatus.present: lazy("Attendance: present"),  # one person: "Présent·e", not "Présents"
    AttendanceStatus.late: lazy("Late"),
    AttendanceStatus.left_early: lazy("Left early"),
    AttendanceStatus.excused: lazy("Excused absence"),
    AttendanceStatus.absent: lazy("Unexcused absence"),
}


def status_label(status: str | None) -> str:
    return _(STATUS_LABELS[AttendanceStatus(status)]) if status else ""


async def _event(user: CurrentUser, event_id: int) -> dict:
    event = await get_event(user, event_id)  # 404 when the user cannot see it
    partners = await access.partners_of(event_id)
    check_access(user, event_id, event["organisation"], partners.co_organisers, partners.all)  # 403 to a partner
    return event


async def _list(user: CurrentUser, event_id: int, list_id: str) -> tuple[dict, CheckList]:
    event = await _event(user, event_id)
    lst = await load_list(list_id)
    if lst.event_id != event_id:
        raise NotFound()
    return event, lst


async def sheet(lst: CheckList, user: CurrentUser) -> dict[str, Any]:
    """One list's attendance proof: one row per person expected (and anyone else checked in)."""
    tz = ZoneInfo(lst.timezone)
    record, review = attendance.split(await attendance.records(lst))
    people = await attendance.members(lst)
    known = {m["id"] for m in people}
    people += [
        {"id": r["registration"], "first_name": r["first_name"], "last_name": r["last_name"], "team_number": None}
        for r in record.values()
        if r["registration"] not in known
    ]
    ended = lst.ends_at < utcnow()
    rows = []
    for m in people:
        r = record.get(m["id"])
        status = r["status"] if r else (AttendanceStatus.absent if ended else None)
        rows.append(
            {
                "registration": m["id"],
                "name": f"{m['last_name'].upper()} {m['first_name']}",
                "team": m["team_number"],
                "at": r and attendance.aware(r["scanned_at"]).astimezone(tz).strftime("%H:%M"),
                "out": r and r["exited_at"] and attendance.aware(r["exited_at"]).astimezone(tz).strftime("%H:%M"),
                "minutes": presence.record_minutes(r, lst.starts_at, lst.ends_at) if r else None,
                "can_leave": bool(r) and status in presence.ATTENDED,
                "by": r and r["by"],
                "status": status,
                "label": status_label(status),
                "signature": r["signature"] if r else "",
            }
        )
    rows.sort(key=lambda row: row["name"])
    by = sorted({r["by"] for r in record.values() if r["by"]})
    return {
        "list": lst,
        "day": lst.starts_at.astimezone(tz),
        "starts": lst.starts_at.astimezone(tz).strftime("%H:%M"),
        "ends": lst.ends_at.astimezone(tz).strftime("%H:%M"),
        "staff": user.full_name,
        "checked_in_by": by,
        "rows": rows,
        "figures": attendance.counts(sorted(known), record, review, ended),
        "generated_at": utcnow().astimezone(tz),
    }


def _at(lst: CheckList, typed: str) -> datetime:
    """A time typed on the Émargement page ("16:45"), on the list's day in its time zone; now when empty."""
    if not typed:
        return utcnow()
    try:
        clock = time.fromisoformat(typed)
    except ValueError:
        raise InvalidInput(field="time") from None
    tz = ZoneInfo(lst.timezone)
    return datetime.combine(lst.starts_at.astimezone(tz).date(), clock, tzinfo=tz)


def _day(value: str, field: str = "from") -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise presence.InvalidPeriod(field=field) from None
    check_day(day, field)
    return day


def attestation_html(data: dict[str, Any]) -> str:
    return tickets.render_html("checkin/attestation.html", **data)


async def attestation_pdf(request: User, data: dict[str, Any]) -> Response[bytes]:
    youth = data["youth"]
    name = "".join(c for c in f"{youth['last_name']}-{youth['first_name']}" if c.isalnum() or c == "-")
    return Response(
        await render_pdf(attestation_html(data), str(request.base_url)),
        media_type="application/pdf",
        headers={
            "content-disposition": f'inline; filename="attestation-presence-{name}.pdf"',
            "cache-control": "private, no-store",  # a youth's name and birth date
        },
    )


def _version(lists: list[dict]) -> str:
    figures = [
        (x["id"], x["expected"], x["present"], x["late"], x["excused"], x["absent"], x["flagged"]) for x in lists
    ]
    return hashlib.sha256(repr(figures).encode()).hexdigest()[:16]


def _board(event: dict, lists: list[dict]) -> dict[str, Any]:
    """The same figures per session, per company site and per team."""
    sites: dict[str, list[dict]] = {}
    teams: dict[int, list[dict]] = {}
    for x in lists:
        if x["kind"] == "visit":
            sites.setdefault(x["name"], []).append(x)
            teams.setdefault(x["team"], []).append(x)
    return {
        "event": event,
        "tz": ZoneInfo(event["timezone"]),
        "sessions": [x for x in lists if x["kind"] == "session"],
        "sites": sorted(sites.items()),
        "teams": sorted(teams.items()),
        "version": _version(lists),
    }


async def _page(request: User, event: dict, status_code: int = 200, **extra: Any) -> Template:
    lists = await attendance.event_lists(request.user, event["id"])
    reviews = []
    for x in lists:
        if x["flagged"]:
            lst = await load_list(x["id"])
            record, review = attendance.split(await attendance.records(lst))
            reviews += [{"row": r, "list": x, "record": record.get(r["registration"])} for r in review]
    return page(
        "checkin/console.html",
        status_code=status_code,
        event=event,
        board=_board(event, lists),
        reviews=reviews,
        devices=await tickets.devices(event["id"]),
        now=utcnow(),
        errors=extra.pop("errors", {}),
        **extra,
    )


class CheckInConsole(Controller):
    path = "/events/{event_id:int}/checkin"
    include_in_schema = False

    @get("")
    async def index(self, request: User, event_id: FromPath[int], job: FromQuery[str] = "") -> Template:
        event = await _event(request.user, event_id)
        return await _page(request, event, job=tickets.badge_job(job, event_id) if job else None)

    @get("/board")
    async def board(self, request: User, event_id: FromPath[int], v: FromQuery[str] = "") -> Template:
        """The live board, long-polled by htmx: answers at once when the figures changed since `v`, else at the
        next change announced on the event's channel (or after a short wait: see attendance.channels_plugin)."""
        event = await _event(request.user, event_id)
        async with attendance.changes(event_id) as next_change:
            lists = await attendance.event_lists(request.user, event_id)
            if _version(lists) == v:
                await next_change()
                lists = await attendance.event_lists(request.user, event_id)
        return page("checkin/_board.html", board=_board(event, lists))

    @get("/lists/{list_id:str}")
    async def show_list(self, request: User, event_id: FromPath[int], list_id: FromPath[str]) -> Template:
        event, lst = await _list(request.user, event_id, list_id)
        return page("checkin/list.html", event=event, sheet=await sheet(lst, request.user), statuses=STATUS_LABELS)

    @post("/lists/{list_id:str}/exit")
    async def record_exit(self, request: User, event_id: FromPath[int], list_id: FromPath[str]) -> Redirect | Template:
        """Someone left: at the time typed (the list's day, local time), or now."""
        event, lst = await _list(request.user, event_id, list_id)
        form = await form_data(request)
        registration = int(form.get("registration", "0") or 0) if form.get("registration", "").isdigit() else 0
        try:
            at = _at(lst, form.get("time", ""))
            answer = await presence.record_exit(
                request.user,
                lst.id,
                f"console-{secrets.token_hex(12)}",
                at,
                registration_id=registration,
                by_hand=True,
            )
        except Refusal as error:
            sheet_ = await sheet(lst, request.user)
            return page(
                "checkin/list.html",
                status_code=error.status_code,
                event=event,
                sheet=sheet_,
                statuses=STATUS_LABELS,
                errors=errors_of(error),
            )
        if answer.result != "ok":
            flash(request, _("This person is not on this list."), "error")
        return Redirect(f"/events/{event_id}/checkin/lists/{lst.id}#r{registration}")

    @get("/registrations/{registration_id:int}/attestation.pdf")
    async def attestation(
        self, request: User, event_id: FromPath[int], registration_id: FromPath[int]
    ) -> Response[bytes]:
        data = await presence.event_attestation(request.user, event_id, registration_id)
        return await attestation_pdf(request, data)

    @get("/lists/{list_id:str}/sheet.pdf")
    async def sheet_pdf(self, request: User, event_id: FromPath[int], list_id: FromPath[str]) -> Response[bytes]:
        event, lst = await _list(request.user, event_id, list_id)
        html = tickets.render_html(
            "checkin/sheet.html",
            event=event,
            sheet=await sheet(lst, request.user),
            logo=await organisation_settings.logo_data_uri(event["organisation"]),
        )
        return Response(
            await render_pdf(html, str(request.base_url)),
            media_type="application/pdf",
            headers={
                "content-disposition": f'inline; filename="emargement-{lst.id}.pdf"',
                "cache-control": "private, no-store",  # youths' names
            },
        )

    @post("/lists/{list_id:str}/status")
    async def set_status(self, request: User, event_id: FromPath[int], list_id: FromPath[str]) -> Redirect:
        _event_row, lst = await _list(request.user, event_id, list_id)
        form = await form_data(request)
        status = form.get("status") or None
        if status is not None and status not in AttendanceStatus.__members__:
            raise InvalidInput(field="status")
        registration = int(form.get("registration", "0") or 0)
        answer = await corrections.set_status(
            request.user,
            lst.id,
            registration,
            AttendanceStatus(status) if status else None,
            f"console-{secrets.token_hex(12)}",
        )
        if answer.result != "ok":
            flash(request, _("This person is not on this list."), "error")
        return Redirect(f"/events/{event_id}/checkin/lists/{lst.id}#r{registration}")

    @post("/review/{check_in_id:int}")
    async def review(self, request: User, event_id: FromPath[int], check_in_id: FromPath[int]) -> Redirect:
        await _event(request.user, event_id)
        if await corrections.dismiss(request.user, check_in_id) != event_id:
            raise NotFound()
        flash(request, _("The duplicate scan was noted in the person's record."))
        return Redirect(f"/events/{event_id}/checkin#review")

    @post("/registrations/{registration_id:int}/reissue")
    async def reissue(self, request: User, event_id: FromPath[int], registration_id: FromPath[int]) -> Redirect:
        await _event(request.user, event_id)
        if not await Registration.exists().where(
            (Registration.id == registration_id) & (Registration.event == event_id)
        ):
            raise NotFound()
        await tickets.reissue(registration_id)
        flash(request, _("A new ticket was issued: the old code no longer works."))
        return Redirect(f"/events/{event_id}/checkin")

    @post("/devices")
    async def pair(self, request: User, event_id: FromPath[int]) -> Template:
        event = await _event(request.user, event_id)
        form = await form_data(request)
        try:
            days = int(form.get("days") or 3)
            token = await tickets.create_device(request.user, event_id, form.get("name", ""), days)
        except ValueError:
            return await _page(request, event, 400, errors={"days": _("Enter a whole number.")}, values=form)
        except Refusal as error:
            return await _page(request, event, error.status_code, errors=errors_of(error), values=form)
        url = tickets.pairing_url(token)
        return page(
            "checkin/paired.html", event=event, device=form.get("name", ""), qr=tickets.qr_data_uri(url), url=url
        )

    @post("/devices/{device_id:int}/revoke")
    async def revoke(self, request: User, event_id: FromPath[int], device_id: FromPath[int]) -> Redirect:
        await _event(request.user, event_id)
        if await tickets.revoke_device(request.user, device_id) != event_id:
            raise NotFound()
        flash(request, _("The phone can no longer check people in."))
        return Redirect(f"/events/{event_id}/checkin#devices")

    @post("/badges")
    async def badges(self, request: User, event_id: FromPath[int]) -> Redirect:
        event = await _event(request.user, event_id)
        logo = await organisation_settings.logo_data_uri(event["organisation"])
        job = await tickets.start_badges(event_id, event["title"], logo)
        return Redirect(f"/events/{event_id}/checkin?job={job.id}#badges")

    @get("/badges/{job_id:str}")
    async def badge_progress(self, request: User, event_id: FromPath[int], job_id: FromPath[str]) -> Template:
        await _event(request.user, event_id)
        job = tickets.badge_job(job_id, event_id)
        if job is None:
            raise NotFound()
        return page("checkin/_badges.html", event={"id": event_id}, job=job)

    @get("/badges/{job_id:str}/badges.pdf")
    async def badge_pdf(self, request: User, event_id: FromPath[int], job_id: FromPath[str]) -> Response[bytes]:
        await _event(request.user, event_id)
        job = tickets.badge_job(job_id, event_id)
        if job is None or job.pdf is None:
            raise NotFound()
        return Response(
            job.pdf,
            media_type="application/pdf",
            headers={"content-disposition": 'inline; filename="badges.pdf"', "cache-control": "private, no-store"},
        )


class WalkInConsole(Controller):
    """Registering someone who turns up, on a phone, straight into the attendance of the session under way."""

    path = "/events/{event_id:int}"
    include_in_schema = False

    @get("/walk-in")
    async def walk_in_form(self, request: User, event_id: FromPath[int]) -> Template:
        event = await get_event(request.user, event_id)
        walkins.may_register(request.user, event)  # the form is for those who may send it
        return page(
            "checkin/walk_in.html",
            event=event,
            values={},
            errors={},
            session=await walkins.current_session(event_id),
        )

    @post("/walk-in")
    async def walk_in(self, request: User, event_id: FromPath[int]) -> Template | Redirect:
        event = await get_event(request.user, event_id)
        walkins.may_register(request.user, event)  # refused before the form is read
        values = await form_data(request)
        errors = walk_in_errors(values)
        if errors:  # every mistake at once: the youth is standing there
            return await _walk_in_again(event, values, fields_to_correct(errors), next(iter(errors)))
        try:
            _registration, session = await walkins.register_walk_in(
                request.user, event_id, from_form(WalkInInput, values)
            )
        except Refusal as error:
            return await _walk_in_again(event, values, errors_of(error), error.field, error.status_code)
        if session:
            flash(request, _("%(name)s is registered and marked present.", name=values.get("first_name", "")))
        else:
            flash(request, _("%(name)s is registered.", name=values.get("first_name", "")))
        return Redirect(f"/events/{event_id}/walk-in")


async def _walk_in_again(
    event: dict, values: dict, errors: dict, first_error: str | None, status_code: int = InvalidInput.status_code
) -> Template:
    """The on-the-spot form again, with what was typed and what to correct."""
    return page(
        "checkin/walk_in.html",
        status_code=status_code,
        event=event,
        values=values,
        errors=errors,
        first_error=first_error,
        session=await walkins.current_session(event["id"]),
    )


class YouthAttendance(Controller):
    """A youth's attended hours per period and their attestation de présence, from the youth's page."""

    path = "/youths/{participant_id:int}"
    include_in_schema = False

    @get("/attendance")
    async def hours(
        self,
        request: User,
        participant_id: FromPath[int],
        start: Annotated[str, QueryParameter(name="from")] = "",
        end: Annotated[str, QueryParameter(name="to")] = "",
    ) -> Template:
        data = await presence.youth_hours(request.user, participant_id, _day(start), _day(end, "to"))
        return page("checkin/hours.html", statuses=STATUS_LABELS, **data)

    @get("/attestation.pdf")
    async def attestation(
        self,
        request: User,
        participant_id: FromPath[int],
        start: Annotated[str, QueryParameter(name="from")] = "",
        end: Annotated[str, QueryParameter(name="to")] = "",
        event: FromQuery[int | None] = None,
    ) -> Response[bytes]:
        data = await presence.youth_attestation(
            request.user, participant_id, start=_day(start), end=_day(end, "to"), event_id=event
        )
        return await attestation_pdf(request, data)


ROUTES: list = [CheckInConsole, WalkInConsole, YouthAttendance]
