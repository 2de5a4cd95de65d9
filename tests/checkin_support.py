"""Helpers for the check-in tests: a rally under way today, its youths, a staff member, a paired phone."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from accounts.services import CurrentUser
from accounts.tables import Organisation, OrganisationKind, Role
from checkin import tickets
from core.clock import utcnow
from events.tables import Event, EventStatus, Format, Session, Site
from planning.tables import Team, TeamMember, Visit
from registration import services
from registration.inputs import RegistrationInput
from registration.tables import Registration, Source
from tests.events_support import principal
from tests.support import csrf_token, login, make_organisation, make_user


@dataclass
class Rally:
    organisation: Organisation
    event: Event
    session: Session
    visit: Visit
    staff: CurrentUser
    youths: list[dict] = field(default_factory=list)  # {"id", "token", "first_name", "last_name", "phone"}

    @property
    def session_list(self) -> str:
        return f"session-{self.session.id}"

    @property
    def visit_list(self) -> str:
        return f"visit-{self.visit.id}"


async def rally(count: int = 3, *, organisation: Organisation | None = None, email: str = "karim@ml.test") -> Rally:
    """An event under way: a session that started 10 minutes ago, team 3 (the first two youths) visiting a garage."""
    organisation = organisation or await make_organisation("Mission Locale Drôme", OrganisationKind.mission_locale)
    user = await make_user(email, organisation, Role.staff)
    event = Event(
        organisation=organisation.id,
        title="Rallye pour l'emploi",
        format=Format.rallye,
        status=EventStatus.published,
        starts_on=date.today(),
        ends_on=date.today() + timedelta(days=2),
        public_token=secrets.token_urlsafe(16),
    )
    await event.save()
    now = utcnow().replace(microsecond=0)
    session = Session(
        event=event.id,
        title="Jour 1 matin",
        kind="info",
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(hours=3),
    )
    await session.save()
    site = Site(organisation=organisation.id, name="Garage Martin", city="Valence")
    await site.save()
    team = Team(event=event.id, number=3)
    await team.save()
    visit = Visit(team=team.id, site=site.id, starts_at=now, ends_at=now + timedelta(hours=1))
    await visit.save()
    youths = []
    for n in range(count):
        data = RegistrationInput(
            first_name=f"Inès{n}", last_name="Benali", phone=f"06 12 34 {n // 100:02d} {n % 100:02d}"
        )
        registered = await services.register(event.id, data, source=Source.adviser)
        row = (
            await Registration.select(Registration.ticket_token)
            .where(Registration.id == registered.registration_id)
            .first()
        )
        youths.append(
            {
                "id": registered.registration_id,
                "token": row["ticket_token"],
                "first_name": data.first_name,
                "last_name": "Benali",
                "phone": data.phone,
            }
        )
        if n < 2:
            await TeamMember(team=team.id, registration=registered.registration_id).save()
    return Rally(organisation, event, session, visit, await principal(user), youths)


async def logged_in(client, rally: Rally) -> None:
    await login(client, rally.staff.email)


async def device(rally: Rally, name: str = "Téléphone de Karim", days: int = 3) -> str:
    return await tickets.create_device(rally.staff, rally.event.id, name, days)


def device_headers(token: str) -> dict[str, str]:
    return {"authorization": f"Device {token}", "accept": "application/json"}


async def post(client, path: str, body: dict, headers: dict | None = None):
    """JSON to the API: with a device token, or with the console session's CSRF token."""
    return await client.post(path, json=body, headers=headers or {"x-csrftoken": csrf_token(client)})


def scan(
    token: str, list_id: str, nonce: str | None = None, scanned_at: datetime | None = None, device: str = ""
) -> dict:
    return {
        "token": token,
        "list": list_id,
        "nonce": nonce or secrets.token_hex(8),
        "scanned_at": (scanned_at or datetime.now(UTC)).isoformat(),
        "device": device,
    }
