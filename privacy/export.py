"""A youth's export (right of access, GDPR art. 15): everything Tremplin holds about them, for the organisation
holding their record, as JSON and as a readable PDF.

Who: the admins of that organisation. They answer people's requests for the organisation (the data
controller); an adviser or an organiser who receives a request passes it on. A partner who referred the youth
does not hold their record: 404, as for anyone outside the organisation."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from accounts.services import CurrentUser, require_role
from accounts.tables import AuditEntry, Organisation, Role
from checkin.presence import minutes_by_session
from checkin.tables import CheckIn
from core.clock import utcnow
from core.errors import NotFound
from messaging.tables import OutboxMessage
from outcomes.tables import FollowUp, Result, Situation
from parcours import personal_data as parcours_data
from planning.tables import Interview, TeamMember
from privacy import access
from privacy.tables import AccessKind
from registration.tables import Consent, Participant, Question, Registration

# What the export leaves out of the youth's record: search helpers, not information about them.
_INTERNAL = {"search_name"}
# The keys of an audit entry's details that name a youth.
_YOUTH_KEYS = ("participant", "kept", "merged")


async def held_youth(user: CurrentUser, participant_id: int, minimum: Role = Role.admin) -> dict[str, Any]:
    """The youth's whole record, for an admin (unless told) of the organisation holding it; 404 otherwise."""
    youth = await Participant.select().where(Participant.id == participant_id).output(load_json=True).first()
    if youth is None:
        raise NotFound()
    require_role(user, youth["organisation"], minimum)
    return youth


async def _registrations(participant_id: int) -> list[dict]:
    rows = await (
        Registration.select(
            Registration.id,
            Registration.event.title.as_alias("event"),
            Registration.event.starts_on.as_alias("starts_on"),
            Registration.event.ends_on.as_alias("ends_on"),
            Registration.session.title.as_alias("session"),
            Registration.status,
            Registration.source,
            Registration.created_at,
            Registration.cancelled_at,
            Registration.promoted_at,
            Registration.referred_by.full_name.as_alias("referred_by"),
            Registration.referring_organisation.name.as_alias("referring_organisation"),
            Registration.answers,
        )
        .where(Registration.participant == participant_id)
        .order_by(Registration.created_at)
        .output(load_json=True)
    )
    questions = await Question.select(Question.id, Question.label).where(
        Question.event.is_in(Registration.select(Registration.event).where(Registration.participant == participant_id))
    )
    labels = {str(q["id"]): q["label"] for q in questions}
    for row in rows:
        row["answers"] = [{"question": labels.get(k, k), "answer": v} for k, v in (row["answers"] or {}).items()]
    return rows


async def _attendance(registration_ids: list[int]) -> list[dict]:
    rows = await (
        CheckIn.select(
            CheckIn.registration,
            CheckIn.session,
            CheckIn.session.title.as_alias("session_title"),
            CheckIn.session.starts_at.as_alias("session_starts_at"),
            CheckIn.status,
            CheckIn.scanned_at,
            CheckIn.exited_at,
            CheckIn.source,
            CheckIn.notes,
            CheckIn.recorded_by.full_name.as_alias("recorded_by"),
        )
        .where(CheckIn.registration.is_in(registration_ids or [-1]))
        .order_by(CheckIn.scanned_at)
    )
    minutes = await minutes_by_session(registration_ids) if registration_ids else {}
    for row in rows:
        row["attended_minutes"] = minutes.get(row["registration"], {}).get(row["session"])
    return rows


