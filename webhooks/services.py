"""An organisation's endpoints (admins add, rotate, disable, enable, delete, test) and the events queued to them.

Events come from the signals of registration, checkin and outcomes (webhooks/receivers.py); each becomes one
outbox message per endpoint listening to it (channel `webhook`), with a `Delivery` row naming the endpoint.
The outbox's worker sends it, retries it with its backoff, and counts its attempts (webhooks/sending.py).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from accounts import audit
from accounts.services import CurrentUser, require_role
from accounts.tables import Role
from core.cache import MISSING, TtlCache
from core.clock import utcnow
from core.db import after_commit, write_transaction
from core.errors import InvalidInput
from core.i18n import gettext as _
from core.settings import Settings, get_settings
from messaging import outbox
from webhooks import payloads, signing, urls
from webhooks.errors import EndpointDisabled, EndpointNotFound, NoEventChosen
from webhooks.tables import TEST_EVENT, Delivery, Endpoint, EventType


def _events_of(stored: str) -> list[str]:
    return [name for name in stored.split() if name in EventType.__members__.values()]


async def endpoints(user: CurrentUser, organisation_id: int) -> list[dict[str, Any]]:
    require_role(user, organisation_id, Role.admin)
    rows = (
        await Endpoint.select(*Endpoint.all_columns(exclude=[Endpoint.secret]))
        .where(Endpoint.organisation == organisation_id)
        .order_by(Endpoint.id)
    )
    for row in rows:
        row["events"] = _events_of(row["events"])
    return rows


async def endpoint(user: CurrentUser, organisation_id: int, endpoint_id: int) -> dict[str, Any]:
    """One endpoint of the organisation (its admins only; 404 for anyone else, as if it did not exist)."""
    require_role(user, organisation_id, Role.admin)
    row = (
        await Endpoint.select(*Endpoint.all_columns(exclude=[Endpoint.secret]))
        .where((Endpoint.id == endpoint_id) & (Endpoint.organisation == organisation_id))
        .first()
    )
    if row is None:
        raise EndpointNotFound()
    row["events"] = _events_of(row["events"])
    return row


def endpoint_errors(url: str, events: list[str], *, settings: Settings | None = None) -> list[InvalidInput]:
    """Every mistake of the endpoint's form at once, without the network (the address is resolved after)."""
    found: list[InvalidInput] = []
    try:
        urls.parse(url, allow_private=(settings or get_settings()).webhooks_allow_private)
    except InvalidInput as error:
        found.append(error)
    try:
        _chosen(events)
    except InvalidInput as error:
        found.append(error)
    return found


def _chosen(events: list[str]) -> str:
    chosen = [e.value for e in EventType if e.value in events]
    if not chosen:
        raise NoEventChosen(field="events")
    return " ".join(chosen)


async def add_endpoint(
    user: CurrentUser,
    organisation_id: int,
    url: str,
    events: list[str],
    description: str = "",
    *,
    settings: Settings | None = None,
) -> tuple[int, str]:
    """Register an endpoint; returns its id and its secret, which is shown this once."""
    require_role(user, organisation_id, Role.admin)
    allow_private = (settings or get_settings()).webhooks_allow_private
    found = endpoint_errors(url, events, settings=settings)  # the form's mistakes first, without the network
    if found:
        raise found[0]
    chosen = _chosen(events)
    await urls.check(url, allow_private=allow_private)
    secret = signing.new_secret()
    async with write_transaction():
        row = await Endpoint.insert(
            Endpoint(
                organisation=organisation_id,
                url=url.strip(),
                secret=signing.seal(secret),
                events=chosen,
                description=description.strip()[:200],
                created_by=user.id or None,
            )
        ).returning(Endpoint.id)
        after_commit(_forget_listening)
        summary = _("Webhook endpoint added: %(url)s", url=url.strip())
        await audit.record(user, organisation_id, "webhook_added", summary, events=chosen)
    return row[0]["id"], secret


async def rotate_secret(user: CurrentUser, organisation_id: int, endpoint_id: int) -> str:
    """A new secret, shown once; the old one stops signing at once (messages not yet sent use the new one)."""
    found = await endpoint(user, organisation_id, endpoint_id)
    secret = signing.new_secret()
    async with write_transaction():
        await Endpoint.update({Endpoint.secret: signing.seal(secret)}).where(Endpoint.id == endpoint_id)
        summary = _("Webhook secret rotated: %(url)s", url=found["url"])
        await audit.record(user, organisation_id, "webhook_secret_rotated", summary)
    return secret


async def set_events(user: CurrentUser, organisation_id: int, endpoint_id: int, events: list[str]) -> None:
    await endpoint(user, organisation_id, endpoint_id)
    chosen = _chosen(events)
    async with write_transaction():
        await Endpoint.update({Endpoint.events: chosen}).where(Endpoint.id == endpoint_id)
        after_commit(_forget_listening)


async def disable(user: CurrentUser, organisation_id: int, endpoint_id: int) -> None:
    found = await endpoint(user, organisation_id, endpoint_id)
    async with write_transaction():
        await Endpoint.update(
            {Endpoint.disabled_at: utcnow(), Endpoint.disabled_reason: _("Disabled by %(name)s.", name=user.full_name)}
        ).where((Endpoint.id == endpoint_id) & Endpoint.disabled_at.is_null())
        await audit.record(user, organisation_id, "webhook_disabled", _("Webhook disabled: %(url)s", url=found["url"]))


