"""The pages a youth opens on their phone: an event's registration page and their own page.

No account: the event page is reached by its unguessable link, the personal page by the
link sent after registering.
"""

from __future__ import annotations

import re
import secrets
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.utils.scope.state import ScopeState

from accounts.tables import Organisation
from core import signals
from core.cache import TtlCache
from core.errors import InvalidInput, NotFound, Refusal
from core.forms import convert
from core.i18n import current_language
from core.ratelimit import limit
from core.web import errors_of, page
from events.services import programme
from events.sites import SECTORS
from events.tables import Event, EventStatus
from registration import messages, proposals, services, tokens
from registration import signals as registration_signals
from registration.errors import DuplicateRegistration
from registration.inputs import RegistrationInput
from registration.people import display_phone, fields_to_correct, youth_form_errors
from registration.tables import ConsentKind, Source

# The public page is what every youth opens from an SMS: it is rendered once per few seconds and
# event, and only the visitor's CSRF token is put in. Figures on it may lag by PAGE_TTL_S; the
# registration itself always counts places under the event's lock.
PAGE_TTL_S = 5.0
MAX_CACHED_PAGES = 2000
CSRF_SLOT = "<!--csrf-slot-->"
SUBMISSION_SLOT = "__submission_slot__"  # each copy of the form gets its own key (tokens.for_submission)
_SUBMISSION = re.compile(r"[A-Za-z0-9_-]{16,64}")
_PAGES: TtlCache[tuple[str, str, str], str] = TtlCache(PAGE_TTL_S, MAX_CACHED_PAGES)  # (link, ref, language)

CHECKBOXES = (
    "driving_licence",
    "vehicle",
    "reduced_mobility",
    "consent_photos",
    "consent_partner_sharing",
    "consent_other_messages",
    "parental_consent",
)
HONEYPOT = "website"


async def event_for_youth(condition: Any) -> dict | None:
    """An event as a youth sees it: its fields and who to call."""
    return (
        await Event.select(
            Event.all_columns(),
            Event.organisation.name.as_alias("organisation_name"),
            Event.organisation.phone.as_alias("organisation_phone"),
            Event.organisation.logo.as_alias("organisation_logo"),  # its digest: /logos/<digest>
        )
        .where(condition)
        .output(load_json=True)
        .first()
    )


def _organiser_phone(event: dict) -> str:
    return display_phone(event["contact_phone"] or event["organisation_phone"] or "")


async def _public_event(token: str) -> dict:
    event = await event_for_youth(
        (Event.public_token == token)
        & Event.status.is_in([EventStatus.published, EventStatus.closed, EventStatus.done, EventStatus.cancelled])
    )
    if event is None:
        raise NotFound()
    return event


WEEKDAY_DIGITS = frozenset("0123456")


async def registration_form_data(request: Request) -> dict[str, Any]:
    """The submitted form as RegistrationInput fields (several values for the multiple choices)."""
    form = await request.form()
    data: dict[str, Any] = {}
    for key in (
        "first_name",
        "last_name",
        "phone",
        "birth_date",
        "postcode",
        "commune",
        "email",
        "parent_name",
        "session_id",
    ):
        value = str(form.get(key, "")).strip()
        if value:
            data[key] = value
    for key in CHECKBOXES:
        data[key] = form.get(key) in ("on", "true", "1")
    data["sectors"] = [str(v) for v in form.getall("sectors", [])]
    # Weekdays 0 to 6; anything else is dropped (int() of a 5,000-digit string would even raise).
    data["available_days"] = [int(v) for v in form.getall("available_days", []) if str(v) in WEEKDAY_DIGITS]
    answers: dict[str, Any] = {}
    for key in form:
        if key.startswith("q_"):
            values = [str(v) for v in form.getall(key, [])]
            answers[key[2:]] = values if len(values) > 1 or key.endswith("[]") else values[0]
    data["answers"] = {k.removesuffix("[]"): v for k, v in answers.items()}
    return data


def _form_values(data: dict[str, Any]) -> dict[str, Any]:
    values = {k: v for k, v in data.items() if k != "answers"}
    values |= {f"q_{k}": v for k, v in data.get("answers", {}).items()}
    return values


def new_submission() -> str:
    return secrets.token_urlsafe(16)