async def _outcomes(participant_id: int, registration_ids: list[int]) -> dict[str, list[dict]]:
    registrations = Result.registration.is_in(registration_ids or [-1])
    return {
        "results": await Result.select(
            Result.registration,
            Result.kind,
            Result.company.name.as_alias("company"),
            Result.company_name,
            Result.notes,
            Result.recorded_at,
            Result.withdrawn_at,
        ).where(registrations),
        "situations": await Situation.select(
            Situation.kind,
            Situation.since,
            Situation.contract_months,
            Situation.employer,
            Situation.source,
            Situation.notes,
            Situation.event.title.as_alias("event"),
            Situation.recorded_by.full_name.as_alias("recorded_by"),
            Situation.recorded_at,
        )
        .where(Situation.participant == participant_id)
        .order_by(Situation.since),
        "follow_ups": await FollowUp.select(
            FollowUp.registration, FollowUp.days, FollowUp.due_on, FollowUp.done_at, FollowUp.answered_at
        )
        .where(FollowUp.registration.is_in(registration_ids or [-1]))
        .order_by(FollowUp.due_on),
    }


async def _planning(registration_ids: list[int]) -> dict[str, list[dict]]:
    ids = registration_ids or [-1]
    return {
        "teams": await TeamMember.select(TeamMember.registration, TeamMember.team.number.as_alias("team")).where(
            TeamMember.registration.is_in(ids)
        ),
        "interviews": await Interview.select(
            Interview.registration, Interview.site.name.as_alias("site"), Interview.starts_at, Interview.ends_at
        ).where(Interview.registration.is_in(ids)),
    }


async def _messages(organisation_id: int, youth: dict) -> list[dict]:
    """The messages the organisation sent to their phone or e-mail."""
    addresses = [a for a in (youth["phone"], youth["email"]) if a]
    if not addresses:
        return []
    return await (
        OutboxMessage.select(
            OutboxMessage.created_at,
            OutboxMessage.channel,
            OutboxMessage.recipient,
            OutboxMessage.subject,
            OutboxMessage.body_text,
            OutboxMessage.status,
            OutboxMessage.sent_at,
        )
        .where((OutboxMessage.organisation == organisation_id) & OutboxMessage.recipient.is_in(addresses))
        .order_by(OutboxMessage.created_at)
    )


async def audit_about(organisation_id: int, participant_id: int) -> list[dict]:
    """The organisation's audit entries that name this youth (a merge, an erasure)."""
    entries = await (
        AuditEntry.select(
            AuditEntry.id, AuditEntry.action, AuditEntry.summary, AuditEntry.details, AuditEntry.created_at
        )
        .where(AuditEntry.organisation == organisation_id)
        .order_by(AuditEntry.id)
        .output(load_json=True)
    )
    return [e for e in entries if any((e["details"] or {}).get(k) == participant_id for k in _YOUTH_KEYS)]


async def collect(user: CurrentUser, participant_id: int, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything about the youth, for an admin of the organisation holding the record; the export is logged."""
    youth = await held_youth(user, participant_id)
    organisation_id = youth["organisation"]
    registrations = await _registrations(participant_id)
    registration_ids = [r["id"] for r in registrations]
    organisation = (
        await Organisation.select(Organisation.id, Organisation.name).where(Organisation.id == organisation_id).first()
    )
    data = {
        "generated_at": now or utcnow(),
        "organisation": organisation,
        "person": {k: v for k, v in youth.items() if k not in _INTERNAL},
        "consents": await Consent.select(
            Consent.kind,
            Consent.given_at,
            Consent.withdrawn_at,
            Consent.given_by,
            Consent.recorded_by.full_name.as_alias("recorded_by"),
        )
        .where(Consent.participant == participant_id)
        .order_by(Consent.given_at),
        "registrations": registrations,
        "attendance": await _attendance(registration_ids),
        **await _outcomes(participant_id, registration_ids),
        **await _planning(registration_ids),
        **await parcours_data.export_of(participant_id),
        "messages": await _messages(organisation_id, youth),
        "audit": [
            {k: e[k] for k in ("action", "summary", "created_at")}
            for e in await audit_about(organisation_id, participant_id)
        ],
    }
    await access.record(user, organisation_id, participant_id, AccessKind.exported, now=now)
    data["accesses"] = await access.all_of(participant_id)
    return data


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def as_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, default=_plain, ensure_ascii=False, indent=1).encode()
