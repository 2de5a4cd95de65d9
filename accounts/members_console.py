"""The members of an organisation (invite, change a role, deactivate and hand over), joining through an
invitation link, switching organisation, and the audit log. The rules: accounts.members and accounts.audit."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from accounts import audit, members, services
from accounts.auth import SESSION_COOKIE, rotate_session
from accounts.services import CurrentUser, session_fingerprint
from accounts.tables import Role
from core.errors import InvalidInput, NotFound, Refusal
from core.i18n import gettext as _
from core.labels import label
from core.web import errors_of, flash, form_data, page

User = Request[CurrentUser, dict, object]
ROLE_ORDER = [Role.admin, Role.organiser, Role.staff, Role.adviser, Role.viewer]


def _role_options() -> list[tuple[str, str]]:
    return [(role.value, label("role", role)) for role in ROLE_ORDER]


def _role(value: str) -> Role | None:
    return Role(value) if value in Role.__members__ else None


class MembersConsole(Controller):
    path = "/organisations/{organisation_id:int}"
    include_in_schema = False

    async def _page(self, user: CurrentUser, organisation_id: int, status_code: int = 200, **forms) -> Template:
        organisation = await services.get_organisation(user, organisation_id)
        is_admin = user.at_least(organisation_id, Role.admin)
        return page(
            "accounts/members.html",
            status_code=status_code,
            organisation=organisation,
            members=await members.members(user, organisation_id),
            invitations=await members.pending_invitations(user, organisation_id) if is_admin else [],
            is_admin=is_admin,
            role_options=_role_options(),
            invite_values=forms.get("invite_values") or {"role": "staff"},
            invite_errors=forms.get("invite_errors") or {},
            role_errors=forms.get("role_errors") or {},
        )

    @get("/members")
    async def index(self, request: User, organisation_id: FromPath[int]) -> Template:
        return await self._page(request.user, organisation_id)

    @post("/invitations")
    async def invite(self, request: User, organisation_id: FromPath[int]) -> Template | Redirect:
        services.require_role(request.user, organisation_id, Role.admin)  # refused before the form is read
        values = await form_data(request)
        role = _role(values.get("role", ""))
        try:
            if role is None:
                raise InvalidInput(_("Choose one of the proposed options."), field="role")
            await members.invite(request.user, organisation_id, values.get("email", ""), role)
        except Refusal as error:
            return await self._page(
                request.user, organisation_id, error.status_code, invite_values=values, invite_errors=errors_of(error)
            )
        flash(request, _("Invitation sent to %(email)s: the link is valid 7 days.", email=values.get("email", "")))
        return Redirect(f"/organisations/{organisation_id}/members")

    @post("/invitations/{invitation_id:int}/resend")
    async def resend(self, request: User, organisation_id: FromPath[int], invitation_id: FromPath[int]) -> Redirect:
        await members.resend(request.user, organisation_id, invitation_id)
        flash(request, _("Invitation sent again with a new link; the previous link no longer works."))
        return Redirect(f"/organisations/{organisation_id}/members")

    @post("/invitations/{invitation_id:int}/revoke")
    async def revoke(self, request: User, organisation_id: FromPath[int], invitation_id: FromPath[int]) -> Redirect:
        await members.revoke(request.user, organisation_id, invitation_id)
        flash(request, _("Invitation withdrawn: its link no longer works."))
        return Redirect(f"/organisations/{organisation_id}/members")

    @post("/members/{membership_id:int}/role")
    async def change_role(
        self, request: User, organisation_id: FromPath[int], membership_id: FromPath[int]
    ) -> Template | Redirect:
        services.require_role(request.user, organisation_id, Role.admin)  # refused before the form is read
        values = await form_data(request)
        role = _role(values.get("role", ""))
        try:
            if role is None:
                raise InvalidInput(_("Choose one of the proposed options."), field="role")
            await members.change_role(request.user, organisation_id, membership_id, role)
        except Refusal as error:
            errors = {membership_id: error.text()}
            return await self._page(request.user, organisation_id, error.status_code, role_errors=errors)
        flash(request, _("Role changed."))
        return Redirect(f"/organisations/{organisation_id}/members")

    @get("/members/{membership_id:int}/deactivate")
    async def confirm_deactivation(
        self, request: User, organisation_id: FromPath[int], membership_id: FromPath[int]
    ) -> Template:
        return await _deactivation_page(request.user, organisation_id, membership_id)

    @post("/members/{membership_id:int}/deactivate")
    async def deactivate(
        self, request: User, organisation_id: FromPath[int], membership_id: FromPath[int]
    ) -> Template | Redirect:
        values = await form_data(request)
        successor = values.get("successor", "")
        try:
            moved = await members.deactivate(
                request.user,
                organisation_id,
                membership_id,
                successor_membership=int(successor) if successor.isdigit() else None,
            )
        except Refusal as error:
            return await _deactivation_page(
                request.user, organisation_id, membership_id, error.status_code, errors_of(error), values
            )
        flash(request, _handed_over_message(moved))
        return Redirect(f"/organisations/{organisation_id}/members")

    @get("/audit")
    async def audit_log(self, request: User, organisation_id: FromPath[int]) -> Template:
        organisation = await services.get_organisation(request.user, organisation_id)
        entries = await audit.entries(request.user, organisation_id)
        return page("accounts/audit.html", organisation=organisation, entries=entries)

    @post("/switch")
    async def switch(self, request: User, organisation_id: FromPath[int]) -> Redirect:
        await services.get_organisation(request.user, organisation_id)
        request.set_session({**request.session, "organisation": organisation_id})
        return Redirect(f"/organisations/{organisation_id}")


def _handed_over_message(moved: dict[str, int]) -> str:
    if not moved:
        return _("The member is deactivated: their access ended at once.")
    return _(
        "The member is deactivated. Handed over: %(events)s events, %(youths)s youths (%(texts)s told by text), "
        "%(links)s referral links.",
        events=moved.get("events", 0),
        youths=moved.get("youths", 0),
        texts=moved.get("texts", 0),
        links=moved.get("referral_links", 0),
    )


async def _deactivation_page(
    user: CurrentUser,
    organisation_id: int,
    membership_id: int,
    status_code: int = 200,
    errors: dict | None = None,
    values: dict | None = None,
) -> Template:
    organisation = await services.get_organisation(user, organisation_id)
    everyone = await members.members(user, organisation_id)
    leaving = next((m for m in everyone if m["id"] == membership_id and m["deactivated_at"] is None), None)
    if leaving is None or not user.at_least(organisation_id, Role.admin):
        raise NotFound()
    colleagues = [(str(m["id"]), m["full_name"]) for m in everyone if m["deactivated_at"] is None and m is not leaving]
    return page(
        "accounts/deactivate.html",
        status_code=status_code,
        organisation=organisation,
        leaving=leaving,
        colleagues=colleagues,
        values=values or {},
        errors=errors or {},
    )


class InvitationPages(Controller):
    """Where the invitation e-mail leads: no login needed, the link is the proof."""

    path = "/invitations"
    include_in_schema = False
    opt = {"public": True}

    @get("/{token:str}")
    async def show(self, token: FromPath[str]) -> Template:
        try:
            invitation = await members.invitation_by_token(token)
        except members.InvitationInvalid as error:
            return page("accounts/invitation_invalid.html", status_code=error.status_code, message=error.text())
        return page("accounts/invitation.html", invitation=invitation, token=token, values={}, errors={})

    @post("/{token:str}")
    async def accept(self, request: Request, token: FromPath[str]) -> Template | Redirect:
        values = await form_data(request)
        try:
            invitation = await members.invitation_by_token(token)
            if not invitation["has_account"] and values.get("password") != values.get("password_confirm"):
                raise InvalidInput(_("The two passwords are different."), field="password_confirm")
            user = await members.accept(
                token, full_name=values.get("full_name", ""), password=values.get("password", "")
            )
        except members.InvitationInvalid as error:
            return page("accounts/invitation_invalid.html", status_code=error.status_code, message=error.text())
        except Refusal as error:
            kept = {k: v for k, v in values.items() if not k.startswith("password")}
            return page(
                "accounts/invitation.html",
                status_code=error.status_code,
                invitation=invitation,
                token=token,
                values=kept,
                errors=errors_of(error),
            )
        if old := request.cookies.get(SESSION_COOKIE):
            await request.app.stores.get("sessions").delete(old)
        rotate_session(request)
        request.set_session(
            {
                "user_id": user.id,
                "fingerprint": session_fingerprint(user.password_hash),
                "organisation": invitation["organisation"],
            }
        )
        flash(request, _("Welcome to %(organisation)s.", organisation=invitation["organisation_name"]))
        return Redirect("/")


ROUTES = [MembersConsole, InvitationPages]
