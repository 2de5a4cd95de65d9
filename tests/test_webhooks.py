"""Partners' systems are told of registrations, check-ins and outcomes by signed webhooks, through the outbox:
signatures a partner can verify, retries with backoff, an endpoint disabled after repeated failures (its admins
told), and addresses that would make the server call its own network refused."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import re
import time
from datetime import timedelta

import pytest

from accounts.tables import Role
from core.clock import utcnow
from core.db import write_transaction
from messaging import outbox
from messaging.tables import Channel, DeliveryStatus, OutboxMessage
from registration import services as registration
from tests.factories.accounts import make_user, principal
from tests.factories.registration import published_event, registered
from tests.factories.webhooks import PartnerServer, organisation_with_endpoint
from tests.support import api, login, post_form
from webhooks import services, urls
from webhooks.errors import UnsafeUrl
from webhooks.sending import DISABLE_AFTER, _CheckedNetwork
from webhooks.tables import Delivery, Endpoint


@pytest.fixture
def partner():
    server = PartnerServer()
    server.start()
    yield server
    server.stop()


def verify_as_a_partner(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Standard Webhooks verification, written from the spec (standardwebhooks.com), not from Tremplin's code."""
    msg_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > 300:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest())
    given = [part.split(",", 1)[1] for part in headers["webhook-signature"].split() if part.startswith("v1,")]
    return any(hmac.compare_digest(expected.decode(), signature) for signature in given)


async def _the_clock_moves_to_the_next_attempt() -> None:
    async with write_transaction():
        await OutboxMessage.update({OutboxMessage.next_attempt_at: utcnow() - timedelta(seconds=1)}).where(
            OutboxMessage.status == DeliveryStatus.queued
        )


async def test_a_partner_receives_a_signed_notice_when_a_youth_registers(settings, partner):
    organisation, _admin, endpoint_id, secret = await organisation_with_endpoint(partner.url)
    event = await published_event(organisation=organisation)

    row = await registered(event, first_name="Inès", last_name="benali", phone="0611223344")
    assert await outbox.deliver_due(settings) >= 1

    [request] = partner.received
    assert request.path == "/tremplin-hook"
    assert verify_as_a_partner(secret, request.headers, request.body)
    assert not verify_as_a_partner("whsec_" + base64.b64encode(b"x" * 32).decode(), request.headers, request.body)
    notice = json.loads(request.body)
    assert notice["type"] == "registration.created"
    assert notice["data"]["registration"] == {
        "id": row["id"],
        "status": "confirmed",
        "created_at": notice["data"]["registration"]["created_at"],
        "cancelled_at": None,
        "session_id": None,
    }
    assert notice["data"]["youth"] == {"id": row["participant"], "first_name": "Inès", "last_name_initial": "B"}
    assert notice["data"]["event"]["id"] == event.id
    assert "0611223344" not in request.body.decode() and "exemple.fr" not in request.body.decode()
    delivery = await Delivery.select(Delivery.response_code, Delivery.message.status).first()
    assert delivery == {"response_code": 204, "message.status": DeliveryStatus.sent}
    assert (await Endpoint.select(Endpoint.failures_in_row).where(Endpoint.id == endpoint_id).first()) == {
        "failures_in_row": 0
    }


async def test_a_cancellation_and_a_check_in_reach_only_the_endpoints_listening(settings, partner):
    organisation, _admin, _endpoint_id, _secret = await organisation_with_endpoint(
        partner.url, ["registration.cancelled"]
    )
    event = await published_event(organisation=organisation)
    row = await registered(event)
    await registration.cancel(row["id"])
    await outbox.deliver_due(settings)

    assert [json.loads(r.body)["type"] for r in partner.received] == ["registration.cancelled"]
    assert json.loads(partner.received[0].body)["data"]["registration"]["status"] == "cancelled"


