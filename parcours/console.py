"""Console pages of a parcours: opening one from a youth's page, the work list with one tap for "done", the
parcours page (touchpoints, their results, moves and drops, the adviser's proposals, the skills sheets and the
single history) and the skills sheet's PDF for the youth."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from accounts.services import CurrentUser
from accounts.tables import Role
from core import signals
from core.clock import utcnow
from core.errors import DomainError, NotFound, Refusal
from core.forms import Input, from_form
from core.i18n import gettext as _
from core.pdf import render_pdf
from core.settings import get_settings
from core.templating import render_html
from core.web import errors_of, flash, form_data, page
from outcomes.situations import SITUATION_LABELS
from parcours import history, labels, services, skills
from parcours.errors import ParcoursRefused
from parcours.tables import SheetMoment, Touchpoint
from registration import signals as registration_signals
from registration.youths import visible_youth

User = Request[CurrentUser, Any, Any]


class ExtensionInput(Input, kw_only=True):
    contract_end: date


def _errors(error: DomainError) -> dict[str, str]:
    return dict(error.errors) if isinstance(error, ParcoursRefused) else errors_of(error)


def _tz() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def _options(mapping: dict) -> list[tuple[str, str]]:
    return [(key, _(label)) for key, label in mapping.items()]


async def _host(user: CurrentUser) -> int:
    hosts = await services.may_open(user)
    if not hosts:
        raise NotFound()
    return user.current_organisation if user.current_organisation in hosts else hosts[0]


async def _new_page(
    user: CurrentUser, participant_id: int, values: dict, errors: dict | None = None, status_code: int = 200
) -> Template:
    organisation_id = await _host(user)
    youth, _holder = await visible_youth(user, participant_id)
    people = await services.people(user, organisation_id)
    return page(
        "parcours/new.html",
        status_code=status_code,
        youth=youth,
        values=values,
        errors=errors or {},
        first_error=next(iter(errors or {}), None),
        contract_kinds=_options(labels.CONTRACT_LABELS),
        advisers=[("", _("Choose…"))] + [(str(i), n) for i, n in people["advisers"]],
        members=[("", _("Choose…"))] + [(str(i), n) for i, n in people["members"]],
    )


class ParcoursConsole(Controller):
    path = "/parcours"
    include_in_schema = False

    @get("/")
    async def work_list(self, request: User) -> Template:
        items = await services.work_list(request.user)
        hosts = await services.may_open(request.user)
        rhythm_of = next((o for o in hosts if request.user.at_least(o, Role.organiser)), None)
        return page("parcours/work_list.html", items=items, tz=_tz(), labels=labels, rhythm_of=rhythm_of)

    @get("/{parcours_id:int}")
    async def show(self, request: User, parcours_id: FromPath[int]) -> Template:
        return await _parcours_page(request, parcours_id)

    @post("/{parcours_id:int}/touchpoints")
    async def add(self, request: User, parcours_id: FromPath[int]) -> Template | Redirect:
        await services.writable_parcours(request.user, parcours_id)  # refused before the form is read
        form = await form_data(request)
        try:
            data = from_form(services.TouchpointInput, form, checkboxes=("by_phone",))
            await services.add_touchpoint(request.user, parcours_id, data)
        except Refusal as error:
            return await _parcours_page(request, parcours_id, errors=_errors(error), values=form, status_code=400)
        flash(request, _("The touchpoint is planned and its invitations are on their way."))
        return Redirect(f"/parcours/{parcours_id}")

    @post("/{parcours_id:int}/propose")
    async def propose(self, request: User, parcours_id: FromPath[int]) -> Template | Redirect:
        await services.proposing_parcours(request.user, parcours_id)  # refused before the form is read
        form = await form_data(request)
        event_id = form.get("event_id", "")
        try:
            if not event_id.isdigit():
                raise ParcoursRefused({"event_id": _("Choose an event.")})
            await services.propose(request.user, parcours_id, int(event_id))
        except Refusal as error:
            errors = {"event_id": " ".join(_errors(error).values())}
            return await _parcours_page(request, parcours_id, errors=errors, values=form, status_code=400)
        flash(request, _("The proposal is on its way to the youth."))
        return Redirect(f"/parcours/{parcours_id}")

    @post("/{parcours_id:int}/end")
    async def end(self, request: User, parcours_id: FromPath[int]) -> Template | Redirect:
        form = await form_data(request)
        try:
            await services.end_parcours(
                request.user, parcours_id, form.get("end_reason", ""), form.get("exit_situation", "")
            )
        except Refusal as error:
            return await _parcours_page(request, parcours_id, errors=_errors(error), values=form, status_code=400)
        flash(request, _("The parcours is ended."))
        return Redirect(f"/parcours/{parcours_id}")

    @post("/{parcours_id:int}/extend")
    async def extend(self, request: User, parcours_id: FromPath[int]) -> Template | Redirect:
        await services.writable_parcours(request.user, parcours_id)  # refused before the form is read
        form = await form_data(request)
        try:
            new_end = from_form(ExtensionInput, form).contract_end
            await services.extend(request.user, parcours_id, new_end)
        except Refusal as error:
            return await _parcours_page(request, parcours_id, errors=_errors(error), values=form, status_code=400)
        flash(request, _("The contract is extended."))
        return Redirect(f"/parcours/{parcours_id}")

    @get("/{parcours_id:int}/skills/{moment:str}")
    async def sheet(self, request: User, parcours_id: FromPath[int], moment: FromPath[str]) -> Template:
        return await _sheet_page(request.user, parcours_id, moment)

    @post("/{parcours_id:int}/skills/{moment:str}")
    async def save_sheet(self, request: User, parcours_id: FromPath[int], moment: FromPath[str]) -> Template | Redirect:
        form = await form_data(request)
        try:
            await skills.save_sheet(request.user, parcours_id, moment, form)
        except Refusal as error:
            return await _sheet_page(request.user, parcours_id, moment, values=form, errors=_errors(error))
        flash(request, _("The skills sheet is saved."))
        return Redirect(f"/parcours/{parcours_id}#skills")

    @get("/{parcours_id:int}/skills.pdf")
    async def sheet_pdf(self, request: User, parcours_id: FromPath[int]) -> Response[bytes]:
        parcours = await services.seen_parcours(request.user, parcours_id)
        sheets = await skills.sheets_of(request.user, parcours_id)
        html = render_html(
            "parcours/skills_pdf.html",
            parcours=parcours,
            sheets=sheets,
            lines=skills.side_by_side(sheets),
            levels=skills.LEVELS,
            moments=skills.MOMENT_LABELS,
        )
        return Response(
            await render_pdf(html, str(request.base_url)),
            media_type="application/pdf",
            headers={"content-disposition": 'inline; filename="competences.pdf"', "cache-control": "private, no-store"},
        )


class TouchpointConsole(Controller):
    path = "/parcours/touchpoints/{touchpoint_id:int}"
    include_in_schema = False

    async def _back(self, request: User, form: dict) -> Redirect:
        back = form.get("back", "")
        return Redirect(back if back.startswith("/parcours") else "/parcours/")

    @post("/done")
    async def done(self, request: User, touchpoint_id: FromPath[int]) -> Redirect:
        form = await form_data(request)
        await services.record(request.user, touchpoint_id)
        flash(request, _("Recorded as done."))
        return await self._back(request, form)

    @post("/result")
    async def result(self, request: User, touchpoint_id: FromPath[int]) -> Template | Redirect:
        form = await form_data(request)
        try:
            await services.record(request.user, touchpoint_id, result=form.get("result", ""), note=form.get("note", ""))
        except Refusal as error:
            return await _touchpoint_error(request, touchpoint_id, error, form)
        flash(request, _("The result is recorded."))
        return await self._back(request, form)

    @post("/move")
    async def move(self, request: User, touchpoint_id: FromPath[int]) -> Template | Redirect:
        await services.writable_touchpoint(request.user, touchpoint_id)  # refused before the form is read
        form = await form_data(request)
        try:
            data = from_form(services.TouchpointInput, form, checkboxes=("by_phone",))
            await services.move(request.user, touchpoint_id, data.starts_at, place=data.place, by_phone=data.by_phone)
        except Refusal as error:
            return await _touchpoint_error(request, touchpoint_id, error, form)
        flash(request, _("The touchpoint is moved: everyone's invitation is updated."))
        return await self._back(request, form)

    @post("/drop")
    async def drop(self, request: User, touchpoint_id: FromPath[int]) -> Template | Redirect:
        form = await form_data(request)
        try:
            await services.drop(request.user, touchpoint_id)
        except Refusal as error:
            return await _touchpoint_error(request, touchpoint_id, error, form)
        flash(request, _("The touchpoint is dropped: everyone is told."))
        return await self._back(request, form)


class OpenParcours(Controller):
    path = "/youths/{participant_id:int}/parcours"
    include_in_schema = False

    @get("/new")
    async def new(self, request: User, participant_id: FromPath[int]) -> Template:
        return await _new_page(request.user, participant_id, {"contract_kind": "cddi"})

    @post("/new")
    async def create(self, request: User, participant_id: FromPath[int]) -> Template | Redirect:
        organisation_id = await _host(request.user)
        await visible_youth(request.user, participant_id)  # refused before the form is read
        form = await form_data(request)
        try:
            data = from_form(services.ParcoursInput, form | {"participant_id": str(participant_id)})
            parcours_id = await services.open_parcours(request.user, organisation_id, data)
        except Refusal as error:
            return await _new_page(request.user, participant_id, form, _errors(error), status_code=400)
        flash(request, _("The parcours is open: its touchpoints are planned and everyone is invited."))
        return Redirect(f"/parcours/{parcours_id}")


async def _touchpoint_error(request: User, touchpoint_id: int, error: DomainError, form: dict) -> Template:
    row = await Touchpoint.select(Touchpoint.parcours).where(Touchpoint.id == touchpoint_id).first()
    errors = {f"{touchpoint_id}-{k}": v for k, v in _errors(error).items()}
    return await _parcours_page(request, row["parcours"], errors=errors, values=form, status_code=400)


async def _parcours_page(
    request: User,
    parcours_id: int,
    *,
    errors: dict | None = None,
    values: dict | None = None,
    status_code: int = 200,
) -> Template:
    user = request.user
    now = utcnow()
    parcours = await services.seen_parcours(user, parcours_id)
    await signals.send(
        registration_signals.youth_viewed,
        user=user,
        participant_id=parcours["participant"],
        organisation_id=parcours["youth_organisation"],
    )
    sheets = await skills.sheets_of(user, parcours_id)
    return page(
        "parcours/parcours.html",
        status_code=status_code,
        parcours=parcours,
        touchpoints=await services.touchpoints_of(user, parcours_id, now=now),
        timeline=await history.timeline(user, parcours_id, now=now),
        proposals=await history.proposals_of(parcours),
        events=await services.events_to_propose(user, parcours),
        events_options=_event_options,
        sheets=sheets,
        lines=skills.side_by_side(sheets),
        moments=skills.MOMENT_LABELS,
        levels=skills.LEVELS,
        errors=errors or {},
        values=values or {},
        tz=_tz(),
        labels=labels,
        kinds=_options(labels.KIND_LABELS),
        end_reasons=[("", _("Choose…"))] + _options(labels.END_REASON_LABELS),
        situations=[("", _("Choose…"))] + [(k.value, _(v)) for k, v in SITUATION_LABELS.items()],
        today=date.today(),
        now=now,
    )


def _event_options(events: list[dict]) -> list[tuple[str, str]]:
    return [(str(e["id"]), f"{e['title']} — {e['starts_on']:%d/%m/%Y} ({e['organisation_name']})") for e in events]


async def _sheet_page(
    user: CurrentUser, parcours_id: int, moment: str, *, values: dict | None = None, errors: dict | None = None
) -> Template:
    parcours = await services.seen_parcours(user, parcours_id)
    if moment not in {m.value for m in SheetMoment} or not parcours["can_write"]:
        raise NotFound()
    sheets = await skills.sheets_of(user, parcours_id)
    if values is None:
        saved = sheets.get(moment)
        values = {}
        if saved:
            values = {f"observed_{k}": str(v) for k, v in saved["observed"].items()}
            values |= {f"self_{k}": str(v) for k, v in saved["self_assessed"].items()}
            values |= {"comments": saved["comments"], "next_steps": saved["next_steps"]}
    return page(
        "parcours/skills.html",
        status_code=400 if errors else 200,
        parcours=parcours,
        moment=moment,
        moment_label=skills.MOMENT_LABELS[moment],
        work_items=skills.WORK_ITEMS,
        soft_items=skills.SOFT_ITEMS,
        levels=[("", "—")] + [(str(k), _(v)) for k, v in skills.LEVELS.items()],
        values=values,
        errors=errors or {},
        first_error=next(iter(errors or {}), None),
    )


class RhythmConsole(Controller):
    path = "/organisations/{organisation_id:int}/parcours-rhythm"
    include_in_schema = False

    @get("/")
    async def show(self, request: User, organisation_id: FromPath[int]) -> Template:
        return await _rhythm_page(request.user, organisation_id)

    @post("/")
    async def save(self, request: User, organisation_id: FromPath[int]) -> Template | Redirect:
        form = await form_data(request)
        try:
            await services.save_rhythm(request.user, organisation_id, form)
        except Refusal as error:
            return await _rhythm_page(request.user, organisation_id, values=form, errors=_errors(error))
        flash(request, _("The rhythm is saved: it plans the parcours opened from now on."))
        return Redirect(f"/organisations/{organisation_id}/parcours-rhythm/")


async def _rhythm_page(
    user: CurrentUser, organisation_id: int, *, values: dict | None = None, errors: dict | None = None
) -> Template:
    rows = await services.rhythm_form(user, organisation_id)
    if values is None:
        values = {}
        for row in rows:
            key = row["step"].key
            values[f"{key}_offset_days"] = str(row["offset_days"])
            values[f"{key}_minutes"] = str(row["minutes"])
            if row["included"]:
                values[f"{key}_included"] = "on"
    return page(
        "parcours/rhythm.html",
        status_code=400 if errors else 200,
        organisation_id=organisation_id,
        rows=rows,
        values=values,
        errors=errors or {},
        can_save=user.at_least(organisation_id, Role.organiser),
        labels=labels,
    )


ROUTES = [ParcoursConsole, TouchpointConsole, OpenParcours, RhythmConsole]