async def _event_page(
    event: dict,
    *,
    values: dict,
    errors: dict,
    ref: str | None,
    status_code: int = 200,
    submission: str = "",
    **extra: Any,
) -> Template:
    now_open = services.registration_open(event, services.utcnow(), Source.public)
    figures = (await services.counts_by_event([event["id"]])).get(event["id"], {})
    full = event["capacity"] is not None and figures.get("confirmed", 0) >= event["capacity"]
    questions = await services.questions_of(event["id"])
    days = await programme(event)
    return page(
        "public/event.html",
        status_code=status_code,
        event=event,
        days=days,
        slots=await services.sessions_to_choose(days, event["id"]),
        values=values,
        errors=errors,
        first_error=next(iter(errors), None),
        ref=ref or "",
        open=now_open,
        full=full,
        questions=questions,
        sectors=SECTORS,
        consent_kinds=[k for k in ConsentKind if k != "parental"],
        organiser_phone=_organiser_phone(event),
        submission=submission if _SUBMISSION.fullmatch(submission) else new_submission(),
        **extra,
    )


class PublicRegistration(Controller):
    include_in_schema = False
    opt = {"public": True}

    @get("/e/{token:str}")
    async def event_page(
        self, request: Request, token: FromPath[str], ref: FromQuery[str | None] = None, p: FromQuery[str | None] = None
    ) -> Response:
        if p:  # an adviser's proposal: the form filled in with the youth's details, never cached
            values = await proposals.prefilled(token, p)
            event = await _public_event(token)
            return await _event_page(event, values=values or {}, errors={}, ref=ref, proposal=p if values else "")
        key = (token, ref or "", current_language.get())
        html = _PAGES.get(key)
        if html is None:
            event = await _public_event(token)
            template = await _event_page(event, values={}, errors={}, ref=ref)
            html = _PAGES.set(
                key,
                request.app.template_engine.get_template(template.template_name).render(
                    **(template.context | {"submission": SUBMISSION_SLOT}), request=request, csrf_input=CSRF_SLOT
                ),
            )
        # Not a string when the CSRF middleware stood aside: a call with an `Authorization` header (API or device
        # token) has no cookie, hence no CSRF token; the page is shown all the same, its form without one.
        token_value = ScopeState.from_scope(request.scope).csrf_token
        token_value = token_value if isinstance(token_value, str) else ""
        csrf_input = f'<input type="hidden" name="_csrf_token" value="{escape(token_value)}" />'
        html = html.replace(CSRF_SLOT, csrf_input).replace(SUBMISSION_SLOT, new_submission())
        return Response(html, media_type="text/html")

    @post("/e/{token:str}")
    async def register(self, request: Request, token: FromPath[str]) -> Template | Redirect:
        settings = request.app.state.settings
        await limit(request, "register", settings.public_posts_per_10_min)
        form = await request.form()
        ref = str(form.get("ref", "")) or None
        proposal = str(form.get("p", "")) or None
        if form.get(HONEYPOT):  # filled by robots only; say thanks and keep nothing
            return page("public/thanks.html", event=await _public_event(token))
        data = await registration_form_data(request)
        submission = str(form.get("submission", ""))
        # The same form sent again (no answer the first time: a lost connection, a server restarting): the
        # registration it made, if it did, is the answer again, not "already registered".
        link = tokens.for_submission(tokens.Purpose.manage, submission) if _SUBMISSION.fullmatch(submission) else None
        errors = youth_form_errors(data, services.utcnow().date())
        if errors:  # every mistake at once, rather than one per submit
            return await _event_page(
                await _public_event(token),
                values=_form_values(data),
                ref=ref,
                status_code=InvalidInput.status_code,
                errors=fields_to_correct(errors),
                proposal=proposal or "",
                submission=submission,
            )
        if link:
            earlier = await services.sent_before(token, link)
            if services.same_phone(earlier, str(data["phone"])):
                return Redirect(f"/r/{link.token}?new=1")
            link = None if earlier else link  # the copy sent back for someone else: a link of their own
        try:
            registered = await services.register(
                None,
                convert(RegistrationInput, data),
                public_token=token,
                source=Source.public,
                referral_code=ref,
                proposal=proposal,
                link=link,
            )
        except DuplicateRegistration:
            if link and services.same_phone(await services.sent_before(token, link), str(data.get("phone", ""))):
                return Redirect(f"/r/{link.token}?new=1")  # the first sending committed while this one waited
            return page(
                "public/duplicate.html", status_code=409, event=await _public_event(token), phone=data.get("phone", "")
            )
        except Refusal as error:
            return await _event_page(
                await _public_event(token),
                values=_form_values(data),
                ref=ref,
                status_code=error.status_code,
                errors=errors_of(error),
                proposal=proposal or "",
                submission=submission,
            )
        return Redirect(f"/r/{registered.manage_token}?new=1")

    @post("/e/{token:str}/resend")
    async def resend(self, request: Request, token: FromPath[str]) -> Template:
        await limit(request, "resend", 10)
        event = await _public_event(token)
        form = await request.form()
        sent = await services.resend_link(event["id"], str(form.get("phone", "")))
        return page(
            "public/resent.html",
            event=event,
            sent=sent,
            organiser_phone=_organiser_phone(event),
        )

    @get("/e/{token:str}/privacy")
    async def privacy(self, token: FromPath[str]) -> Template:
        event = await _public_event(token)
        organisation = await Organisation.select().where(Organisation.id == event["organisation"]).first()
        return page("public/privacy.html", event=event, organisation=organisation)