async def test_a_failing_endpoint_is_retried_with_backoff_then_disabled_and_its_admins_told(settings, partner):
    partner.status = 500
    organisation, _admin, endpoint_id, _secret = await organisation_with_endpoint(partner.url)
    event = await published_event(capacity=None, organisation=organisation)
    await registered(event, 1)

    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        before = utcnow()
        await outbox.deliver_due(settings)
        message = await OutboxMessage.objects().where(OutboxMessage.channel == Channel.webhook).first()
        assert message.attempts == attempt and "HTTP 500" in message.last_error
        if attempt < outbox.MAX_ATTEMPTS:  # waits longer each time: the outbox's backoff
            assert message.status == DeliveryStatus.queued
            wait = message.next_attempt_at - before
            assert (
                outbox.backoff(attempt) - timedelta(seconds=5) <= wait <= outbox.backoff(attempt) + timedelta(seconds=5)
            )
            await _the_clock_moves_to_the_next_attempt()
    assert message.status == DeliveryStatus.failed
    assert len(partner.received) == outbox.MAX_ATTEMPTS
    endpoint = await Endpoint.objects().where(Endpoint.id == endpoint_id).first()
    assert endpoint.failures_in_row == outbox.MAX_ATTEMPTS and endpoint.disabled_at is None

    await registered(event, 2)  # another event: it fails too, until the endpoint gives up
    for _ in range(DISABLE_AFTER - outbox.MAX_ATTEMPTS):
        await _the_clock_moves_to_the_next_attempt()
        await outbox.deliver_due(settings)
    endpoint = await Endpoint.objects().where(Endpoint.id == endpoint_id).first()
    assert endpoint.disabled_at is not None and "10" in endpoint.disabled_reason
    [notice] = await OutboxMessage.objects().where(OutboxMessage.recipient == "admin@diois.test")
    assert partner.url in notice.subject and "/webhooks/" in notice.body_text

    sent = len(partner.received)
    await registered(event, 3)  # nothing more is queued for a disabled endpoint, and nothing more sent
    await _the_clock_moves_to_the_next_attempt()
    await outbox.deliver_due(settings)
    assert len(partner.received) == sent
    assert await Delivery.count() == 2


async def test_an_admin_adds_an_endpoint_sees_its_secret_once_and_sends_a_test_event(client, settings, partner):
    organisation, _admin, _endpoint_id, _secret = await organisation_with_endpoint(partner.url, name="ML Crest")
    await login(client, "admin@diois.test")
    page = await client.get(f"/organisations/{organisation.id}")
    assert f"/organisations/{organisation.id}/webhooks" in page.text

    added = await post_form(
        client,
        f"/organisations/{organisation.id}/webhooks",
        {"url": partner.url + "/2", "events": "checkin.recorded", "description": "Suivi"},
    )
    assert added.status_code == 201, added.text
    secret = re.search(r"whsec_[A-Za-z0-9+/=]+", added.text).group(0)
    endpoint_id = (await Endpoint.select(Endpoint.id).where(Endpoint.description == "Suivi").first())["id"]
    shown_again = await client.get(f"/organisations/{organisation.id}/webhooks/{endpoint_id}")
    assert shown_again.status_code == 200 and secret not in shown_again.text
    assert secret not in (await Endpoint.select(Endpoint.secret).where(Endpoint.id == endpoint_id).first())["secret"]

    tested = await post_form(client, f"/organisations/{organisation.id}/webhooks/{endpoint_id}/test", {})
    assert tested.status_code in (302, 303)
    await outbox.deliver_due(settings)
    [request] = partner.received
    assert json.loads(request.body)["type"] == "webhook.test"
    assert verify_as_a_partner(secret, request.headers, request.body)
    listed = await client.get(f"/organisations/{organisation.id}/webhooks/{endpoint_id}")
    assert "webhook.test" in listed.text and "HTTP 204" in listed.text


async def test_every_mistake_of_the_form_is_shown_at_once(client, partner):
    organisation, _admin, _endpoint_id, _secret = await organisation_with_endpoint(partner.url)
    await login(client, "admin@diois.test")
    refused = await post_form(
        client, f"/organisations/{organisation.id}/webhooks", {"url": "https://moi:secret@partenaire.example/"}
    )
    assert refused.status_code == 400
    assert "nom d&#39;utilisateur ou de mot de passe" in refused.text or "user name or password" in refused.text
    assert 'id="error-events"' in refused.text and 'id="error-url"' in refused.text
    assert "moi:secret@partenaire.example" in refused.text  # what was typed is kept
    assert await Endpoint.count() == 1


async def test_only_the_organisations_admins_manage_its_webhooks(client, partner):
    organisation, _admin, endpoint_id, _secret = await organisation_with_endpoint(partner.url)
    await make_user("orga@diois.test", organisation, Role.organiser)
    await login(client, "orga@diois.test")
    assert (await client.get(f"/organisations/{organisation.id}/webhooks/{endpoint_id}")).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "http://partenaire.example/hook",  # not HTTPS
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.1.10/hook",
        "https://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",  # IPv4 loopback inside IPv6
        "https://[fd00::1]/hook",  # IPv6 unique local
        "https://localhost/hook",  # a name that resolves to loopback
        "https://0.0.0.0/hook",
        "https://moi:secret@example.org/hook",  # credentials in the URL
        "https://example.org:6379/hook",  # an unusual port (Redis')
        "ftp://example.org/hook",
    ],
)
async def test_addresses_that_would_reach_the_servers_own_network_are_refused(settings, url):
    organisation, admin, _endpoint_id, _secret = await organisation_with_endpoint("http://127.0.0.1:9/")
    production_like = dataclasses.replace(settings, webhooks_allow_private=False)
    with pytest.raises(UnsafeUrl):
        await services.add_endpoint(admin, organisation.id, url, ["registration.created"], settings=production_like)
    assert await Endpoint.count() == 1


