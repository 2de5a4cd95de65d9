"""Text messages: how long a text is in SMS terms, and the providers that send them.

`provider_from(settings)` picks one of:

* `console` (development): the text goes to the log, nothing leaves the machine;
* `brevo`: Brevo's transactional SMS API (https://developers.brevo.com/docs/transactional-sms-endpoints);
* `webhook`: a signed JSON POST to a gateway of your own (`SMS_WEBHOOK_URL`).

Every provider raises `TemporaryFailure` when trying again later may work (5xx, timeout, connection
refused, rate limit) and `PermanentFailure` with the provider's reason when it never will (4xx).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import httpx
import phonenumbers

from core.i18n import _
from core.settings import Settings
from messaging.email import PermanentFailure, TemporaryFailure

log = logging.getLogger("tremplin.sms")

SIGNATURE_HEADER = "X-Tremplin-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"

# GSM 03.38 (3GPP TS 23.038) default alphabet, positions 0x00-0x7F; 0x1B is the escape to the extension table.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ"  # 0x00-0x1A
    "ÆæßÉ"  # 0x1C-0x1F
    " !\"#¤%&'()*+,-./0123456789:;<=>?"  # 0x20-0x3F
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"  # 0x40-0x5F
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"  # 0x60-0x7F
)
# The extension table: each of these costs two septets (the escape, then the character).
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
_GSM7 = GSM7_BASIC | GSM7_EXTENSION

GSM7_SINGLE, GSM7_PART = 160, 153  # a concatenated part loses 7 septets to its header
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclass(frozen=True, slots=True)
class SmsLength:
    encoding: str  # "GSM-7" or "UCS-2"
    characters: int  # GSM-7: septets (extension characters count 2); UCS-2: UTF-16 code units
    segments: int  # how many SMS the operator bills


def sms_length(text: str) -> SmsLength:
    """Encoding, length and segment count of `text`, as an operator counts them."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        units = [2 if c in GSM7_EXTENSION else 1 for c in text]
        return SmsLength("GSM-7", sum(units), _segments(units, GSM7_SINGLE, GSM7_PART))
    # UCS-2 (in practice UTF-16): a character outside the Basic Multilingual Plane (an emoji) takes two units.
    units = [2 if ord(c) > 0xFFFF else 1 for c in text]
    return SmsLength("UCS-2", sum(units), _segments(units, UCS2_SINGLE, UCS2_PART))


# Characters French texts often hold that GSM-7 lacks, each with the look-alike it has: one of them alone (an
# event title's "—", a name's "ï", a pasted "’") sends the whole text as UCS-2, 70 characters a part instead of
# 160, so a two-part reminder is billed as four. é, è, à, ù and É are GSM-7 and stay.
GSM7_LOOKALIKES = {
    **str.maketrans(
        "âêîôûëïÿçãõáíóúÂÊÎÔÛËÏÀÈÙÁÍÓÚ",
        "aeioueiycaoaiouAEIOUEIAEUAIOU",
    ),
    **str.maketrans(
        {
            **dict.fromkeys("’‘‛′`", "'"),
            **dict.fromkeys("“”„«»″", '"'),
            **dict.fromkeys("—–‐‑‒−•", "-"),
            **dict.fromkeys("\u00a0\u202f\u2009", " "),
            "…": "...",
            "œ": "oe",
            "Œ": "OE",
            "æ": "ae",
        }
    ),
}


def gsm7_friendly(text: str) -> str:
    """`text` with its look-alikes put in GSM-7 when that makes the whole text GSM-7; else unchanged (an emoji or
    a name in another script is sent as UCS-2 anyway, and UCS-2 carries every accent)."""
    plain = text.translate(GSM7_LOOKALIKES)
    return plain if _GSM7.issuperset(plain) else text


def outside_gsm7(text: str) -> list[str]:
    """The characters of `text` a standard (GSM-7) text message cannot carry, once each, in order."""
    return list(dict.fromkeys(c for c in text if c not in GSM7_BASIC and c not in GSM7_EXTENSION))


def _segments(units: list[int], single: int, part: int) -> int:
    if sum(units) <= single:
        return 1
    # An escaped character or a surrogate pair is never split between two parts.
    segments, used = 1, 0
    for size in units:
        if used + size > part:
            segments, used = segments + 1, 0
        used += size
    return segments


