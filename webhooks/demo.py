"""The demo's webhook: one endpoint of the collective, pointing at a documentation address, created disabled
with one test delivery in its list, so the page shows what it looks like and the demo never posts anywhere
(nor resolves a name: the demo loads offline)."""

from __future__ import annotations

from accounts.services import CurrentUser
from core.clock import utcnow
from core.db import write_transaction
from messaging import outbox
from messaging.tables import DeliveryStatus, OutboxMessage
from webhooks import payloads, signing
from webhooks.tables import TEST_EVENT, Delivery, Endpoint, EventType

URL = "https://example.org/tremplin-webhook"  # a documentation domain (RFC 2606): nobody's system


async def partner_endpoint(admin: CurrentUser, organisation_id: int) -> int:
    now = utcnow()
    async with write_transaction():
        endpoint_id = (
            await Endpoint.insert(
                Endpoint(
                    organisation=organisation_id,
                    url=URL,
                    secret=signing.seal(signing.new_secret()),
                    events=" ".join(e.value for e in EventType),
                    description="Démonstration : le logiciel de suivi d'un partenaire",
                    created_by=admin.id,
                    disabled_at=now,
                    disabled_reason="Démonstration : cette adresse n'appartient à personne, rien n'y est envoyé.",
                )
            ).returning(Endpoint.id)
        )[0]["id"]
        data = {"endpoint": {"id": endpoint_id}, "message": "Test event sent from Tremplin's console."}
        message_id = await outbox.enqueue_webhook(
            to=URL,
            body=payloads.body(TEST_EVENT, data, now),
            event_type=TEST_EVENT,
            key=f"webhook:{endpoint_id}:{TEST_EVENT}:demo",
            organisation_id=organisation_id,
        )
        # Already settled, so the worker never takes it: the demo posts nothing.
        await OutboxMessage.update(
            {
                OutboxMessage.status: DeliveryStatus.failed,
                OutboxMessage.attempts: 1,
                OutboxMessage.last_error: "HTTP 404: Not Found",
            }
        ).where(OutboxMessage.id == message_id)
        await Delivery(
            endpoint=endpoint_id,
            message=message_id,
            webhook_id="msg_demo" + str(endpoint_id),
            event_type=TEST_EVENT,
            created_at=now,
            last_attempt_at=now,
            response_code=404,
            response_excerpt="Not Found",
        ).save()
    return endpoint_id
