"""Both registration paths tell a youth the same way: the busiest one (one SQL statement on PostgreSQL)
and the general one queue identical messages, by the one rule of messaging.addressing."""

from accounts.tables import Organisation
from messaging.tables import OutboxMessage
from registration import services
from registration.inputs import RegistrationInput
from tests.factories.registration import personal_token, published_event

COMPARED = (
    OutboxMessage.channel,
    OutboxMessage.recipient,
    OutboxMessage.subject,
    OutboxMessage.body_text,
    OutboxMessage.body_html,
    OutboxMessage.idempotency_key,
    OutboxMessage.status,
    OutboxMessage.attempts,
    OutboxMessage.urgent,
    OutboxMessage.category,
    OutboxMessage.attachment_method,
    OutboxMessage.last_error,
)


async def _messages_of(registration_id: int) -> list[dict]:
    link = await personal_token(registration_id)
    rows = (
        await OutboxMessage.select(*COMPARED, OutboxMessage.attachment)
        .where(OutboxMessage.idempotency_key.like(f"%:{registration_id}::%"))
        .order_by(OutboxMessage.channel)
    )
    for row in rows:  # what differs by construction: the registration's id and personal link
        for column in ("idempotency_key", "body_text", "body_html"):
            row[column] = row[column].replace(f":{registration_id}:", ":ID:").replace(link, "LINK")
        row["attachment"] = "BEGIN:VCALENDAR" in row["attachment"]
    return rows


async def test_both_registration_paths_queue_the_same_messages_for_the_same_youth():
    busiest = await published_event(capacity=10, waiting_list=True)  # one statement on PostgreSQL
    organisation = await Organisation.objects().get(Organisation.id == busiest.organisation)
    # No waiting list: places are counted first, on the general path on every engine.
    general = await published_event(capacity=10, waiting_list=False, organisation=organisation)
    data = RegistrationInput(
        first_name="Inès", last_name="Benali", phone="+33612345678", email="ines@example.org", postcode="26000"
    )

    first = await services.register(None, data, public_token=busiest.public_token)
    second = await services.register(None, data, public_token=general.public_token)

    assert first.status == second.status == "confirmed"
    first_messages, second_messages = (
        await _messages_of(first.registration_id),
        await _messages_of(second.registration_id),
    )
    assert [(m["channel"], m["attachment"]) for m in first_messages] == [("email", True), ("sms", False)]
    assert first_messages == second_messages