def normalise_phone(number: str, region: str = "FR") -> str:
    """The E.164 form of a mobile number; `PermanentFailure` when no text message can reach it."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException as exc:
        raise PermanentFailure(_("The phone number %(number)s is not valid.", number=number)) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise PermanentFailure(_("The phone number %(number)s is not valid.", number=number))
    kind = phonenumbers.number_type(parsed)
    if kind not in {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}:
        raise PermanentFailure(_("The phone number %(number)s is not a mobile number.", number=number))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def sign(secret: str, body: bytes) -> str:
    """The value of the X-Tremplin-Signature header for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    return bool(secret) and bool(header) and hmac.compare_digest(sign(secret, body), header or "")


def receipt_token(settings: Settings, provider: str) -> str:
    """A secret for the status URL we give a provider that cannot sign its calls (Brevo)."""
    return hmac.new(settings.secret_key.encode(), f"sms-webhook:{provider}".encode(), hashlib.sha256).hexdigest()[:40]


@runtime_checkable
class SmsProvider(Protocol):
    name: str

    async def send(self, *, to: str, text: str, sender: str, reference: str) -> str:
        """Send one text to an E.164 number; return the provider's message id."""


@runtime_checkable
class FindsSent(Protocol):
    """A provider that can tell whether a message with this reference already went out."""

    async def find_sent(self, reference: str) -> str | None: ...


