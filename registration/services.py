"""Registration rules: places, waiting list, approval, duplicates, consents, cancellation.

Every change runs in one write transaction that first locks the event (a row lock on
PostgreSQL, the write lock on SQLite), so two requests never take the same last place.
Messages to the youth are written to the outbox in the same transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from piccolo.query.functions.aggregate import Count

from accounts.services import CurrentUser
from accounts.tables import Role
from core import signals
from core.clock import utcnow
from core.db import is_sqlite, is_unique_violation, marks, read, sql, write_transaction
from core.errors import Refusal
from core.labels import label
from events import access
from events.services import get_event
from events.sites import SECTORS
from events.tables import Event, EventStatus
from messaging import outbox, templates
from messaging.sms import gsm7_friendly
from messaging.tables import Channel
from registration import messages, places, tokens
from registration import signals as registration_signals
from registration.errors import (
    AnswerRequired,
    DuplicateRegistration,
    EventFull,
    InvalidTransition,
    NoPlaceLeft,
    OutsideAgeRange,
    ParentalConsentRequired,
    RegistrationClosed,
    SessionRequired,
)
from registration.inputs import RegistrationInput
from registration.people import age_on, check_birth_date, check_email, check_place, normalise_phone
from registration.tables import (
    Consent,
    ConsentKind,
    Proposal,
    Question,
    QuestionKind,
    ReferralLink,
    Registration,
    RegistrationStatus,
    Source,
)

ACTIVE = (RegistrationStatus.confirmed, RegistrationStatus.waiting, RegistrationStatus.pending)
PARENTAL_CONSENT_BELOW = 15
UNLIMITED = 2**31 - 1
STATUS_MESSAGE = {
    RegistrationStatus.confirmed: "confirmation",
    RegistrationStatus.waiting: "waiting",
    RegistrationStatus.pending: "pending",
}
# Sessions with their own number of places are chosen one by one on the public form.
SESSIONS_TO_CHOOSE = "SELECT count(*) AS n FROM event_session WHERE event = {} AND capacity IS NOT NULL"
# Counts the places taken and inserts the registration, confirmed or waiting, in one statement
# (run while the event row is locked, so the count cannot go stale).
TAKE_A_PLACE = (
    "INSERT INTO registration (status, source, referred_by, referring_organisation, manage_hash, manage_sealed, "
    "created_at, answers, session, ticket_hash, ticket_sealed, ticket_issued_at, event, participant) VALUES ("
    "(SELECT CASE WHEN (SELECT count(*) FROM registration WHERE event = {} AND status = 'confirmed') < {} "
    "AND (SELECT count(*) FROM registration WHERE event = {} AND status = 'confirmed' AND session = {}) < {} "
    "THEN {} ELSE {} END), {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}) RETURNING id, status"
)


@dataclass(frozen=True, slots=True)
class Registered:
    registration_id: int
    manage_token: str  # the personal page's token, for the redirection there (the row keeps it sealed)
    status: RegistrationStatus


async def counts_by_event(event_ids: list[int]) -> dict[int, dict[str, int]]:
    """How many registrations each event has, by status (checkin adds who came: events.services.figures_by_event).
    Plain SQL: every event list asks, and Piccolo's query building cost more than the count."""
    if not event_ids:
        return {}
    rows = await read(
        "SELECT event, status, count(*) AS n FROM registration "
        f"WHERE event IN ({marks(event_ids)}) GROUP BY event, status",
        *event_ids,
    )
    counts: dict[int, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["event"], {})[row["status"]] = row["n"]
    return counts


def registration_open(event: dict | Event, now: datetime, source: Source) -> bool:
    get = event.get if isinstance(event, dict) else lambda k: getattr(event, k)
    if get("status") != EventStatus.published:
        return source != Source.public and get("status") == EventStatus.closed
    if source != Source.public:
        return True
    opens, closes = get("registration_opens_at"), get("registration_closes_at")
    if opens and now < opens or closes and now >= closes:
        return False
    return get("ends_on") >= now.date()


