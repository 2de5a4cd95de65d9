"""Sending one webhook when the outbox's worker asks, and what each attempt teaches about its endpoint.

The worker claims the message, counts the attempt and applies its backoff (messaging.outbox); here the body
is signed (webhooks.signing) and POSTed with httpx: no redirect followed, no proxy from the environment, at
most TIMEOUT seconds, and the connection made to an address checked by webhooks.urls at that moment. A 2xx
answer is delivered; anything else is a failure the outbox retries.

Each attempt is recorded on its `Delivery` (time, HTTP status, the first bytes of the answer or the error)
and on its endpoint: a delivered one resets `failures_in_row`; after DISABLE_AFTER failed attempts in a row,
or failures for DISABLE_AFTER_TIME without a success, the endpoint is disabled and the organisation's admins
get an e-mail (through the outbox). Messages still queued for a disabled endpoint fail at their turn.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import httpcore
import httpx
from cryptography.fernet import InvalidToken

from accounts.tables import Membership, Role
from core.clock import utcnow
from core.db import after_commit, write_transaction
from core.i18n import gettext as _
from core.settings import get_settings
from messaging import outbox
from messaging.email import PermanentFailure, TemporaryFailure
from webhooks import signing, urls
from webhooks.errors import UnsafeUrl
from webhooks.tables import Delivery, Endpoint

log = logging.getLogger("tremplin.webhooks")

TIMEOUT = 10.0  # seconds: a partner that takes longer is retried later
DISABLE_AFTER = 10  # failed attempts in a row
DISABLE_AFTER_TIME = timedelta(hours=24)  # failing without one success for this long
EXCERPT = 300  # characters of an answer or an error kept for the console


class _CheckedNetwork(httpcore.AsyncNetworkBackend):
    """Connects only to addresses webhooks.urls accepts, resolved here, at the moment of connecting."""

    def __init__(self, allow_private: bool) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._allow_private = allow_private

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout=None,  # noqa: ASYNC109 - httpcore's interface
        local_address=None,
        socket_options=None,
    ):
        addresses = await urls.resolve(host, port, allow_private=self._allow_private)
        # TLS still checks the certificate against the URL's host name (httpcore passes it as server_hostname).
        return await self._inner.connect_tcp(
            str(addresses[0]), port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )

    async def connect_unix_socket(self, path: str, timeout=None, socket_options=None):  # noqa: ASYNC109
        raise httpcore.ConnectError("webhooks never use Unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def client(seconds: float, *, allow_private: bool) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(retries=0, trust_env=False)
    # httpx offers no hook for the network backend: its pool is replaced by one that connects through ours.
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(), network_backend=_CheckedNetwork(allow_private)
    )
    return httpx.AsyncClient(transport=transport, timeout=seconds, follow_redirects=False, trust_env=False)


async def _target(message_id: int) -> dict[str, Any]:
    found = (
        await Delivery.select(
            Delivery.id,
            Delivery.webhook_id,
            Delivery.endpoint.id.as_alias("endpoint_id"),
            Delivery.endpoint.url.as_alias("url"),
            Delivery.endpoint.secret.as_alias("secret"),
            Delivery.endpoint.disabled_at.as_alias("disabled_at"),
        )
        .where(Delivery.message == message_id)
        .first()
    )
    if found is None:
        raise PermanentFailure(_("The endpoint of this webhook was deleted."))
    if found["disabled_at"] is not None:
        raise PermanentFailure(_("The endpoint of this webhook is disabled."))
    return found


async def deliver(*, message_id: int, body: str, seconds: float) -> str:
    """POST one queued webhook; returns 'HTTP <status>' when delivered, raises TemporaryFailure otherwise."""
    target = await _target(message_id)
    now = utcnow()
    try:
        secret = signing.unseal(target["secret"])
    except InvalidToken:  # SECRET_KEY changed since the secret was made
        raise PermanentFailure(_("The endpoint's secret cannot be read any more: give it a new secret.")) from None
    headers = signing.headers(secret, target["webhook_id"], int(now.timestamp()), body)
    code, excerpt = None, ""
    try:
        # Cut before the worker's own limit, so that the attempt is always recorded here.
        async with client(min(TIMEOUT, seconds * 0.8), allow_private=get_settings().webhooks_allow_private) as http:
            response = await http.post(target["url"], content=body.encode(), headers=headers)
        code, excerpt = response.status_code, response.text[:EXCERPT]
    except UnsafeUrl as refused:
        excerpt = refused.text()
    except httpx.HTTPError as error:
        excerpt = f"{type(error).__name__}: {error}"
    delivered = code is not None and 200 <= code < 300
    await record_attempt(target, delivered, code, excerpt[:EXCERPT], now)
    if delivered:
        return f"HTTP {code}"
    if code is not None and 300 <= code < 400:
        raise TemporaryFailure(_("HTTP %(code)s: redirects are not followed.", code=code))
    raise TemporaryFailure(f"HTTP {code}: {excerpt}" if code is not None else excerpt)


async def record_attempt(
    target: dict[str, Any], delivered: bool, code: int | None, excerpt: str, now: datetime
) -> None:
    endpoint_id = target["endpoint_id"]
    async with write_transaction():
        await Delivery.update(
            {Delivery.last_attempt_at: now, Delivery.response_code: code, Delivery.response_excerpt: excerpt}
        ).where(Delivery.id == target["id"])
        if delivered:
            await Endpoint.update({Endpoint.failures_in_row: 0, Endpoint.failing_since: None}).where(
                Endpoint.id == endpoint_id
            )
            return
        await Endpoint.update({Endpoint.failures_in_row: Endpoint.failures_in_row + 1}).where(
            Endpoint.id == endpoint_id
        )
        await Endpoint.update({Endpoint.failing_since: now}).where(
            (Endpoint.id == endpoint_id) & Endpoint.failing_since.is_null()
        )
        endpoint = await Endpoint.select().where(Endpoint.id == endpoint_id).first()
        if endpoint is not None and endpoint["disabled_at"] is None and _worn_out(endpoint, now):
            await _disable(endpoint, now)


def _worn_out(endpoint: dict[str, Any], now: datetime) -> bool:
    since = endpoint["failing_since"]
    return endpoint["failures_in_row"] >= DISABLE_AFTER or (since is not None and now - since >= DISABLE_AFTER_TIME)


async def _disable(endpoint: dict[str, Any], now: datetime) -> None:
    reason = _("Disabled after %(count)s failed attempts in a row.", count=endpoint["failures_in_row"])
    await Endpoint.update({Endpoint.disabled_at: now, Endpoint.disabled_reason: reason}).where(
        Endpoint.id == endpoint["id"]
    )
    log.warning("Webhook endpoint %s disabled: %s", endpoint["id"], reason)
    await _tell_admins(endpoint, reason, now)


async def _tell_admins(endpoint: dict[str, Any], reason: str, now: datetime) -> None:
    admins = await Membership.select(Membership.user.email.as_alias("email")).where(
        (Membership.organisation == endpoint["organisation"])
        & (Membership.role == Role.admin)
        & Membership.deactivated_at.is_null()
    )
    page = f"{get_settings().base_url}/organisations/{endpoint['organisation']}/webhooks/{endpoint['id']}"
    subject = _("Webhook disabled: %(url)s", url=endpoint["url"])
    text = _(
        "Tremplin could not deliver its events to %(url)s: %(reason)s\n\n"
        "No more events are sent there. When the partner's system answers again, enable the endpoint on its "
        "page (events of the meantime are not sent again):\n%(page)s",
        url=endpoint["url"],
        reason=reason,
        page=page,
    )
    for admin in admins:
        await outbox.enqueue_email(
            to=admin["email"],
            subject=subject,
            text=text,
            key=f"webhook-disabled:{endpoint['id']}:{int(now.timestamp())}:{admin['email']}"[:200],
            organisation_id=endpoint["organisation"],
        )
    after_commit(outbox.wake)
