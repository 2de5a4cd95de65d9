"""Console pages: an event's registrations and waiting list, registering
on someone's behalf, importing a list and the event's own questions (walk-ins: checkin.console)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from accounts.services import CurrentUser
from accounts.tables import Role
from core.clock import utcnow
from core.errors import InvalidInput, Refusal
from core.forms import convert, from_form
from core.i18n import gettext as _
from core.i18n import lazy
from core.settings import get_settings
from core.spreadsheets import MAX_CSV_BYTES, UnreadableFile
from core.web import errors_of, flash, form_data, page
from events.services import editable_event
from events.sites import SECTORS
from registration import imports, lists, messages, reminders, services
from registration.errors import DuplicateRegistration
from registration.inputs import QuestionInput, RegistrationInput
from registration.people import display_phone, fields_to_correct, youth_form_errors
from registration.public import registration_form_data
from registration.tables import ConsentKind, QuestionKind, RegistrationStatus, Source
from registration.youths_console import ROUTES as YOUTHS_CONSOLE

User = Request[CurrentUser, Any, Any]


def _share_link(event: dict, code: str | None) -> str:
    base = f"{get_settings().base_url}/e/{event['public_token']}"
    return f"{base}?ref={code}" if code else base


async def _registrations_page(request: User, event_id: int, status_code: int = 200, **extra: Any) -> Template:
    user = request.user
    event, rows, manages = await lists.for_event(user, event_id)
    groups = {status: [r for r in rows if r["status"] == status] for status in RegistrationStatus}
    referring = lists.referring_organisation(user, event)
    code, team_code = await lists.referral_codes(user, referring)  # a GET only reads: links are made on a POST
    questions = await services.questions_of(event_id)
    return page(
        "registration/event.html",
        status_code=status_code,
        event=event,
        groups=groups,
        manages=manages,
        can_decide=user.at_least(event["organisation"], Role.organiser),
        can_register=await services.may_register(user, event),
        can_refer=referring is not None and user.at_least(referring, Role.adviser),
        share_link=_share_link(event, code) if code else None,
        team_link=_share_link(event, team_code) if team_code else None,
        public_link=_share_link(event, None),
        questions=questions,
        display_phone=display_phone,
        message_errors=extra.pop("message_errors", {}),
        message_values=extra.pop("message_values", {}),
        **extra,
    )


class RegistrationConsole(Controller):
    path = "/events/{event_id:int}"
    include_in_schema = False

    @get("/registrations")
    async def index(self, request: User, event_id: FromPath[int]) -> Template:
        return await _registrations_page(request, event_id)

    @post("/message")
    async def message(self, request: User, event_id: FromPath[int]) -> Template | Redirect:
        form = await form_data(request)
        try:
            sent = await messages.broadcast(
                request.user, event_id, form.get("text", ""), urgent=form.get("urgent") == "on"
            )
        except Refusal as error:
            return await _registrations_page(
                request, event_id, error.status_code, message_errors=errors_of(error), message_values=form
            )
        flash(request, _("Text message queued for %(n)s youths.", n=sent))
        return Redirect(f"/events/{event_id}/registrations")

    @post("/reminders")
    async def reminders(self, request: User, event_id: FromPath[int]) -> Redirect:
        form = await request.form()
        await reminders.set_schedule(request.user, event_id, [str(v) for v in form.getall("reminders", [])])
        flash(request, _("The automatic messages of this event are saved."))
        return Redirect(f"/events/{event_id}#rhythm")

    @post("/referral-link")
    async def create_referral_links(self, request: User, event_id: FromPath[int]) -> Redirect:
        await lists.create_referral_links(request.user, event_id)
        flash(request, _("Your registration link is ready: send it to the youths you refer."))
        return Redirect(f"/events/{event_id}/registrations")

    @get("/register")
    async def register_form(self, request: User, event_id: FromPath[int]) -> Template:
        return _register_page(await services.event_to_register_for(request.user, event_id), {}, {}, None, 200)

    @post("/register")
    async def register(self, request: User, event_id: FromPath[int]) -> Template | Redirect:
        event = await services.event_to_register_for(request.user, event_id)
        data = await registration_form_data(request)
        errors = youth_form_errors(data, utcnow().date())
        if errors:  # every mistake at once, as on the youth's own form
            return _register_page(event, data, fields_to_correct(errors), next(iter(errors)), InvalidInput.status_code)
        try:
            result = await services.register(
                event_id, convert(RegistrationInput, data), source=Source.adviser, by=request.user
            )
        except DuplicateRegistration as error:
            return _register_page(event, data, {"phone": error.text()}, None, 409)
        except Refusal as error:
            return _register_page(event, data, errors_of(error), error.field, error.status_code)
        message = {
            RegistrationStatus.confirmed: _("%(name)s is registered."),
            RegistrationStatus.waiting: _("%(name)s is on the waiting list."),
            RegistrationStatus.pending: _("%(name)s is registered, to be confirmed by the organiser."),
        }
        flash(request, message[result.status] % {"name": data.get("first_name", "")})
        return Redirect(f"/events/{event_id}/registrations")

    @get("/import")
    async def import_form(self, request: User, event_id: FromPath[int]) -> Template:
        event = await services.event_to_register_for(request.user, event_id)
        return page("registration/import.html", event=event, report=None, errors={})

    @post("/import")
    async def import_list(self, request: User, event_id: FromPath[int]) -> Template:
        event = await services.event_to_register_for(request.user, event_id)
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            return page(
                "registration/import.html",
                status_code=400,
                event=event,
                report=None,
                errors={"file": _("Choose a CSV file.")},
            )
        content = await upload.read(MAX_CSV_BYTES + 1)
        if len(content) > MAX_CSV_BYTES:
            return page(
                "registration/import.html",
                status_code=413,
                event=event,
                report=None,
                errors={"file": _("The file is larger than 1 MB.")},
            )
        try:
            report = await imports.import_csv(request.user, event_id, content)
        except UnreadableFile as refusal:
            return page(
                "registration/import.html", status_code=400, event=event, report=None, errors=errors_of(refusal)
            )
        return page("registration/import.html", event=event, report=report, errors={})

    @get("/questions")
    async def questions(self, request: User, event_id: FromPath[int]) -> Template:
        event = await editable_event(request.user, event_id)
        return await _questions_page(event.id, values={"kind": "text"}, errors={})

    @post("/questions")
    async def add_question(self, request: User, event_id: FromPath[int]) -> Template | Redirect:
        event = await editable_event(request.user, event_id)
        values = await form_data(request)
        choices = [c.strip() for c in values.get("choices", "").splitlines() if c.strip()]
        try:
            data = from_form(
                QuestionInput,
                {k: v for k, v in values.items() if k != "choices"},
                checkboxes=("required",),
                lists={"choices": choices},
            )
            if data.kind not in QuestionKind.__members__:
                raise InvalidInput(lazy("Choose one of the proposed options."), field="kind")
            if data.kind in ("choice", "multiple") and len(data.choices) < 2:
                raise InvalidInput(lazy("Give at least two choices, one per line."), field="choices")
        except Refusal as error:
            return await _questions_page(
                event.id, status_code=error.status_code, values=values, errors=errors_of(error)
            )
        await services.add_question(event.id, data)
        flash(request, _("Question added."))
        return Redirect(f"/events/{event_id}/questions")


def _register_page(event: dict, values: dict, errors: dict, first_error: str | None, status_code: int) -> Template:
    """The adviser's registration form: empty, or again with what was typed and what to correct."""
    return page(
        "registration/register.html",
        status_code=status_code,
        event=event,
        values=values,
        errors=errors,
        first_error=first_error,
        sectors=SECTORS,
        consent_kinds=[k for k in ConsentKind if k != "parental"],
    )