async def _lock(event_id: int) -> Event:
    if not is_sqlite():  # SQLite: the write lock already serialises writers
        await Event.raw("SELECT id FROM event WHERE id = {} FOR UPDATE", event_id)
    return await Event.objects().where(Event.id == event_id).output(load_json=True).first()


async def _confirmed(event_id: int, session_id: int | None = None) -> int:
    query = Registration.count().where(
        (Registration.event == event_id) & (Registration.status == RegistrationStatus.confirmed)
    )
    if session_id is not None:
        query = query.where(Registration.session == session_id)
    return await query


async def _has_place(event: Event, session: dict | None) -> bool:
    if event.capacity is not None and await _confirmed(event.id) >= event.capacity:
        return False
    return not (
        session and session["capacity"] is not None and await _confirmed(event.id, session["id"]) >= session["capacity"]
    )


def _checked_answers(questions: list[dict], answers: dict) -> dict:
    clean: dict = {}
    for question in questions:
        key = str(question["id"])
        value = answers.get(key, [] if question["kind"] == QuestionKind.multiple else "")
        allowed = {QuestionKind.choice: question["choices"], QuestionKind.yes_no: ["yes", "no"]}.get(question["kind"])
        if question["kind"] == QuestionKind.multiple:
            value = [v for v in (value if isinstance(value, list) else [value]) if v in question["choices"]]
        elif allowed is not None and value not in allowed:
            value = ""
        if question["required"] and not value:
            raise AnswerRequired(field=f"q_{key}")
        if value:
            clean[key] = value.strip() if isinstance(value, str) else value
    return clean


async def questions_of(event_id: int) -> list[dict]:
    """The organiser's own questions of an event, in the order of the form."""
    return await Question.select().where(Question.event == event_id).order_by(Question.position).output(load_json=True)


async def _check_answers(event_id: int, answers: dict) -> dict:
    return _checked_answers(await questions_of(event_id), answers)


def _check_audience(data: RegistrationInput, event: dict, source: Source) -> None:
    low, high = event["age_min"], event["age_max"]
    if data.birth_date and source == Source.public and (low or high):
        age = age_on(data.birth_date, event["starts_on"])
        if (low and age < low) or (high and age > high):
            raise OutsideAgeRange(field="birth_date", low=low or 0, high=high or 99)


def _clean_profile(data: RegistrationInput, today: date, source: Source) -> dict:
    phone = normalise_phone(data.phone)
    check_birth_date(data.birth_date, today)
    postcode, commune = (
        check_place(data.postcode, data.commune)
        if source == Source.public
        else (data.postcode.strip(), data.commune.strip())
    )
    if (
        data.birth_date
        and age_on(data.birth_date, today) < PARENTAL_CONSENT_BELOW
        and not (data.parental_consent and data.parent_name.strip())
    ):
        raise ParentalConsentRequired(field="parent_name")
    return {
        "first_name": data.first_name.strip(),
        "last_name": data.last_name.strip(),
        "phone": phone,
        "email": check_email(data.email),
        "birth_date": data.birth_date,
        "postcode": postcode,
        "commune": commune,
        "sectors": [s for s in data.sectors if s in SECTORS],
        "driving_licence": data.driving_licence,
        "vehicle": data.vehicle,
        "reduced_mobility": data.reduced_mobility,
        "available_days": sorted({d for d in data.available_days if 0 <= d <= 6}),
    }


async def _record_consents(participant_id: int, data: RegistrationInput, recorded_by: int | None) -> None:
    active = {
        r["kind"]
        for r in await Consent.select(Consent.kind).where(
            (Consent.participant == participant_id) & Consent.withdrawn_at.is_null()
        )
    }
    for kind, given_by in _consents_given(data):
        if kind not in active:
            await Consent(participant=participant_id, kind=kind, given_by=given_by, recorded_by=recorded_by).save()


async def event_to_register_for(user: CurrentUser, event_id: int) -> dict:
    """An event the user may register youths for: 404 unless they see it; 403 unless they are at least an
    adviser in its organisation or in one of its partners (a viewer only reads)."""
    event = await get_event(user, event_id)
    partners = await access.partners_of(event_id)
    access.check(user, event["organisation"], partners.all, partners.all, minimum=Role.adviser)
    return event


