"""A realistic French demo (invented names) in the Drôme: a collective, its partner
Missions Locales, SIAE and companies, the five formats of the field and ~40 youths.

Dates are relative to today so the demo always has something coming up.
"""

from __future__ import annotations

import random
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from accounts import members
from accounts import services as accounts
from accounts.services import CurrentUser
from accounts.tables import (
    DEFAULT_FOLLOW_UP_DAYS,
    Contact,
    Digest,
    Membership,
    Organisation,
    OrganisationKind,
    Partnership,
    Role,
    SiaeKind,
    User,
)
from checkin.tables import AttendanceStatus, CheckIn
from core.db import write_transaction
from core.errors import Refusal
from events import series
from events import services as event_services
from events.inputs import SeriesInput
from events.tables import Event, EventPartner, EventStatus, Format, PartnerRole, Session, SessionKind, Site, SiteKind
from outcomes import followups, self_report
from outcomes import services as outcomes
from outcomes.tables import FollowUp, ResultKind, SituationKind
from outcomes.tables import Source as SituationSource
from outreach import pages as outreach_pages
from outreach import services as outreach
from parcours import services as parcours_services
from parcours import skills as parcours_skills
from parcours.tables import ContractKind, Touchpoint
from planning import runner as planning_runner
from planning import runs as planning_runs
from planning import services as planning_services
from planning.tables import Companion, PairRule, PlanningStatus
from privacy import access as privacy_access
from privacy import erasure
from privacy.tables import AccessKind
from registration import messages as registration_messages
from registration import proposals, tokens
from registration import services as registrations
from registration.inputs import RegistrationInput
from registration.tables import Consent, ConsentKind, Participant, Proposal, Registration, RegistrationStatus, Source
from reporting import services as reporting
from webhooks import demo as webhooks_demo

DEMO_LOGIN = "demo@tremplin.local"
DEMO_PASSWORD = "tremplin-demo-2026"
# One login per role of the collective, and a partner organisation's director, all with DEMO_PASSWORD:
# what `make run` prints, and what the automated walk logs in as.
DEMO_LOGINS = {
    "admin": DEMO_LOGIN,
    "organiser": "coordination@tremplin.local",
    "staff": "accueil@tremplin.local",
    "adviser": "conseillere.valence@tremplin.local",
    "viewer": "observatoire@tremplin.local",
    "partner": "directrice.etti@tremplin.local",
}
TZ = ZoneInfo("Europe/Paris")

ORGANISATIONS = [
    # name, kind, siae kind, address, postcode, city, phone
    ("Collectif Insertion Drôme", "collectif", "", "12 rue Pêcherie", "26000", "Valence", "04 75 00 10 10"),
    ("Mission Locale Valence Agglo", "mission_locale", "", "5 avenue des Alpes", "26000", "Valence", "04 75 00 20 20"),
    (
        "Mission Locale Montélimar Provence",
        "mission_locale",
        "",
        "3 place du Marché",
        "26200",
        "Montélimar",
        "04 75 00 30 30",
    ),
    (
        "Mission Locale Romans Vercors",
        "mission_locale",
        "",
        "8 quai Chopin",
        "26100",
        "Romans-sur-Isère",
        "04 75 00 40 40",
    ),
    ("Intérim Solidaire Drôme", "siae", "etti", "21 rue Faventines", "26000", "Valence", "04 75 00 50 50"),
    ("Les Jardins du Roubion", "siae", "aci", "Chemin des Îles", "26200", "Montélimar", "04 75 00 60 60"),
    ("Recyclerie de la Véore", "siae", "aci", "ZA des Auréats", "26000", "Valence", "04 75 00 70 70"),
    ("Centre social Les Tilleuls", "centre_social", "", "2 allée des Tilleuls", "26000", "Valence", "04 75 00 80 80"),
]

COMPANIONS = [
    ("Karim Haddad", "06 21 43 65 87", True),
    ("Sophie Marchand", "06 32 54 76 98", True),
    ("Julien Arnaud", "06 43 65 87 09", False),  # the Montélimar adviser: his account records results
    ("Nadia Cherif", "06 54 76 98 10", True),
    ("Thomas Faure", "06 65 87 09 21", False),
    ("Aurélie Blanc", "06 76 98 10 32", True),
    ("Mehdi Laroche", "06 87 09 21 43", True),
]
COMPANIES = [
    # name, sector, address, postcode, city, lat, lon, accessible, capacity per slot
    ("Logistique Rhône Sud", "logistique", "ZI Briffaut Est", "26000", "Valence", 44.9087, 4.9273, True, 2),
    ("Boulangerie Au Pain Doré", "commerce", "14 Grande Rue", "26000", "Valence", 44.9334, 4.8920, False, 1),
    ("EHPAD Les Glycines", "aide_a_la_personne", "40 avenue de Romans", "26000", "Valence", 44.9412, 4.9001, True, 1),
    (
        "BTP Construction Drômoise",
        "btp",
        "Rue de l'Industrie",
        "26800",
        "Portes-lès-Valence",
        44.8752,
        4.8770,
        False,
        2,
    ),
    ("Hôtel du Parc", "hotellerie_restauration", "9 boulevard Bancel", "26000", "Valence", 44.9301, 4.8935, True, 1),
    (
        "Espaces Verts de la Plaine",
        "espaces_verts",
        "Chemin du Valentin",
        "26500",
        "Bourg-lès-Valence",
        44.9540,
        4.8930,
        False,
        2,
    ),
    ("Propreté Services 26", "proprete", "Rue Marcel Barbu", "26000", "Valence", 44.9210, 4.9170, True, 2),
    ("Usine Métal Vercors", "industrie", "ZA Les Revols", "26100", "Romans-sur-Isère", 45.0420, 5.0410, False, 1),
    ("Supermarché Le Panier Frais", "commerce", "Avenue de Provence", "26000", "Valence", 44.9120, 4.8990, True, 2),
    (
        "Garage Auto Plus",
        "automobile",
        "Route de Montélimar",
        "26760",
        "Beaumont-lès-Valence",
        44.8660,
        4.9350,
        False,
        1,
    ),
]