def test_only_global_addresses_are_public():
    import ipaddress

    public = ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]
    private = ["127.0.0.1", "10.0.0.1", "172.16.0.1", "100.64.0.1", "169.254.169.254", "224.0.0.1", "240.0.0.1"]
    private += ["::1", "fe80::1", "fd12::1", "::ffff:10.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1", "::"]
    assert all(urls.is_public(ipaddress.ip_address(a)) for a in public)
    assert not any(urls.is_public(ipaddress.ip_address(a)) for a in private)


async def test_at_delivery_the_connection_goes_only_to_a_public_address(partner):
    """A name that resolved to a public address when saved may point elsewhere later (DNS rebinding): the
    connection itself checks the address it is about to use."""
    with pytest.raises(UnsafeUrl):
        await _CheckedNetwork(allow_private=False).connect_tcp("localhost", 443)
    stream = await _CheckedNetwork(allow_private=True).connect_tcp("127.0.0.1", int(partner.url.split(":")[2][:5]))
    await stream.aclose()


async def test_a_recorded_outcome_and_a_check_in_are_sent(settings, partner):
    from checkin.corrections import set_status
    from checkin.tables import AttendanceStatus
    from outcomes.services import record_situation
    from tests.factories.outcomes import situation

    organisation, admin, _endpoint_id, _secret = await organisation_with_endpoint(
        partner.url, ["checkin.recorded", "outcome.recorded"]
    )
    event = await published_event(organisation=organisation)
    row = await registered(event)
    session_id = (await __import__("events.tables", fromlist=["Session"]).Session.select().first())["id"]
    organiser = await principal(await make_user("orga@diois.test", organisation, Role.organiser))
    await set_status(organiser, f"session-{session_id}", row["id"], AttendanceStatus.present, "nonce-1")
    await record_situation(admin, row["participant"], situation("cdi"))
    await outbox.deliver_due(settings)

    notices = {json.loads(r.body)["type"]: json.loads(r.body)["data"] for r in partner.received}
    assert notices["checkin.recorded"]["attendance"]["status"] == "present"
    assert notices["outcome.recorded"]["outcome"]["kind"] == "situation"
    assert notices["outcome.recorded"]["outcome"]["type"] == "cdi"


async def test_an_admin_manages_endpoints_through_the_api(client, partner):
    organisation, _admin, endpoint_id, _secret = await organisation_with_endpoint(partner.url)
    await login(client, "admin@diois.test")
    base = f"/api/organisations/{organisation.id}/webhooks"

    refused = await api(client, "POST", base, {"url": "https://127.0.0.1.nip.invalid/x", "events": []})
    assert refused.status_code == 400 and refused.json()["code"] == "webhook_no_event"
    added = await api(client, "POST", base, {"url": partner.url, "events": ["outcome.recorded"]})
    assert added.status_code == 201 and added.json()["secret"].startswith("whsec_")
    listed = (await client.get(base)).json()
    assert [e["id"] for e in listed] == [endpoint_id, added.json()["id"]] and all(e["secret"] is None for e in listed)
    assert (await client.get(f"{base}/{endpoint_id}/deliveries")).json() == []
    assert (await api(client, "DELETE", f"{base}/{endpoint_id}")).status_code == 204
    assert await Endpoint.count() == 1


async def test_a_scan_at_the_door_tells_the_partner(client, settings, partner):
    from checkin import services as checkin
    from tests.factories.checkin import scan_event

    data = await scan_event(youths=1)
    admin = await principal(await make_user("admin@interim.test", data["organisation"], Role.admin))
    await services.add_endpoint(admin, data["organisation"].id, partner.url, ["checkin.recorded"])
    staff = await principal(data["user"])
    registration = data["registrations"][0]
    answer, _list = await checkin.redeem(staff, data["list"], registration.ticket_token, "nonce-door", utcnow())
    assert answer.result == "ok"
    await checkin.redeem(staff, data["list"], registration.ticket_token, "nonce-door", utcnow())  # replayed
    await outbox.deliver_due(settings)

    [request] = partner.received
    notice = json.loads(request.body)
    assert notice["type"] == "checkin.recorded" and notice["data"]["registration"]["id"] == registration.id
    assert notice["data"]["youth"] == {"id": registration.participant, "first_name": "Inès", "last_name_initial": "B"}