async def sent_before(public_token: str, link: tokens.Issued) -> str | None:
    """The phone of the registration this event holds for `link` (derived from a form's submission key): the one
    a form sent again made, when it is for the same phone (the copy sent back for a brother changes it)."""
    row = (
        await Registration.select(Registration.participant.phone.as_alias("phone"))
        .where((Registration.manage_hash == link.hash) & (Registration.event.public_token == public_token))
        .first()
    )
    return row["phone"] if row else None


def same_phone(stored: str | None, typed: str) -> bool:
    return stored is not None and stored == normalise_phone(typed)


async def may_register(user: CurrentUser, event: dict) -> bool:
    """The same rule, as a yes or no for a page's buttons."""
    partners = await access.partners_of(event["id"])
    return access.runs(user, event["organisation"], partners.all, Role.adviser)


async def register(
    event_id: int | None,
    data: RegistrationInput,
    *,
    public_token: str | None = None,
    source: Source = Source.public,
    referral_code: str | None = None,
    by: CurrentUser | None = None,
    now: datetime | None = None,
    proposal: str | None = None,
    link: tokens.Issued | None = None,
) -> Registered:
    """Register a youth, or put them on the waiting list, in one short locked transaction.

    This is the busiest path of all, so the transaction speaks plain SQL: lock the event,
    upsert the youth, count the places, insert the registration and its message.
    """
    now = now or utcnow()
    if by is not None and event_id is not None:
        await event_to_register_for(by, event_id)  # a member registering a youth: their role decides
    referred_by, referring_org, proposal = await _referred(referral_code, by, source, proposal, public_token)
    profile = _clean_profile(data, now.date(), source)
    if source != Source.walk_in and not data.session_id:
        registered = await _register_at_once(
            event_id, public_token, data, profile, source, referred_by, referring_org, by, now, link
        )
        if registered is not None:
            if proposal:
                async with write_transaction():
                    await _proposal_answered(proposal, registered.registration_id)
            return registered

    async with write_transaction():
        # What does not need the event's lock comes first, to keep the lock short: the event and
        # its questions in one statement (by id, or by the public link's token), then the youth.
        found = await _event_with_questions(event_id, public_token)
        event_id, organisation_id = found[0]["id"], found[0]["organisation"]
        answers = _checked_answers(places.questions_in(found), data.answers)
        if by and source == Source.adviser and referring_org is None:
            referring_org = next((o for o in by.organisation_ids if o != organisation_id), None)
        youth = await _upsert_youth(organisation_id, profile, now, event_id)
        participant_id = youth["id"]
        if youth["state"] in ACTIVE:
            raise DuplicateRegistration(youth["existing"])
        existing = youth["existing"]
        session_id, session_capacity = await _chosen_session(data.session_id, event_id, source)

        # From here on, nobody else registers for this event until we commit.
        event = await _locked_open_event(event_id, now, source)
        _check_audience(data, event, source)
        fixed = _fixed_status(event, source)
        capacity = event["capacity"] if fixed is None and event["capacity"] is not None else UNLIMITED
        here = session_capacity if fixed is None and session_capacity is not None else UNLIMITED
        otherwise = RegistrationStatus.waiting if event["waiting_list"] else None
        link = link or tokens.issue(tokens.Purpose.manage)
        values = places.registration_values(source, referred_by, referring_org, link, now, answers, session_id)
        if existing or (otherwise is None and fixed is None):
            # Rare paths (coming back after cancelling, or a full event with no waiting list): count first.
            registration_id, status = await _register_counting_first(
                event_id, participant_id, existing, session_id, capacity, here, fixed, otherwise, values
            )
        else:
            # The common path: the place is counted and taken in the same statement.
            registration_id, status = await _take_a_place(
                event_id, participant_id, session_id, capacity, here, fixed, otherwise, values
            )
        await _registered(registration_id, status, participant_id, organisation_id, data, by, proposal)
    outbox.wake()
    return Registered(registration_id, link.token, status)


