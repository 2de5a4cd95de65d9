"""Login, logout, password reset, organisation pages and the partner directory (their API: accounts.api)."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from accounts import directory, members, services, tokens
from accounts.auth import SESSION_COOKIE, rotate_session
from accounts.services import CurrentUser, session_fingerprint
from accounts.tables import ApiTokenScope, OrganisationKind, Role, SiaeKind
from core.errors import Refusal
from core.forms import from_form
from core.i18n import gettext as _
from core.labels import label
from core.web import errors_of, flash, form_data, form_page, page


def _safe_next(target: str | None) -> str:
    # Only local paths: never an open redirect to another site.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


class LoginController(Controller):
    include_in_schema = False
    opt = {"public": True}

    @get("/login")
    async def login_form(self, next: FromQuery[str | None] = None) -> Template:
        return page("accounts/login.html", values={}, errors={}, next=_safe_next(next))

    @post("/login")
    async def login(self, request: Request, next: FromQuery[str | None] = None) -> Template | Redirect:
        values = await form_data(request)
        target = _safe_next(values.get("next") or next)
        ip = request.client.host if request.client else "unknown"
        try:
            user = await services.authenticate(values.get("email", ""), values.get("password", ""), ip)
        except Refusal as error:
            values.pop("password", None)
            return form_page("accounts/login.html", error, values, next=target)
        if old := request.cookies.get(SESSION_COOKIE):
            await request.app.stores.get("sessions").delete(old)
        rotate_session(request)
        request.set_session({"user_id": user.id, "fingerprint": session_fingerprint(user.password_hash)})
        return Redirect(target)

    @post("/logout", opt={"public": False})
    async def logout(self, request: Request) -> Redirect:
        if sid := request.cookies.get(SESSION_COOKIE):
            await request.app.stores.get("sessions").delete(sid)
        request.clear_session()
        return Redirect("/login")

    @get("/password-reset")
    async def reset_request_form(self) -> Template:
        return page("accounts/reset_request.html", values={}, errors={})

    @post("/password-reset")
    async def reset_request(self, request: Request) -> Template:
        values = await form_data(request)
        await services.request_password_reset(request.app.state.settings, values.get("email", ""))
        return page("accounts/reset_sent.html", email=values.get("email", ""))

    @get("/password-reset/{token:str}")
    async def reset_form(self, token: FromPath[str]) -> Template:
        try:
            await services.check_reset_token(token)
        except Refusal as error:
            return page("accounts/reset_invalid.html", status_code=error.status_code, message=error.text())
        return page("accounts/reset_form.html", token=token, values={}, errors={})

    @post("/password-reset/{token:str}")
    async def reset(self, request: Request, token: FromPath[str]) -> Template | Redirect:
        values = await form_data(request)
        if values.get("password") != values.get("password_confirm"):
            errors = {"password_confirm": _("The two passwords are different.")}
            return page("accounts/reset_form.html", status_code=400, token=token, values={}, errors=errors)
        try:
            await services.reset_password(token, values.get("password", ""))
        except services.ResetLinkInvalid as error:
            return page("accounts/reset_invalid.html", status_code=error.status_code, message=error.text())
        except Refusal as error:
            return form_page("accounts/reset_form.html", error, {}, token=token)
        flash(request, _("Your password was changed. You can now log in."))
        return Redirect("/login")


class OrganisationController(Controller):
    path = "/organisations"
    include_in_schema = False

    @get("/{organisation_id:int}")
    async def show(self, request: Request[CurrentUser, dict, object], organisation_id: FromPath[int]) -> Template:
        user = request.user
        return await _organisation_page(user, organisation_id)

    @post("/{organisation_id:int}/tokens")
    async def create_token(
        self, request: Request[CurrentUser, dict, object], organisation_id: FromPath[int]
    ) -> Template:
        values = await form_data(request)
        try:
            scope = ApiTokenScope(values.get("scope", "read"))
            token = await tokens.create_token(request.user, organisation_id, values.get("name", ""), scope)
        except ValueError:
            return await _organisation_page(
                request.user,
                organisation_id,
                400,
                token_values=values,
                token_errors={"scope": _("Choose one of the proposed options.")},
            )
        except Refusal as error:
            return await _organisation_page(
                request.user,
                organisation_id,
                error.status_code,
                token_values=values,
                token_errors=errors_of(error),
            )
        return await _organisation_page(request.user, organisation_id, new_token=token)

    @post("/{organisation_id:int}/privacy")
    async def save_privacy_notice(
        self, request: Request[CurrentUser, dict, object], organisation_id: FromPath[int]
    ) -> Redirect:
        values = await form_data(request)
        await services.save_privacy_notice(request.user, organisation_id, values.get("privacy_notice", ""))
        flash(request, _("Privacy notice saved: it is shown on your public registration pages."))
        return Redirect(f"/organisations/{organisation_id}#privacy")

    @post("/{organisation_id:int}/tokens/{token_id:int}/revoke")
    async def revoke_token(
        self, request: Request[CurrentUser, dict, object], organisation_id: FromPath[int], token_id: FromPath[int]
    ) -> Redirect:
        await services.get_organisation(request.user, organisation_id)
        await tokens.revoke_token(request.user, token_id)
        flash(request, _("The token is revoked: it no longer opens anything."))
        return Redirect(f"/organisations/{organisation_id}")


async def _organisation_page(user: CurrentUser, organisation_id: int, status_code: int = 200, **context) -> Template:
    organisation = await services.get_organisation(user, organisation_id)
    is_admin = user.at_least(organisation_id, Role.admin)
    return page(
        "accounts/organisation.html",
        status_code=status_code,
        organisation=organisation,
        members=await members.members(user, organisation_id),
        others=[o for o in await services.organisations_of(user) if o["id"] != organisation_id],
        is_admin=is_admin,
        tokens=await tokens.tokens(user, organisation_id) if is_admin else [],
        scope_options=[("read", _("Read only")), ("write", _("Read and write"))],
        token_values=context.pop("token_values", {"scope": "read"}),
        token_errors=context.pop("token_errors", {}),
        **context,
    )


class DirectoryConsole(Controller):
    """The partner directory of the user's organisations: organisations and their people."""

    path = "/directory"
    include_in_schema = False

    async def _page(self, user: CurrentUser, status_code: int = 200, **forms: object) -> Template:
        owners = [o for o in await services.organisations_of(user)]
        sections = []
        for owner in owners:
            partners = await directory.partners(user, owner["id"])
            sections.append(
                {
                    "owner": owner,
                    "partners": partners,
                    "partner_options": [(str(p["id"]), p["name"]) for p in partners],
                    "contacts": await directory.contacts(user, owner["id"]),
                    "can_edit": user.at_least(owner["id"], Role.organiser),
                }
            )
        return page(
            "accounts/directory.html",
            status_code=status_code,
            sections=sections,
            kind_options=[(k.value, label("organisation_kind", k)) for k in OrganisationKind],
            siae_options=[(k.value, label("siae_kind", k) or "—") for k in SiaeKind],
            **forms,
        )

    @get("/")
    async def index(self, request: Request[CurrentUser, dict, object]) -> Template:
        return await self._page(
            request.user, partner_values={}, partner_errors={}, contact_values={}, contact_errors={}, active_owner=None
        )

    @post("/{organisation_id:int}/partners")
    async def add_partner(
        self, request: Request[CurrentUser, dict, object], organisation_id: FromPath[int]
    ) -> Template | Redirect:
        services.require_role(request.user, organisation_id, Role.organiser)  # refused before the form is read
        values = await form_data(request)
        try:
            await directory.add_partner(
                request.user, organisation_id, from_form(directory.PartnerOrganisationInput, values)
            )
        except Refusal as error:
            return await self._page(
                request.user,
                error.status_code,
                partner_values=values,
                partner_errors=errors_of(error),
                contact_values={},
                contact_errors={},
                active_owner=organisation_id,
            )
        flash(request, _("Partner added to the directory."))
        return Redirect("/directory/")

    @post("/{organisation_id:int}/contacts")
    async def add_contact(
        self, request: Request[CurrentUser, dict, object], organisation_id: FromPath[int]
    ) -> Template | Redirect:
        services.require_role(request.user, organisation_id, Role.organiser)  # refused before the form is read
        values = await form_data(request)
        try:
            await directory.add_contact(request.user, organisation_id, from_form(directory.ContactInput, values))
        except Refusal as error:
            return await self._page(
                request.user,
                error.status_code,
                contact_values=values,
                contact_errors=errors_of(error),
                partner_values={},
                partner_errors={},
                active_owner=organisation_id,
            )
        flash(request, _("Contact added."))
        return Redirect("/directory/")


ROUTES = [LoginController, OrganisationController, DirectoryConsole]
