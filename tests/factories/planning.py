"""Rallies and job datings to plan: companions, teams, visits, interviews, and the one rally builder.

`rally()` makes a published rally. By default: two days of visits from the Mission Locale (a morning and an
afternoon each day), four host companies, nine youths and three companions, no team yet: what the planner
needs. Its keyword options describe any other rally: the days and sessions, the meeting point and the places
visited, the youths (written to the tables, or registered by an adviser through the registration service,
with their tickets), the companions, the teams already made with their visits (published or not), a staff
member. tests.factories.checkin.rally_under_way is one of those rallies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from accounts.services import CurrentUser
from accounts.tables import Organisation, OrganisationKind, Role
from events.tables import Event, EventStatus, Format, PartnerRole, Session, SessionKind, Site, SiteKind
from planning.services import publish_details
from planning.tables import Companion, Interview, Team, TeamMember, Visit
from registration.tables import Source
from tests.factories.accounts import make_organisation, make_user, principal
from tests.factories.events import NEXT_MONTH, make_event, make_partner, make_session, make_site
from tests.factories.registration import make_registration, make_youth, published_event, registered

PARIS = ZoneInfo("Europe/Paris")


# --------------------------------------------------------------------------- companions, teams, visits


async def make_companion(event: Event, full_name: str, **fields: Any) -> Companion:
    companion = Companion(event=event.id, full_name=full_name, **fields)
    await companion.save()
    return companion


async def make_team(
    event: Event,
    number: int,
    *,
    members: Sequence[int] = (),
    companion: Companion | None = None,
    published: bool = False,
) -> Team:
    """Team `number` of `event`, with the registrations `members` (ids) and, if given, its companion."""
    team = Team(
        event=event.id,
        number=number,
        companion=companion.id if companion else None,
        published_at=datetime.now(UTC) if published else None,
    )
    await team.save()
    for registration_id in members:
        await TeamMember(team=team.id, registration=registration_id).save()
    return team


async def make_visit(team: Team, site: Site | int, starts_at: datetime, ends_at: datetime) -> Visit:
    visit = Visit(team=team.id, site=site if isinstance(site, int) else site.id, starts_at=starts_at, ends_at=ends_at)
    await visit.save()
    return visit


async def make_interview(
    registration_id: int, site: Site | int, starts_at: datetime, ends_at: datetime, **fields: Any
) -> Interview:
    """A job dating interview of a registration at a company's site (a draft unless `published_at` is given)."""
    interview = Interview(
        registration=registration_id,
        site=site if isinstance(site, int) else site.id,
        starts_at=starts_at,
        ends_at=ends_at,
        **fields,
    )
    await interview.save()
    return interview


# --------------------------------------------------------------------------- what a rally is made of


@dataclass(frozen=True)
class Place:
    """A site of the rally. A company's (`company`) is hosted by an organisation of its own, partner of the
    event as host company; `site` holds the site's other columns."""

    name: str
    where: tuple[float, float] | None = None  # (latitude, longitude)
    company: bool = True
    site: Mapping[str, Any] = field(default_factory=dict)


def place(name: str, where: tuple[float, float] | None = None, *, company: bool = True, **site: Any) -> Place:
    return Place(name, where, company, site)


@dataclass(frozen=True)
class Slot:
    """A session of the rally; `at_meeting`: held at the rally's meeting point."""

    starts_at: datetime
    ends_at: datetime
    title: str = "Visites"
    kind: SessionKind = SessionKind.visits
    at_meeting: bool = True


@dataclass(frozen=True)
class TeamPlan:
    """A team made before the test starts: youths and companion by their position in the rally's lists,
    visits as (place name, start, end)."""

    number: int
    members: Sequence[int] = ()
    companion: int | None = None
    visits: Sequence[tuple[str, datetime, datetime]] = ()
    published: bool = False


def _company(name: str, sector: str, where: tuple[float, float], accessible: bool) -> Place:
    return place(
        name,
        where,
        sector=sector,
        address="1 rue de l'Usine",
        city="Valence",
        accessible=accessible,
        visit_minutes=45,
        contact_name="Mme Roux",
        contact_phone="0475000000",
    )


