"""The world the access matrix (tests/test_access_matrix.py) is played in, built once.

Two organisations, A and B, each with one of everything a route can point at (an event with its sessions,
registrations, teams, interviews, a series, a site, a webhook, a calendar feed...). A also has a member of
each role, a read and a write API token, a phone paired with its event, and a partner organisation P (a
prescriber of A's event) with its admin; B has its admin, the stranger. A and B are SIAE: each hosts a
parcours (its touchpoints, a skills sheet) of a youth referred by a Mission Locale it is partnered with, P for
A (the partner's side of A's parcours), Q for B. The secret links (a youth's page,
an event's public page, a follow-up survey, an invitation, a password reset, a calendar feed, an
organisation's public page) are known in clear here, so that the matrix can open them.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from accounts import directory, members, tokens
from accounts.services import token_hash
from accounts.tables import (
    ApiTokenScope,
    Invitation,
    Logo,
    Membership,
    Organisation,
    OrganisationKind,
    Partnership,
    PasswordReset,
    Role,
    User,
)
from calendars.feeds import token_hash as feed_hash
from calendars.tables import CalendarFeed
from checkin import tickets
from checkin.tables import CheckIn
from core.clock import utcnow
from events import services, sites
from events.inputs import SessionInput, SiteInput
from events.tables import Event, EventStatus, Format, PartnerRole, Site
from outcomes.tables import FollowUp
from outreach.tables import PublicPage
from parcours import services as parcours
from parcours import skills as parcours_skills
from parcours.tables import Touchpoint, TouchpointKind
from planning.tables import PairRule, TravelTime
from registration.tables import Registration
from tests.factories.accounts import make_organisation, make_user, principal
from tests.factories.events import make_event, make_partner, make_series
from tests.factories.parcours import Hiring, open_for
from tests.factories.planning import make_companion, make_interview, make_team, make_visit
from tests.factories.registration import make_registration, make_youth, registered
from webhooks import services as webhooks

ROLES = (Role.viewer, Role.adviser, Role.staff, Role.organiser, Role.admin)


@dataclass
class Side:
    """One organisation's objects: the value of each path parameter pointing at them."""

    organisation: Organisation
    admin: Any  # CurrentUser
    values: dict[str, Any] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)  # first path segment -> the secret of that link
    hiring: Hiring | None = None  # its parcours' people (tests/factories/parcours.py), to open fresh ones


@dataclass
class World:
    a: Side
    b: Side
    emails: dict[str, str]  # principal -> e-mail of a console user
    api_read: str
    api_write: str
    device: str
    youth: str  # A's youth's personal link token
    n: int = 0  # a counter for fresh objects' names

    def side(self, target: str) -> Side:
        return self.a if target == "A" else self.b