def _reason(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return f"{response.status_code} {response.text[:200]}".strip()
    if isinstance(data, dict):
        detail = data.get("message") or data.get("error") or data.get("detail") or ""
        code = data.get("code") or ""
        return f"{response.status_code} {code}: {detail}".replace(" : ", " ").strip(" :")
    return f"{response.status_code} {str(data)[:200]}"


def _check(response: httpx.Response, provider: str) -> None:
    if response.is_success:
        return
    reason = _reason(response)
    # Rate limits and timeouts are worth a retry, like any server error; other 4xx never get better.
    if response.status_code >= 500 or response.status_code in {408, 425, 429}:
        raise TemporaryFailure(_("%(provider)s is unavailable: %(reason)s", provider=provider, reason=reason))
    raise PermanentFailure(_("%(provider)s refused the text message: %(reason)s", provider=provider, reason=reason))


async def _post(client: httpx.AsyncClient, provider: str, url: str, **kwargs) -> httpx.Response:
    try:
        return await client.post(url, **kwargs)
    except httpx.HTTPError as exc:  # connection refused, timeout, broken connection
        raise TemporaryFailure(
            _("%(provider)s could not be reached: %(reason)s", provider=provider, reason=str(exc) or type(exc).__name__)
        ) from exc


class ConsoleProvider:
    """Development: writes the text to the log."""

    name = "console"

    async def send(self, *, to: str, text: str, sender: str, reference: str) -> str:
        length = sms_length(text)
        log.warning(
            "SMS_PROVIDER=console; text message not sent (%s, %s segment(s)) from %s to %s [%s]:\n%s",
            length.encoding,
            length.segments,
            sender,
            to,
            reference,
            text,
        )
        return f"console-{secrets.token_hex(8)}"


class BrevoProvider:
    """Brevo's transactional SMS API.

    Brevo has no idempotency key for SMS. Duplicates are avoided in two ways: the outbox sends a message
    only while it holds the message's lease (so two workers never send it at the same time), and the
    idempotency key travels as the message's `tag`. Before sending again a message whose earlier attempt
    may have gone out (the worker died mid-send, or the call timed out), the outbox asks `find_sent`,
    which looks the tag up in Brevo's event log, and records the existing message instead of sending twice.
    """

    name = "brevo"

    def __init__(self, settings: Settings, client: httpx.AsyncClient) -> None:
        self.base = settings.sms_api_url.rstrip("/")
        self.client = client
        self.headers = {"api-key": settings.sms_api_key, "accept": "application/json"}
        # Brevo calls this URL for each event of the message (sent, delivered, bounces, replies).
        self.web_url = (
            f"{settings.base_url}/webhooks/sms/brevo/status?token={receipt_token(settings, 'brevo')}"
            if settings.https
            else ""
        )

    async def send(self, *, to: str, text: str, sender: str, reference: str) -> str:
        payload = {
            "sender": sender,
            "recipient": to.lstrip("+"),  # digits with the country code, no +
            "content": text,
            "type": "transactional",
            "tag": reference,
        }
        if self.web_url:
            payload["webUrl"] = self.web_url
        if sms_length(text).encoding == "UCS-2":
            payload["unicodeEnabled"] = True
        # POST /v3/transactionalSMS/sms is deprecated since May 2025 in favour of /send (same body).
        response = await _post(
            self.client, "Brevo", f"{self.base}/v3/transactionalSMS/send", json=payload, headers=self.headers
        )
        _check(response, "Brevo")
        try:
            return str(response.json()["messageId"])
        except (ValueError, KeyError, TypeError) as exc:
            raise TemporaryFailure(
                _("Brevo sent an unexpected answer: %(reason)s", reason=response.text[:200])
            ) from exc

    async def find_sent(self, reference: str) -> str | None:
        try:
            response = await self.client.get(
                f"{self.base}/v3/transactionalSMS/statistics/events",
                params={"tags": json.dumps([reference]), "days": 30, "limit": 10},
                headers=self.headers,
            )
        except httpx.HTTPError as exc:
            raise TemporaryFailure(
                _("%(provider)s could not be reached: %(reason)s", provider="Brevo", reason=str(exc))
            ) from exc
        _check(response, "Brevo")
        events = (response.json() or {}).get("events") or []
        for event in events:
            tag = event.get("tag")
            tags = tag if isinstance(tag, list) else [tag]
            if reference in tags and event.get("messageId") and event.get("event") not in {"rejected", "skip"}:
                return str(event["messageId"])
        return None


class WebhookProvider:
    """A gateway of your own: a JSON POST signed with HMAC-SHA256 of the raw body.

    The gateway gets the idempotency key as `Idempotency-Key` (and as `reference`): a message sent again
    after a crash carries the same key, so the gateway can drop the copy. Before sending again a message
    whose earlier attempt may have gone out (a timeout, a worker that died), the outbox asks `find_sent`:
    `GET SMS_WEBHOOK_URL?reference=<key>`, signed like a send over the reference's bytes; the gateway answers
    200 `{"id": …}` when it accepted that text, 404 when it did not. A gateway that does not answer such
    lookups (404, 405, 501) gets the text again, with the same Idempotency-Key.
    """

    name = "webhook"

    def __init__(self, settings: Settings, client: httpx.AsyncClient) -> None:
        self.url = settings.sms_webhook_url
        self.secret = settings.sms_webhook_secret
        self.client = client

    async def send(self, *, to: str, text: str, sender: str, reference: str) -> str:
        body = json.dumps({"to": to, "text": text, "sender": sender, "reference": reference}).encode()
        headers = {
            "content-type": "application/json",
            SIGNATURE_HEADER: sign(self.secret, body),
            IDEMPOTENCY_HEADER: reference,
        }
        response = await _post(self.client, "SMS gateway", self.url, content=body, headers=headers)
        _check(response, "SMS gateway")
        try:
            return str(response.json()["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise TemporaryFailure(
                _("The SMS gateway sent an unexpected answer: %(reason)s", reason=response.text[:200])
            ) from exc

    async def find_sent(self, reference: str) -> str | None:
        headers = {SIGNATURE_HEADER: sign(self.secret, reference.encode()), IDEMPOTENCY_HEADER: reference}
        try:
            response = await self.client.get(self.url, params={"reference": reference}, headers=headers)
        except httpx.HTTPError as exc:
            raise TemporaryFailure(
                _("%(provider)s could not be reached: %(reason)s", provider="SMS gateway", reason=str(exc))
            ) from exc
        if response.status_code in {404, 405, 501}:
            return None
        _check(response, "SMS gateway")
        try:
            data = response.json()
        except ValueError:
            return None
        found = data.get("id") if isinstance(data, dict) else None
        return str(found) if found else None


def provider_from(settings: Settings, client: httpx.AsyncClient | None = None) -> SmsProvider:
    """The provider SMS_PROVIDER names; `client` is shared by the HTTP providers (the caller closes it)."""
    if settings.sms_provider == "console":
        return ConsoleProvider()
    if client is None:
        raise ValueError("HTTP providers need an httpx.AsyncClient")
    if settings.sms_provider == "brevo":
        return BrevoProvider(settings, client)
    if settings.sms_provider == "webhook":
        return WebhookProvider(settings, client)
    raise ValueError(f"unknown SMS provider {settings.sms_provider!r}")
