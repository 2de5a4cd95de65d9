"""An organisation's partner directory: the companies, MLs and SIAE it works with, and
the people there (a company contact needs no account)."""

from __future__ import annotations

import msgspec

from accounts.services import CurrentUser, require_role
from accounts.tables import Contact, Organisation, OrganisationKind, Partnership, Role, SiaeKind
from core.db import write_transaction
from core.errors import InvalidInput, NotFound
from core.forms import Input
from core.i18n import lazy


class PartnerOrganisationInput(Input, kw_only=True):
    name: str
    kind: OrganisationKind = OrganisationKind.entreprise
    siae_kind: SiaeKind = SiaeKind.none
    siret: str = ""
    address: str = ""
    postcode: str = ""
    city: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    notes: str = ""


class ContactInput(Input, kw_only=True):
    organisation_id: int
    full_name: str
    job_title: str = ""
    phone: str = ""
    email: str = ""
    notes: str = ""


async def in_directory(owner_id: int, organisation_id: int) -> bool:
    if owner_id == organisation_id:
        return True
    return await Partnership.exists().where((Partnership.owner == owner_id) & (Partnership.partner == organisation_id))


async def partners(user: CurrentUser, owner_id: int) -> list[dict]:
    require_role(user, owner_id, Role.viewer)
    return (
        await Partnership.select(
            Partnership.partner.id.as_alias("id"),
            Partnership.partner.name.as_alias("name"),
            Partnership.partner.kind.as_alias("kind"),
            Partnership.partner.siae_kind.as_alias("siae_kind"),
            Partnership.partner.city.as_alias("city"),
            Partnership.partner.phone.as_alias("phone"),
            Partnership.notes,
        )
        .where(Partnership.owner == owner_id)
        .order_by(Partnership.partner.name)
    )


async def add_partner(user: CurrentUser, owner_id: int, data: PartnerOrganisationInput) -> int:
    require_role(user, owner_id, Role.organiser)
    if not data.name.strip():
        raise InvalidInput(lazy("The organisation needs a name."), field="name")
    if data.kind != OrganisationKind.siae and data.siae_kind != SiaeKind.none:
        raise InvalidInput(lazy("Only an SIAE has an SIAE kind."), field="siae_kind")
    fields = msgspec.structs.asdict(data)
    notes = fields.pop("notes")
    async with write_transaction():
        organisation = Organisation(**{**fields, "name": data.name.strip()})
        await organisation.save()
        await Partnership(owner=owner_id, partner=organisation.id, notes=notes).save()
    return organisation.id


async def contacts(user: CurrentUser, owner_id: int, organisation_id: int | None = None) -> list[dict]:
    require_role(user, owner_id, Role.viewer)
    query = Contact.select(Contact.all_columns(), Contact.organisation.name.as_alias("organisation_name")).where(
        Contact.owner == owner_id
    )
    if organisation_id is not None:
        query = query.where(Contact.organisation == organisation_id)
    return await query.order_by(Contact.full_name)


async def add_contact(user: CurrentUser, owner_id: int, data: ContactInput) -> int:
    require_role(user, owner_id, Role.organiser)
    if not data.full_name.strip():
        raise InvalidInput(lazy("Enter a name."), field="full_name")
    if not await in_directory(owner_id, data.organisation_id):
        raise InvalidInput(lazy("This organisation is not in your partner directory."), field="organisation_id")
    async with write_transaction():
        contact = Contact(
            owner=owner_id,
            organisation=data.organisation_id,
            full_name=data.full_name.strip(),
            job_title=data.job_title,
            phone=data.phone,
            email=data.email,
            notes=data.notes,
        )
        await contact.save()
    return contact.id


async def delete_contact(user: CurrentUser, contact_id: int) -> None:
    contact = await Contact.objects().where(Contact.id == contact_id).first()
    if contact is None or contact.owner not in user.roles:
        raise NotFound()
    require_role(user, contact.owner, Role.organiser)
    async with write_transaction():
        await Contact.delete().where(Contact.id == contact_id)
