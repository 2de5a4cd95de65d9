"""A small rally to plan: two visit days from the Mission Locale, four companies, nine youths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from accounts.tables import Organisation, OrganisationKind
from events.tables import Event, EventPartner, Format, PartnerRole, Session, SessionKind, Site, SiteKind
from planning.tables import Companion
from registration.tables import Participant, Registration, RegistrationStatus
from tests.registration_support import NEXT_MONTH, published_event

COMPANIES = [
    ("Logistique Rhône Sud", "logistique", 44.9087, 4.9273, True),
    ("EHPAD Les Glycines", "aide_a_la_personne", 44.9412, 4.9001, True),
    ("BTP Construction Drômoise", "btp", 44.8752, 4.8770, False),
    ("Hôtel du Parc", "hotellerie_restauration", 44.9350, 4.8850, True),
]
FIRST_NAMES = ["Inès", "Yanis", "Lina", "Sofiane", "Jade", "Rayan", "Chloé", "Noah", "Amel"]


async def rally(organisation: Organisation, *, youths: int = 9, companions: int = 3):
    """A published rally of `organisation`, ready to plan; returns (event, [registration ids])."""
    event = await published_event(capacity=None, organisation=organisation)
    await Event.update({Event.format: Format.rallye, Event.title: "Rallye test"}).where(Event.id == event.id)
    await Session.delete().where(Session.event == event.id)
    meeting = Site(
        organisation=organisation.id,
        name="Mission Locale",
        kind=SiteKind.mission_locale,
        address="5 avenue des Alpes",
        city="Valence",
        latitude=44.9305,
        longitude=4.8990,
        accessible=True,
    )
    await meeting.save()
    for day in (0, 1):
        date = NEXT_MONTH + timedelta(days=day)
        for start, end in ((8.5, 12), (13.5, 17)):
            begin = datetime.combine(date, datetime.min.time(), UTC) + timedelta(hours=start - 1)  # Paris in UTC+1
            await Session(
                event=event.id,
                title="Visites",
                kind=SessionKind.visits,
                starts_at=begin,
                ends_at=begin + timedelta(hours=end - start),
                site=meeting.id,
            ).save()
    for name, sector, lat, lon, accessible in COMPANIES:
        company = Organisation(name=name, kind=OrganisationKind.entreprise)
        await company.save()
        await Site(
            organisation=organisation.id,
            host=company.id,
            name=name,
            sector=sector,
            address="1 rue de l'Usine",
            city="Valence",
            latitude=lat,
            longitude=lon,
            accessible=accessible,
            visit_minutes=45,
            contact_name="Mme Roux",
            contact_phone="0475000000",
        ).save()
        await EventPartner(event=event.id, organisation=company.id, role=PartnerRole.host_company).save()
    registrations = []
    for n in range(youths):
        youth = Participant(
            organisation=organisation.id,
            first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
            last_name=f"Martin{n}",
            phone=f"+3361100{n:04d}",
            sectors=[COMPANIES[n % len(COMPANIES)][1]],
            email=f"jeune{n}@exemple.fr" if n % 2 == 0 else "",
        )
        await youth.save()
        registration = Registration(
            event=event.id,
            participant=youth.id,
            status=RegistrationStatus.confirmed,
            manage_token=f"manage-{event.id}-{n}",
        )
        await registration.save()
        registrations.append(registration.id)
    for n in range(companions):
        await Companion(event=event.id, full_name=f"Accompagnateur {n + 1}", phone="0611223344", has_car=n != 1).save()
    return event, registrations
