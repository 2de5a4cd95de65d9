"""A public registration on PostgreSQL in one statement: the youth, the place, the consents, the message.

The statement runs without an explicit transaction, so it commits as it ends and the event row
is locked only during its execution, and only while places remain: when the event is full, the
youth joins the waiting list without waiting for anyone. Whether a place remains is read from
the event's `confirmed_count` (kept by triggers, see the migration that adds it): PostgreSQL
re-reads a row's latest version once its lock is granted, so two youths never get the last place.

Rare cases (a youth coming back after cancelling, approval mode, sessions with their own
capacity, walk-ins) keep the general path in `services.register`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from core.cache import TtlCache
from core.db import bind, is_sqlite, read, sql_once, write_at_once
from messaging import addressing
from messaging.tables import TO_PEOPLE, Channel
from registration import tokens
from registration.tables import fold_name

EVENT_AND_QUESTIONS = (
    "SELECT e.id, e.organisation, e.title, e.status, e.capacity, e.waiting_list, e.options, e.age_min, e.age_max, "
    "e.starts_on, e.ends_on, e.registration_opens_at, e.registration_closes_at, "
    "(SELECT count(*) FROM event_session s WHERE s.event = e.id AND s.capacity IS NOT NULL) AS sessions_to_choose, "
    "e.timezone, e.meeting_point, e.contact_phone, o.name AS organiser, o.phone AS organisation_phone, "
    "f.starts_at AS first_start, f.place AS first_place, st.name AS first_site, st.city AS first_city, "
    "q.id AS question, q.kind, q.choices, q.required "
    "FROM event e JOIN organisation o ON o.id = e.organisation "
    "LEFT JOIN event_session f ON f.id = (SELECT s.id FROM event_session s WHERE s.event = e.id "
    "ORDER BY s.starts_at, s.id LIMIT 1) LEFT JOIN site st ON st.id = f.site "
    "LEFT JOIN question q ON q.event = e.id WHERE {} ORDER BY q.position"
)

# The profile is only rewritten when the youth is not already on this event's lists, so a second
# attempt with someone's phone number changes nothing of theirs.
REGISTER = """
WITH youth AS (
    INSERT INTO participant (organisation, first_name, last_name, phone, email, birth_date, postcode, commune,
        created_at, sectors, driving_licence, vehicle, reduced_mobility, available_days, last_contact_at,
        search_name)
    VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})
    ON CONFLICT (organisation, phone) DO UPDATE SET first_name = excluded.first_name,
        last_name = excluded.last_name, search_name = excluded.search_name, email = excluded.email,
        birth_date = excluded.birth_date,
        postcode = excluded.postcode, commune = excluded.commune, sectors = excluded.sectors,
        driving_licence = excluded.driving_licence, vehicle = excluded.vehicle,
        reduced_mobility = excluded.reduced_mobility, available_days = excluded.available_days,
        last_contact_at = excluded.last_contact_at
    WHERE NOT EXISTS (SELECT 1 FROM registration r WHERE r.event = {e} AND r.participant = participant.id
                      AND r.status IN ('confirmed', 'waiting', 'pending'))
    RETURNING id, sms_opt_out_at, channel,
        (SELECT r.id FROM registration r WHERE r.event = {e} AND r.participant = participant.id) AS existing
), place AS (
    SELECT id FROM event WHERE id = {e} AND confirmed_count < {} FOR UPDATE
), added AS (
    INSERT INTO registration (status, source, referred_by, referring_organisation, manage_hash, manage_sealed,
        created_at, answers, session, ticket_hash, ticket_sealed, ticket_issued_at, event, participant)
    SELECT CASE WHEN EXISTS (SELECT 1 FROM place) THEN 'confirmed' ELSE 'waiting' END,
        {}::varchar, {}::integer, {}::integer, {}::varchar, {}::varchar, {}::timestamptz, {}::json, {}::integer,
        {}::varchar, {}::varchar, {}::timestamptz, {e}, youth.id
    FROM youth WHERE youth.existing IS NULL
    RETURNING id, status
), consents AS (
    INSERT INTO consent (participant, kind, given_at, given_by, recorded_by)
    SELECT youth.id, wanted.kind, {now}::timestamptz, wanted.given_by, {}::integer
    FROM youth JOIN added ON true, unnest({}::text[], {}::text[]) AS wanted (kind, given_by)
    WHERE NOT EXISTS (SELECT 1 FROM consent c WHERE c.participant = youth.id AND c.kind = wanted.kind
                      AND c.withdrawn_at IS NULL)
), email AS (
    {email_rows}
), sms AS (
    {sms_rows}
)
SELECT youth.id AS participant, youth.existing, added.id, added.status FROM youth LEFT JOIN added ON true
"""
# The messages, by the rules of messaging.addressing: which channels, and the key that makes each go once.
_KIND = "(CASE added.status WHEN 'confirmed' THEN 'confirmation' ELSE 'waiting' END)"
_YOUTH = {"phone": "{phone}::varchar", "email": "{mail}::varchar", "opted_out": "youth.sms_opt_out_at"}
_ALLOWED = {channel: addressing.allowed_sql(channel, preference="youth.channel", **_YOUTH) for channel in TO_PEOPLE}
REGISTER = REGISTER.replace(
    "{email_rows}",
    addressing.queue_sql(
        Channel.email,
        organisation="{o}::integer",
        recipient="{mail}::varchar",
        subject="CASE added.status WHEN 'confirmed' THEN {}::varchar ELSE {}::varchar END",
        text="CASE added.status WHEN 'confirmed' THEN {}::text ELSE {}::text END",
        html="CASE added.status WHEN 'confirmed' THEN {}::text ELSE {}::text END",
        key=addressing.key_sql(_KIND, "added.id", Channel.email),
        due="{now}::timestamptz",
        now="{now}::timestamptz",
        rows=f"FROM added JOIN youth ON true WHERE {_ALLOWED[Channel.email]}",
    ),
).replace(
    "{sms_rows}",
    addressing.queue_sql(
        Channel.sms,
        organisation="{o}::integer",
        recipient="{phone}::varchar",
        subject="''",
        text="CASE added.status WHEN 'confirmed' THEN {}::text ELSE {}::text END",
        html="''",
        key=addressing.key_sql(_KIND, "added.id", Channel.sms),
        due="{}::timestamptz",
        now="{now}::timestamptz",
        rows=f"FROM added JOIN youth ON true WHERE {_ALLOWED[Channel.sms]}",
    ),
)


def participant_values(organisation_id: int, profile: dict[str, Any], now: datetime) -> tuple[Any, ...]:
    """The youth's row, in the column order both registration paths insert it."""
    return (
        organisation_id,
        profile["first_name"],
        profile["last_name"],
        profile["phone"],
        profile["email"],
        profile["birth_date"],
        profile["postcode"],
        profile["commune"],
        now,
        json.dumps(profile["sectors"]),
        profile["driving_licence"],
        profile["vehicle"],
        profile["reduced_mobility"],
        json.dumps(profile["available_days"]),
        now,
        fold_name(profile["first_name"], profile["last_name"]),
    )


