"""Console pages of the youths: the list (/youths), one youth's page, their QPV, merging two records, and the
events an adviser proposes to them (registration.proposals)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from accounts.services import CurrentUser
from core import signals
from core.errors import NotFound, Refusal
from core.i18n import gettext as _
from core.labels import label
from core.web import flash, form_data, page
from registration import merge, proposals, youths
from registration import signals as registration_signals
from registration.errors import AlreadyProposed
from registration.people import display_phone
from registration.tables import Gender

User = Request[CurrentUser, Any, Any]


def _other(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise NotFound() from None


class YouthsConsole(Controller):
    path = "/youths"
    include_in_schema = False

    @get("/")
    async def index(self, request: User) -> Template:
        params = {k: str(v) for k, v in request.query_params.items()}
        found = await youths.youth_list(request.user, youths.filters_from(params))
        return page(
            "registration/youths.html",
            found=found,
            f=found.filters,
            values=vars(found.filters),
            age_bands=list(youths.AGE_BANDS),
        )

    @get("/{participant_id:int}")
    async def show(self, request: User, participant_id: FromPath[int]) -> Template:
        view = await youths.youth_page(request.user, participant_id)
        await signals.send(
            registration_signals.youth_viewed,
            user=request.user,
            participant_id=participant_id,
            organisation_id=view["youth"]["organisation"],
        )
        return page(
            "registration/youth.html",
            **view,
            display_phone=display_phone,
            genders=[(g.value, label("gender", g)) for g in Gender if g],
        )

    @post("/{participant_id:int}/details")
    async def details(self, request: User, participant_id: FromPath[int]) -> Redirect:
        form = await form_data(request)
        await youths.set_details(request.user, participant_id, form.get("qpv") == "on", form.get("gender", ""))
        flash(request, _("The youth's details are saved."))
        return Redirect(f"/youths/{participant_id}")

    @get("/{participant_id:int}/merge")
    async def confirm_merge(self, request: User, participant_id: FromPath[int]) -> Template:
        await youths.visible_youth(request.user, participant_id)  # 404 before anything else
        other = _other(request.query_params.get("other", ""))
        view = await merge.preview(request.user, participant_id, other)
        return page(
            "registration/merge.html", status_code=409 if view["refusal"] else 200, display_phone=display_phone, **view
        )

    @post("/{participant_id:int}/merge")
    async def merge(self, request: User, participant_id: FromPath[int]) -> Template | Redirect:
        await youths.visible_youth(request.user, participant_id)
        other = _other((await form_data(request)).get("other", ""))
        try:
            moved = await merge.merge(request.user, participant_id, other)
        except Refusal as refusal:
            view = await merge.preview(request.user, participant_id, other)
            view["refusal"] = refusal.text()
            return page("registration/merge.html", status_code=refusal.status_code, display_phone=display_phone, **view)
        flash(request, _("The two records are merged: %(n)s registrations moved to this one.", n=moved))
        return Redirect(f"/youths/{participant_id}")

    @get("/proposals")
    async def proposals(self, request: User) -> Template:
        rows = await proposals.proposals_of(request.user)
        return page(
            "registration/proposals.html", rows=rows, labels={k: _(v) for k, v in proposals.STATE_LABELS.items()}
        )

    @get("/{participant_id:int}/propose")
    async def propose_form(self, request: User, participant_id: FromPath[int]) -> Template:
        return await _propose_page(request.user, participant_id, {}, {})

    @post("/{participant_id:int}/propose")
    async def propose(self, request: User, participant_id: FromPath[int]) -> Template | Redirect:
        form = await form_data(request)
        if not form.get("event", "").isdigit():
            errors = {"event": _("Choose the event to propose.")}
            return await _propose_page(request.user, participant_id, form, errors, status_code=400)
        event = int(form["event"])
        try:
            sent = await proposals.propose(request.user, participant_id, event, resend=form.get("resend") == "1")
        except Refusal as refusal:
            return await _propose_page(
                request.user,
                participant_id,
                form,
                {"event": refusal.text()},
                status_code=refusal.status_code,
                resend=event if isinstance(refusal, AlreadyProposed) else None,
            )
        flash(
            request,
            _(
                "The event is proposed: the link is on its way (%(channels)s).",
                channels=" + ".join(_("text message") if c == "sms" else _("e-mail") for c in sent),
            ),
        )
        return Redirect(f"/youths/{participant_id}/propose")


async def _propose_page(
    user: CurrentUser,
    participant_id: int,
    values: dict,
    errors: dict,
    *,
    status_code: int = 200,
    resend: int | None = None,
) -> Template:
    youth = await proposals.youth_to_propose_to(user, participant_id)
    events = await proposals.events_to_propose(user)
    options = [("", _("Choose an event"))] + [
        (e["id"], f"{e['title']} — {e['starts_on']:%d/%m/%Y} ({e['organisation_name']})") for e in events
    ]
    return page(
        "registration/propose.html",
        status_code=status_code,
        youth=youth,
        events=events,
        event_options=options,
        rows=await proposals.proposals_of(user, participant_id),
        labels={k: _(v) for k, v in proposals.STATE_LABELS.items()},
        values=values,
        errors=errors,
        resend=resend,
    )


ROUTES = [YouthsConsole]
