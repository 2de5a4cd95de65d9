"""The "My account" page (/account): the person's own settings."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from accounts import account
from accounts.services import CurrentUser
from core.errors import Refusal
from core.i18n import gettext as _
from core.web import errors_of, flash, form_data, page

User = Request[CurrentUser, Any, Any]


async def _page(user: CurrentUser, errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
    return page(
        "accounts/account.html",
        status_code=status_code,
        me=await account.account_of(user),
        digest_options=[(choice.value, _(text)) for choice, text in account.DIGEST_LABELS.items()],
        errors=errors or {},
    )


class AccountConsole(Controller):
    path = "/account"
    include_in_schema = False

    @get("/")
    async def show(self, request: User) -> Template:
        return await _page(request.user)

    @post("/")
    async def save(self, request: User) -> Template | Redirect:
        form = await form_data(request)
        try:
            await account.set_digest(request.user, form.get("digest", ""))
        except Refusal as refusal:
            return await _page(request.user, errors_of(refusal), refusal.status_code)
        flash(request, _("Your choice is saved."))
        return Redirect("/account")


ROUTES = [AccountConsole]