async def _registered(
    registration_id: int,
    status: str,
    participant_id: int,
    organisation_id: int,
    data: RegistrationInput,
    by: CurrentUser | None,
    proposal: str | None,
) -> None:
    """What follows a registration in its transaction: consents, the youth's message, the adviser's proposal
    answered, partners told."""
    if _consents_given(data):
        await _record_consents(participant_id, data, by.id if by else None)
    await messages.tell(registration_id, STATUS_MESSAGE[status])
    if proposal:
        await _proposal_answered(proposal, registration_id)
    await _announce(registration_id, organisation_id, "created")


async def _referred(
    referral_code: str | None, by: CurrentUser | None, source: Source, proposal: str | None, public_token: str | None
) -> tuple[int | None, int | None, str | None]:
    """Who referred the youth (`_referrer`), unless they came through an adviser's proposal of this event
    (registration.proposals): then the adviser did; and the proposal's token when it is one."""
    proposer = await _proposer(proposal, public_token) if proposal and public_token else None
    if proposer is None:
        return (*await _referrer(referral_code, by, source), None)
    return (*proposer, proposal)


async def _proposer(proposal: str, public_token: str) -> tuple[int, int | None] | None:
    """The adviser and organisation of a proposal of this event (its link's token), if it is one."""
    row = (
        await Proposal.select(Proposal.proposed_by, Proposal.referring_organisation)
        .where((Proposal.token_hash == tokens.digest(proposal)) & (Proposal.event.public_token == public_token))
        .first()
    )
    return (row["proposed_by"], row["referring_organisation"]) if row else None


async def _proposal_answered(proposal: str, registration_id: int) -> None:
    """The youth registered through the proposal's link: the adviser's page follows that registration."""
    await Proposal.update({Proposal.registration: registration_id}).where(
        Proposal.token_hash == tokens.digest(proposal)
    )


async def _announce(registration_id: int, organisation_id: int, change: str) -> None:
    """Tell the features above (partners' webhooks) that a registration was created or cancelled."""
    await signals.send(
        registration_signals.registration_changed,
        registration_id=registration_id,
        organisation_id=organisation_id,
        change=change,
    )


async def _referrer(referral_code: str | None, by: CurrentUser | None, source: Source) -> tuple[int | None, int | None]:
    """Who referred the youth: the user and organisation of a referral link, else the adviser registering them."""
    referral = None
    if referral_code:
        referral = (
            await ReferralLink.select(ReferralLink.organisation, ReferralLink.user)
            .where((ReferralLink.code == referral_code) & ReferralLink.revoked_at.is_null())
            .first()
        )
    referred_by = referral["user"] if referral else (by.id if by and source != Source.public else None)
    referring_org = referral["organisation"] if referral else None
    return referred_by, referring_org


async def _event_with_questions(event_id: int | None, public_token: str | None) -> list[dict]:
    """The event's id and organisation with its questions, one row each (by id, or by the public link's token)."""
    found = await sql(
        "SELECT e.id, e.organisation, q.id AS question, q.kind, q.choices, q.required FROM event e "
        "LEFT JOIN question q ON q.event = e.id WHERE "
        + ("e.public_token = {}" if public_token else "e.id = {}")
        + " ORDER BY q.position",
        public_token or event_id,
    )
    if not found:
        raise RegistrationClosed()
    return found


async def _upsert_youth(organisation_id: int, profile: dict, now: datetime, event_id: int) -> dict:
    """Insert the youth or update them (same phone in the organisation), with their registration for the event."""
    return (
        await sql(
            "INSERT INTO participant (organisation, first_name, last_name, phone, email, birth_date, postcode, "
            "commune, created_at, sectors, driving_licence, vehicle, reduced_mobility, available_days, "
            "last_contact_at, search_name) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}) "
            "ON CONFLICT (organisation, phone) DO UPDATE SET first_name = excluded.first_name, "
            "last_name = excluded.last_name, search_name = excluded.search_name, email = excluded.email, "
            "birth_date = excluded.birth_date, "
            "postcode = excluded.postcode, commune = excluded.commune, sectors = excluded.sectors, "
            "driving_licence = excluded.driving_licence, vehicle = excluded.vehicle, "
            "reduced_mobility = excluded.reduced_mobility, available_days = excluded.available_days, "
            "last_contact_at = excluded.last_contact_at RETURNING id, "
            "(SELECT r.id FROM registration r WHERE r.event = {} AND r.participant = participant.id) AS existing, "
            "(SELECT r.status FROM registration r WHERE r.event = {} AND r.participant = participant.id) AS state",
            *places.participant_values(organisation_id, profile, now),
            event_id,
            event_id,
        )
    )[0]


