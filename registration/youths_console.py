"""Console pages of the youths: the list (/youths), one youth's page, their QPV, merging two records."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from accounts.services import CurrentUser
from core import signals
from core.errors import NotFound, Refusal
from core.i18n import gettext as _
from core.web import flash, form_data, page
from registration import merge, youths
from registration import signals as registration_signals
from registration.people import display_phone

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
        return page("registration/youth.html", **view, display_phone=display_phone)

    @post("/{participant_id:int}/qpv")
    async def qpv(self, request: User, participant_id: FromPath[int]) -> Redirect:
        form = await form_data(request)
        await youths.set_qpv(request.user, participant_id, form.get("qpv") == "on")
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


ROUTES = [YouthsConsole]