def registration_values(
    source: Any,
    referred_by: int | None,
    referring_org: int | None,
    link: tokens.Issued,
    now: datetime,
    answers: dict,
    session_id: int | None,
) -> tuple[Any, ...]:
    """The registration's row after its status, in the column order both paths insert it: the personal page's
    token and a fresh ticket, each as its digest and sealed (registration.tokens)."""
    ticket = tokens.issue(tokens.Purpose.ticket)  # what the ticket's QR code holds
    return (
        source.value,
        referred_by,
        referring_org,
        link.hash,
        link.sealed,
        now,
        json.dumps(answers),
        session_id,
        ticket.hash,
        ticket.sealed,
        now,
    )


def questions_in(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The event's questions from the rows of an event-and-questions query."""
    return [
        {
            "id": r["question"],
            "kind": r["kind"],
            "required": r["required"],
            "choices": json.loads(r["choices"]) if isinstance(r["choices"], str) else r["choices"],
        }
        for r in rows
        if r["question"] is not None
    ]


# The event as the registration path reads it, kept a moment per process: at the busiest minute every
# registration would otherwise read the same rows again. An organiser's change (closing, a new capacity)
# reaches this path within EVENT_TTL_S; places are still counted in the statement, under the row lock.
EVENT_TTL_S = 2.0
MAX_CACHED_EVENTS = 1000
_events: TtlCache[str, list[dict[str, Any]]] = TtlCache(EVENT_TTL_S, MAX_CACHED_EVENTS)


async def event_with_questions(public_token: str | None, event_id: int | None) -> list[dict[str, Any]]:
    if not public_token:  # advisers and organisers registering from the console read the event afresh
        return await read(EVENT_AND_QUESTIONS.replace("{}", "e.id = {}"), event_id)
    rows = _events.get(public_token)  # the unguessable link: one event for ever, never reused
    if rows is None:
        rows = _events.set(
            public_token, await read(EVENT_AND_QUESTIONS.replace("{}", "e.public_token = {}"), public_token)
        )
    return rows


@dataclass(frozen=True)
class Confirmation:
    """What the youth is told, rendered beforehand for both outcomes (a place, or the waiting list)."""

    subject: dict[str, str]  # by status: confirmed, waiting
    email: dict[str, str]
    html: dict[str, str]
    sms: dict[str, str]
    sms_due: datetime  # now, or the end of the quiet hours


async def register_at_once(
    *,
    event_id: int,
    organisation_id: int,
    capacity: int,
    profile: dict[str, Any],
    now: datetime,
    registration: tuple[Any, ...],
    consents: list[tuple[str, str]],
    recorded_by: int | None,
    told: Confirmation,
) -> dict[str, Any]:
    """Register in one statement (PostgreSQL) or one trip (SQLite): {} when the youth is on the event's lists
    already (their profile left as it was), `id` None when they come back after cancelling (their profile
    updated; the general path reuses their registration), else the registration's id and status, with its
    consents and messages. `registration` is `registration_values`; messages take `messaging.addressing`'s
    channels."""
    if is_sqlite():
        return await write_at_once(
            partial(
                _register_here,
                event_id=event_id,
                organisation_id=organisation_id,
                capacity=capacity,
                profile=profile,
                now=now,
                registration=registration,
                consents=consents,
                recorded_by=recorded_by,
                told=told,
            )
        )
    query, values = bind(
        REGISTER,
        {"e": event_id, "now": now, "o": organisation_id, "mail": profile["email"], "phone": profile["phone"]},
        [
            *participant_values(organisation_id, profile, now),
            capacity,
            *registration,
            recorded_by,
            [kind for kind, _ in consents],
            [given_by for _, given_by in consents],
            told.subject["confirmed"],
            told.subject["waiting"],
            told.email["confirmed"],
            told.email["waiting"],
            told.html["confirmed"],
            told.html["waiting"],
            told.sms["confirmed"],
            told.sms["waiting"],
            told.sms_due,
        ],
    )
    rows = await sql_once(query, *values)
    return rows[0] if rows else {}


# ---------------------------------------------------------------------------------------------- on SQLite
# SQLite has no writing WITH clause: the same steps are statements in a row, all in one transaction
# (core.db.write_at_once), with the same rules. The writers take turns, so the counter read just
# before the insert cannot change in between.
SQLITE_YOUTH = (
    REGISTER.split("), place AS (")[0].removeprefix("\nWITH youth AS (\n").replace("{e}", "?").replace("{}", "?")
)
SQLITE_PLACE = (
    "INSERT INTO registration (status, source, referred_by, referring_organisation, manage_hash, manage_sealed, "
    "created_at, answers, session, ticket_hash, ticket_sealed, ticket_issued_at, event, participant) "
    "SELECT CASE WHEN confirmed_count < {} THEN 'confirmed' ELSE 'waiting' END, "
    "{}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, id, {} FROM event WHERE id = {} RETURNING id, status"
).replace("{}", "?")
SQLITE_CONSENT = (
    "INSERT INTO consent (participant, kind, given_at, given_by, recorded_by) SELECT ?, ?, ?, ?, ? "
    "WHERE NOT EXISTS (SELECT 1 FROM consent c WHERE c.participant = ? AND c.kind = ? AND c.withdrawn_at IS NULL)"
)
SQLITE_MESSAGE = {
    channel: addressing.queue_sql(
        channel,
        organisation="?",
        recipient="?",
        subject="?",
        text="?",
        html="?",
        key="?",
        due="?",
        now="?",
        rows="WHERE true",  # an INSERT … SELECT followed by ON CONFLICT needs a WHERE in SQLite
    )
    for channel in TO_PEOPLE
}


def _register_here(
    connection: Any,
    *,
    event_id: int,
    organisation_id: int,
    capacity: int,
    profile: dict[str, Any],
    now: datetime,
    registration: tuple[Any, ...],
    consents: list[tuple[str, str]],
    recorded_by: int | None,
    told: Confirmation,
) -> dict[str, Any]:
    """`register_at_once` on SQLite, inside `write_at_once` (no await): what the PostgreSQL statement answers."""
    youth = connection.execute(
        SQLITE_YOUTH, [*participant_values(organisation_id, profile, now), event_id, event_id]
    ).fetchone()
    if youth is None:  # on the event's lists already
        return {}
    if youth["existing"] is not None:  # back after cancelling
        return {"participant": youth["id"], "existing": youth["existing"], "id": None}
    added = connection.execute(SQLITE_PLACE, [capacity, *registration, youth["id"], event_id]).fetchone()
    for kind, given_by in consents:
        connection.execute(SQLITE_CONSENT, [youth["id"], kind, now, given_by, recorded_by, youth["id"], kind])
    status = added["status"]
    key = "confirmation" if status == "confirmed" else "waiting"
    chosen = addressing.channels(
        phone=profile["phone"], email=profile["email"], opted_out=youth["sms_opt_out_at"], preference=youth["channel"]
    )
    for channel in chosen:
        email = channel == Channel.email
        connection.execute(
            SQLITE_MESSAGE[channel],
            [
                organisation_id,
                profile["email"] if email else profile["phone"],
                told.subject[status] if email else "",
                told.email[status] if email else told.sms[status],
                told.html[status] if email else "",
                addressing.key(key, added["id"], channel),
                now if email else told.sms_due,
                now,
            ],
        )
    return {"participant": youth["id"], "existing": None, "id": added["id"], "status": status}


async def attach_invitation(registration_id: int, key: str, invitation: bytes) -> None:
    """Put the calendar invitation on the confirmation e-mail the statement queued.

    It needs the new registration, so it follows the statement; should it ever fail, the e-mail still
    carries the personal page's link, where the same calendar file is."""
    await sql_once(
        "UPDATE outbox_message SET attachment = {}, attachment_method = 'REQUEST' "
        "WHERE idempotency_key = {} AND status = 'queued'",
        invitation.decode(),
        addressing.key(key, registration_id, Channel.email),
    )