async def _chosen_session(chosen: int | None, event_id: int, source: Source) -> tuple[int | None, int | None]:
    """The chosen session's id and places; a public registration must choose when sessions have their own places."""
    session = (
        await sql("SELECT id, capacity FROM event_session WHERE id = {} AND event = {}", chosen, event_id)
        if chosen
        else []
    )
    session_id, session_capacity = (session[0]["id"], session[0]["capacity"]) if session else (None, None)
    if session_id is None and source == Source.public:
        to_choose = await sql(SESSIONS_TO_CHOOSE, event_id)
        if to_choose[0]["n"]:
            raise SessionRequired(field="session_id")
    return session_id, session_capacity


async def _locked_open_event(event_id: int, now: datetime, source: Source) -> dict:
    """The event, locked until the transaction ends; refused when registration is not open."""
    lock = "" if is_sqlite() else " FOR UPDATE"
    rows = await sql(
        "SELECT id, organisation, title, status, capacity, waiting_list, options, age_min, age_max, "
        "starts_on, ends_on, registration_opens_at, registration_closes_at FROM event WHERE id = {}" + lock,
        event_id,
    )
    if not rows or not registration_open(rows[0], now, source):
        raise RegistrationClosed()
    return rows[0]


def _fixed_status(event: dict, source: Source) -> RegistrationStatus | None:
    """The status whatever the places left: walk-ins are in, approval puts on hold; None to count the places."""
    options = event["options"] if isinstance(event["options"], dict) else json.loads(event["options"] or "{}")
    if source == Source.walk_in:
        return RegistrationStatus.confirmed  # they are here already
    if options.get("approval"):
        return RegistrationStatus.pending
    return None


async def _register_counting_first(
    event_id: int,
    participant_id: int,
    existing: int | None,
    session_id: int | None,
    capacity: int,
    here: int,
    fixed: RegistrationStatus | None,
    otherwise: RegistrationStatus | None,
    values: tuple,
) -> tuple[int, RegistrationStatus]:
    """Count the places taken, then register: again on the row of a cancelled registration, or anew."""
    taken = (
        await sql(
            "SELECT (SELECT count(*) FROM registration WHERE event = {} AND status = 'confirmed') AS event, "
            "(SELECT count(*) FROM registration WHERE event = {} AND status = 'confirmed' AND session = {}) "
            "AS here",
            event_id,
            event_id,
            session_id,
        )
    )[0]
    status = fixed or (
        RegistrationStatus.confirmed if taken["event"] < capacity and taken["here"] < here else otherwise
    )
    if status is None:
        raise EventFull()
    if existing:  # same row, fresh link
        registration_id = existing
        await sql(
            "UPDATE registration SET status = {}, source = {}, referred_by = {}, referring_organisation = {}, "
            "manage_hash = {}, manage_sealed = {}, created_at = {}, answers = {}, session = {}, ticket_hash = {}, "
            "ticket_sealed = {}, ticket_issued_at = {}, cancelled_at = NULL, promoted_at = NULL WHERE id = {}",
            status.value,
            *values,
            registration_id,
        )
    else:
        registration_id = (
            await sql(
                "INSERT INTO registration (status, source, referred_by, referring_organisation, "
                "manage_hash, manage_sealed, created_at, answers, session, ticket_hash, ticket_sealed, "
                "ticket_issued_at, event, participant) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}) "
                "RETURNING id",
                status.value,
                *values,
                event_id,
                participant_id,
            )
        )[0]["id"]
    return registration_id, status