async def _side(letter: str, name: str) -> Side:
    """An organisation with one of everything."""
    organisation = await make_organisation(name, OrganisationKind.siae)
    admin_user = await make_user(f"admin@{letter}.test", organisation, Role.admin)
    admin = await principal(admin_user)
    starts_on = date.today() + timedelta(days=5)
    event = await make_event(
        organisation,
        title=f"Rallye {letter}",
        format=Format.rallye,
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=2),
    )
    partner_id = await directory.add_partner(admin, organisation.id, directory.PartnerOrganisationInput(name="Garage"))
    site_id = await sites.create_site(admin, SiteInput(name=f"Atelier {letter}"))
    host = await make_organisation(f"Garage {letter}", OrganisationKind.entreprise)
    await make_partner(event, host, PartnerRole.host_company)  # the site is a company's that hosts visits
    await Site.update({Site.host: host.id}).where(Site.id == site_id)
    session_id = await services.add_session(
        admin,
        event.id,
        SessionInput(
            title="Visite", starts_at=datetime(2030, 1, 7, 9), ends_at=datetime(2030, 1, 7, 10), site_id=site_id
        ),
    )
    series_id = await make_series(
        admin,
        title=f"Info-coll {letter}",
        format=Format.info_collective,
        rrule="FREQ=MONTHLY;BYDAY=+2TU",
        first_start=datetime(2030, 1, 8, 9, 30),
        duration_minutes=90,
        months_ahead=2,
    )
    await Event.update({Event.status: EventStatus.published}).where(Event.id == event.id)
    registration = await registered(event, first_name="Inès", last_name=letter.upper(), phone=_phone(letter, 0))
    registration_id = registration["id"]
    participant_id = (
        await Registration.select(Registration.participant).where(Registration.id == registration_id).first()
    )["participant"]
    await tokens.create_token(admin, organisation.id, "Un script", ApiTokenScope.read)
    invitation_id = await members.invite(admin, organisation.id, f"recrue@{letter}.test", Role.staff)
    membership_id = await _spare_membership(organisation, f"spare@{letter}.test")
    planning = await _planning(event, organisation, registration_id, site_id)
    check_in = CheckIn(registration=registration_id, session=session_id, nonce=f"scan-{letter}")
    await check_in.save()
    device_id = await _spare_device(admin, event.id)
    feed_token = secrets.token_urlsafe(32)
    feed = CalendarFeed(
        kind="organisation",
        subject=organisation.id,
        organisation=organisation.id,
        token_hash=feed_hash(feed_token),
        created_by=admin_user.id,
    )
    await feed.save()
    survey_token = secrets.token_urlsafe(16)
    follow_up = FollowUp(
        registration=registration_id, days=30, due_on=date(2030, 1, 7), token_hash=token_hash(survey_token)
    )
    await follow_up.save()
    endpoint_id, _secret = await webhooks.add_endpoint(
        admin, organisation.id, f"http://127.0.0.1:9/crm-{letter}", ["registration.created"]
    )
    code, digest = await _public_page(organisation)
    invitation_token = await _invitation(organisation, admin_user.id, f"invitee@{letter}.test")
    reset_token = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(days=365)
    await PasswordReset(user=admin_user.id, token_hash=token_hash(reset_token), expires_at=expires_at).save()
    badges = await tickets.start_badges(event.id, event.title)
    await badges.task  # rendered: its progress page and its PDF are there
    values = {
        "organisation_id": organisation.id,
        "event_id": event.id,
        "session_id": session_id,
        "site_id": site_id,
        "series_id": series_id,
        "registration_id": registration_id,
        "participant_id": participant_id,
        "follow_up_id": follow_up.id,
        "endpoint_id": endpoint_id,
        "list_id": f"session-{session_id}",
        "check_in_id": check_in.id,
        "device_id": device_id,
        "job_id": badges.id,
        "feed_id": feed.id,
        "travel_id": planning["travel"].id,
        "companion_id": planning["companion"].id,
        "team_id": planning["team"].id,
        "visit_id": planning["visit"].id,
        "pair_id": planning["pair"].id,
        "interview_id": planning["interview"].id,
        "token_id": await _spare_token(admin, organisation.id),
        "invitation_id": invitation_id,
        "membership_id": membership_id,
        "name": f"{feed_token}.ics",
        "digest": digest,
        "partner_id": partner_id,
        "occurrence_id": (await Event.select(Event.id).where(Event.series == series_id).first())["id"],
        "other_participant_id": (await make_youth(organisation, first_name="Autre", phone=_e164(letter, 999))).id,
        "scan_nonce": check_in.nonce,
    }
    links = {
        "e": event.public_token,
        "r": registration["manage_token"],
        "s": survey_token,
        "o": code,
        "invitations": invitation_token,
        "password-reset": reset_token,
    }
    return Side(organisation, admin, values, links)


async def _planning(event: Event, organisation: Organisation, registration_id: int, site_id: int) -> dict[str, Any]:
    """A team with its companion and a visit, a pairing rule, an interview, a travel time."""
    companion = await make_companion(event, f"Accompagnatrice {organisation.name}")
    team = await make_team(event, 1, members=[registration_id], companion=companion)
    start = datetime(2030, 1, 7, 9, tzinfo=UTC)
    visit = await make_visit(team, site_id, start, start + timedelta(hours=1))
    pair = PairRule(event=event.id, first=registration_id, second=registration_id, together=False)
    await pair.save()
    interview = await make_interview(registration_id, site_id, start, start + timedelta(minutes=20))
    travel = TravelTime(organisation=organisation.id, origin=site_id, destination=site_id, car_minutes=5)
    await travel.save()
    return {
        "companion": companion,
        "team": team,
        "visit": visit,
        "pair": pair,
        "interview": interview,
        "travel": travel,
    }


async def _public_page(organisation: Organisation) -> tuple[str, str]:
    """The organisation's public page (its code) and its logo (its digest)."""
    code = f"page{organisation.id}{secrets.token_hex(3)}"
    await PublicPage(organisation=organisation.id, code=code).save()
    digest = secrets.token_hex(32)
    await Logo(digest=digest, content_type="image/png", content=b"\x89PNG\r\n\x1a\n").save()
    await Organisation.update({Organisation.logo: digest}).where(Organisation.id == organisation.id)
    return code, digest


def _e164(letter: str, n: int) -> str:
    return "+33" + _phone(letter, n).replace(" ", "")[1:]


def _phone(letter: str, n: int) -> str:
    return f"06 {1 + 'ab'.index(letter.lower())}2 {n // 10000 % 100:02d} {n // 100 % 100:02d} {n % 100:02d}"


async def _spare_membership(organisation: Organisation, email: str) -> int:
    user = await make_user(email, organisation, Role.staff)
    return (await Membership.select(Membership.id).where(Membership.user == user.id).first())["id"]