FIRST_NAMES = [
    "Inès",
    "Yanis",
    "Lina",
    "Rayan",
    "Chloé",
    "Adam",
    "Manon",
    "Nolan",
    "Sarah",
    "Enzo",
    "Jade",
    "Ilyes",
    "Léa",
    "Mathis",
    "Camille",
    "Bilal",
    "Océane",
    "Théo",
    "Aya",
    "Lucas",
    "Maëlys",
    "Sofiane",
    "Emma",
    "Kylian",
    "Nour",
    "Hugo",
    "Anaïs",
    "Mehdi",
    "Clara",
    "Samy",
    "Louna",
    "Ethan",
    "Zoé",
    "Amine",
    "Lou",
    "Noah",
    "Jessica",
    "Dylan",
    "Yasmine",
    "Kévin",
]
LAST_NAMES = [
    "Benali",
    "Martin",
    "Roux",
    "Diallo",
    "Faure",
    "Garcia",
    "Moreau",
    "Traoré",
    "Blanc",
    "Chevalier",
    "Haddad",
    "Girard",
    "Nguyen",
    "Perrin",
    "Mercier",
    "Bonnet",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Kone",
]
COMMUNES = [
    ("26000", "Valence"),
    ("26200", "Montélimar"),
    ("26100", "Romans-sur-Isère"),
    ("26500", "Bourg-lès-Valence"),
    ("26800", "Portes-lès-Valence"),
    ("26300", "Chatuzange-le-Goubet"),
]


def _personal_tokens() -> dict[str, str]:
    """A registration's personal page link and ticket, as its row keeps them (registration.tokens)."""
    link, ticket = tokens.issue(tokens.Purpose.manage), tokens.issue(tokens.Purpose.ticket)
    return {
        "manage_hash": link.hash,
        "manage_sealed": link.sealed,
        "ticket_hash": ticket.hash,
        "ticket_sealed": ticket.sealed,
    }


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ).astimezone(UTC)


def _second_tuesday(around: date) -> date:
    first = around.replace(day=1)
    return first + timedelta(days=(1 - first.weekday()) % 7 + 7)


async def _user_id(email: str) -> int | None:
    found = await User.select(User.id).where(User.email == email).first()
    return found["id"] if found else None


def _ascii(name: str) -> str:
    """An e-mail local part any mail relay accepts: "Inès" → "ines" (SMTPUTF8 is not everywhere)."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()


def _next_weekday(start: date, weekday: int) -> date:
    return start + timedelta(days=(weekday - start.weekday()) % 7 or 7)


async def is_empty() -> bool:
    return not await Organisation.exists()


def _opening_hours(sector: str) -> list[dict]:
    """Weekday hours with a lunch break; shops receive visitors in the morning only."""
    windows = [("07:30", "12:00")] if sector == "commerce" else [("08:30", "12:00"), ("13:30", "17:30")]
    return [{"weekday": day, "start": start, "end": end} for day in range(5) for start, end in windows]


async def _event(organisation: int, title: str, fmt: Format, start: date, end: date, **fields) -> Event:
    fields.setdefault("status", EventStatus.published)
    fields.setdefault("responsible", await _user_id(DEMO_LOGINS["organiser"]))
    event = Event(
        organisation=organisation,
        title=title,
        format=fmt,
        starts_on=start,
        ends_on=end,
        public_token=secrets.token_urlsafe(16),
        **fields,
    )
    await event.save()
    return event


async def _session(event: Event, title: str, kind: SessionKind, start: datetime, end: datetime, **fields) -> None:
    await Session(event=event.id, title=title, kind=kind, starts_at=start, ends_at=end, **fields).save()


async def load_demo(
    today: date | None = None, seed: int = 26, *, compose_rally: bool = True, exercise: bool = True
) -> None:
    """The demo's people, places and events, then (unless `exercise` is False: rows only, as the upgrade test
    writes them into an older schema) what a few weeks of use leave behind: a youth's cancellation and the
    waiting list moving up, an organiser's text, a cancelled date, and (unless `compose_rally` is False: a test
    that composes it itself) the rally's teams composed by the planner and published."""
    today = today or date.today()
    rng = random.Random(seed)
    async with write_transaction():  # the data: all or nothing
        world = await _load(today, rng)
    if exercise:
        await _exercise(world, compose_rally)