async def _take_a_place(
    event_id: int,
    participant_id: int,
    session_id: int | None,
    capacity: int,
    here: int,
    fixed: RegistrationStatus | None,
    otherwise: RegistrationStatus | None,
    values: tuple,
) -> tuple[int, RegistrationStatus]:
    """Count the places and insert the registration, confirmed or waiting, in one statement."""
    try:
        inserted = (
            await sql(
                TAKE_A_PLACE,
                event_id,
                capacity,
                event_id,
                session_id,
                here,
                (fixed or RegistrationStatus.confirmed).value,
                (fixed or otherwise).value,
                *values,
                event_id,
                participant_id,
            )
        )[0]
    except Exception as error:
        if is_unique_violation(error):  # the same youth, registering twice at the same instant
            raise DuplicateRegistration(None) from error
        raise
    return inserted["id"], RegistrationStatus(inserted["status"])


async def _register_at_once(
    event_id: int | None,
    public_token: str | None,
    data: RegistrationInput,
    profile: dict,
    source: Source,
    referred_by: int | None,
    referring_org: int | None,
    by: CurrentUser | None,
    now: datetime,
    link: tokens.Issued | None = None,
) -> Registered | None:
    """The common case in one statement, or one trip to SQLite's writer (see `registration.places`), its
    messages written beforehand; None for the rare cases, which the general path handles."""
    found = await places.event_with_questions(public_token, event_id)
    if not found or not registration_open(found[0], now, source):
        raise RegistrationClosed()
    event = found[0]
    if source == Source.public and event["sessions_to_choose"]:
        raise SessionRequired(field="session_id")
    options = event["options"] if isinstance(event["options"], dict) else json.loads(event["options"] or "{}")
    if options.get("approval") or (event["capacity"] is not None and not event["waiting_list"]):
        return None
    _check_audience(data, event, source)
    answers = _checked_answers(places.questions_in(found), data.answers)
    if by and source == Source.adviser and referring_org is None:
        referring_org = next((o for o in by.organisation_ids if o != event["organisation"]), None)
    link = link or tokens.issue(tokens.Purpose.manage)
    told = await _confirmation(event, profile, link.token, now)
    try:
        row = await places.register_at_once(
            event_id=event["id"],
            organisation_id=event["organisation"],
            capacity=UNLIMITED if event["capacity"] is None else event["capacity"],
            profile=profile,
            now=now,
            registration=places.registration_values(source, referred_by, referring_org, link, now, answers, None),
            consents=_consents_given(data),
            recorded_by=by.id if by else None,
            told=told,
        )
    except Exception as error:
        if is_unique_violation(error):  # the same youth, registering twice at the same instant
            raise DuplicateRegistration(None) from error
        raise
    if not row:  # already on this event's lists: their profile was left as it was
        raise DuplicateRegistration(None)
    if row["id"] is None:  # coming back after cancelling: the general path reuses their registration
        return None
    # The statement has committed: partners are told just after it (a crash in between loses that one notice).
    await _announce(row["id"], event["organisation"], "created")
    if profile["email"]:
        await places.attach_invitation(
            row["id"],
            STATUS_MESSAGE[RegistrationStatus(row["status"])],
            await messages.invitation_for(
                {
                    "id": row["id"],
                    "event": event["id"],
                    "participant": row["participant"],
                    "status": row["status"],
                    "session": None,
                    "manage_token": link.token,
                }
            ),
        )
    outbox.wake()
    return Registered(row["id"], link.token, RegistrationStatus(row["status"]))


async def _confirmation(event: dict, profile: dict, token: str, now: datetime) -> places.Confirmation:
    """The confirmation in the organisation's words, for a place and for the waiting list."""
    # What does not depend on the youth is worked out once per cached event row (see places.EVENT_TTL_S).
    base = event.get("_message_values")
    if base is None:
        base = event["_message_values"] = messages.values_of(_event_context(event))
    values = {**base, "first_name": profile["first_name"], "link": tokens.personal_link(token)}
    subject, email, html, sms = {}, {}, {}, {}
    for status, key in (("confirmed", "confirmation"), ("waiting", "waiting")):
        sms_body = (await templates.template(event["organisation"], key, Channel.sms))[1]
        sms[status] = gsm7_friendly(templates.render(sms_body, values))  # as outbox.enqueue_sms stores it
        if not profile["email"]:  # no e-mail goes
            subject[status] = email[status] = html[status] = ""
            continue
        title, body = await templates.template(event["organisation"], key, Channel.email)
        subject[status], email[status] = templates.render(title, values), templates.render(body, values)
        html[status] = messages.as_html(email[status])
    return places.Confirmation(subject, email, html, sms, await outbox.sms_due(event["organisation"], now))


