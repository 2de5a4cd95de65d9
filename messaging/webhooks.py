"""What SMS providers tell us: delivery receipts, and replies (a youth answering STOP).

    POST /webhooks/sms/{provider}/status    receipts; for Brevo also replies (Brevo posts every event there)
    POST /webhooks/sms/{provider}/inbound   replies

`provider` is `brevo` or `webhook` (the generic gateway). Who may call:

* the generic gateway signs the raw body: `X-Tremplin-Signature: sha256=<hex HMAC-SHA256>` with
  SMS_WEBHOOK_SECRET, the same scheme as what we send it;
* Brevo cannot sign: it calls the status URL we gave it with each message (`webUrl`), which carries a
  secret `token` derived from SECRET_KEY (see `sms.receipt_token`); for webhooks set up in Brevo's
  account the same token goes in an `Authorization: Bearer` header.

These routes are public (no session) and outside CSRF protection (they carry no cookie, and are
authenticated by the signature or token instead): the controller sets `opt={"public": True,
"exclude_from_csrf": True}`.

A STOP reply is announced (messaging.signals.stop_received): registration records the opt-out.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import unicodedata
from typing import Any

import phonenumbers
from litestar import Controller, Request, Response, post
from litestar.params import FromPath

from core import signals
from core.clock import utcnow
from core.db import write_transaction
from core.i18n import _, language
from core.settings import Settings, get_settings
from messaging import signals as messaging_signals
from messaging.sms import SIGNATURE_HEADER, receipt_token, signature_ok
from messaging.tables import Channel, DeliveryStatus, OutboxMessage

log = logging.getLogger("tremplin.sms")


# Brevo's msg_status / event names, and the generic gateway's statuses, folded to lower case without _ or -.
DELIVERED = {"delivered"}
ACCEPTED = {"sent", "accepted", "request", "queued", "submitted"}
FAILED = {"softbounce", "hardbounce", "failed", "rejected", "blocked", "error", "skip", "undelivered", "expired"}
REPLIED = {"replied", "reply", "inbound"}
UNSUBSCRIBED = {"unsubscribe", "unsubscribed"}
_STOP = re.compile(r"(stop|arret)(\s*(sms|svp|merci))?")


def is_stop(text: str) -> bool:
    """STOP, stop, "STOP SMS", "Stop.", "arrêt"… but not a sentence that merely contains the word."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    folded = re.sub(r"[^\w\s]", " ", folded).strip()
    return bool(_STOP.fullmatch(re.sub(r"\s+", " ", folded)))


def _fold(value: Any) -> str:
    return re.sub(r"[_\-\s]", "", str(value or "")).lower()