@dataclass
class _World:
    admin: CurrentUser  # the collective's admin
    admin_organisation: int
    organiser: CurrentUser  # the collective's organiser
    aci_organiser: CurrentUser
    rally: Event
    dating: Event
    permanence: Event
    etti_admin: CurrentUser  # the ETTI's director, who runs its information sessions
    last_info: Event | None  # the last information session that took place
    today: date


async def _load(today: date, rng: random.Random) -> _World:
    users = {}
    for email, name in [
        (DEMO_LOGIN, "Sophie Durand"),
        ("conseillere.valence@tremplin.local", "Karima Belkacem"),
        ("conseiller.montelimar@tremplin.local", "Julien Arnaud"),
        ("directrice.etti@tremplin.local", "Nadia Mansouri"),
        ("encadrant.aci@tremplin.local", "Karim Ouedraogo"),
        (DEMO_LOGINS["organiser"], "Hugo Lefèvre"),
        (DEMO_LOGINS["staff"], "Léa Moulin"),
        (DEMO_LOGINS["viewer"], "Marc Delorme"),
    ]:
        users[email] = await accounts.create_user(email, name, DEMO_PASSWORD, phone="06 12 34 56 78")

    orgs: dict[str, Organisation] = {}
    for name, kind, siae_kind, address, postcode, city, phone in ORGANISATIONS:
        org = Organisation(
            name=name,
            kind=OrganisationKind(kind),
            siae_kind=SiaeKind(siae_kind),
            address=address,
            postcode=postcode,
            city=city,
            phone=phone,
            privacy_notice="Vos données servent uniquement à organiser l'événement "
            "et à vous accompagner. Elles sont gardées 2 ans.",
            **({"siret": "98765432100015", "sms_sender": "InsertDrome"} if kind == "collectif" else {}),  # made up
        )
        await org.save()
        orgs[name] = org
    collectif = orgs["Collectif Insertion Drôme"]
    ml_valence = orgs["Mission Locale Valence Agglo"]
    ml_montelimar = orgs["Mission Locale Montélimar Provence"]
    ml_romans = orgs["Mission Locale Romans Vercors"]
    etti = orgs["Intérim Solidaire Drôme"]
    aci = orgs["Les Jardins du Roubion"]
    centre = orgs["Centre social Les Tilleuls"]

    for email, org, role in [
        (DEMO_LOGIN, collectif, Role.admin),
        (DEMO_LOGIN, etti, Role.organiser),
        ("conseillere.valence@tremplin.local", ml_valence, Role.adviser),
        ("conseiller.montelimar@tremplin.local", ml_montelimar, Role.adviser),
        ("directrice.etti@tremplin.local", etti, Role.admin),
        ("encadrant.aci@tremplin.local", aci, Role.organiser),
        (DEMO_LOGINS["organiser"], collectif, Role.organiser),
        (DEMO_LOGINS["staff"], collectif, Role.staff),
        (DEMO_LOGINS["viewer"], collectif, Role.viewer),
    ]:
        await accounts.add_member(users[email].id, org.id, role)

    company_sites = await _company_sites(collectif, rng)
    ml_site, outdoors = await _meeting_places(collectif, etti, ml_valence, centre)
    await _partner_directories(orgs, company_sites, collectif, etti, ml_valence, aci, ml_montelimar)
    rally = await _rally(today, collectif, etti, (ml_valence, ml_montelimar, ml_romans), ml_site, company_sites)
    info_events, permanence = await _info_sessions_and_permanence(today, users, etti, aci, ml_valence, ml_site)
    dating = await _job_dating(today, collectif, centre, outdoors, company_sites)
    await _meetup(today, collectif, centre, outdoors)

    # About forty youths, referred by their advisers.
    advisers = [
        (users["conseillere.valence@tremplin.local"], ml_valence),
        (users["conseiller.montelimar@tremplin.local"], ml_montelimar),
    ]
    youths = await _youths(today, rng, collectif, etti)
    await _registrations(rng, advisers, youths, rally, info_events, dating, permanence)
    await _scans_at_the_last_info_session(
        [i for i in info_events if i.starts_on < today], users[DEMO_LOGINS["partner"]]
    )
    return _World(
        admin=_acting(users[DEMO_LOGIN], collectif, Role.admin),
        admin_organisation=collectif.id,
        organiser=_acting(users[DEMO_LOGINS["organiser"]], collectif, Role.organiser),
        aci_organiser=_acting(users["encadrant.aci@tremplin.local"], aci, Role.organiser),
        rally=rally,
        dating=dating,
        permanence=permanence,
        etti_admin=_acting(users["directrice.etti@tremplin.local"], etti, Role.admin),
        last_info=([i for i in info_events if i.starts_on < today] or [None])[-1],
        today=today,
    )


def _acting(user, organisation: Organisation, role: Role) -> CurrentUser:
    return CurrentUser(
        id=user.id, email=user.email, full_name=user.full_name, language="fr", roles={organisation.id: role}
    )


