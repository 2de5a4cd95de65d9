"""Text messages: length in SMS terms, the providers against a local server, quiet hours, receipts and STOP."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
from contextlib import contextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from litestar import Litestar

from core.db import write_transaction
from core.settings import SettingsError, load_settings
from messaging import outbox, webhooks
from messaging import signals as messaging_signals
from messaging.email import PermanentFailure, TemporaryFailure
from messaging.sms import (
    BrevoProvider,
    ConsoleProvider,
    WebhookProvider,
    normalise_phone,
    provider_from,
    receipt_token,
    sign,
    sms_length,
)
from messaging.tables import OutboxMessage
from tests.factories.messaging import sent_sms
from tests.sms_support import API_KEY, SECRET, SmsServer

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def sms_server():
    server = SmsServer()
    server.start()
    yield server
    server.stop()


def brevo_settings(settings, server: SmsServer):
    return dataclasses.replace(
        settings, sms_provider="brevo", sms_api_key=API_KEY, sms_api_url=server.url, base_url="https://tremplin.example"
    )


def webhook_settings(settings, server: SmsServer):
    return dataclasses.replace(
        settings, sms_provider="webhook", sms_webhook_url=f"{server.url}/gateway", sms_webhook_secret=SECRET
    )


# --- length -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, encoding, characters, segments",
    [
        ("", "GSM-7", 0, 1),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("é", "GSM-7", 1, 1),  # in the basic table
        ("àèéùìòÇÉÄÖÑÜäöñü¿¡§£¥", "GSM-7", 21, 1),
        ("ê", "UCS-2", 1, 1),  # not in GSM 03.38: the whole text goes UCS-2
        ("€", "GSM-7", 2, 1),  # extension table: escape + character
        ("[]{}^~|\\", "GSM-7", 16, 1),
        ("€" * 80, "GSM-7", 160, 1),
        ("€" * 81, "GSM-7", 162, 2),
        ("a" * 152 + "€", "GSM-7", 154, 1),
        ("a" * 159 + "€", "GSM-7", 161, 2),  # the escape pair is not split: 152 + (7+2)
        ("ê" * 70, "UCS-2", 70, 1),
        ("ê" * 71, "UCS-2", 71, 2),
        ("ê" * 134, "UCS-2", 134, 2),
        ("ê" * 135, "UCS-2", 135, 3),
        ("Rendez-vous à 9h 🙂", "UCS-2", 19, 1),  # an emoji is two UTF-16 units
    ],
)
def test_sms_length(text, encoding, characters, segments):
    length = sms_length(text)
    assert (length.encoding, length.characters, length.segments) == (encoding, characters, segments)


def test_gsm7_tables_are_exact():
    from messaging.sms import GSM7_BASIC, GSM7_EXTENSION

    assert len(GSM7_BASIC) == 127 and "\x1b" not in GSM7_BASIC  # 128 positions, one of them the escape
    assert set("\f^{}\\[~]|€") == GSM7_EXTENSION and not GSM7_BASIC & GSM7_EXTENSION
    for absent in "`êâîôûçœ’":
        assert sms_length(absent).encoding == "UCS-2", absent


def test_phone_numbers_are_normalised_or_refused():
    assert normalise_phone("06 12 34 56 78") == "+33612345678"
    assert normalise_phone("+33612345678") == "+33612345678"
    with pytest.raises(PermanentFailure, match="n'est pas valide"):
        normalise_phone("06 12")
    with pytest.raises(PermanentFailure, match="pas un numéro de portable"):
        normalise_phone("01 42 68 53 00")


# --- settings ---------------------------------------------------------------------------------------------


def test_sms_settings(tmp_path):
    base = {"TREMPLIN_VAR_DIR": str(tmp_path)}
    defaults = load_settings(base)
    assert defaults.sms_provider == "console" and defaults.sms_sender == "Tremplin"
    assert defaults.sms_api_url == "https://api.brevo.com" and defaults.quiet_hours == "21:00-08:00"
    with pytest.raises(SettingsError, match="SMS_SENDER"):
        load_settings({**base, "SMS_SENDER": "MissionLocale26"})  # 15 characters
    with pytest.raises(SettingsError, match="SMS_SENDER"):
        load_settings({**base, "SMS_SENDER": "ML Drôme"})
    with pytest.raises(SettingsError, match="QUIET_HOURS"):
        load_settings({**base, "QUIET_HOURS": "9pm-8am"})
    with pytest.raises(SettingsError, match="SMS_API_KEY"):
        load_settings({**base, "SMS_PROVIDER": "brevo"})
    with pytest.raises(SettingsError, match="SMS_WEBHOOK_URL"):
        load_settings({**base, "SMS_PROVIDER": "webhook"})
    with pytest.raises(SettingsError, match="SMS_PROVIDER"):
        load_settings({**base, "SMS_PROVIDER": "twilio"})
    assert load_settings({**base, "QUIET_HOURS": "off"}).quiet_window is None


# --- providers --------------------------------------------------------------------------------------------


async def test_brevo_provider_sends_the_documented_request(settings, sms_server):
    async with httpx.AsyncClient() as client:
        provider = provider_from(brevo_settings(settings, sms_server), client)
        assert isinstance(provider, BrevoProvider)
        message_id = await provider.send(to="+33612345678", text="Bonjour", sender="Tremplin", reference="k:1")
    assert message_id == "1511882900176220"
    [arrival] = sms_server.arrivals
    assert arrival.headers["api-key"] == API_KEY
    assert arrival.body["recipient"] == "33612345678" and arrival.body["type"] == "transactional"
    assert (
        arrival.body["tag"] == "k:1" and arrival.body["sender"] == "Tremplin" and arrival.body["content"] == "Bonjour"
    )
    token = receipt_token(brevo_settings(settings, sms_server), "brevo")
    assert arrival.body["webUrl"] == f"https://tremplin.example/webhooks/sms/brevo/status?token={token}"


async def test_brevo_provider_reports_failures_by_kind(settings, sms_server):
    async with httpx.AsyncClient() as client:
        provider = provider_from(brevo_settings(settings, sms_server), client)
        sms_server.script.append(500)
        with pytest.raises(TemporaryFailure):
            await provider.send(to="+33612345678", text="x", sender="Tremplin", reference="k:2")
        sms_server.script.append(429)
        with pytest.raises(TemporaryFailure):
            await provider.send(to="+33612345678", text="x", sender="Tremplin", reference="k:2")
        sms_server.bad_numbers.add("33612345678")
        with pytest.raises(PermanentFailure, match="Invalid recipient"):
            await provider.send(to="+33612345678", text="x", sender="Tremplin", reference="k:2")
        wrong_key = provider_from(dataclasses.replace(brevo_settings(settings, sms_server), sms_api_key="no"), client)
        with pytest.raises(PermanentFailure, match="Key not found"):
            await wrong_key.send(to="+33611111111", text="x", sender="Tremplin", reference="k:3")
        down = provider_from(
            dataclasses.replace(brevo_settings(settings, sms_server), sms_api_url="http://127.0.0.1:1"), client
        )
        with pytest.raises(TemporaryFailure, match="n'a pas pu être joint"):
            await down.send(to="+33611111111", text="x", sender="Tremplin", reference="k:4")
    assert sms_server.arrivals == []


async def test_webhook_provider_signs_its_body(settings, sms_server):
    async with httpx.AsyncClient() as client:
        provider = provider_from(webhook_settings(settings, sms_server), client)
        assert isinstance(provider, WebhookProvider)
        first = await provider.send(to="+33612345678", text="Salut", sender="Tremplin", reference="k:9")
        again = await provider.send(to="+33612345678", text="Salut", sender="Tremplin", reference="k:9")
        forged = provider_from(
            dataclasses.replace(webhook_settings(settings, sms_server), sms_webhook_secret="x" * 32), client
        )
        with pytest.raises(PermanentFailure):
            await forged.send(to="+33612345678", text="Salut", sender="Tremplin", reference="k:10")
    assert first == again  # the gateway recognised the Idempotency-Key
    arrival = sms_server.arrivals[0]
    raw = json.dumps(arrival.body).encode()
    expected = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert arrival.headers["x-tremplin-signature"] == expected
    assert arrival.headers["idempotency-key"] == "k:9"
    assert arrival.body == {"to": "+33612345678", "text": "Salut", "sender": "Tremplin", "reference": "k:9"}
    assert sms_server.refused == [(401, {})]


async def test_console_provider_logs_the_text(caplog):
    provider = provider_from(load_settings({"TREMPLIN_VAR_DIR": "/tmp/tremplin-console-test"}))
    assert isinstance(provider, ConsoleProvider)
    message_id = await provider.send(to="+33612345678", text="Bonjour Inès", sender="Tremplin", reference="k")
    assert message_id.startswith("console-") and "Bonjour Inès" in caplog.text


# --- quiet hours ------------------------------------------------------------------------------------------


async def _enqueued(key: str) -> OutboxMessage:
    return await OutboxMessage.objects().where(OutboxMessage.idempotency_key == key).first()


async def test_an_sms_written_in_quiet_hours_waits_for_the_morning(settings):
    evening = datetime(2026, 3, 10, 22, 30, tzinfo=PARIS)
    async with write_transaction():
        await outbox.enqueue_sms(to="+33612345678", text="Rappel", key="quiet", now=evening.astimezone(UTC))
        await outbox.enqueue_sms(to="+33612345678", text="Annulé", key="urgent", urgent=True, now=evening)
        await outbox.enqueue_email(to="a@b.fr", subject="S", text="t", key="mail")
    quiet, urgent = await _enqueued("quiet"), await _enqueued("urgent")
    assert quiet.next_attempt_at == datetime(2026, 3, 11, 8, 0, tzinfo=PARIS)
    assert urgent.next_attempt_at == evening and urgent.urgent
    mail = await _enqueued("mail")
    assert (datetime.now(UTC) - mail.next_attempt_at).total_seconds() < 60  # e-mail is never held back


def test_quiet_hours_edges(settings):
    def local(*args):
        return datetime(*args, tzinfo=PARIS)

    assert outbox.quiet_until(local(2026, 3, 10, 20, 59), settings) is None
    assert outbox.quiet_until(local(2026, 3, 10, 21, 0), settings) == local(2026, 3, 11, 8, 0)
    assert outbox.quiet_until(local(2026, 3, 11, 3, 0), settings) == local(2026, 3, 11, 8, 0)
    assert outbox.quiet_until(local(2026, 3, 11, 8, 0), settings) is None
    # the night clocks go forward: 08:00 is still 08:00 local time
    assert outbox.quiet_until(local(2026, 3, 28, 23, 0), settings) == local(2026, 3, 29, 8, 0)
    lunch = dataclasses.replace(settings, quiet_hours="12:00-14:00")
    assert outbox.quiet_until(local(2026, 3, 10, 12, 30), lunch) == local(2026, 3, 10, 14, 0)
    assert outbox.quiet_until(local(2026, 3, 10, 22, 0), lunch) is None
    assert outbox.quiet_until(local(2026, 3, 10, 22, 0), dataclasses.replace(settings, quiet_hours="")) is None


async def test_enqueue_is_idempotent_by_key():
    async with write_transaction():
        await outbox.enqueue_sms(to="+33612345678", text="un", key="same", urgent=True)
        await outbox.enqueue_sms(to="+33612345678", text="deux", key="same", urgent=True)
    async with write_transaction():
        await outbox.enqueue_email(to="a@b.fr", subject="S", text="trois", key="same")
    rows = await OutboxMessage.select(OutboxMessage.body_text)
    assert rows == [{"body_text": "un"}]


# --- webhooks ---------------------------------------------------------------------------------------------


@pytest.fixture
async def hooks(settings, sms_server):
    """The webhook routes behind the app's own session, authentication and CSRF middleware."""
    from litestar.datastructures import State
    from litestar.stores.memory import MemoryStore
    from litestar.stores.registry import StoreRegistry

    from accounts.auth import auth_middleware

    configured = webhook_settings(settings, sms_server)
    app = Litestar(
        route_handlers=webhooks.ROUTES,
        middleware=auth_middleware(configured),
        stores=StoreRegistry({"sessions": MemoryStore()}),
        state=State({"settings": configured}),
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client, configured


def _signed(payload) -> dict:
    body = json.dumps(payload).encode()
    return {
        "content": body,
        "headers": {"content-type": "application/json", "x-tremplin-signature": sign(SECRET, body)},
    }


async def test_a_receipt_marks_the_message_delivered(hooks):
    client, _settings = hooks
    await sent_sms("r:1", "gw-1")
    await sent_sms("r:2", "gw-2")
    response = await client.post("/webhooks/sms/webhook/status", **_signed({"id": "gw-1", "status": "delivered"}))
    assert response.status_code == 200 and response.json() == {"updated": 1, "stopped": 0}
    response = await client.post(
        "/webhooks/sms/webhook/status", **_signed({"id": "gw-2", "status": "failed", "reason": "absent subscriber"})
    )
    assert response.json()["updated"] == 1
    one, two = await _enqueued("r:1"), await _enqueued("r:2")
    assert one.status == "delivered" and one.delivered_at is not None
    assert two.status == "failed" and "absent subscriber" in two.last_error


async def test_brevo_receipts_carry_the_url_token(hooks):
    client, configured = hooks
    await sent_sms("r:3", "1511882900176221")
    event = {"id": 26570, "to": "33612345678", "messageId": 1511882900176221, "msg_status": "hard_bounce",
             "reason": "unknown number", "type": "Transactional", "reference": "ab1cde2fgh3i4jklmno"}  # fmt: skip
    refused = await client.post("/webhooks/sms/brevo/status?token=nope", json=event)
    assert refused.status_code == 401 and refused.json()["code"] == "not_authenticated"  # the API's error body
    token = receipt_token(configured, "brevo")
    response = await client.post(f"/webhooks/sms/brevo/status?token={token}", json=event)
    assert response.status_code == 200 and response.json()["updated"] == 1
    message = await _enqueued("r:3")
    assert message.status == "failed" and "hardbounce" in message.last_error and "unknown number" in message.last_error


async def test_a_bad_signature_is_refused(hooks):
    client, _settings = hooks
    await sent_sms("r:4", "gw-4")
    body = json.dumps({"id": "gw-4", "status": "delivered"}).encode()
    for headers in ({}, {"x-tremplin-signature": "sha256=" + "0" * 64}, {"x-tremplin-signature": sign("x" * 32, body)}):
        response = await client.post(
            "/webhooks/sms/webhook/status", content=body, headers={"content-type": "application/json", **headers}
        )
        assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert (await _enqueued("r:4")).status == "sent"
    assert (await client.post("/webhooks/sms/console/status", json={})).status_code == 404


@contextmanager
def _stops_go_to(on_stop):
    """Listen to STOP replies during a test, as registration does in the app."""

    async def receive(_sender, *, phone: str) -> None:
        await on_stop(phone)

    with messaging_signals.stop_received.connected_to(receive):
        yield


@pytest.mark.parametrize("text", ["STOP", "stop", "Stop.", "STOP SMS", " stop sms ! "])
async def test_inbound_stop_calls_the_handler(hooks, text):
    client, _settings = hooks
    stopped: list[str] = []

    async def on_stop(phone: str) -> None:
        stopped.append(phone)

    with _stops_go_to(on_stop):
        response = await client.post("/webhooks/sms/webhook/inbound", **_signed({"from": "+33612345678", "text": text}))
        other = await client.post("/webhooks/sms/webhook/inbound", **_signed({"from": "+33612345679", "text": "merci"}))
    assert response.status_code == 200 and response.json() == {"stopped": 1}
    assert other.json() == {"stopped": 0}
    assert stopped == ["+33612345678"]


async def test_brevo_reply_on_the_status_url_calls_the_handler(hooks):
    client, configured = hooks
    stopped: list[str] = []

    async def on_stop(phone: str) -> None:
        stopped.append(phone)

    with _stops_go_to(on_stop):
        event = {"to": "33612345678", "messageId": 5, "msg_status": "replied", "reply": "Stop"}
        token = receipt_token(configured, "brevo")
        response = await client.post(f"/webhooks/sms/brevo/status?token={token}", json=event)
    assert response.json() == {"updated": 0, "stopped": 1} and stopped == ["+33612345678"]


async def test_webhook_routes_work_in_a_bare_app(settings, sms_server, monkeypatch):
    """The routes need nothing from the app but its settings (or get_settings())."""
    import messaging.webhooks as module

    monkeypatch.setattr(module, "get_settings", lambda: webhook_settings(settings, sms_server))
    bare = Litestar(route_handlers=webhooks.ROUTES)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=bare), base_url="http://t") as client:
        await sent_sms("r:5", "gw-5")
        response = await client.post("/webhooks/sms/webhook/status", **_signed({"id": "gw-5", "status": "delivered"}))
    assert response.status_code == 200 and (await _enqueued("r:5")).status == "delivered"
