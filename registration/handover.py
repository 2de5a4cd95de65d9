"""A departing adviser's youths go to a colleague: the registrations they referred for their organisation and
their referral links, and each youth still taking part is told by text who their new contact is."""

from __future__ import annotations

from accounts.tables import Organisation, User
from core.db import after_commit
from core.i18n import gettext as _
from core.i18n import language
from messaging import addressing, outbox
from messaging.tables import Channel
from registration.people import display_phone
from registration.tables import ReferralLink, Registration, RegistrationStatus

STILL_FOLLOWED = (RegistrationStatus.confirmed, RegistrationStatus.waiting, RegistrationStatus.pending)


async def hand_over(from_user: int, to_user: int, organisation_id: int) -> dict[str, int]:
    """Inside the hand-over's transaction: what moved, by kind (youths, referral_links, texts)."""
    referred = (Registration.referred_by == from_user) & (Registration.referring_organisation == organisation_id)
    youths = await Registration.select(
        Registration.participant,
        Registration.status,
        Registration.participant.first_name.as_alias("first_name"),
        Registration.participant.phone.as_alias("phone"),
        Registration.participant.sms_opt_out_at.as_alias("opted_out"),
    ).where(referred)
    await Registration.update({Registration.referred_by: to_user}).where(referred)
    links = (
        await ReferralLink.update({ReferralLink.user: to_user})
        .where((ReferralLink.user == from_user) & (ReferralLink.organisation == organisation_id))
        .returning(ReferralLink.id)
    )
    told = await _tell_new_contact(youths, to_user, organisation_id)
    if told:
        after_commit(outbox.wake)
    return {"youths": len({y["participant"] for y in youths}), "referral_links": len(links), "texts": told}


async def _tell_new_contact(youths: list[dict], to_user: int, organisation_id: int) -> int:
    """One text per youth still taking part in something (quiet hours respected by the outbox)."""
    successor = await User.select(User.full_name, User.phone).where(User.id == to_user).first()
    organisation = (
        await Organisation.select(Organisation.name, Organisation.phone)
        .where(Organisation.id == organisation_id)
        .first()
    )
    phone = display_phone(successor["phone"] or organisation["phone"] or "")
    told, seen = 0, set()
    for youth in youths:
        if youth["participant"] in seen or youth["status"] not in STILL_FOLLOWED:
            continue
        seen.add(youth["participant"])
        if not addressing.can_text(phone=youth["phone"], opted_out=youth["opted_out"]):
            continue
        with language("fr"):  # texts to youths are in French (GSM-7: one segment where possible)
            text = _(
                "Hello %(first_name)s, at %(organisation)s your contact is now %(name)s%(phone)s. Tremplin",
                first_name=youth["first_name"],
                organisation=organisation["name"],
                name=successor["full_name"],
                phone=f" ({phone})" if phone else "",
            )
        key = addressing.key("new_contact", youth["participant"], Channel.sms, occasion=f"{organisation_id}-{to_user}")
        told += await outbox.enqueue_sms(to=youth["phone"], text=text, key=key, organisation_id=organisation_id)
    return told