def _event_context(event: dict) -> dict:
    """The event row of the registration path in the shape `messages.values_of` reads."""
    return {
        "first_name": "",
        "title": event["title"],
        "timezone": event["timezone"],
        "meeting_point": event["meeting_point"],
        "contact_phone": event["contact_phone"],
        "organisation_phone": event["organisation_phone"],
        "organiser": event["organiser"],
        "manage_token": "",
        "first_session": {
            "starts_at": event["first_start"],
            "place": event["first_place"],
            "site": event["first_site"],
            "city": event["first_city"],
        }
        if event["first_start"]
        else None,
    }


def _consents_given(data: RegistrationInput) -> list[tuple[str, str]]:
    """(kind, given by) for each consent ticked on the form; a parent's needs their name."""
    wanted = [
        (ConsentKind.photos, data.consent_photos, ""),
        (ConsentKind.partner_sharing, data.consent_partner_sharing, ""),
        (ConsentKind.other_messages, data.consent_other_messages, ""),
        (ConsentKind.parental, data.parental_consent and bool(data.parent_name.strip()), data.parent_name.strip()),
    ]
    return [(kind.value, given_by) for kind, given, given_by in wanted if given]


async def sessions_to_choose(days: list[tuple[date, list[dict]]], event_id: int) -> list[dict]:
    """The sessions a youth picks from (those with their own places), each with its places left."""
    sessions = [session for _, day in days for session in day if session["capacity"] is not None]
    if not sessions:
        return []
    taken = {
        r["session"]: r["n"]
        for r in await Registration.select(Registration.session, Count(Registration.id, alias="n"))
        .where((Registration.event == event_id) & (Registration.status == RegistrationStatus.confirmed))
        .group_by(Registration.session)
    }
    return [session | {"left": max(session["capacity"] - taken.get(session["id"], 0), 0)} for session in sessions]


async def _promote_next(event: Event) -> int | None:
    """Give a freed place to the first person waiting, and tell them."""
    if event.capacity is not None and await _confirmed(event.id) >= event.capacity:
        return None
    waiting = (
        await Registration.select(
            Registration.id,
            Registration.manage_hash,
            Registration.participant.first_name.as_alias("first_name"),
            Registration.participant.email.as_alias("email"),
        )
        .where((Registration.event == event.id) & (Registration.status == RegistrationStatus.waiting))
        .order_by(Registration.created_at)
        .order_by(Registration.id)
        .first()
    )
    if waiting is None:
        return None
    await Registration.update(
        {Registration.status: RegistrationStatus.confirmed, Registration.promoted_at: utcnow()}
    ).where(Registration.id == waiting["id"])
    await messages.tell(waiting["id"], "promoted", occasion=waiting["manage_hash"])
    return waiting["id"]


async def cancel(registration_id: int, *, by: CurrentUser | None = None) -> None:
    """Cancel and give the place, at once, to the first person on the waiting list."""
    registration = (
        await Registration.select(Registration.event, Registration.status)
        .where(Registration.id == registration_id)
        .first()
    )
    if registration is None or registration["status"] not in ACTIVE:
        return
    async with write_transaction():
        event = await _lock(registration["event"])
        current = await Registration.select(Registration.status).where(Registration.id == registration_id).first()
        if current["status"] not in ACTIVE:
            return
        await Registration.update(
            {
                Registration.status: RegistrationStatus.cancelled,
                Registration.cancelled_at: utcnow(),
                Registration.decided_by: by.id if by else None,
            }
        ).where(Registration.id == registration_id)
        if current["status"] == RegistrationStatus.confirmed:
            await _promote_next(event)
        await _announce(registration_id, event.organisation, "cancelled")
    outbox.wake()