async def _scans_at_the_last_info_session(past: list[Event], scanned_by) -> None:
    """The last information session that took place: most youths scanned in at the door, one late, one absent;
    a few scanned out as they left (one of them early), the others counted until the session's end."""
    if not past:
        return
    session = await Session.objects().where(Session.event == past[-1].id).first()
    registrations = await Registration.objects().where(Registration.event == past[-1].id).order_by(Registration.id)
    # Exit scans, minutes before the session's end (negative: after it): the first one left early.
    exits = {0: 50, 1: 5, 3: -10}
    for index, registration in enumerate(registrations):
        exited_at = None
        if index == len(registrations) - 1:
            status, minutes, source = AttendanceStatus.absent, 0, "manual"
        else:
            status = AttendanceStatus.late if index == 2 else AttendanceStatus.present
            minutes, source = (25 if index == 2 else index - 5), "scan"
            if index in exits:
                exited_at = session.ends_at - timedelta(minutes=exits[index])
                if exits[index] > 15:
                    status = AttendanceStatus.left_early
        await CheckIn(
            registration=registration.id,
            session=session.id,
            status=status,
            scanned_at=session.starts_at + timedelta(minutes=minutes),
            recorded_at=session.starts_at + timedelta(minutes=max(minutes, 0) + 1),
            recorded_by=scanned_by.id,
            nonce=secrets.token_hex(16),
            source=source,
            exited_at=exited_at,
            exit_nonce=secrets.token_hex(16) if exited_at else None,
        ).save()


async def _exercise(world: _World, compose_rally: bool) -> None:
    """What the first weeks of use leave behind, done through the product's own services (messages included)."""
    rally_places = (
        await Registration.objects()
        .where((Registration.event == world.rally.id) & (Registration.status == RegistrationStatus.confirmed))
        .order_by(Registration.id)
    )
    # A youth drops out of the rally: the first on the waiting list gets the place and a text.
    await registrations.cancel(rally_places[4].id, by=world.organiser)
    await registration_messages.broadcast(
        world.organiser,
        world.dating.id,
        "Bonjour, pensez à apporter quelques CV pour les entretiens de jeudi. À bientôt !",
    )
    await event_services.set_status(
        world.aci_organiser,
        world.permanence.id,
        EventStatus.cancelled,
        reason="L'équipe est en formation ce jour-là. Rendez-vous le vendredi suivant.",
    )
    await members.invite(world.admin, world.admin_organisation, "nouvelle.recrue@tremplin.local", Role.staff)
    await _outcomes(world)
    await _adviser_loop(world)
    await _outreach(world)
    await _parcours(world)
    await webhooks_demo.partner_endpoint(world.admin, world.admin_organisation)
    await _personal_data(world)
    await _exports(world)
    if compose_rally:
        run_id = await planning_runs.start_run(world.organiser, world.rally.id, seconds=5, spawn=False)
        if await planning_runner.execute_run(run_id) == PlanningStatus.done:
            await planning_services.publish(world.organiser, world.rally.id)


async def _parcours(world: _World) -> None:
    """The ETTI hired one of the Valence adviser's youths six weeks ago: the call before hiring and the start
    meeting are recorded, last month's contact was not (late on both work lists), the start skills sheet is filled
    in; the touchpoints to come are planned."""
    etti = next(iter(world.etti_admin.roles))
    adviser = await User.select(User.id).where(User.email == DEMO_LOGINS["adviser"]).first()
    hired = await (
        Registration.select(Registration.participant)
        .where((Registration.referred_by == adviser["id"]) & (Registration.participant.organisation == etti))
        .order_by(Registration.id)
        .first()
    )
    if hired is None:
        return
    start = _next_weekday(world.today - timedelta(days=45), 0)
    data = parcours_services.ParcoursInput(
        participant_id=hired["participant"],
        contract_kind=ContractKind.mission,
        contract_start=start,
        contract_end=start + timedelta(days=182),
        adviser_id=adviser["id"],
    )
    parcours_id = await parcours_services.open_parcours(world.etti_admin, etti, data)
    steps = {
        t["step"]: t["id"]
        for t in await Touchpoint.select(Touchpoint.id, Touchpoint.step)
        .where(Touchpoint.parcours == parcours_id)
        .order_by(Touchpoint.starts_at, ascending=False)
    }
    await parcours_services.record(
        world.etti_admin,
        steps["orientation_call"],
        result="Orientation validée avec la conseillère : mission en logistique.",
    )
    await parcours_services.record(
        world.etti_admin,
        steps["start_meeting"],
        result="Démarrage validé ; équipements remis ; point dans un mois.",
        note="Transport : covoiturage avec un collègue.",
    )
    await parcours_skills.save_sheet(
        world.etti_admin,
        parcours_id,
        "start",
        {
            "observed_punctuality": "3",
            "self_punctuality": "3",
            "observed_safety": "2",
            "self_safety": "3",
            "observed_teamwork": "2",
            "self_teamwork": "2",
            "next_steps": "Passer le CACES 1 ; revoir les consignes de sécurité avec le chef d'équipe.",
        },
    )


async def _exports(world: _World) -> None:
    """The ETTI's director has sent its funder the FSE+ participants of the last six months: the export shows
    in its audit log, and the Exports page has the information sessions' youths to offer."""
    etti = next(iter(world.etti_admin.roles))
    await reporting.export(
        world.etti_admin,
        etti,
        "fse.xlsx",
        start=world.today - timedelta(days=180),
        end=world.today,
        event_id=None,
        today=world.today,
    )


