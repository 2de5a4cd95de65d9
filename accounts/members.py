"""An organisation's people, run from the console: invitations by e-mail, roles, departures and hand-overs.

An invitation is a single-use link valid 7 days (only its hash is kept); re-sending makes a new link and the
old one stops working. A member who leaves is deactivated, never deleted: their history stays theirs, their
access ends at once (the console reads memberships on every request), their API tokens are revoked, and the
features above revoke the rest (`member_left`). A hand-over gives their work to a colleague in one
transaction (`handed_over`, answered by the features that hold work). An organisation always keeps an admin.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from accounts import audit
from accounts import signals as accounts_signals
from accounts.passwords import hash_password, verify_password
from accounts.services import CurrentUser, normalise_email, require_role, token_hash
from accounts.tables import ApiToken, Invitation, Membership, Organisation, Role, User
from core import signals
from core.clock import utcnow
from core.db import write_transaction
from core.errors import InvalidInput, NotFound, Refusal
from core.i18n import gettext as _
from core.i18n import lazy
from core.labels import label
from core.settings import get_settings

INVITATION_VALIDITY = timedelta(days=7)


class AlreadyMember(Refusal):
    code = "already_member"
    status_code = 409
    message = lazy("%(email)s is already a member of this organisation.")


class InvitationInvalid(Refusal):
    code = "invitation_invalid"
    status_code = 400
    message = lazy("This invitation link is not valid. Ask the person who invited you for a new one.")


class InvitationUsed(InvitationInvalid):
    code = "invitation_used"
    message = lazy("This invitation was already used or withdrawn. Ask the person who invited you for a new one.")


class InvitationExpired(InvitationInvalid):
    code = "invitation_expired"
    message = lazy(
        "This invitation has expired (links are valid 7 days). Ask the person who invited you to send it again."
    )


class LastAdmin(Refusal):
    code = "last_admin"
    status_code = 409
    message = lazy("%(name)s is the organisation's only admin: make someone else admin first.")


class SuccessorRefused(Refusal):
    code = "successor_refused"
    status_code = 400
    message = lazy(
        "The work can only be handed to an active member of this organisation, other than the person leaving."
    )


class WrongPassword(InvalidInput):
    code = "wrong_password"
    message = lazy("This is not the password of this account.")


def _active(organisation_id: int):
    return (Membership.organisation == organisation_id) & Membership.deactivated_at.is_null()


# --------------------------------------------------------------------------- reading


async def members(user: CurrentUser, organisation_id: int) -> list[dict[str, Any]]:
    """Everyone who is or was a member: name, e-mail, role, last login, active or left (any member may see)."""
    require_role(user, organisation_id, Role.viewer)
    rows = await (
        Membership.select(
            Membership.id,
            Membership.role,
            Membership.deactivated_at,
            Membership.user.as_alias("user_id"),
            Membership.user.full_name.as_alias("full_name"),
            Membership.user.email.as_alias("email"),
            Membership.user.phone.as_alias("phone"),
            Membership.user.last_login_at.as_alias("last_login_at"),
        )
        .where(Membership.organisation == organisation_id)
        .order_by(Membership.user.full_name)
    )
    return sorted(rows, key=lambda m: m["deactivated_at"] is not None)  # those who left come last


async def pending_invitations(user: CurrentUser, organisation_id: int) -> list[dict[str, Any]]:
    require_role(user, organisation_id, Role.admin)
    return await (
        Invitation.select(
            Invitation.id,
            Invitation.email,
            Invitation.role,
            Invitation.created_at,
            Invitation.expires_at,
            Invitation.invited_by.full_name.as_alias("invited_by_name"),
        )
        .where(
            (Invitation.organisation == organisation_id)
            & Invitation.accepted_at.is_null()
            & Invitation.revoked_at.is_null()
        )
        .order_by(Invitation.created_at, ascending=False)
    )


# --------------------------------------------------------------------------- invitations


async def invite(user: CurrentUser, organisation_id: int, email: str, role: Role) -> int:
    """Invite someone by e-mail (admins only): the mail goes through the outbox; the invitation's id."""
    require_role(user, organisation_id, Role.admin)
    email = normalise_email(email)
    if "@" not in email.strip("@") or " " in email or len(email) > 254:
        raise InvalidInput(lazy("Enter a valid e-mail address."), field="email")
    async with write_transaction():
        member = await Membership.exists().where(_active(organisation_id) & (Membership.user.email == email))
        if member:
            raise AlreadyMember(field="email", email=email)
        # One live invitation per address: inviting again replaces the earlier link.
        await Invitation.update({Invitation.revoked_at: utcnow()}).where(
            (Invitation.organisation == organisation_id)
            & (Invitation.email == email)
            & Invitation.accepted_at.is_null()
            & Invitation.revoked_at.is_null()
        )
        invitation = Invitation(
            organisation=organisation_id,
            email=email,
            role=role,
            token_hash="",
            invited_by=user.id,
            expires_at=utcnow() + INVITATION_VALIDITY,
        )
        await invitation.save()
        await _send(user, invitation.id, organisation_id, email, role)
        await audit.record(
            user, organisation_id, "invitation_sent", _summary_invited(email, role), invitation=invitation.id
        )
    return invitation.id