TRANSITIONS = {
    (RegistrationStatus.pending, RegistrationStatus.confirmed),
    (RegistrationStatus.pending, RegistrationStatus.refused),
    (RegistrationStatus.pending, RegistrationStatus.waiting),
    (RegistrationStatus.waiting, RegistrationStatus.confirmed),
    (RegistrationStatus.confirmed, RegistrationStatus.waiting),
    (RegistrationStatus.waiting, RegistrationStatus.refused),
}


async def decide(registration_id: int, target: RegistrationStatus, *, by: CurrentUser) -> None:
    """The organiser approves, refuses, or moves someone between the places and the waiting list."""
    registration = (
        await Registration.select(Registration.event, Registration.status)
        .where(Registration.id == registration_id)
        .first()
    )
    async with write_transaction():
        event = await _lock(registration["event"])
        current = RegistrationStatus(
            (await Registration.select(Registration.status).where(Registration.id == registration_id).first())["status"]
        )
        if (current, target) not in TRANSITIONS:
            raise InvalidTransition(
                current=label("registration_status", current), target=label("registration_status", target)
            )
        if target == RegistrationStatus.confirmed and not await _has_place(event, None):
            raise NoPlaceLeft()
        await Registration.update(
            {
                Registration.status: target,
                Registration.decided_by: by.id,
                Registration.promoted_at: utcnow() if target == RegistrationStatus.confirmed else None,
            }
        ).where(Registration.id == registration_id)
        if target == RegistrationStatus.confirmed:
            await messages.tell(registration_id, "confirmation", occasion=f"decided-{utcnow().timestamp()}")
    outbox.wake()


async def by_manage_token(token: str) -> dict | None:
    """The registration whose personal page this token opens (found by its digest), with the token as
    `manage_token` for the page's links."""
    row = (
        await Registration.select(
            Registration.all_columns(),
            *Registration.participant.all_columns(),
            # Their contact: the adviser who registered them (a hand-over names the colleague instead).
            Registration.referred_by.full_name.as_alias("adviser_name"),
            Registration.referred_by.phone.as_alias("adviser_phone"),
            Registration.referring_organisation.name.as_alias("adviser_organisation"),
        )
        .where(Registration.manage_hash == tokens.digest(token))
        .output(load_json=True)
        .first()
    )
    if row is not None:
        row["manage_token"] = token
    return row


async def change_answers(token: str, data: dict[str, str | list[str]]) -> None:
    registration = await by_manage_token(token)
    if registration is None:
        return
    answers = await _check_answers(registration["event"], data)
    async with write_transaction():
        await Registration.update({Registration.answers: answers}).where(Registration.id == registration["id"])


async def withdraw_consent(participant_id: int, kind: ConsentKind) -> None:
    async with write_transaction():
        await Consent.update({Consent.withdrawn_at: utcnow()}).where(
            (Consent.participant == participant_id) & (Consent.kind == kind) & Consent.withdrawn_at.is_null()
        )


async def active_consents(participant_id: int) -> list[dict]:
    return await Consent.select().where((Consent.participant == participant_id) & Consent.withdrawn_at.is_null())


async def resend_link(event_id: int, raw_phone: str) -> bool:
    """Send the personal link again to whoever registered with this phone (to that phone, and to their
    e-mail if they gave one); True when something was sent."""
    try:
        phone = normalise_phone(raw_phone)
    except Refusal:
        return False
    row = (
        await Registration.select(Registration.id, Registration.status)
        .where(
            (Registration.event == event_id)
            & (Registration.participant.phone == phone)
            & Registration.status.is_in(list(ACTIVE))
        )
        .first()
    )
    if row is None:
        return False
    async with write_transaction():
        # At most one resend per registration and hour, however often the button is pressed.
        hour = int(utcnow().timestamp() // 3600)
        sent = await messages.tell(
            row["id"], STATUS_MESSAGE[RegistrationStatus(row["status"])], occasion=f"resend-{hour}"
        )
    outbox.wake()
    return bool(sent)


async def add_question(event_id: int, data: Any) -> None:
    async with write_transaction():
        position = await Question.count().where(Question.event == event_id)
        await Question(
            event=event_id,
            label=data.label.strip(),
            kind=data.kind,
            choices=data.choices,
            required=data.required,
            position=position,
        ).save()
