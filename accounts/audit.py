"""The audit log: administrative actions of an organisation (invitations, role changes, deactivations,
hand-overs, merges, API tokens), who did them and when. Written in the transaction of the action it records,
so an action that did not happen leaves no entry; never edited; shown to the organisation's admins."""

from __future__ import annotations

from typing import Any

from accounts.services import CurrentUser, require_role
from accounts.tables import AuditEntry, Role

PAGE = 100


async def record(actor: CurrentUser | None, organisation_id: int, action: str, summary: str, **details: Any) -> None:
    """Keep one entry. `summary` says what happened in words, with names as they are now (a person renamed
    or deactivated later still reads as they were); `details` holds the ids."""
    await AuditEntry(
        organisation=organisation_id,
        actor=actor.id if actor and actor.id else None,
        action=action,
        summary=summary,
        details=details,
    ).save()


async def entries(user: CurrentUser, organisation_id: int, *, before: int | None = None) -> list[dict]:
    """The latest entries of an organisation (admins only), newest first, a page at a time."""
    require_role(user, organisation_id, Role.admin)
    query = AuditEntry.select(
        AuditEntry.id,
        AuditEntry.action,
        AuditEntry.summary,
        AuditEntry.created_at,
        AuditEntry.actor.full_name.as_alias("actor_name"),
    ).where(AuditEntry.organisation == organisation_id)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    return await query.order_by(AuditEntry.id, ascending=False).limit(PAGE)