MEETING = place(
    "Mission Locale",
    (44.9305, 4.8990),
    company=False,
    kind=SiteKind.mission_locale,
    address="5 avenue des Alpes",
    city="Valence",
    accessible=True,
)
COMPANIES = [
    _company("Logistique Rhône Sud", "logistique", (44.9087, 4.9273), True),
    _company("EHPAD Les Glycines", "aide_a_la_personne", (44.9412, 4.9001), True),
    _company("BTP Construction Drômoise", "btp", (44.8752, 4.8770), False),
    _company("Hôtel du Parc", "hotellerie_restauration", (44.9350, 4.8850), True),
]
FIRST_NAMES = ["Inès", "Yanis", "Lina", "Sofiane", "Jade", "Rayan", "Chloé", "Noah", "Amel"]


def half_days(first_day: date, days: int = 2) -> list[Slot]:
    """Visits 8:30–12:00 and 13:30–17:00 (Paris, in winter time) on `days` days from `first_day`."""
    slots = []
    for day in range(days):
        midnight = datetime.combine(first_day + timedelta(days=day), datetime.min.time(), UTC)
        for start, end in ((8.5, 12), (13.5, 17)):
            begin = midnight + timedelta(hours=start - 1)  # Paris in UTC+1
            slots.append(Slot(begin, begin + timedelta(hours=end - start)))
    return slots


def rally_youth(n: int) -> dict[str, Any]:
    """The nth youth of the default rally: one sector of the four companies, an e-mail one time in two."""
    return {
        "first_name": FIRST_NAMES[n % len(FIRST_NAMES)],
        "last_name": f"Martin{n}",
        "phone": f"+3361100{n:04d}",
        "sectors": [COMPANIES[n % len(COMPANIES)].site["sector"]],
        "email": f"jeune{n}@exemple.fr" if n % 2 == 0 else "",
    }


def first_team(published: bool = True) -> TeamPlan:
    """Team 1 of the default rally: its first three youths and first companion visit Logistique Rhône Sud
    at 9:30 on the first day."""
    start = datetime.combine(NEXT_MONTH, datetime.min.time(), PARIS).replace(hour=9, minute=30)
    visit = ("Logistique Rhône Sud", start, start + timedelta(minutes=45))
    return TeamPlan(1, members=(0, 1, 2), companion=0, visits=[visit], published=published)


# --------------------------------------------------------------------------- the rally


@dataclass
class Rally:
    organisation: Organisation
    event: Event
    sessions: list[Session]
    meeting: Site | None
    sites: dict[str, Site]  # the places teams visit, by name
    companies: dict[str, Organisation]  # their host companies, by the site's name
    youths: list[dict]  # {"id" (the registration's), "token" (the ticket's), "first_name", "last_name", "phone"}
    companions: list[Companion]
    teams: list[Team]
    visits: list[Visit]
    staff: CurrentUser | None = None

    @property
    def registrations(self) -> list[int]:
        return [youth["id"] for youth in self.youths]

    @property
    def session(self) -> Session:
        return self.sessions[0]

    @property
    def team(self) -> Team:
        return self.teams[0]

    @property
    def visit(self) -> Visit:
        return self.visits[0]

    @property
    def companion(self) -> Companion:
        return self.companions[0]

    @property
    def session_list(self) -> str:
        """The check-in list of the first session."""
        return f"session-{self.session.id}"

    @property
    def visit_list(self) -> str:
        """The check-in list of the first visit."""
        return f"visit-{self.visit.id}"


async def _place(organisation: Organisation, event: Event, where: Place) -> tuple[Site, Organisation | None]:
    if not where.company:
        return await make_site(organisation, where.name, where.where, **where.site), None
    company = await make_organisation(where.name, OrganisationKind.entreprise)
    await make_partner(event, company, PartnerRole.host_company)
    return await make_site(organisation, where.name, where.where, host=company.id, **where.site), company