async def resend(user: CurrentUser, organisation_id: int, invitation_id: int) -> None:
    """A new link for 7 more days; the one sent before stops working."""
    invitation = await _pending(user, organisation_id, invitation_id)
    async with write_transaction():
        await Invitation.update({Invitation.expires_at: utcnow() + INVITATION_VALIDITY}).where(
            Invitation.id == invitation_id
        )
        await _send(user, invitation_id, organisation_id, invitation["email"], Role(invitation["role"]))
        await audit.record(
            user,
            organisation_id,
            "invitation_resent",
            _summary_invited(invitation["email"], Role(invitation["role"])),
            invitation=invitation_id,
        )


async def revoke(user: CurrentUser, organisation_id: int, invitation_id: int) -> None:
    invitation = await _pending(user, organisation_id, invitation_id)
    async with write_transaction():
        await Invitation.update({Invitation.revoked_at: utcnow()}).where(Invitation.id == invitation_id)
        summary = _("Invitation of %(email)s withdrawn", email=invitation["email"])
        await audit.record(user, organisation_id, "invitation_revoked", summary, invitation=invitation_id)


async def _pending(user: CurrentUser, organisation_id: int, invitation_id: int) -> dict:
    require_role(user, organisation_id, Role.admin)
    found = (
        await Invitation.select()
        .where(
            (Invitation.id == invitation_id)
            & (Invitation.organisation == organisation_id)
            & Invitation.accepted_at.is_null()
            & Invitation.revoked_at.is_null()
        )
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def _summary_invited(email: str, role: Role) -> str:
    return _("%(email)s invited as %(role)s", email=email, role=label("role", role))


async def _send(user: CurrentUser, invitation_id: int, organisation_id: int, email: str, role: Role) -> None:
    token = secrets.token_urlsafe(32)
    await Invitation.update({Invitation.token_hash: token_hash(token)}).where(Invitation.id == invitation_id)
    organisation = await Organisation.select(Organisation.name).where(Organisation.id == organisation_id).first()
    link = f"{get_settings().base_url}/invitations/{token}"
    subject = _("%(name)s invites you to Tremplin", name=user.full_name)
    text = _(
        "Hello,\n\n%(name)s invites you to join %(organisation)s on Tremplin as %(role)s.\n\n"
        "To accept, open this link within 7 days and choose your password:\n%(link)s\n\n"
        "If you were not expecting this invitation, ignore this message.",
        name=user.full_name,
        organisation=organisation["name"],
        role=label("role", role),
        link=link,
    )
    key = f"invitation:{invitation_id}:{token_hash(token)[:12]}"
    await signals.send(accounts_signals.mail_to_user, to=email, subject=subject, text=text, key=key)


async def invitation_by_token(token: str) -> dict[str, Any]:
    """The invitation a link opens, with whether its address already has an account; refused when used or old."""
    found = (
        await Invitation.select(Invitation.all_columns(), Invitation.organisation.name.as_alias("organisation_name"))
        .where(Invitation.token_hash == token_hash(token))
        .first()
    )
    if found is None:
        raise InvitationInvalid()
    if found["accepted_at"] is not None or found["revoked_at"] is not None:
        raise InvitationUsed()
    if found["expires_at"] <= utcnow():
        raise InvitationExpired()
    found["has_account"] = await User.exists().where(User.email == found["email"])
    return found


async def accept(token: str, *, full_name: str = "", password: str = "") -> User:
    """Join through the link: a new person sets their name and password; someone who already has an account
    (another organisation's member) confirms with their password. The link works once."""
    invitation = await invitation_by_token(token)
    existing = await User.objects().where(User.email == invitation["email"]).first()
    if existing is not None:
        if not await verify_password(existing.password_hash, password):
            raise WrongPassword(field="password")
        password_hash = existing.password_hash
    else:
        if not full_name.strip():
            raise InvalidInput(lazy("Enter a name."), field="full_name")
        password_hash = await hash_password(password)
    async with write_transaction():
        used = (
            await Invitation.update({Invitation.accepted_at: utcnow()})
            .where(
                (Invitation.id == invitation["id"]) & Invitation.accepted_at.is_null() & Invitation.revoked_at.is_null()
            )
            .returning(Invitation.id)
        )
        if not used:  # the same link opened twice at once
            raise InvitationUsed()
        if existing is None:
            existing = User(email=invitation["email"], full_name=full_name.strip()[:200], password_hash=password_hash)
            await existing.save()
        await User.update({User.is_active: True}).where(User.id == existing.id)
        await _join(existing.id, invitation["organisation"], Role(invitation["role"]))
        await Invitation.update({Invitation.accepted_by: existing.id}).where(Invitation.id == invitation["id"])
        newcomer = CurrentUser(id=existing.id, email=existing.email, full_name=existing.full_name, language="fr")
        summary = _("%(name)s joined as %(role)s", name=existing.full_name, role=label("role", invitation["role"]))
        await audit.record(newcomer, invitation["organisation"], "invitation_accepted", summary)
    return existing


async def _join(user_id: int, organisation_id: int, role: Role) -> None:
    mine = (Membership.user == user_id) & (Membership.organisation == organisation_id)
    if await Membership.exists().where(mine):  # someone who left and comes back
        await Membership.update({Membership.role: role, Membership.deactivated_at: None}).where(mine)
    else:
        await Membership(user=user_id, organisation=organisation_id, role=role).save()


# --------------------------------------------------------------------------- roles and departures


async def _membership(organisation_id: int, membership_id: int) -> dict:
    found = (
        await Membership.select(
            Membership.id,
            Membership.role,
            Membership.deactivated_at,
            Membership.user,
            Membership.user.full_name.as_alias("full_name"),
        )
        .where((Membership.id == membership_id) & (Membership.organisation == organisation_id))
        .first()
    )
    if found is None:
        raise NotFound()
    return found


async def _keeps_an_admin(organisation_id: int, membership: dict) -> None:
    """Refuse a change that would leave the organisation without an active admin."""
    others = await Membership.count().where(
        _active(organisation_id) & (Membership.role == Role.admin) & (Membership.id != membership["id"])
    )
    if not others:
        raise LastAdmin(name=membership["full_name"])


async def change_role(user: CurrentUser, organisation_id: int, membership_id: int, role: Role) -> None:
    require_role(user, organisation_id, Role.admin)
    async with write_transaction():
        membership = await _membership(organisation_id, membership_id)
        if membership["deactivated_at"] is not None:
            raise NotFound()
        if membership["role"] == role:
            return
        if membership["role"] == Role.admin:
            await _keeps_an_admin(organisation_id, membership)
        await Membership.update({Membership.role: role}).where(Membership.id == membership_id)
        summary = _(
            "%(name)s: %(before)s → %(after)s",
            name=membership["full_name"],
            before=label("role", membership["role"]),
            after=label("role", role),
        )
        await audit.record(user, organisation_id, "role_changed", summary, member=membership["user"], role=role.value)


async def deactivate(
    user: CurrentUser, organisation_id: int, membership_id: int, *, successor_membership: int | None = None
) -> dict[str, int]:
    """Someone leaves (admins only): their access to the organisation ends at once, their API tokens and paired
    phones are revoked, and, when a successor is named, their work is handed over (what moved, by kind)."""
    require_role(user, organisation_id, Role.admin)
    async with write_transaction():
        leaving = await _membership(organisation_id, membership_id)
        if leaving["deactivated_at"] is not None:
            raise NotFound()
        if leaving["role"] == Role.admin:
            await _keeps_an_admin(organisation_id, leaving)
        moved = await _hand_over(user, organisation_id, leaving, successor_membership) if successor_membership else {}
        now = utcnow()
        await Membership.update({Membership.deactivated_at: now}).where(Membership.id == membership_id)
        if not await Membership.exists().where(
            (Membership.user == leaving["user"]) & Membership.deactivated_at.is_null()
        ):
            await User.update({User.is_active: False}).where(User.id == leaving["user"])  # every session ends
        await ApiToken.update({ApiToken.revoked_at: now}).where(
            (ApiToken.organisation == organisation_id)
            & (ApiToken.created_by == leaving["user"])
            & ApiToken.revoked_at.is_null()
        )
        await signals.send(accounts_signals.member_left, user_id=leaving["user"], organisation_id=organisation_id)
        summary = _("%(name)s deactivated", name=leaving["full_name"])
        await audit.record(user, organisation_id, "member_deactivated", summary, member=leaving["user"])
    return moved


async def _hand_over(user: CurrentUser, organisation_id: int, leaving: dict, successor_membership: int) -> dict:
    successor = (
        await Membership.select(Membership.user, Membership.user.full_name.as_alias("full_name"))
        .where(_active(organisation_id) & (Membership.id == successor_membership) & (Membership.id != leaving["id"]))
        .first()
    )
    if successor is None:
        raise SuccessorRefused(field="successor")
    moved: dict[str, int] = {}
    for answer in await signals.send(
        accounts_signals.handed_over,
        from_user=leaving["user"],
        to_user=successor["user"],
        organisation_id=organisation_id,
    ):
        for kind, count in (answer or {}).items():
            moved[kind] = moved.get(kind, 0) + count
    summary = _("Work of %(from)s handed to %(to)s", **{"from": leaving["full_name"], "to": successor["full_name"]})
    await audit.record(
        user, organisation_id, "handed_over", summary, from_user=leaving["user"], to_user=successor["user"], **moved
    )
    return moved