async def enable(
    user: CurrentUser, organisation_id: int, endpoint_id: int, *, settings: Settings | None = None
) -> None:
    """Enable again, its count of failures back to zero; the address is checked again first."""
    found = await endpoint(user, organisation_id, endpoint_id)
    await urls.check(found["url"], allow_private=(settings or get_settings()).webhooks_allow_private)
    async with write_transaction():
        await Endpoint.update(
            {
                Endpoint.disabled_at: None,
                Endpoint.disabled_reason: "",
                Endpoint.failures_in_row: 0,
                Endpoint.failing_since: None,
            }
        ).where(Endpoint.id == endpoint_id)
        after_commit(_forget_listening)
        await audit.record(user, organisation_id, "webhook_enabled", _("Webhook enabled: %(url)s", url=found["url"]))


async def delete(user: CurrentUser, organisation_id: int, endpoint_id: int) -> None:
    """Delete the endpoint and its deliveries' list; messages still queued for it fail at their turn."""
    found = await endpoint(user, organisation_id, endpoint_id)
    async with write_transaction():
        await Delivery.delete().where(Delivery.endpoint == endpoint_id)
        await Endpoint.delete().where(Endpoint.id == endpoint_id)
        await audit.record(user, organisation_id, "webhook_deleted", _("Webhook deleted: %(url)s", url=found["url"]))


async def send_test(user: CurrentUser, organisation_id: int, endpoint_id: int, *, now: datetime | None = None) -> None:
    found = await endpoint(user, organisation_id, endpoint_id)
    if found["disabled_at"] is not None:
        raise EndpointDisabled()
    now = now or utcnow()
    data = {"endpoint": {"id": endpoint_id}, "message": "Test event sent from Tremplin's console."}
    async with write_transaction():
        await _queue_one(found, organisation_id, TEST_EVENT, secrets.token_urlsafe(8), data, now)
        after_commit(outbox.wake)


async def deliveries(user: CurrentUser, organisation_id: int, endpoint_id: int, limit: int = 50) -> list[dict]:
    """The endpoint's latest deliveries, newest first: status, attempts, last error, answer, times."""
    await endpoint(user, organisation_id, endpoint_id)
    return (
        await Delivery.select(
            Delivery.id,
            Delivery.webhook_id,
            Delivery.event_type,
            Delivery.created_at,
            Delivery.last_attempt_at,
            Delivery.response_code,
            Delivery.response_excerpt,
            Delivery.message.status.as_alias("status"),
            Delivery.message.attempts.as_alias("attempts"),
            Delivery.message.last_error.as_alias("last_error"),
            Delivery.message.next_attempt_at.as_alias("next_attempt_at"),
            Delivery.message.sent_at.as_alias("sent_at"),
        )
        .where(Delivery.endpoint == endpoint_id)
        .order_by(Delivery.id, ascending=False)
        .limit(limit)
    )


# --- events queued by the receivers ------------------------------------------------------------------------


async def listening(organisation_id: int, event_type: str) -> list[dict[str, Any]]:
    """The organisation's enabled endpoints that listen to `event_type` (one indexed read; often none)."""
    rows = await Endpoint.select(Endpoint.id, Endpoint.url, Endpoint.events).where(
        (Endpoint.organisation == organisation_id) & Endpoint.disabled_at.is_null()
    )
    return [row for row in rows if event_type in row["events"].split()]


# Whether any endpoint listens to an event type, kept a few seconds: a check-in scan (the busiest write) then
# reads nothing for webhooks in the usual case. Stale for LISTENING_S at most in the other processes: an
# endpoint just added there misses the check-ins and outcomes of those seconds. Keyed by event type (not ids).
LISTENING_S = 5
_listening: TtlCache[str, bool] = TtlCache(LISTENING_S, 16)


async def anyone_listening(event_type: str) -> bool:
    """Whether any enabled endpoint listens to `event_type` (one read of a small table, then cached)."""
    found = _listening.get(event_type, MISSING)
    if found is MISSING:
        where = Endpoint.disabled_at.is_null() & Endpoint.events.like(f"%{event_type}%")
        found = _listening.set(event_type, await Endpoint.exists().where(where))
    return found


def _forget_listening() -> None:
    for event_type in EventType:
        _listening.pop(event_type.value)


async def queue(
    organisation_id: int, event_type: str, occasion: str, data: dict[str, Any], *, now: datetime | None = None
) -> int:
    """Queue the event to each endpoint listening to it, in the caller's transaction when there is one (the
    change's); `occasion` tells two events of the same kind about the same thing apart. How many were queued."""
    chosen = await listening(organisation_id, event_type)
    if not chosen:
        return 0
    now = now or utcnow()
    async with write_transaction():
        for found in chosen:
            await _queue_one(found, organisation_id, event_type, occasion, data, now)
        after_commit(outbox.wake)
    return len(chosen)


async def _queue_one(
    found: dict[str, Any], organisation_id: int, event_type: str, occasion: str, data: dict[str, Any], now: datetime
) -> None:
    message_id = await outbox.enqueue_webhook(
        to=found["url"],
        body=payloads.body(event_type, data, now),
        event_type=event_type,
        key=f"webhook:{found['id']}:{event_type}:{occasion}"[:200],
        organisation_id=organisation_id,
    )
    if message_id is None:  # the same change, replayed: already queued
        return
    await Delivery(
        endpoint=found["id"],
        message=message_id,
        webhook_id="msg_" + secrets.token_urlsafe(18),
        event_type=event_type,
        created_at=now,
    ).save()
