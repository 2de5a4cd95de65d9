"""A year of one ETTI's work for the exports: an info session with youths who came, one who did not, one who
cancelled, one refused; a result on the spot, situations before and after; two ML advisers who referred them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from accounts.services import CurrentUser
from accounts.tables import Organisation, OrganisationKind, Role, User
from checkin.tables import CheckIn
from core.clock import utcnow
from events.tables import Event, EventStatus, PartnerRole, Session
from outcomes.tables import Result, Situation
from registration.tables import Participant, Registration, RegistrationStatus
from tests.factories.accounts import make_organisation, make_user, principal
from tests.factories.events import make_event, make_partner, make_session
from tests.factories.registration import make_registration, make_youth

FORMULA_NAME = '=HYPERLINK("http://pirate.test";"Cliquez")'


@dataclass
class Year:
    etti: Organisation
    organiser: CurrentUser
    ml: Organisation
    adviser: User  # referred Inès and the youth with the formula name
    other_adviser: User  # referred Lucas
    event: Event
    session: Session
    ines: Participant
    formula: Participant
    lucas: Participant
    refused: Participant

    @property
    def day(self) -> date:
        return self.event.starts_on

    def period(self) -> str:
        return f"from={self.day - timedelta(days=15)}&to={self.day + timedelta(days=15)}"


async def a_year(days_ago: int = 30) -> Year:
    etti = await make_organisation("ETTI Drôme Emploi", OrganisationKind.siae)
    organiser = await principal(await make_user("sophie@etti.test", etti, Role.organiser))
    ml = await make_organisation("Mission Locale Valence", OrganisationKind.mission_locale)
    adviser = await make_user("karima@ml.test", ml, Role.adviser)
    other_adviser = await make_user("julien@ml.test", ml, Role.adviser)
    day = utcnow().date() - timedelta(days=days_ago)
    event = await make_event(etti, title="Info-coll intérim", status=EventStatus.done, starts_on=day)
    await make_partner(event, ml, PartnerRole.prescriber)
    start = datetime.combine(day, time(8), tzinfo=UTC)  # 9:00 in Paris in winter, 10:00 in summer
    session = await make_session(event, start, start + timedelta(hours=3), title="Matin")

    ines = await make_youth(
        etti, "Inès", "Benali", "+33612345678", email="ines@exemple.fr", birth_date=date(2005, 4, 12), qpv=True
    )
    formula = await make_youth(etti, "@Sam", FORMULA_NAME, "+33612345679", postcode="-26000")
    lucas = await make_youth(etti, "Lucas", "Martin", "+33612345680")
    refused = await make_youth(etti, "Zoé", "Roux", "+33612345681")
    referred = {"referring_organisation": ml.id}
    came = await make_registration(event, ines, referred_by=adviser.id, **referred)
    await make_registration(event, formula, referred_by=adviser.id, **referred)
    await make_registration(event, lucas, status=RegistrationStatus.cancelled, referred_by=other_adviser.id, **referred)
    await make_registration(event, refused, status=RegistrationStatus.refused)
    await CheckIn(
        registration=came.id,
        session=session.id,
        status="present",
        scanned_at=start,
        exited_at=start + timedelta(hours=2),
        nonce=secrets.token_hex(8),
    ).save()
    await Result(
        registration=came.id,
        kind="cv_left",
        company_name="+Boulangerie Dupain",
        recorded_by=organiser.id,
        recorded_at=start + timedelta(hours=1),
    ).save()
    await Situation(participant=ines.id, kind="job_seeking", since=day - timedelta(days=10), source="adviser").save()
    await Situation(
        participant=ines.id,
        event=event.id,
        kind="cdi",
        since=day + timedelta(days=10),
        source="employer",
        employer="Valrhona",
        recorded_by=organiser.id,
    ).save()
    return Year(etti, organiser, ml, adviser, other_adviser, event, session, ines, formula, lucas, refused)


async def registration_of(year: Year, youth: Participant) -> int:
    row = (
        await Registration.select(Registration.id)
        .where((Registration.participant == youth.id) & (Registration.event == year.event.id))
        .first()
    )
    return row["id"]
