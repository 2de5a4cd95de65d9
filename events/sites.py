"""Sites: the places events happen at, kept by an organisation."""

from __future__ import annotations

import re

import msgspec

from accounts.directory import in_directory
from accounts.services import CurrentUser, require_role
from accounts.tables import Role
from core.db import write_transaction
from core.errors import InvalidInput, NotFound
from core.i18n import lazy
from events.errors import InvalidCoordinates
from events.inputs import SiteInput
from events.services import organiser_organisation
from events.tables import Site

SECTORS = [
    "logistique",
    "aide_a_la_personne",
    "btp",
    "commerce",
    "industrie",
    "hotellerie_restauration",
    "espaces_verts",
    "proprete",
    "automobile",
    "transport",
    "agriculture",
    "administration",
    "numerique",
    "sante",
    "autre",
]
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _check(data: SiteInput) -> None:
    if (data.latitude is None) != (data.longitude is None):
        raise InvalidCoordinates(field="longitude" if data.longitude is None else "latitude")
    if data.latitude is not None and not -90 <= data.latitude <= 90:
        raise InvalidCoordinates(field="latitude")
    if data.longitude is not None and not -180 <= data.longitude <= 180:
        raise InvalidCoordinates(field="longitude")
    if data.sector and data.sector not in SECTORS:
        raise InvalidInput(lazy("Choose one of the proposed options."), field="sector")
    for window in data.opening_hours:
        if not (_HHMM.match(window.start) and _HHMM.match(window.end)) or window.end <= window.start:
            raise InvalidInput(
                lazy("Each opening window needs a start and a later end (HH:MM)."), field="opening_hours"
            )


def _values(data: SiteInput) -> dict:
    values = msgspec.structs.asdict(data)
    values["opening_hours"] = msgspec.to_builtins(data.opening_hours)
    values["host"] = values.pop("host_id")
    values.pop("organisation_id")
    return values


async def list_sites(user: CurrentUser) -> list[dict]:
    return (
        await Site.select(Site.all_columns(), Site.organisation.name.as_alias("organisation_name"))
        .where(Site.organisation.is_in(user.organisation_ids or [-1]))
        .output(load_json=True)
        .order_by(Site.name)
    )


async def get_site(user: CurrentUser, site_id: int) -> dict:
    site = (
        await Site.select()
        .where((Site.id == site_id) & Site.organisation.is_in(user.organisation_ids or [-1]))
        .output(load_json=True)
        .first()
    )
    if site is None:
        raise NotFound()
    return site


async def create_site(user: CurrentUser, data: SiteInput) -> int:
    organisation_id = await organiser_organisation(user, data.organisation_id)
    _check(data)
    if data.host_id is not None and not await in_directory(organisation_id, data.host_id):
        raise InvalidInput(lazy("This organisation is not in your partner directory."), field="host_id")
    async with write_transaction():
        site = Site(organisation=organisation_id, **_values(data))
        await site.save()
    return site.id


async def update_site(user: CurrentUser, site_id: int, data: SiteInput) -> None:
    site = await get_site(user, site_id)
    require_role(user, site["organisation"], Role.organiser)
    _check(data)
    if data.host_id is not None and not await in_directory(site["organisation"], data.host_id):
        raise InvalidInput(lazy("This organisation is not in your partner directory."), field="host_id")
    async with write_transaction():
        await Site.update({getattr(Site, k): v for k, v in _values(data).items()}).where(Site.id == site_id)