async def _outcomes(world: _World) -> None:
    """What came of the last information session: its follow-ups, results on the spot, a situation the ETTI's
    director recorded after a call and one a youth gave through their link."""
    await followups.schedule(world.today)
    if world.last_info is None:
        return
    came = (
        await FollowUp.select(FollowUp.id, FollowUp.registration, FollowUp.registration.participant.as_alias("youth"))
        .where((FollowUp.registration.event == world.last_info.id) & (FollowUp.days == min(DEFAULT_FOLLOW_UP_DAYS)))
        .order_by(FollowUp.registration)
    )
    etti = next(iter(world.etti_admin.roles))
    kinds = [ResultKind.contact_taken, ResultKind.cv_left, ResultKind.interview_booked]
    for follow_up, kind in zip(came, kinds, strict=False):  # the first three who came
        await outcomes.record_result(
            world.etti_admin, follow_up["registration"], outcomes.ResultInput(kind=kind, company=etti)
        )
    since = world.last_info.starts_on + timedelta(days=21)
    if len(came) >= 2 and since < world.today:
        await outcomes.record_situation(
            world.etti_admin,
            came[0]["youth"],
            outcomes.SituationInput(
                kind=SituationKind.short_contract,
                since=since,
                source=SituationSource.adviser,
                contract_months=4,
                employer="Intérim Solidaire Drôme (mission chez Valrhona)",
                event=world.last_info.id,
                follow_up=came[0]["id"],
            ),
        )
        token = secrets.token_urlsafe(16)
        await FollowUp.update({FollowUp.token_hash: accounts.token_hash(token)}).where(FollowUp.id == came[1]["id"])
        await self_report.answer(token, SituationKind.training, since, "Je commence une formation de cariste.")


async def _first_slot(event_id: int) -> int | None:
    """The first session with its own places, which the public form asks to choose (None: nothing to choose)."""
    row = await (
        Session.select(Session.id)
        .where((Session.event == event_id) & Session.capacity.is_not_null())
        .order_by(Session.starts_at)
        .first()
    )
    return row["id"] if row else None


async def _adviser_loop(world: _World) -> None:
    """The Valence adviser's loop: she chose the digest after each event day, and proposed events to three of
    her youths: one still to answer, one registered through her link, one who came (registration.proposals)."""
    email = DEMO_LOGINS["adviser"]
    user = await User.select(User.id, User.full_name).where(User.email == email).first()
    member = await Membership.select(Membership.organisation).where(Membership.user == user["id"]).first()
    adviser = CurrentUser(user["id"], email, user["full_name"], "fr", {member["organisation"]: Role.adviser})
    await User.update({User.digest: Digest.event_day}).where(User.id == adviser.id)
    mine = await (
        Registration.select(Registration.id, Registration.participant, Registration.event)
        .where(Registration.referred_by == adviser.id)
        .order_by(Registration.id)
    )
    came = [r for r in mine if world.last_info and r["event"] == world.last_info.id]
    if came:  # proposed before the last information session, registered through the link, came
        sent = datetime.combine(world.last_info.starts_on - timedelta(days=8), time(10), UTC)
        link = tokens.issue(tokens.Purpose.proposal)
        await Proposal(
            event=came[0]["event"],
            participant=came[0]["participant"],
            proposed_by=adviser.id,
            referring_organisation=member["organisation"],
            token_hash=link.hash,
            token_sealed=link.sealed,
            sent_at=sent,
            registration=came[0]["id"],
        ).save()
    events = await proposals.events_to_propose(adviser)
    youths = list(dict.fromkeys(r["participant"] for r in mine))
    answered = False
    for youth, event in ((y, e) for y in youths for e in events):
        if await Proposal.exists().where((Proposal.participant == youth) | (Proposal.event == event["id"])):
            continue
        try:
            await proposals.propose(adviser, youth, event["id"])
        except Refusal:  # already registered there: another event
            continue
        if not answered:  # the youth opens the link and confirms
            proposal = await Proposal.select().where(Proposal.participant == youth).first()
            record = await Participant.select().where(Participant.id == youth).first()
            data = RegistrationInput(
                first_name=record["first_name"],
                last_name=record["last_name"],
                phone=record["phone"],
                email=record["email"],
                postcode=record["postcode"] or "26000",
                session_id=await _first_slot(event["id"]),
            )
            public_token = (await Event.select(Event.public_token).where(Event.id == event["id"]).first())[
                "public_token"
            ]
            try:
                link_token = tokens.reveal(tokens.Purpose.proposal, proposal["token_sealed"])
                await registrations.register(None, data, public_token=public_token, proposal=link_token)
                answered = True
            except Refusal:  # a made-up number the form would refuse: this one stays to answer
                continue
        if answered and await Proposal.count() >= 3:
            return


