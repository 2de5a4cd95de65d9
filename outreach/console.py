"""Console pages of outreach: the organisation's public page (its link and the waiting-room poster), and
inviting an event's past participants (the preview, then the send)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from accounts.organisation_settings import logo_data_uri
from accounts.services import CurrentUser
from checkin.tickets import qr_data_uri, qr_print_uri, render_html
from core.errors import Refusal
from core.i18n import gettext as _
from core.i18n import lazy, ngettext
from core.pdf import render_pdf
from core.web import errors_of, flash, page
from outreach import pages, services

User = Request[CurrentUser, Any, Any]


class PublicPageConsole(Controller):
    path = "/organisations/{organisation_id:int}/public-page"
    include_in_schema = False

    @get("/")
    async def show(self, request: User, organisation_id: FromPath[int]) -> Template:
        shared = await pages.share(request.user, organisation_id)
        return page("outreach/share.html", qr=qr_data_uri(shared["url"]), **shared)

    @get("/poster.pdf")
    async def poster(self, request: User, organisation_id: FromPath[int]) -> Response[bytes]:
        shared = await pages.share(request.user, organisation_id)
        html = render_html(
            "outreach/poster.html",
            qr=qr_print_uri(shared["url"]),
            logo=await logo_data_uri(organisation_id),
            display_url=shared["url"].split("://", 1)[-1],
            dates=shared["dates"][: pages.POSTER_DATES],
            **{k: v for k, v in shared.items() if k != "dates"},
        )
        return Response(
            await render_pdf(html, str(request.base_url)),
            media_type="application/pdf",
            headers={"content-disposition": 'inline; filename="affiche.pdf"', "cache-control": "private, no-store"},
        )


class InviteConsole(Controller):
    path = "/events/{event_id:int}/invite"
    include_in_schema = False

    @get("/")
    async def preview(self, request: User, event_id: FromPath[int]) -> Template:
        return _preview_page(await services.preview(request.user, event_id), {})

    @post("/")
    async def send(self, request: User, event_id: FromPath[int]) -> Template | Redirect:
        form = await request.form()
        ids = [int(v) for v in form.getall("youth", []) if str(v).isdigit()]
        try:
            texted = await services.invite(request.user, event_id, ids)
        except Refusal as error:
            found = await services.preview(request.user, event_id)
            return _preview_page(found, errors_of(error), status_code=error.status_code, checked=set(ids))
        flash(
            request,
            ngettext(
                "The invitation is on its way to %(num)s youth.",
                "The invitation is on its way to %(num)s youths.",
                texted,
            )
            if texted
            else _("Nobody new to invite: nothing was sent."),
        )
        return Redirect(f"/events/{event_id}/invite")


def _preview_page(
    found: services.Preview, errors: dict[str, str], status_code: int = 200, checked: set[int] | None = None
) -> Template:
    return page(
        "outreach/invite.html",
        status_code=status_code,
        event=found.event,
        audience=found.audience,
        sample=found.sample,
        sent=found.sent,
        brought=found.brought,
        open=found.open,
        errors=errors,
        checked=checked,
        reasons=REASON_LABELS,
    )


REASON_LABELS = {  # translated in the template
    "no_consent": lazy("Did not agree to hear about other events"),
    "never_came": lazy("Registered for one but never came"),
    "registered": lazy("Already registered for this event"),
    "cannot_text": lazy("Cannot receive texts (answered STOP, prefers e-mail, or no mobile)"),
}

ROUTES = [PublicPageConsole, InviteConsole]
