"""The JSON API of accounts: the logged-in user and their organisations (in the OpenAPI schema)."""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, get
from litestar.params import FromPath

from accounts import services
from accounts.services import CurrentUser


class OrganisationOut(msgspec.Struct):
    id: int
    name: str
    kind: str
    siae_kind: str
    city: str
    role: str


class MeOut(msgspec.Struct):
    id: int
    email: str
    full_name: str
    organisations: list[OrganisationOut]


def _organisation_out(user: CurrentUser, row: dict) -> OrganisationOut:
    return OrganisationOut(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        siae_kind=row["siae_kind"],
        city=row["city"],
        role=user.roles[row["id"]].value,
    )


class AccountsApi(Controller):
    path = "/api"
    tags = ["accounts"]

    @get("/me", summary="The logged-in user and their organisations")
    async def me(self, request: Request[CurrentUser, dict, object]) -> MeOut:
        user = request.user
        rows = await services.organisations_of(user)
        return MeOut(
            id=user.id,
            email=user.email,
            full_name=user.full_name,
            organisations=[_organisation_out(user, r) for r in rows],
        )

    @get("/organisations", summary="Organisations the user belongs to")
    async def organisations(self, request: Request[CurrentUser, dict, object]) -> list[OrganisationOut]:
        return [_organisation_out(request.user, r) for r in await services.organisations_of(request.user)]

    @get("/organisations/{organisation_id:int}", summary="One organisation")
    async def organisation(
        self, request: Request[CurrentUser, dict, object], organisation_id: FromPath[int]
    ) -> OrganisationOut:
        row = await services.get_organisation(request.user, organisation_id)
        return _organisation_out(request.user, row)


ROUTES = [AccountsApi]
