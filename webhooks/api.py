"""The JSON API of webhooks (admins of the organisation, like the console page): list, add (the secret in the
answer, once), delete, and an endpoint's deliveries. The rules: webhooks.services."""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from accounts.services import CurrentUser
from core.forms import Input
from webhooks import services

User = Request[CurrentUser, dict, object]


class EndpointIn(Input):
    url: str
    events: list[str]
    description: str = ""


class EndpointOut(msgspec.Struct):
    id: int
    url: str
    events: list[str]
    description: str
    created_at: datetime
    disabled_at: datetime | None
    disabled_reason: str
    failures_in_row: int
    secret: str | None = None  # only in the answer that creates it


class DeliveryOut(msgspec.Struct):
    id: int
    webhook_id: str
    event_type: str
    status: str
    attempts: int
    created_at: datetime
    last_attempt_at: datetime | None
    response_code: int | None
    last_error: str


def _out(row: dict, secret: str | None = None) -> EndpointOut:
    fields = {name: row[name] for name in EndpointOut.__struct_fields__ if name != "secret"}
    return EndpointOut(**fields, secret=secret)


class WebhooksApi(Controller):
    path = "/api/organisations/{organisation_id:int}/webhooks"
    tags = ["webhooks"]

    @get("/", summary="The organisation's webhook endpoints (admins)")
    async def index(self, request: User, organisation_id: FromPath[int]) -> list[EndpointOut]:
        return [_out(row) for row in await services.endpoints(request.user, organisation_id)]

    @post("/", summary="Add an endpoint; its signing secret is in this answer only", status_code=HTTP_201_CREATED)
    async def add(self, request: User, organisation_id: FromPath[int], data: JSONBody[EndpointIn]) -> EndpointOut:
        endpoint_id, secret = await services.add_endpoint(
            request.user, organisation_id, data.url, data.events, data.description
        )
        return _out(await services.endpoint(request.user, organisation_id, endpoint_id), secret)

    @delete("/{endpoint_id:int}", summary="Delete an endpoint", status_code=HTTP_204_NO_CONTENT)
    async def remove(self, request: User, organisation_id: FromPath[int], endpoint_id: FromPath[int]) -> None:
        await services.delete(request.user, organisation_id, endpoint_id)

    @get("/{endpoint_id:int}/deliveries", summary="An endpoint's latest deliveries, newest first")
    async def deliveries(
        self, request: User, organisation_id: FromPath[int], endpoint_id: FromPath[int]
    ) -> list[DeliveryOut]:
        rows = await services.deliveries(request.user, organisation_id, endpoint_id)
        return [
            DeliveryOut(
                **{name: row[name] for name in DeliveryOut.__struct_fields__ if name != "last_error"},
                last_error=row["last_error"] or row["response_excerpt"],
            )
            for row in rows
        ]


ROUTES = [WebhooksApi]
