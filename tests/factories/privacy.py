"""Youths with a past worth exporting or erasing: registrations, answers, check-ins, results, situations,
follow-ups, consents and messages, in one organisation with its admin."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from accounts.services import CurrentUser
from accounts.tables import Organisation, Role
from checkin.tables import CheckIn
from core.clock import utcnow
from core.db import write_transaction
from events.tables import Event, EventStatus, Session
from messaging import outbox
from outcomes.tables import FollowUp, Result, Situation
from registration.tables import Consent, Participant, Question
from tests.factories.accounts import make_organisation, make_user, principal
from tests.factories.events import make_event, make_session
from tests.factories.registration import make_registration, make_youth


@dataclass
class Place:
    organisation: Organisation
    admin: CurrentUser
    event: Event  # an information session forty days ago
    session: Session
    question: Question


async def organisation_with_a_past(name: str = "Mission Locale Drôme", admin: str = "admin@ml.test") -> Place:
    organisation = await make_organisation(name)
    user = await principal(await make_user(admin, organisation, Role.admin))
    day = utcnow().date() - timedelta(days=40)
    event = await make_event(organisation, title="Info-coll de l'ETTI", status=EventStatus.done, starts_on=day)
    start = datetime.combine(day, time(9), tzinfo=UTC)
    session = await make_session(event, start, start + timedelta(hours=3))
    question = Question(event=event.id, label="Votre projet ?")
    await question.save()
    return Place(organisation, user, event, session, question)


async def youth_with_a_past(
    place: Place, first_name: str, phone: str, *, employer: str = "Garage Martin"
) -> Participant:
    """A youth who came to the past session (entry and exit), answered its question, left a CV, is now in a CDD
    at `employer`, gave a photo consent, and was texted and e-mailed."""
    youth = await make_youth(
        place.organisation,
        first_name,
        "Benali",
        phone,
        email=f"{first_name.lower()}@exemple.fr",
        birth_date=date(2006, 3, 14),
        postcode="26000",
        commune="Valence",
        qpv=True,
    )
    registration = await make_registration(
        place.event.id,
        youth,
        ticket_token=secrets.token_urlsafe(16),
        answers={str(place.question.id): f"Mécanique, dit {first_name}"},
    )
    start = place.session.starts_at
    await CheckIn(
        registration=registration.id,
        session=place.session.id,
        scanned_at=start,
        exited_at=start + timedelta(hours=2),
        nonce=secrets.token_hex(8),
        notes=f"{first_name} est arrivée avec sa sœur",
    ).save()
    # The company of a result is kept by an erasure: it counts the companies mobilised, it does not say who came.
    await Result(
        registration=registration.id, kind="cv_left", company_name="Carrosserie du Rhône", notes="Très motivée"
    ).save()
    await Situation(
        participant=youth.id,
        event=place.event.id,
        kind="short_contract",
        since=utcnow().date() - timedelta(days=5),
        contract_months=3,
        employer=employer,
        source="adviser",
        notes=f"{first_name} a signé",
    ).save()
    await FollowUp(
        registration=registration.id,
        days=30,
        due_on=utcnow().date() - timedelta(days=10),
        token_hash=secrets.token_hex(32),
    ).save()
    await Consent(participant=youth.id, kind="photos", given_by=f"{first_name} Benali").save()
    async with write_transaction():
        await outbox.enqueue_sms(
            to=phone,
            text=f"Bonjour {first_name}, à demain !",
            key=f"test:{youth.id}:sms",
            organisation_id=place.organisation.id,
        )
        await outbox.enqueue_email(
            to=youth.email,
            subject="Votre inscription",
            text=f"Bonjour {first_name}",
            key=f"test:{youth.id}:email",
            organisation_id=place.organisation.id,
        )
    return youth