async def _spare_device(user, event_id: int) -> int:
    from checkin.tables import Device

    token = await tickets.create_device(user, event_id, f"Téléphone {secrets.token_hex(2)}", 3)
    return (await Device.select(Device.id).where(Device.token_hash == tickets._hash(token)).first())["id"]


async def _spare_token(user, organisation_id: int) -> int:
    from accounts.tables import ApiToken

    token = await tokens.create_token(user, organisation_id, f"Jetable {secrets.token_hex(2)}", ApiTokenScope.read)
    return (await ApiToken.select(ApiToken.id).where(ApiToken.token_hash == token_hash(token)).first())["id"]


async def _invitation(organisation: Organisation, by: int, email: str) -> str:
    token = secrets.token_urlsafe(32)
    await Invitation(
        organisation=organisation.id,
        email=email,
        role=Role.viewer,
        token_hash=token_hash(token),
        invited_by=by,
        expires_at=utcnow() + timedelta(days=7),
    ).save()
    return token


async def build_world() -> World:
    a = await _side("a", "ACI A")
    b = await _side("b", "ACI B")
    emails = {"stranger": "admin@b.test", "admin": "admin@a.test", "login": "login@a.test"}
    await make_user("login@a.test", a.organisation, Role.viewer)  # whom anyone may log in as (POST /login)
    for role in ROLES:
        if role != Role.admin:
            await make_user(f"{role.value}@a.test", a.organisation, role)
            emails[role.value] = f"{role.value}@a.test"
    partner_org = await make_organisation("Mission Locale partenaire P", OrganisationKind.mission_locale)
    await make_user("admin@p.test", partner_org, Role.admin)
    emails["partner"] = "admin@p.test"
    event = await Event.objects().get(Event.id == a.values["event_id"])
    await make_partner(event, partner_org, PartnerRole.prescriber)
    await _parcours(a, partner_org, "a", supervisor=await User.objects().get(User.email == "staff@a.test"))
    other_ml = await make_organisation("Mission Locale Q", OrganisationKind.mission_locale)
    await _parcours(b, other_ml, "b", supervisor=await make_user("encadrant@b.test", b.organisation, Role.staff))
    api_read = await tokens.create_token(a.admin, a.organisation.id, "Lecture", ApiTokenScope.read)
    api_write = await tokens.create_token(a.admin, a.organisation.id, "Écriture", ApiTokenScope.write)
    device = await tickets.create_device(a.admin, a.values["event_id"], "Téléphone d'accueil", 3)
    return World(a, b, emails, api_read, api_write, device, a.links["r"])


async def _parcours(side: Side, ml: Organisation, letter: str, supervisor: User) -> None:
    """The SIAE's parcours of a youth its partner Mission Locale `ml` referred (to an information session of the
    SIAE): the ML's adviser is its referent; its touchpoints planned, the skills sheet of its start filled in."""
    await Partnership(owner=side.organisation.id, partner=ml.id).save()
    adviser = await make_user(f"conseillere@{letter}-ml.test", ml, Role.adviser)
    youth = await make_youth(side.organisation, "Léa", f"Parcours {letter.upper()}", phone=_e164(letter, 5000))
    info = await make_event(side.organisation, title=f"Info-coll de l'ACI {letter.upper()}")
    await make_registration(info, youth, referred_by=adviser.id, referring_organisation=ml.id)
    side.hiring = Hiring(
        siae=side.organisation,
        ml=ml,
        counsellor=side.admin,
        supervisor=supervisor,
        manager=supervisor,
        adviser=await principal(adviser),
        adviser_user=adviser,
        youth=youth,
    )
    start = date.today() + timedelta(days=10)
    parcours_id = await open_for(side.hiring, start, start + timedelta(days=90))
    await parcours_skills.save_sheet(side.admin, parcours_id, "start", {"observed_safety": "2", "self_safety": "3"})
    touchpoint = await (
        Touchpoint.select(Touchpoint.id).where(Touchpoint.parcours == parcours_id).order_by(Touchpoint.starts_at)
    ).first()
    side.values |= {
        "parcours_id": parcours_id,
        "touchpoint_id": touchpoint["id"],
        "parcours_adviser_id": adviser.id,
        "touchpoint_at": f"{start + timedelta(days=20)}T09:00",  # within the contract
    }


async def fresh(world: World, target: str, name: str) -> Any:
    """A new object for a route that destroys what it is given (a deletion, a revocation, an erasure)."""
    assert name in _MAKERS, f"no fresh {name}: add it to tests/access_world.py"
    world.n += 1
    return await _MAKERS[name](world.side(target), target.lower(), world.n)


