"""A departing counsellor's or adviser's parcours go to their successor with the organisation's hand-over
(accounts.members.deactivate): the youth is told by text who their new contact is, the other side by e-mail,
and the successor gets the invitations of the touchpoints still to come."""

from __future__ import annotations

from accounts.tables import Organisation, User
from core.clock import utcnow
from core.db import after_commit
from core.i18n import gettext as _
from core.i18n import language
from core.settings import get_settings
from messaging import addressing, outbox
from messaging.tables import Channel
from parcours import invitations
from parcours.tables import Parcours, ParcoursStatus, Touchpoint, TouchpointStatus
from registration.people import display_phone

ROLES = {
    "adviser": Parcours.adviser_organisation,
    "counsellor": Parcours.organisation,
    "supervisor": Parcours.organisation,
}


async def hand_over(from_user: int, to_user: int, organisation_id: int) -> dict[str, int]:
    """Inside the hand-over's transaction: how many parcours moved (and texts and e-mails were queued)."""
    moved: set[int] = set()
    told = 0
    successor = await User.select(User.full_name, User.phone, User.email).where(User.id == to_user).first()
    organisation = (
        await Organisation.select(Organisation.name, Organisation.phone)
        .where(Organisation.id == organisation_id)
        .first()
    )
    for role, owner in ROLES.items():
        column = getattr(Parcours, role)
        rows = await Parcours.select(
            Parcours.id,
            Parcours.participant,
            Parcours.participant.first_name.as_alias("first_name"),
            Parcours.participant.phone.as_alias("phone"),
            Parcours.participant.sms_opt_out_at.as_alias("opted_out"),
            Parcours.adviser.email.as_alias("adviser_email"),
            Parcours.counsellor.email.as_alias("counsellor_email"),
            Parcours.organisation,
        ).where((column == from_user) & (owner == organisation_id) & (Parcours.status != ParcoursStatus.ended))
        if not rows:
            continue
        await Parcours.update({column: to_user}).where(Parcours.id.is_in([r["id"] for r in rows]))
        for row in rows:
            moved.add(row["id"])
            if role != "supervisor":
                told += await _tell_youth(row, successor, organisation, organisation_id, to_user)
                other = row["counsellor_email"] if role == "adviser" else row["adviser_email"]
                told += await _tell_other_side(row, other, successor, organisation, role)
            coming = await Touchpoint.select(Touchpoint.id, Touchpoint.participants).where(
                (Touchpoint.parcours == row["id"])
                & (Touchpoint.status == TouchpointStatus.planned)
                & (Touchpoint.starts_at > utcnow())
            )
            for touchpoint in coming:
                if role in invitations.roles_of(touchpoint):
                    await invitations.invite(touchpoint["id"], "REQUEST", only=role, occasion=f"to-{to_user}")
    if told:
        after_commit(outbox.wake)
    return {"parcours": len(moved)} if moved else {}


async def _tell_youth(row: dict, successor: dict, organisation: dict, organisation_id: int, to_user: int) -> int:
    if not addressing.can_text(phone=row["phone"], opted_out=row["opted_out"]):
        return 0
    phone = display_phone(successor["phone"] or organisation["phone"] or "")
    with language("fr"):  # the same words and key as registration's hand-over: a youth gets one text
        text = _(
            "Hello %(first_name)s, at %(organisation)s your contact is now %(name)s%(phone)s. Tremplin",
            first_name=row["first_name"],
            organisation=organisation["name"],
            name=successor["full_name"],
            phone=f" ({phone})" if phone else "",
        )
    key = addressing.key("new_contact", row["participant"], Channel.sms, occasion=f"{organisation_id}-{to_user}")
    return int(await outbox.enqueue_sms(to=row["phone"], text=text, key=key, organisation_id=organisation_id))


async def _tell_other_side(row: dict, email: str, successor: dict, organisation: dict, role: str) -> int:
    if not email:
        return 0
    with language("fr"):
        subject = _("Parcours of %(first_name)s: a new contact", first_name=row["first_name"])
        text = _(
            "%(name)s (%(organisation)s) now follows the parcours of %(first_name)s%(contact)s. The parcours: %(link)s",
            name=successor["full_name"],
            organisation=organisation["name"],
            first_name=row["first_name"],
            contact=f" — {successor['email']}" if successor["email"] else "",
            link=f"{get_settings().base_url}/parcours/{row['id']}",
        )
    key = addressing.key("parcours-new-contact", row["id"], Channel.email, occasion=f"{role}-{successor['email']}")
    return int(
        await outbox.enqueue_email(to=email, subject=subject, text=text, key=key, organisation_id=row["organisation"])
    )