async def _outreach(world: _World) -> None:
    """Reaching youths before the next information session: the collective's and the ETTI's public pages; those
    who came to the last session and agreed to hear about other events are invited to the next one (one text
    each), and one of them has already signed up from the text."""
    await outreach_pages.code_of(world.admin, world.admin_organisation)
    etti = next(iter(world.etti_admin.roles))
    await outreach_pages.code_of(world.etti_admin, etti)
    if world.last_info is None:
        return
    registered = (
        await Registration.select(Registration.participant)
        .where(Registration.event == world.last_info.id)
        .order_by(Registration.id)
    )
    for index, row in enumerate(registered):
        if index != 1:  # the second youth did not tick "other news" on the form
            await Consent(participant=row["participant"], kind=ConsentKind.other_messages, given_by="le jeune").save()
    coming = (
        await Event.objects()
        .where(
            (Event.organisation == etti)
            & (Event.format == Format.info_collective)
            & (Event.status == EventStatus.published)
            & (Event.starts_on > world.today)
        )
        .order_by(Event.starts_on)
        .first()
    )
    if coming is None or not await outreach.invite(world.etti_admin, coming.id):
        return
    first = (await outreach.sent_invitations(coming.id))[0]
    youth = await Participant.objects().where(Participant.id == first["participant"]).first()
    session = await Session.select(Session.id).where(Session.event == coming.id).order_by(Session.starts_at).first()
    await registrations.register(
        coming.id,
        RegistrationInput(
            first_name=youth.first_name,
            last_name=youth.last_name,
            phone=youth.phone,
            birth_date=youth.birth_date,
            postcode=youth.postcode,
            consent_other_messages=True,
            session_id=session["id"] if session else None,
        ),
        source=Source.public,
    )


async def _personal_data(world: _World) -> None:
    """A youth of the collective who asked for their data to be erased (shows as "Personne effacée", their
    registrations still counted), and the access log another youth's page shows its admin."""
    youths = await (
        Participant.select(Participant.id)
        .where(
            (Participant.organisation == world.admin_organisation)
            & Participant.id.is_in(Registration.select(Registration.participant))
        )
        .order_by(Participant.id, ascending=False)
    )
    erased = None
    for youth in youths:  # the last registered of those with no event to come: nobody's place moves
        if not await erasure.coming_registrations(youth["id"], world.today):
            erased = youth["id"]
            await erasure.erase(world.admin, erased)
            break
    viewed = next(y["id"] for y in youths if y["id"] != erased)
    await privacy_access.record_view(world.organiser, world.admin_organisation, viewed)
    await privacy_access.record(world.admin, world.admin_organisation, viewed, AccessKind.exported)


async def _company_sites(collectif: Organisation, rng: random.Random) -> list[tuple[Organisation, Site]]:
    """The host companies, each with the site the rally visits."""
    company_sites = []
    for name, sector, address, postcode, city, lat, lon, accessible, capacity in COMPANIES:
        company = Organisation(
            name=name, kind=OrganisationKind.entreprise, address=address, postcode=postcode, city=city
        )
        await company.save()
        site = Site(
            organisation=collectif.id,
            host=company.id,
            name=name,
            kind=SiteKind.company,
            sector=sector,
            address=address,
            postcode=postcode,
            city=city,
            latitude=lat,
            longitude=lon,
            accessible=accessible,
            capacity_per_slot=capacity,
            max_teams=4,
            visit_minutes=45,
            contact_name="Responsable recrutement",
            contact_phone=f"04 75 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            access_notes="Parking visiteurs à l'entrée." if accessible else "Accès par la cour.",
            opening_hours=_opening_hours(sector),
        )
        await site.save()
        company_sites.append((company, site))
    return company_sites


async def _meeting_places(
    collectif: Organisation, etti: Organisation, ml_valence: Organisation, centre: Organisation
) -> tuple[Site, Site]:
    """The Mission Locale, where rally teams meet, and the square of the open-air events."""
    ml_site = Site(
        organisation=etti.id,
        host=ml_valence.id,
        name="Mission Locale Valence Agglo",
        kind=SiteKind.mission_locale,
        address="5 avenue des Alpes",
        postcode="26000",
        city="Valence",
        latitude=44.9305,
        longitude=4.8990,
        accessible=True,
        capacity_per_slot=12,
    )
    await ml_site.save()
    outdoors = Site(
        organisation=collectif.id,
        host=centre.id,
        name="Square des Tilleuls",
        kind=SiteKind.outdoors,
        address="Place des Tilleuls",
        postcode="26000",
        city="Valence",
        latitude=44.9270,
        longitude=4.9120,
        accessible=True,
        capacity_per_slot=50,
    )
    await outdoors.save()
    return ml_site, outdoors


async def _partner_directories(
    orgs: dict[str, Organisation],
    company_sites: list[tuple[Organisation, Site]],
    collectif: Organisation,
    etti: Organisation,
    ml_valence: Organisation,
    aci: Organisation,
    ml_montelimar: Organisation,
) -> None:
    """Partner directories: the collective knows everyone; each SIAE knows its Mission Locale."""
    contacts = [
        "Claire Fabre",
        "Mourad Sadi",
        "Élodie Vial",
        "Thomas Brun",
        "Aïcha Diop",
        "Paul Reynaud",
        "Sandrine Colin",
        "Yohan Masson",
        "Fatou Ndiaye",
        "Cédric Lopez",
    ]
    for org in orgs.values():
        if org.id != collectif.id:
            await Partnership(owner=collectif.id, partner=org.id).save()
    for (company, site), person in zip(company_sites, contacts, strict=True):
        await Partnership(owner=collectif.id, partner=company.id).save()
        await Contact(
            owner=collectif.id,
            organisation=company.id,
            full_name=person,
            job_title="Responsable recrutement",
            phone=site.contact_phone,
        ).save()
    await Partnership(owner=etti.id, partner=ml_valence.id).save()
    await Partnership(owner=aci.id, partner=ml_montelimar.id).save()


