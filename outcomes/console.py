"""Console pages of outcomes: the follow-up list, recording a situation (for a follow-up or from a youth's
page)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from accounts.services import CurrentUser
from core.clock import utcnow
from core.errors import NotFound, Refusal
from core.i18n import gettext as _
from core.i18n import ngettext
from core.web import flash, form_data, page
from outcomes import followups, forms, team_results
from outcomes.services import may_record_for, record_situation, situation_errors

User = Request[CurrentUser, Any, Any]


class FollowUpsConsole(Controller):
    path = "/follow-ups"
    include_in_schema = False

    @get("/")
    async def index(self, request: User) -> Template:
        params = request.query_params
        page_number = int(params.get("page", "1")) if params.get("page", "1").isdigit() else 1
        found = await followups.work_list(
            request.user, params.get("state", ""), params.get("scope", ""), page=page_number
        )
        return page("outcomes/follow_ups.html", found=found)

    @get("/{follow_up_id:int}")
    async def form(self, request: User, follow_up_id: FromPath[int]) -> Template:
        follow_up = await followups.follow_up_for(request.user, follow_up_id)
        await may_record_for(request.user, follow_up["participant"])
        values = {"since": utcnow().date().isoformat(), "source": "adviser"}
        return _form(follow_up, values, {})

    @post("/{follow_up_id:int}")
    async def record(self, request: User, follow_up_id: FromPath[int]) -> Template | Redirect:
        follow_up = await followups.follow_up_for(request.user, follow_up_id)
        values = await form_data(request)
        data, problems = forms.parse(values, event=follow_up["event"], follow_up=follow_up_id)
        found = await situation_errors(data, today=utcnow().date())
        if found or problems:
            return _form(follow_up, values, forms.errors_of(found, problems), status_code=400)
        await record_situation(request.user, follow_up["participant"], data)
        flash(request, _("The situation of %(name)s is recorded.", name=follow_up["first_name"]))
        return Redirect("/follow-ups")


def _form(follow_up: dict, values: dict[str, str], errors: dict[str, str], status_code: int = 200) -> Template:
    youth = {"id": follow_up["participant"], "name": f"{follow_up['first_name']} {follow_up['last_name']}"}
    back = ("/follow-ups", _("Back to the follow-ups"))
    return _situation_form(f"/follow-ups/{follow_up['id']}", back, youth, follow_up, values, errors, status_code)


def _situation_form(
    action: str,
    back: tuple[str, str],
    youth: dict,
    follow_up: dict | None,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int,
) -> Template:
    """The situation form, for a follow-up or from the youth's page: every error at once."""
    return page(
        "outcomes/situation_form.html",
        status_code=status_code,
        action=action,
        back=back,
        youth=youth,
        follow_up=follow_up,
        values=values,
        errors=errors,
        first_error=forms.first_error(errors),
        kinds=forms.kind_options(),
        sources=forms.source_options(),
    )


class YouthSituations(Controller):
    """A situation recorded from the youth's page, whatever the follow-up dates (a call, a visit)."""

    path = "/youths/{participant_id:int}/situations"
    include_in_schema = False

    @get("/new")
    async def form(self, request: User, participant_id: FromPath[int]) -> Template:
        youth = await may_record_for(request.user, participant_id)
        return _youth_form(youth, {"since": utcnow().date().isoformat(), "source": "adviser"}, {})

    @post("/")
    async def record(self, request: User, participant_id: FromPath[int]) -> Template | Redirect:
        youth = await may_record_for(request.user, participant_id)
        values = await form_data(request)
        data, problems = forms.parse(values)
        found = await situation_errors(data, today=utcnow().date())
        if found or problems:
            return _youth_form(youth, values, forms.errors_of(found, problems), status_code=400)
        await record_situation(request.user, participant_id, data)
        flash(request, _("The situation of %(name)s is recorded.", name=youth["first_name"]))
        return Redirect(f"/youths/{participant_id}#outcomes")


def _youth_form(youth: dict, values: dict[str, str], errors: dict[str, str], status_code: int = 200) -> Template:
    name = {"id": youth["id"], "name": f"{youth['first_name']} {youth['last_name']}"}
    back = (f"/youths/{youth['id']}", _("Back to the youth"))
    return _situation_form(f"/youths/{youth['id']}/situations", back, name, None, values, errors, status_code)


class TeamResults(Controller):
    """A rally team's results at its visits, on the companion's phone."""

    path = "/events/{event_id:int}/teams/{team_id:int}/results"
    include_in_schema = False

    @get("/")
    async def show(self, request: User, event_id: FromPath[int], team_id: FromPath[int]) -> Template:
        return page("outcomes/team_results.html", **await team_results.team_view(request.user, event_id, team_id))

    @post("/")
    async def record(self, request: User, event_id: FromPath[int], team_id: FromPath[int]) -> Template | Redirect:
        form = await request.form()
        visit_id = _int(form.get("visit"))
        chosen = [_pair(value) for value in form.getall("result")] if hasattr(form, "getall") else []
        try:
            added = await team_results.record_visit(request.user, event_id, team_id, visit_id, chosen)
        except Refusal as refusal:
            view = await team_results.team_view(request.user, event_id, team_id)
            return page("outcomes/team_results.html", status_code=refusal.status_code, refusal=refusal.text(), **view)
        flash(request, ngettext("%(num)s result recorded.", "%(num)s results recorded.", added))
        return Redirect(f"/events/{event_id}/teams/{team_id}/results#visit-{visit_id}")


def _int(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise NotFound() from None


def _pair(value: Any) -> tuple[int, str]:
    """ "12:cv_left": a youth's registration and a result."""
    registration, _sep, kind = str(value).partition(":")
    return _int(registration), kind


ROUTES = [FollowUpsConsole, YouthSituations, TeamResults]
