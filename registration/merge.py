"""Merging two records of the same youth (the same person registered twice, under two phones or spellings).

The organisation's organisers and admins merge one record (`other`) into the one they keep (`kept`), in one
transaction: every registration moves to the kept record, the earliest consents are kept, empty details of
the kept record are filled from the other, the other is deleted, and the audit log says who did it.
Refused, with nothing changed: the same record twice, two organisations' records, two records on one event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accounts import audit
from accounts.services import CurrentUser, require_role
from accounts.tables import Organisation, Role
from core import signals
from core.db import write_transaction
from core.errors import NotFound, Refusal
from core.i18n import gettext as _
from registration import signals as registration_signals
from registration.errors import MergeAcrossOrganisations, MergeErased, MergeIntoItself, MergeOnSameEvent
from registration.tables import Consent, Participant, Registration
from registration.youths import visible_youth

# Details of the kept record filled from the other when the kept one has none.
FILLED = ("email", "birth_date", "postcode", "commune", "sectors", "available_days")
# Yes/no details: a "yes" on either record is what someone once learnt about the youth, so it is kept.
EITHER = ("qpv", "driving_licence", "vehicle", "reduced_mobility")
ACTION = "youths_merged"


async def _record(participant_id: int) -> dict[str, Any] | None:
    return await Participant.select().where(Participant.id == participant_id).output(load_json=True).first()


async def _check(user: CurrentUser, kept_id: int, other_id: int) -> tuple[dict, dict]:
    """Both records, or why they cannot be merged (404 for a record the user may not see)."""
    youth, _whole = await visible_youth(user, kept_id)
    require_role(user, youth["organisation"], Role.organiser)  # before saying anything of the other record
    if kept_id == other_id:
        raise MergeIntoItself()
    await visible_youth(user, other_id)
    kept, other = await _record(kept_id), await _record(other_id)
    if kept is None or other is None:
        raise NotFound()
    if kept["organisation"] != other["organisation"]:
        names = {
            o["id"]: o["name"]
            for o in await Organisation.select(Organisation.id, Organisation.name).where(
                Organisation.id.is_in([kept["organisation"], other["organisation"]])
            )
        }
        raise MergeAcrossOrganisations(kept=names[kept["organisation"]], other=names[other["organisation"]])
    require_role(user, kept["organisation"], Role.organiser)
    if kept["erased_at"] or other["erased_at"]:
        raise MergeErased()
    shared = (
        await Registration.select(Registration.event.title.as_alias("title"))
        .where(
            (Registration.participant == other_id)
            & Registration.event.is_in(
                Registration.select(Registration.event).where(Registration.participant == kept_id)
            )
        )
        .first()
    )
    if shared:
        raise MergeOnSameEvent(event=shared["title"])
    return kept, other


def merged_details(kept: dict, other: dict) -> dict[str, Any]:
    """What the kept record's details become: its own, with its empty ones filled from the other."""
    changes: dict[str, Any] = {}
    for name in FILLED:
        if not kept[name] and other[name]:
            changes[name] = other[name]
    for name in EITHER:
        if other[name] and not kept[name]:
            changes[name] = True
    if other["created_at"] < kept["created_at"]:
        changes["created_at"] = other["created_at"]  # known since the first of the two records
    if other["last_contact_at"] > kept["last_contact_at"]:
        changes["last_contact_at"] = other["last_contact_at"]  # the retention runs from the latest contact
    return changes


async def preview(user: CurrentUser, kept_id: int, other_id: int) -> dict[str, Any]:
    """The two records side by side and the kept one as it will be, or the refusal the merge would meet."""
    try:
        kept, other = await _check(user, kept_id, other_id)
    except Refusal as refusal:
        kept, other = await _record(kept_id), await _record(other_id)
        return {"kept": kept, "other": other, "refusal": refusal.text(), "result": None}
    counts = {p: await Registration.count().where(Registration.participant == p) for p in (kept_id, other_id)}
    return {
        "kept": kept,
        "other": other,
        "refusal": None,
        "result": {**kept, **merged_details(kept, other)},
        "registrations": counts,
    }


async def _keep_earliest_consents(kept_id: int, other_id: int) -> None:
    """Every consent row (dated evidence) goes to the kept record; of each kind, the earliest consent still
    standing is kept and the later copies deleted; when the youth's last word on a kind was a withdrawal,
    the kept consent is withdrawn then too."""
    await Consent.update({Consent.participant: kept_id}).where(Consent.participant == other_id)
    rows = await Consent.select().where(Consent.participant == kept_id).order_by(Consent.given_at)
    for kind in {r["kind"] for r in rows}:
        of_kind = [r for r in rows if r["kind"] == kind]
        standing = [r for r in of_kind if r["withdrawn_at"] is None]
        if not standing:
            continue
        earliest, copies = standing[0], standing[1:]
        if copies:
            await Consent.delete().where(Consent.id.is_in([c["id"] for c in copies]))
        withdrawals = [r["withdrawn_at"] for r in of_kind if r["withdrawn_at"] is not None]
        last_given = max(r["given_at"] for r in standing)
        if withdrawals and max(withdrawals) > last_given:
            await Consent.update({Consent.withdrawn_at: max(withdrawals)}).where(Consent.id == earliest["id"])


async def merge(user: CurrentUser, kept_id: int, other_id: int, *, now: datetime | None = None) -> int:
    """Merge `other_id` into `kept_id` (organisers and admins of their organisation); returns how many
    registrations moved."""
    async with write_transaction():
        kept, other = await _check(user, kept_id, other_id)  # under the write lock: nothing changed meanwhile
        moved = (
            await Registration.update({Registration.participant: kept_id})
            .where(Registration.participant == other_id)
            .returning(Registration.id)
        )
        await _keep_earliest_consents(kept_id, other_id)
        await signals.send(registration_signals.youths_merged, kept_id=kept_id, other_id=other_id)
        await Participant.delete().where(Participant.id == other_id)
        changes = merged_details(kept, other)
        if changes:
            await Participant.update({getattr(Participant, k): v for k, v in changes.items()}).where(
                Participant.id == kept_id
            )
        await audit.record(
            user,
            kept["organisation"],
            ACTION,
            _(
                "%(other)s (%(other_phone)s) merged into %(kept)s (%(kept_phone)s)",
                other=f"{other['first_name']} {other['last_name']}",
                other_phone=other["phone"],
                kept=f"{kept['first_name']} {kept['last_name']}",
                kept_phone=kept["phone"],
            ),
            kept=kept_id,
            merged=other_id,
            registrations=[r["id"] for r in moved],
        )
    return len(moved)