async def _rally(
    today: date,
    collectif: Organisation,
    etti: Organisation,
    missions_locales: tuple[Organisation, ...],
    ml_site: Site,
    company_sites: list[tuple[Organisation, Site]],
) -> Event:
    """Rallye pour l'emploi: three days starting on a Tuesday in about three weeks."""
    rally_start = _next_weekday(today + timedelta(days=14), 1)
    rally = await _event(
        collectif.id,
        "Rallye pour l'emploi de Valence",
        Format.rallye,
        rally_start,
        rally_start + timedelta(days=2),
        capacity=21,
        age_min=16,
        age_max=25,
        meeting_point="Mission Locale Valence Agglo, 5 avenue des Alpes",
        contact_phone="06 11 22 33 44",
        description="Trois jours pour découvrir dix entreprises qui recrutent, en équipe de trois avec un "
        "accompagnateur. Le troisième jour : bilan et remise des diplômes.",
    )
    for offset, label in [(0, "Jour 1"), (1, "Jour 2")]:
        day = rally_start + timedelta(days=offset)
        # Teams leave from the Mission Locale and come back there: it is the planner's meeting point.
        await _session(
            rally,
            f"{label} — visites d'entreprises (matin)",
            SessionKind.visits,
            _at(day, 8, 30),
            _at(day, 12),
            site=ml_site.id,
        )
        await _session(
            rally,
            f"{label} — visites d'entreprises (après-midi)",
            SessionKind.visits,
            _at(day, 13, 30),
            _at(day, 17),
            site=ml_site.id,
        )
    # Seven companions, one per team of three; two without a car, one only free on the first day.
    for index, (name, phone, car) in enumerate(COMPANIONS):
        availability = {(rally_start + timedelta(days=1)).isoformat(): None} if index == 6 else {}
        account = await _user_id("conseiller.montelimar@tremplin.local") if name == "Julien Arnaud" else None
        await Companion(
            event=rally.id, full_name=name, phone=phone, has_car=car, availability=availability, user=account
        ).save()
    day3 = rally_start + timedelta(days=2)
    await _session(rally, "Jour 3 — bilan", SessionKind.debrief, _at(day3, 9), _at(day3, 12), site=ml_site.id)
    await _session(
        rally,
        "Jour 3 — clôture et remise des diplômes",
        SessionKind.ceremony,
        _at(day3, 14),
        _at(day3, 16),
        site=ml_site.id,
    )
    for org in missions_locales:
        await EventPartner(event=rally.id, organisation=org.id, role=PartnerRole.prescriber).save()
    await EventPartner(event=rally.id, organisation=etti.id, role=PartnerRole.co_organiser).save()
    for company, _site in company_sites:
        await EventPartner(event=rally.id, organisation=company.id, role=PartnerRole.host_company).save()
    return rally


async def _info_sessions_and_permanence(
    today: date, users: dict, etti: Organisation, aci: Organisation, ml_valence: Organisation, ml_site: Site
) -> tuple[list[Event], Event]:
    """Information sessions of the ETTI at the Mission Locale, every two months on the second Tuesday,
    and the weekly Friday-morning drop-in of the ACI inside the Mission Locale in Montélimar."""
    etti_admin = CurrentUser(
        id=users["directrice.etti@tremplin.local"].id,
        email="",
        full_name="",
        language="fr",
        roles={etti.id: Role.admin},
    )
    aci_organiser = CurrentUser(
        id=users["encadrant.aci@tremplin.local"].id,
        email="",
        full_name="",
        language="fr",
        roles={aci.id: Role.organiser},
    )
    first_info = _second_tuesday(today - timedelta(days=62))
    info_series = await series.create_series(
        etti_admin,
        SeriesInput(
            title="Information collective — l'intérim d'insertion",
            format=Format.info_collective,
            rrule="FREQ=MONTHLY;INTERVAL=2;BYDAY=+2TU",
            first_start=datetime.combine(first_info, time(9, 30)),
            duration_minutes=120,
            site_id=ml_site.id,
            capacity=10,
            months_ahead=8,
            description="Un moment simple pour découvrir l'intérim d'insertion, sans présentation officielle. "
            "Vous repartez avec le numéro de la directrice de l'agence.",
        ),
    )
    info_events = await Event.objects().where(Event.series == info_series).order_by(Event.starts_on)
    for info in info_events:
        await EventPartner(event=info.id, organisation=ml_valence.id, role=PartnerRole.prescriber).save()
        if info.starts_on < today:
            await Event.update({Event.status: EventStatus.done}).where(Event.id == info.id)
    permanence_series = await series.create_series(
        aci_organiser,
        SeriesInput(
            title="Permanence des Jardins du Roubion",
            format=Format.permanence,
            rrule="FREQ=WEEKLY;BYDAY=FR",
            first_start=datetime.combine(_next_weekday(today, 4), time(9, 0)),
            duration_minutes=180,
            place="Mission Locale Montélimar Provence, 3 place du Marché",
            months_ahead=2,
            description="Chaque vendredi matin, l'équipe du chantier d'insertion vous reçoit sans rendez-vous.",
        ),
    )
    permanence = await Event.objects().where(Event.series == permanence_series).order_by(Event.starts_on).first()
    return info_events, permanence