def _e164(raw: Any) -> str | None:
    text = str(raw or "").strip()
    if not text:
        return None
    if text.isdigit() and not text.startswith("0"):
        text = "+" + text  # Brevo writes numbers as digits with the country code
    try:
        parsed = phonenumbers.parse(text, "FR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _settings(request: Request) -> Settings:
    return request.app.state.get("settings") or get_settings()


_CODES = {400: "bad_request", 401: "not_authenticated", 404: "not_found"}


def _refused(message: str, status_code: int = 401) -> Response:
    """The API's error body (core.api.ErrorOut)."""
    return Response({"code": _CODES[status_code], "detail": message}, status_code=status_code)


async def _authenticated_events(request: Request, provider: str) -> list[dict] | Response:
    """The events of the request, once its caller is known; else the error response."""
    settings = _settings(request)
    body = await request.body()
    if provider == "webhook":
        if not signature_ok(settings.sms_webhook_secret, body, request.headers.get(SIGNATURE_HEADER)):
            return _refused(_("Bad signature."))
    elif provider == "brevo":
        expected = receipt_token(settings, "brevo")
        given = request.query_params.get("token") or ""
        authorization = request.headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            given = given or authorization[7:].strip()
        if not hmac.compare_digest(given, expected):
            return _refused(_("Bad signature."))
    else:
        return _refused(_("Unknown SMS provider."), 404)
    try:
        data = json.loads(body or b"null")
    except ValueError:
        return _refused(_("The body is not JSON."), 400)
    events = data if isinstance(data, list) else [data]  # Brevo's batched webhooks post a list
    if not all(isinstance(e, dict) for e in events):
        return _refused(_("The body is not JSON."), 400)
    return events


async def _apply_receipt(settings: Settings, provider: str, event: dict) -> int:
    """Record one delivery receipt; returns how many messages changed."""
    if provider == "brevo":
        message_id, kind = event.get("messageId"), _fold(event.get("msg_status") or event.get("event"))
        tag = event.get("tag") or event.get("tags") or []
        tags = [str(t) for t in (tag if isinstance(tag, list) else [tag]) if t]
    else:
        message_id, kind, tags = event.get("id"), _fold(event.get("status")), []
    if message_id in (None, "") and not tags:
        return 0
    found = OutboxMessage.provider_message_id == str(message_id) if message_id not in (None, "") else None
    for tag in tags:  # the idempotency key: finds a message whose worker died before storing the id
        by_tag = OutboxMessage.idempotency_key == tag
        found = by_tag if found is None else (found | by_tag)
    which = (OutboxMessage.channel == Channel.sms) & found
    async with write_transaction():
        if kind in DELIVERED:
            rows = (
                await OutboxMessage.update(
                    {OutboxMessage.status: DeliveryStatus.delivered, OutboxMessage.delivered_at: utcnow()}
                )
                .where(which & (OutboxMessage.status != DeliveryStatus.delivered))
                .returning(OutboxMessage.id)
            )
        elif kind in FAILED:
            detail = str(event.get("reason") or event.get("description") or event.get("error") or "").strip()
            with language(settings.language):
                reason = _("The operator did not deliver the text message (%(event)s).", event=kind)
                if detail:
                    reason = f"{reason} {detail}"
            rows = (
                await OutboxMessage.update(
                    {OutboxMessage.status: DeliveryStatus.failed, OutboxMessage.last_error: reason[:2000]}
                )
                .where(which & OutboxMessage.status.is_in([DeliveryStatus.sending, DeliveryStatus.sent]))
                .returning(OutboxMessage.id)
            )
        else:  # sent, accepted…: nothing we do not know already
            rows = []
    return len(rows)


async def _apply_reply(provider: str, event: dict) -> bool:
    """Announce a STOP reply (messaging.signals.stop_received); True when it was one."""
    text = event.get("text") or event.get("reply") or event.get("content") or event.get("message") or ""
    kind = _fold(event.get("msg_status") or event.get("event") or "")
    if not (is_stop(str(text)) or kind in UNSUBSCRIBED):
        return False
    phone = _e164(event.get("from") or event.get("phoneNumber") or event.get("to") or event.get("number"))
    if phone is None:
        log.warning("STOP from %s ignored: no usable phone number", provider)
        return False
    await signals.send(messaging_signals.stop_received, phone=phone)
    return True


class SmsWebhooks(Controller):
    path = "/webhooks/sms"
    opt = {"public": True, "exclude_from_csrf": True, "errors": (401,)}  # errors: a bad signature (core.api)
    include_in_schema = True
    tags = ["webhooks"]

    @post("/{provider:str}/status", status_code=200, summary="Delivery receipts of text messages")
    async def status(self, request: Request, provider: FromPath[str]) -> Response:
        events = await _authenticated_events(request, provider)
        if isinstance(events, Response):
            return events
        settings = _settings(request)
        updated = stopped = 0
        for event in events:
            kind = _fold(event.get("msg_status") or event.get("event") or event.get("status"))
            if kind in REPLIED or kind in UNSUBSCRIBED:
                stopped += await _apply_reply(provider, event)
            else:
                updated += await _apply_receipt(settings, provider, event)
        return Response({"updated": updated, "stopped": stopped})

    @post("/{provider:str}/inbound", status_code=200, summary="Replies to text messages (STOP)")
    async def inbound(self, request: Request, provider: FromPath[str]) -> Response:
        events = await _authenticated_events(request, provider)
        if isinstance(events, Response):
            return events
        stopped = 0
        for event in events:
            stopped += await _apply_reply(provider, event)
        return Response({"stopped": stopped})


ROUTES = [SmsWebhooks]
