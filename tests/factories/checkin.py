"""Check-in: a rally under way today, a scan event with tickets, paired phones and the scans they send."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

from accounts.tables import Organisation, OrganisationKind, Role
from checkin import tickets
from core.clock import utcnow
from events.tables import EventStatus, SessionKind
from tests.factories.accounts import make_organisation, make_user, principal
from tests.factories.events import make_event, make_session
from tests.factories.planning import Rally, Slot, TeamPlan, make_team, place, rally
from tests.factories.registration import make_registration, make_youth, youth_phone


async def rally_under_way(
    count: int = 3, *, organisation: Organisation | None = None, email: str = "karim@ml.test"
) -> Rally:
    """planning.rally under way today: its session started 10 minutes ago; team 3 (the first two youths)
    visits a garage now; `count` youths registered by an adviser, with their tickets; `email` is a staff
    member of the organisation."""
    now = utcnow().replace(microsecond=0)
    return await rally(
        organisation,
        title="Rallye pour l'emploi",
        starts_on=date.today(),
        ends_on=date.today() + timedelta(days=2),
        contact_phone="",
        sessions=[
            Slot(
                now - timedelta(minutes=10),
                now + timedelta(hours=3),
                title="Jour 1 matin",
                kind=SessionKind.info,
                at_meeting=False,
            )
        ],
        meeting=None,
        places=[place("Garage Martin", company=False, city="Valence")],
        youths=[
            {"first_name": f"Inès{n}", "last_name": "Benali", "phone": youth_phone(n), "postcode": "", "email": ""}
            for n in range(count)
        ],
        tickets=True,
        companions=0,
        teams=[TeamPlan(3, members=range(min(count, 2)), visits=[("Garage Martin", now, now + timedelta(hours=1))])],
        staff=email,
    )


async def device(rally: Rally, name: str = "Téléphone de Karim", days: int = 3) -> str:
    """A phone paired with the rally by its staff member: the device token."""
    return await tickets.create_device(rally.staff, rally.event.id, name, days)


def scan(
    token: str, list_id: str, nonce: str | None = None, scanned_at: datetime | None = None, device: str = ""
) -> dict:
    """What a phone sends for one scan of a ticket."""
    return {
        "token": token,
        "list": list_id,
        "nonce": nonce or secrets.token_hex(8),
        "scanned_at": (scanned_at or datetime.now(UTC)).isoformat(),
        "device": device,
    }


async def scan_event(youths: int = 4) -> dict[str, Any]:
    """An organisation with a staff member, a published event today with one session, and its youths
    (with tickets, all in team 4)."""
    organisation = await make_organisation("Intérim Solidaire", OrganisationKind.siae)
    user = await make_user("karim@example.org", organisation, Role.staff)
    today = date.today()
    event = await make_event(
        organisation, title="Job dating du jour", status=EventStatus.published, starts_on=today, capacity=50
    )
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    session = await make_session(event, start, start + timedelta(hours=4), title="Matinée", kind="info")
    registrations = []
    names = [("Inès", "Benali"), ("Yanis", "Martin"), ("Léa", "Durand"), ("Sofiane", "Roux"), ("Chloé", "Petit")]
    for n in range(youths):
        first, last = names[n % len(names)]
        participant = await make_youth(organisation, first, last, f"+3361234{n:04d}")
        registration = await make_registration(
            event,
            participant,
            ticket_token=secrets.token_urlsafe(16),
            session=session.id,
        )
        registrations.append(registration)
    await make_team(event, 4, members=[r.id for r in registrations])
    return {
        "organisation": organisation,
        "user": user,
        "event": event,
        "session": session,
        "registrations": registrations,
        "list": f"session-{session.id}",
    }


async def pair_token(data: dict[str, Any], name: str = "Téléphone accueil") -> str:
    """A pairing token for a phone at a scan_event (what the console's QR code holds after /scan/pair#)."""
    return await tickets.create_device(await principal(data["user"]), data["event"].id, name)