async def _job_dating(
    today: date,
    collectif: Organisation,
    centre: Organisation,
    outdoors: Site,
    company_sites: list[tuple[Organisation, Site]],
) -> Event:
    """Job dating in a priority neighbourhood."""
    dating_day = _next_weekday(today + timedelta(days=10), 3)
    dating = await _event(
        collectif.id,
        "Job dating des Tilleuls",
        Format.job_dating,
        dating_day,
        dating_day,
        capacity=30,
        description="Des entretiens de 10 minutes avec des entreprises qui recrutent près de chez vous.",
    )
    await _session(
        dating, "Entretiens", SessionKind.interviews, _at(dating_day, 14), _at(dating_day, 17), site=outdoors.id
    )
    await EventPartner(event=dating.id, organisation=centre.id, role=PartnerRole.social_centre).save()
    for company, _site in company_sites[:5]:
        await EventPartner(event=dating.id, organisation=company.id, role=PartnerRole.host_company).save()
    return dating


async def _meetup(today: date, collectif: Organisation, centre: Organisation, outdoors: Site) -> None:
    """The "Au pied des murs" open-air meetup, walk-ins welcome."""
    meetup_day = _next_weekday(today + timedelta(days=3), 2)
    meetup = await _event(
        collectif.id,
        "Au pied des murs — quartier des Tilleuls",
        Format.pied_des_murs,
        meetup_day,
        meetup_day,
        description="Un café, des professionnels de l'emploi et de l'insertion, sans inscription.",
    )
    await _session(
        meetup, "Rencontre en plein air", SessionKind.meetup, _at(meetup_day, 15), _at(meetup_day, 18), site=outdoors.id
    )
    await EventPartner(event=meetup.id, organisation=centre.id, role=PartnerRole.social_centre).save()


async def _youths(today: date, rng: random.Random, collectif: Organisation, etti: Organisation) -> list[Participant]:
    """About forty youths; the last ones are on the ETTI's books rather than the collective's."""
    youths = []
    for index, first_name in enumerate(FIRST_NAMES):
        postcode, commune = rng.choice(COMMUNES)
        age_days = rng.randint(16 * 365 + 30, 25 * 365)
        youth = Participant(
            organisation=collectif.id if index < 26 else etti.id,
            first_name=first_name,
            last_name=rng.choice(LAST_NAMES),
            phone=f"+336{rng.randint(10_000_000, 99_999_999)}",
            postcode=postcode,
            commune=commune,
            birth_date=today - timedelta(days=age_days),
            email=f"{_ascii(first_name)}.{index}@exemple.fr" if index % 3 == 0 else "",
            sectors=rng.sample(sorted({company[1] for company in COMPANIES}), rng.choice((1, 2, 2, 3))),
            driving_licence=rng.random() < 0.3,
            qpv=index % 5 == 1,  # a few live in a priority neighbourhood
        )
        await youth.save()
        youths.append(youth)
    return youths


async def _registrations(
    rng: random.Random,
    advisers: list,
    youths: list[Participant],
    rally: Event,
    info_events: list[Event],
    dating: Event,
    permanence: Event,
) -> None:
    """The youths registered for the rally, the first information sessions, the job dating and the permanence."""

    async def register(event: Event, youth: Participant, status: RegistrationStatus, source: Source) -> Registration:
        adviser, adviser_org = rng.choice(advisers)
        registration = Registration(
            event=event.id,
            participant=youth.id,
            status=status,
            source=source,
            referred_by=adviser.id if source == Source.adviser else None,
            referring_organisation=adviser_org.id if source == Source.adviser else None,
            **_personal_tokens(),
        )
        await registration.save()
        return registration

    rally_registrations = []
    for index, youth in enumerate(youths[:23]):
        status = RegistrationStatus.confirmed if index < 21 else RegistrationStatus.waiting
        rally_registrations.append(await register(rally, youth, status, Source.adviser if index % 2 else Source.public))
    # The advisers know these two had words at the last info session: not in the same team.
    await PairRule(
        event=rally.id, first=rally_registrations[0].id, second=rally_registrations[1].id, together=False
    ).save()
    for info, group in zip(info_events[:3], (youths[26:34], youths[30:37], youths[34:38]), strict=True):
        for youth in group:
            await register(info, youth, RegistrationStatus.confirmed, Source.adviser)
    for youth in youths[20:32]:
        await register(dating, youth, RegistrationStatus.confirmed, Source.public)
    for youth in youths[36:40]:
        await register(permanence, youth, RegistrationStatus.confirmed, Source.adviser)