async def mine(token: str) -> dict:
    registration = await services.by_manage_token(token)
    if registration is None:
        raise NotFound()
    return registration


class PersonalPage(Controller):
    path = "/r"
    include_in_schema = False
    opt = {"public": True}

    async def _page(self, registration: dict, status_code: int = 200, **extra: Any) -> Template:
        event = await event_for_youth(Event.id == registration["event"])
        questions = await services.questions_of(event["id"])
        consents = {c["kind"] for c in await services.active_consents(registration["participant"])}
        values = {f"q_{k}": v for k, v in (registration["answers"] or {}).items()}
        return page(
            "public/personal.html",
            status_code=status_code,
            registration=registration,
            event=event,
            days=await programme(event),
            questions=questions,
            consents=consents,
            values=values,
            errors=extra.pop("errors", {}),
            tz=ZoneInfo(event["timezone"]),
            organiser_phone=_organiser_phone(event),
            phone=display_phone(registration["participant.phone"]),
            adviser_phone=display_phone(registration["adviser_phone"] or ""),
            **await signals.merged(registration_signals.personal_page, registration=registration),
            **extra,
        )

    @get("/{token:str}")
    async def show(self, token: FromPath[str], new: FromQuery[int] = 0) -> Template:
        return await self._page(await mine(token), new=bool(new))

    @get("/{token:str}/cancel")
    async def confirm_cancel(self, token: FromPath[str]) -> Template:
        registration = await mine(token)
        event = await Event.select(Event.title).where(Event.id == registration["event"]).first()
        return page("public/cancel.html", registration=registration, event=event)

    @post("/{token:str}/cancel")
    async def cancel(self, token: FromPath[str]) -> Redirect:
        registration = await mine(token)
        await services.cancel(registration["id"])
        return Redirect(f"/r/{token}")

    @post("/{token:str}/answers")
    async def answers(self, request: Request, token: FromPath[str]) -> Template | Redirect:
        registration = await mine(token)
        data = await registration_form_data(request)
        try:
            await services.change_answers(token, data["answers"])
        except Refusal as error:
            return await self._page(registration, error.status_code, errors=errors_of(error))
        return Redirect(f"/r/{token}?saved=1")

    @post("/{token:str}/channel")
    async def channel(self, request: Request, token: FromPath[str]) -> Redirect:
        registration = await mine(token)
        form = await request.form()
        await messages.set_channel(registration["participant"], str(form.get("channel", "")))
        return Redirect(f"/r/{token}#contact")

    @post("/{token:str}/consents/{kind:str}/withdraw")
    async def withdraw(self, token: FromPath[str], kind: FromPath[str]) -> Redirect:
        registration = await mine(token)
        if kind in ConsentKind.__members__:
            await services.withdraw_consent(registration["participant"], ConsentKind(kind))
        return Redirect(f"/r/{token}#consents")


ROUTES = [PublicRegistration, PersonalPage]