async def _session(side: Side, letter: str, n: int) -> int:
    times = {"starts_at": datetime(2030, 1, 8, 9), "ends_at": datetime(2030, 1, 8, 10)}
    return await services.add_session(side.admin, side.values["event_id"], SessionInput(title=f"Visite {n}", **times))


async def _invited(side: Side, letter: str, n: int) -> int:
    return await members.invite(side.admin, side.organisation.id, f"recrue{n}@{letter}.test", Role.staff)


async def _endpoint(side: Side, letter: str, n: int) -> int:
    url = f"http://127.0.0.1:9/crm-{n}"
    return (await webhooks.add_endpoint(side.admin, side.organisation.id, url, ["registration.created"]))[0]


async def _registered(side: Side, letter: str, n: int) -> dict:
    event = await Event.objects().get(Event.id == side.values["event_id"])
    return await registered(event, first_name=f"Jeune{n}", last_name="X", phone=_phone(letter, n), email="")


async def _feed(side: Side, letter: str, n: int) -> int:
    feed = CalendarFeed(
        kind="organisation",
        subject=side.organisation.id,
        organisation=side.organisation.id,
        token_hash=feed_hash(secrets.token_urlsafe(32)),
        created_by=side.admin.id,
    )
    await feed.save()
    return feed.id


async def _interview(side: Side, letter: str, n: int) -> int:
    start = datetime(2030, 1, 7, 10, tzinfo=UTC)
    registration_id, site_id = side.values["registration_id"], side.values["site_id"]
    return (await make_interview(registration_id, site_id, start, start + timedelta(minutes=20))).id


async def _companion(side: Side, letter: str, n: int) -> int:
    event = await Event.objects().get(Event.id == side.values["event_id"])
    return (await make_companion(event, f"Accompagnateur {n}")).id


async def _pair(side: Side, letter: str, n: int) -> int:
    registration_id = side.values["registration_id"]
    pair = PairRule(event=side.values["event_id"], first=registration_id, second=registration_id, together=True)
    await pair.save()
    return pair.id


async def _travel(side: Side, letter: str, n: int) -> int:
    site_id = side.values["site_id"]
    travel = TravelTime(organisation=side.organisation.id, origin=site_id, destination=site_id, car_minutes=n)
    await travel.save()
    return travel.id


async def _scan(side: Side, letter: str, n: int) -> str:
    """A scan to undo: a youth of its own, as a youth is checked in once per session (PostgreSQL's constraint)."""
    registration_id = (await _registered(side, letter, 2000 + n))["id"]
    check_in = CheckIn(registration=registration_id, session=side.values["session_id"], nonce=f"s{letter}{n}")
    await check_in.save()
    return check_in.nonce


async def _fresh_parcours(side: Side, letter: str, n: int) -> int:
    start = date.today() + timedelta(days=10 + n % 30)
    assert side.hiring is not None
    return await open_for(side.hiring, start, start + timedelta(days=60))


async def _touchpoint(side: Side, letter: str, n: int) -> int:
    when = datetime.fromisoformat(side.values["touchpoint_at"]) + timedelta(hours=n % 8)
    data = parcours.TouchpointInput(starts_at=when, kind=TouchpointKind.contact)
    return await parcours.add_touchpoint(side.admin, side.values["parcours_id"], data)


async def _youth(side: Side, letter: str, n: int) -> int:
    return (await make_youth(side.organisation, first_name=f"Jeune{n}", phone=_e164(letter, 4000 + n))).id


# Path parameter (or first segment of a secret link, or body field's kind) -> a maker of a new one.
_MAKERS: dict[str, Callable[[Side, str, int], Awaitable[Any]]] = {
    "session_id": _session,
    "device_id": lambda side, letter, n: _spare_device(side.admin, side.values["event_id"]),
    "token_id": lambda side, letter, n: _spare_token(side.admin, side.organisation.id),
    "membership_id": lambda side, letter, n: _spare_membership(side.organisation, f"spare{n}@{letter}.test"),
    "invitation_id": _invited,
    "endpoint_id": _endpoint,
    "participant_id": lambda side, letter, n: _field(_registered(side, letter, n), "participant"),
    "registration_id": lambda side, letter, n: _field(_registered(side, letter, n), "id"),
    "r": lambda side, letter, n: _field(_registered(side, letter, 3000 + n), "manage_token"),
    "feed_id": _feed,
    "invitations": lambda side, letter, n: _invitation(side.organisation, side.admin.id, f"invitee{n}@{letter}.test"),
    "participant": _youth,
    "interview_id": _interview,
    "companion_id": _companion,
    "pair_id": _pair,
    "travel_id": _travel,
    "scan_nonce": _scan,
    "parcours_id": _fresh_parcours,
    "touchpoint_id": _touchpoint,
}


async def _field(row: Awaitable[dict], name: str) -> Any:
    return (await row)[name]
