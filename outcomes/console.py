"""Console pages of outcomes: the follow-up list, recording a situation (for a follow-up or from a youth's
page)."""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from accounts.services import CurrentUser
from core.clock import utcnow
from core.errors import NotFound, Refusal
from core.i18n import gettext as _
from core.i18n import ngettext
from core.spreadsheets import MAX_CSV_BYTES, UnreadableFile
from core.web import errors_of, flash, form_data, page
from outcomes import errors, followups, forms, imports, team_results
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
        return page("outcomes/follow_ups.html", found=found, can_import=imports.may_import(request.user))

    @get("/{follow_up_id:int}")
    async def form(self, request: User, follow_up_id: FromPath[int]) -> Template:
        follow_up = await followups.follow_up_for(request.user, follow_up_id)
        await may_record_for(request.user, follow_up["participant"])
        values = {"since": utcnow().date().isoformat(), "source": "adviser"}
        return _form(follow_up, values, {})

    @post("/{follow_up_id:int}")
    async def record(self, request: User, follow_up_id: FromPath[int]) -> Template | Redirect:
        follow_up = await followups.follow_up_for(request.user, follow_up_id)
        await may_record_for(request.user, follow_up["participant"])  # the role first: a viewer learns nothing more
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


class SituationsImport(Controller):
    """A spreadsheet of situations: the file is checked and every rejected row shown, then imported on
    confirmation. Between the two the file waits on the server (the "imports" store, 30 minutes) under an
    unguessable token bound to the user and the organisation: the confirmation sends only the token, so what is
    imported is exactly what was previewed, and nothing of the file comes back from the browser."""

    path = "/follow-ups/import"
    include_in_schema = False

    @get("/")
    async def form(self, request: User) -> Template:
        organisation = await imports.importing_organisation(request.user)
        return _import_page(organisation)

    @get("/model.csv")
    async def model(self, request: User) -> Response[bytes]:
        await imports.importing_organisation(request.user)
        disposition = 'attachment; filename="situations-modele.csv"'
        return Response(
            imports.model_file(), media_type="text/csv; charset=utf-8", headers={"content-disposition": disposition}
        )

    @post("/")
    async def preview(self, request: User) -> Template:
        organisation = await imports.importing_organisation(request.user)
        upload = (await request.form()).get("file")
        if not isinstance(upload, UploadFile):
            return _import_page(organisation, errors={"file": _("Choose a CSV file.")}, status_code=400)
        content = await upload.read(MAX_CSV_BYTES + 1)
        try:
            report = await imports.import_situations(request.user, organisation["id"], content, dry_run=True)
        except (errors.ImportRefused, UnreadableFile) as refusal:
            return _import_page(organisation, errors=errors_of(refusal), status_code=refusal.status_code)
        token = await _keep(request, organisation["id"], content) if report.accepted else ""
        return _import_page(organisation, report=report, token=token, filename=upload.filename)

    @post("/confirm")
    async def confirm(self, request: User) -> Template:
        organisation = await imports.importing_organisation(request.user)
        token = (await form_data(request)).get("token", "")
        content = await _take(request, organisation["id"], token)
        if content is None:
            refusal = errors.ImportExpired(field="file")
            return _import_page(organisation, errors=errors_of(refusal), status_code=refusal.status_code)
        report = await imports.import_situations(request.user, organisation["id"], content, dry_run=False)
        return _import_page(organisation, report=report)


KEEP_FILE_S = 30 * 60  # time to read a preview, call a colleague about a row, and confirm


def _store_key(request: User, organisation_id: int, token: str) -> str:
    return f"{request.user.id}:{organisation_id}:{token}"


async def _keep(request: User, organisation_id: int, content: bytes) -> str:
    store = request.app.stores.get("imports")
    token = secrets.token_urlsafe(24)
    await store.set(_store_key(request, organisation_id, token), content, expires_in=KEEP_FILE_S)
    await store.delete_expired()  # files left by previews never confirmed
    return token


async def _take(request: User, organisation_id: int, token: str) -> bytes | None:
    """The previewed file, once: a second confirmation (a double click, the back button) finds nothing."""
    if not token or len(token) > 64:
        return None
    store = request.app.stores.get("imports")
    key = _store_key(request, organisation_id, token)
    content = await store.get(key)
    await store.delete(key)
    return content


def _import_page(organisation: dict, status_code: int = 200, **context: Any) -> Template:
    context.setdefault("errors", {})
    return page(
        "outcomes/import.html",
        status_code=status_code,
        organisation=organisation,
        max_rows=imports.MAX_ROWS,
        max_mb=MAX_CSV_BYTES // (1024 * 1024),
        kinds=forms.kind_options()[1:],
        field_labels={name: _(label) for name, label in imports.FIELD_LABELS.items()},
        **context,
    )


ROUTES = [FollowUpsConsole, YouthSituations, TeamResults, SituationsImport]