async def _questions_page(event_id: int, status_code: int = 200, **extra: Any) -> Template:
    questions = await services.questions_of(event_id)
    return page(
        "registration/questions.html",
        status_code=status_code,
        event_id=event_id,
        questions=questions,
        kinds=[(k.value, k.value) for k in QuestionKind],
        **extra,
    )


class RegistrationActions(Controller):
    path = "/registrations"
    include_in_schema = False

    @post("/{registration_id:int}/decide")
    async def decide(self, request: User, registration_id: FromPath[int]) -> Redirect:
        row = await lists.managed_registration(request.user, registration_id)
        values = await form_data(request)
        try:
            await services.decide(registration_id, RegistrationStatus(values.get("status", "")), by=request.user)
        except ValueError:
            flash(request, _("Choose one of the proposed options."), "error")
        except Refusal as error:
            flash(request, error.text(), "error")
        return Redirect(f"/events/{row['event']}/registrations")

    @post("/{registration_id:int}/cancel")
    async def cancel(self, request: User, registration_id: FromPath[int]) -> Redirect:
        row = await lists.managed_registration(request.user, registration_id, Role.adviser)
        await services.cancel(registration_id, by=request.user)
        flash(request, _("Registration cancelled; the place went to the waiting list if anyone was waiting."))
        return Redirect(f"/events/{row['event']}/registrations")


ROUTES = [RegistrationConsole, RegistrationActions, *YOUTHS_CONSOLE]