async def rally(
    organisation: Organisation | None = None,
    *,
    title: str = "Rallye test",
    starts_on: date = NEXT_MONTH,
    ends_on: date | None = None,
    contact_phone: str = "0612345678",
    sessions: Sequence[Slot] | None = None,
    meeting: Place | None = MEETING,
    places: Sequence[Place] = COMPANIES,
    youths: int | Sequence[Mapping[str, Any]] = 9,
    tickets: bool = False,
    companions: int | Sequence[Mapping[str, Any]] = 3,
    teams: Sequence[TeamPlan] = (),
    staff: str | None = None,
) -> Rally:
    """A published rally of `organisation` (a new Mission Locale if None).

    sessions: two days of half-day visits from `starts_on` when None; youths: a number of rally_youth()
    youths or each youth's fields; tickets: the youths register through the registration service, sent by
    an adviser (tickets, confirmations), instead of being written to the tables; companions: a number or
    each one's fields; teams: made with their members and visits; staff: the e-mail of a staff member.
    """
    organisation = organisation or await make_organisation("Mission Locale Drôme", OrganisationKind.mission_locale)
    user = await make_user(staff, organisation, Role.staff) if staff else None
    event = await make_event(
        organisation,
        title=title,
        format=Format.rallye,
        status=EventStatus.published,
        starts_on=starts_on,
        ends_on=ends_on,
        contact_phone=contact_phone,
    )
    meeting_site = (await _place(organisation, event, meeting))[0] if meeting else None
    made_sessions = []
    for slot in half_days(starts_on) if sessions is None else sessions:
        site = meeting_site.id if slot.at_meeting and meeting_site else None
        made_sessions.append(
            await make_session(event, slot.starts_at, slot.ends_at, title=slot.title, kind=slot.kind, site=site)
        )
    sites, companies = {}, {}
    for visited in places:
        sites[visited.name], company = await _place(organisation, event, visited)
        if company:
            companies[visited.name] = company

    made_youths = []
    for n, fields in enumerate([rally_youth(n) for n in range(youths)] if isinstance(youths, int) else youths):
        if tickets:
            row = await registered(event, source=Source.adviser, **fields)
            registration_id, token = row["id"], row["ticket_token"]
        else:
            person = await make_youth(organisation, **fields)
            registration = await make_registration(event, person, manage_token=f"manage-{event.id}-{n}")
            registration_id, token = registration.id, registration.ticket_token
        made_youths.append(
            {
                "id": registration_id,
                "token": token,
                "first_name": fields["first_name"],
                "last_name": fields["last_name"],
                "phone": fields["phone"],
            }
        )

    if isinstance(companions, int):
        companions = [
            {"full_name": f"Accompagnateur {n + 1}", "phone": "0611223344", "has_car": n != 1}
            for n in range(companions)
        ]
    made_companions = [await make_companion(event, **fields) for fields in companions]

    made_teams, made_visits = [], []
    for plan in teams:
        team = await make_team(
            event,
            plan.number,
            members=[made_youths[i]["id"] for i in plan.members],
            companion=None if plan.companion is None else made_companions[plan.companion],
            published=plan.published,
        )
        made_teams.append(team)
        for name, starts_at, ends_at in plan.visits:
            made_visits.append(await make_visit(team, sites[name], starts_at, ends_at))
    told = {made_youths[i]["id"] for plan in teams if plan.published for i in plan.members}
    if told:  # what the youths of published teams were told, as publishing records it
        await publish_details(event.id, told, datetime.now(UTC))

    return Rally(
        organisation=organisation,
        event=event,
        sessions=made_sessions,
        meeting=meeting_site,
        sites=sites,
        companies=companies,
        youths=made_youths,
        companions=made_companions,
        teams=made_teams,
        visits=made_visits,
        staff=await principal(user) if user else None,
    )


# --------------------------------------------------------------------------- a job dating


JOB_DATING_YOUTHS = [("Inès", "logistique"), ("Karim", "commerce"), ("Léa", "logistique"), ("Sami", "commerce")]


async def job_dating(organisation: Organisation, *, companies: bool = True, youths=JOB_DATING_YOUTHS):
    """A job dating 14:00–15:00 (three 20-minute slots), two one-recruiter companies and four youths;
    returns (event, [sites], [registrations])."""
    event = await published_event(
        None,
        organisation=organisation,
        title="Job dating des Tilleuls",
        format=Format.job_dating,
        options={"slot_minutes": 20},
    )
    start = datetime.combine(NEXT_MONTH, time(14), PARIS)
    await make_session(event, start, start.replace(hour=15), title="Entretiens", kind=SessionKind.interviews)
    sites = []
    if companies:
        for name, sector in (("Transports Nord", "logistique"), ("Boulangerie Paul", "commerce")):
            company = await make_organisation(name, OrganisationKind.entreprise)
            await make_partner(event, company, PartnerRole.host_company)
            site = await make_site(
                organisation,
                name,
                host=company.id,
                sector=sector,
                address="3 rue des Lilas",
                postcode="26000",
                city="Valence",
                capacity_per_slot=1,
            )
            sites.append(site)
    registrations = []
    for index, (first_name, sector) in enumerate(youths):
        person = await make_youth(
            organisation,
            first_name,
            "Martin",
            f"+3361234560{index}",
            email=f"{first_name.lower()}@exemple.fr" if index % 2 == 0 else "",
            sectors=[sector],
        )
        registrations.append(await make_registration(event, person))
    return event, sites, registrations
