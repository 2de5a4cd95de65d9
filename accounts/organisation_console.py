"""The organisation's settings page (its admins change, its members read) and its logo, served to anyone."""

from __future__ import annotations

import re

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from accounts import organisation_settings as org_settings
from accounts.services import CurrentUser
from core.errors import NotFound
from core.i18n import gettext as _
from core.settings import get_settings
from core.web import flash, page

# Enough to tell a logo that is too large without reading a larger body (the app refuses 2 MB and more).
READ_AT_MOST = org_settings.MAX_LOGO_BYTES + 1
FIELD_ORDER = list(org_settings.FIELDS)  # the first field in error takes the focus


async def _page(
    user: CurrentUser,
    organisation_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    organisation = await org_settings.settings_of(user, organisation_id)
    settings = get_settings()
    values = values if values is not None else org_settings.form_values(organisation)
    errors = errors or {}
    return page(
        "accounts/organisation_settings.html",
        status_code=status_code,
        organisation=organisation,
        values=values,
        errors=errors,
        first_error=next((name for name in FIELD_ORDER if name in errors), None),
        kind_options=org_settings.kind_options(values.get("kind", "")),
        phone=org_settings.display_phone(organisation["phone"]) if organisation["phone"] else "",
        platform_sms_sender=settings.sms_sender,
        platform_quiet_hours=settings.quiet_hours.replace("-", "–") or _("none"),
    )


class OrganisationSettingsController(Controller):
    path = "/organisations/{organisation_id:int}/settings"
    include_in_schema = False

    @get("/")
    async def show(self, request: Request[CurrentUser, dict, object], organisation_id: FromPath[int]) -> Template:
        return await _page(request.user, organisation_id)

    @post("/")
    async def save(
        self, request: Request[CurrentUser, dict, object], organisation_id: FromPath[int]
    ) -> Template | Redirect:
        form = await request.form()
        values = {name: str(form.get(name, "")).strip() for name in org_settings.FIELDS if name != "logo"}
        upload = form.get("logo")
        content = await upload.read(READ_AT_MOST) if isinstance(upload, UploadFile) else b""
        logo = org_settings.LogoUpload(content, remove=form.get("remove_logo") in {"on", "1", "true"})
        try:
            changed = await org_settings.save(request.user, organisation_id, values, logo)
        except org_settings.SettingsNotSaved as refused:
            return await _page(
                request.user, organisation_id, values=values, errors=refused.errors(), status_code=refused.status_code
            )
        flash(request, _("Settings saved.") if changed else _("Nothing changed."))
        return Redirect(f"/organisations/{organisation_id}/settings")


# A logo's address is the digest of its bytes: what it serves never changes, so it is kept a year everywhere.
LOGO_CACHE_CONTROL = "public, max-age=31536000, immutable"


class LogoController(Controller):
    include_in_schema = False
    opt = {"public": True}  # public pages and their youths show it; the digest says nothing of whose it is

    @get("/logos/{digest:str}")
    async def logo(self, request: Request, digest: FromPath[str]) -> Response:
        if not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise NotFound()
        etag = f'"{digest}"'
        headers = {"etag": etag, "cache-control": LOGO_CACHE_CONTROL}
        if etag in request.headers.get("if-none-match", ""):
            return Response(b"", status_code=304, headers=headers)
        image = await org_settings.logo(digest)
        return Response(image["content"], media_type=image["content_type"], headers=headers)


ROUTES = [OrganisationSettingsController, LogoController]
